"""`make bench`: NQ's main pages against a bare Flask page, requests per second.

1. Builds (once) a large database: `flask db upgrade` + `flask seed-large`
   (BENCH_DATABASE_URL, default SQLite in instance/bench.sqlite3).
2. Serves NQ with gunicorn (2 workers) and, beside it, bench/bare_app.py
   (2 workers): plain Flask with no extensions rendering a 20-row Jinja page,
   the stack's ceiling.
3. For each page, alternates bare and NQ runs of wrk (1 thread, a few
   connections) for several rounds; prints rps and p50/p95 latency per page,
   the ratio NQ/bare (median of rounds), and finally one JSON line.

Both servers and the load generator share this machine, as QUALITY.md 28 asks.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_DB = f"sqlite:///{ROOT / 'instance' / 'bench.sqlite3'}"
PASSWORD = "networking-demo"
# Sent on every request, the login's included, like a browser: Flask-Login's
# session protection compares it with the one the session was signed in with.
USER_AGENT = "nq-bench/1"

TARGETS = {  # page → minimum ratio (QUALITY.md 28)
    "dashboard": 0.30,
    "group": 0.30,
    "meetup": 0.30,
    "admin_home": 0.30,
    "attendance": None,
    "value": 0.10,
    "value_csv": 0.10,
}


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


def prepare_database(env: dict[str, str], rebuild: bool) -> dict[str, str]:
    """Migrate and seed the large data set once; return the bench targets (paths, logins)."""
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
    raise RuntimeError(f"server on port {port} did not start: {proc.stderr.read().decode()[-2000:]}")


def gunicorn(app_spec: str, port: int, env: dict[str, str]) -> subprocess.Popen:
    return start(
        [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--access-logfile", "/dev/null",
         "--error-logfile", "-", "--log-level", "warning", app_spec],
        env, port,
    )


def login_cookie(base: str, email: str) -> str:
    """Sign in through the real login form; return the Cookie header value."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    html = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    data = urllib.parse.urlencode({"email": email, "password": PASSWORD, "csrf_token": token}).encode()
    response = opener.open(f"{base}/login", data=data)
    if response.geturl().rstrip("/").endswith("/login"):
        raise RuntimeError(f"bench login failed for {email}")
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def fetch_size(url: str, cookie: str) -> int:
    request = urllib.request.Request(url, headers={"Cookie": cookie, "User-Agent": USER_AGENT})
    with urllib.request.urlopen(request) as response:
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status}")
        return len(response.read())


def wrk(url: str, cookie: str, seconds: int, connections: int) -> dict[str, float]:
    env = {**os.environ, "BENCH_COOKIE": cookie, "BENCH_UA": USER_AGENT}
    result = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", str(ROOT / "bench" / "wrk_report.lua"), url],
        env=env, capture_output=True, text=True, check=True,
    )
    line = next(row for row in result.stdout.splitlines() if row.startswith("WRK_JSON "))
    return json.loads(line[len("WRK_JSON "):])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", 3)))
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", 4)))
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--rebuild", action="store_true", help="drop and re-seed the bench database")
    parser.add_argument("--pages", default=",".join(TARGETS))
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2

    env = {**os.environ, "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB),
           "NQ_ENV": "benchmark", "SECRET_KEY": "bench-secret", "FLASK_APP": "app"}
    env.pop("FLASK_DEBUG", None)
    (ROOT / "instance").mkdir(exist_ok=True)
    targets = prepare_database(env, args.rebuild)
    nq_port, bare_port = free_port(), free_port()
    servers = [gunicorn("app:create_app()", nq_port, env), gunicorn("bench.bare_app:create_bare_app()", bare_port, env)]
    try:
        nq, bare = f"http://127.0.0.1:{nq_port}", f"http://127.0.0.1:{bare_port}"
        cookies = {role: login_cookie(nq, targets[f"{role}_email"]) for role in ("member", "host")}
        results = {}
        for page in args.pages.split(","):
            path, role = targets[f"{page}_path"], targets[f"{page}_role"]
            size = fetch_size(nq + path, cookies[role])
            bare_url = f"{bare}/"
            fetch_size(bare_url, "")
            wrk(nq + path, cookies[role], 1, args.connections)  # warm up both
            wrk(bare_url, "", 1, args.connections)
            rounds = []
            for _ in range(args.rounds):
                b = wrk(bare_url, "", args.seconds, args.connections)
                n = wrk(nq + path, cookies[role], args.seconds, args.connections)
                if n["errors"] or b["errors"]:
                    raise RuntimeError(f"{page}: non-2xx answers during the run ({n['errors']} NQ, {b['errors']} bare)")
                rounds.append((n, b, n["rps"] / b["rps"]))
            ratio = statistics.median(r[2] for r in rounds)
            results[page] = {
                "path": path, "bytes": size,
                "nq_rps": statistics.median(r[0]["rps"] for r in rounds),
                "bare_rps": statistics.median(r[1]["rps"] for r in rounds),
                "nq_p50_ms": statistics.median(r[0]["p50_ms"] for r in rounds),
                "nq_p95_ms": statistics.median(r[0]["p95_ms"] for r in rounds),
                "bare_p50_ms": statistics.median(r[1]["p50_ms"] for r in rounds),
                "bare_p95_ms": statistics.median(r[1]["p95_ms"] for r in rounds),
                "ratio": ratio, "target": TARGETS.get(page),
            }
        print_table(results, env["DATABASE_URL"])
        print(json.dumps({"database": env["DATABASE_URL"].split(":", 1)[0],
                          "ratios": {page: round(r["ratio"], 3) for page, r in results.items()}}))
        failed = [p for p, r in results.items() if r["target"] and r["ratio"] < r["target"]]
        return 1 if failed else 0
    finally:
        for proc in servers:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)


def print_table(results: dict, database: str) -> None:
    print(f"\nNQ vs bare Flask — database {database.split('://')[0]}, gunicorn -w 2, wrk -t1 (median of rounds)")
    header = f"{'page':<12}{'bytes':>8}{'NQ rps':>9}{'p50 ms':>8}{'p95 ms':>8}{'bare rps':>10}{'p50 ms':>8}{'p95 ms':>8}{'ratio':>7}{'target':>8}"
    print(header)
    print("-" * len(header))
    for page, r in results.items():
        target = f"≥{r['target']:.2f}" if r["target"] else "—"
        ok = "" if not r["target"] else (" ok" if r["ratio"] >= r["target"] else " MISS")
        print(f"{page:<12}{r['bytes']:>8}{r['nq_rps']:>9.0f}{r['nq_p50_ms']:>8.1f}{r['nq_p95_ms']:>8.1f}"
              f"{r['bare_rps']:>10.0f}{r['bare_p50_ms']:>8.1f}{r['bare_p95_ms']:>8.1f}{r['ratio']:>7.2f}{target:>8}{ok}")


if __name__ == "__main__":
    sys.exit(main())
