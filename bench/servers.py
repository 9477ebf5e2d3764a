"""The bench's processes: the large database (migrated and seeded once), free
ports, gunicorn servers started and stopped."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def flask(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [str(BIN / "flask"), "--app", "app", *args], cwd=ROOT, env=env, capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def prepare_database(env: dict[str, str], rebuild: bool) -> dict[str, Any]:
    """Migrate and seed the large data set once; return the bench targets (paths, logins, actors)."""
    if rebuild:
        flask(env, "seed-large", "--reset")
    out = flask(env, "db", "upgrade")
    del out
    started = time.perf_counter()
    out = flask(env, "seed-large", "--if-new")
    if "created" in out:
        print(f"seed-large: {out.strip().splitlines()[-1]} ({time.perf_counter() - started:.1f} s)")
    return json.loads(flask(env, "seed-large", "--targets").strip().splitlines()[-1])


def start(cmd: list[str], env: dict[str, str], port: int) -> subprocess.Popen:
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    raise RuntimeError(f"server on port {port} did not start: {stderr[-2000:]}")


def gunicorn(app_spec: str, port: int, env: dict[str, str]) -> subprocess.Popen:
    return start(
        [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--access-logfile", "/dev/null",
         "--error-logfile", "-", "--log-level", "warning", app_spec],
        env, port,
    )


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=10)
