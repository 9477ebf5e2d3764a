"""`make bench`: NQ's main pages against a bare Flask page, requests per second.

1. Builds (once) a large database: `flask db upgrade` + `flask seed-large`
   (BENCH_DATABASE_URL, default SQLite in instance/bench.sqlite3).
2. Serves NQ with gunicorn (2 workers) and, beside it, bench/bare_app.py
   (2 workers): plain Flask with no extensions rendering a 20-row Jinja page,
   the stack's ceiling.
3. Two kinds of runs (``--only`` picks some), each alternating bare and NQ
   runs of wrk (1 thread, a few connections) for several rounds:

   warm   every benched page, served from NQ's caches once seen;
   cold   the four main pages from a second NQ gunicorn started with
          NQ_PAGE_CACHE=0 (every page cache off).

   Prints rps and p50/p95 latency per page, the ratio NQ/bare (median of
   rounds) with its target, and finally one JSON line with every ratio.

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
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_DB = f"sqlite:///{ROOT / 'instance' / 'bench.sqlite3'}"
PASSWORD = "networking-demo"
# Sent on every request, the login's included, like a browser: Flask-Login's
# session protection compares it with the one the session was signed in with.
USER_AGENT = "nq-bench/1"

TARGETS = {  # page → minimum ratio when warm (QUALITY.md 28)
    "dashboard": 0.30,
    "group": 0.30,
    "meetup": 0.30,
    "admin_home": 0.30,
    "attendance": None,
    "value": 0.10,
    "value_csv": 0.10,
}
MAIN_PAGES = ("dashboard", "group", "meetup", "admin_home")
COLD_TARGET = 0.12  # every page cache off
KINDS = ("warm", "cold")

Result = dict[str, Any]


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


class Browser:
    """One signed-in person: a cookie jar, like a browser's."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.opener.addheaders = [("User-Agent", USER_AGENT)]

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path) as response:
            return response.read().decode()

    def cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    if match is None:
        raise RuntimeError("no csrf_token in the page")
    return match.group(1)


def login(base: str, email: str) -> Browser:
    """Sign in through the real login form."""
    browser = Browser(base)
    token = csrf_token(browser.get("/login"))
    data = urllib.parse.urlencode({"email": email, "password": PASSWORD, "csrf_token": token}).encode()
    with browser.opener.open(f"{base}/login", data=data) as response:
        if response.geturl().rstrip("/").endswith("/login"):
            raise RuntimeError(f"bench login failed for {email}")
    return browser


def fetch_size(url: str, cookie: str) -> int:
    headers = {"User-Agent": USER_AGENT, **({"Cookie": cookie} if cookie else {})}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as response:
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status}")
        return len(response.read())


def wrk(url: str, seconds: int, connections: int, script: str = "wrk_report.lua", **env: str) -> Result:
    result = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", str(ROOT / "bench" / script), url],
        env={**os.environ, "BENCH_UA": USER_AGENT, **env}, capture_output=True, text=True, check=True,
    )
    line = next(row for row in result.stdout.splitlines() if row.startswith("WRK_JSON "))
    return json.loads(line[len("WRK_JSON "):])


def compare(name: str, nq: Callable[[int], Result], bare: Callable[[int], Result], args: argparse.Namespace,
            metric: str, target: float | None, **extra: Any) -> Result:
    """Warm both up, then alternate bare and NQ runs; figures are medians of the rounds."""
    nq(1)
    bare(1)
    rounds = []
    for _ in range(args.rounds):
        b = bare(args.seconds)
        n = nq(args.seconds)
        if n["errors"] or b["errors"]:
            raise RuntimeError(f"{name}: non-2xx/3xx answers or socket errors during the run "
                               f"({n['errors']} NQ, {b['errors']} bare)")
        rounds.append((n, b, n[metric] / b[metric]))

    def median(side: int, key: str) -> float:
        return statistics.median(r[side][key] for r in rounds)

    return {
        **extra,
        "nq_rps": median(0, metric), "bare_rps": median(1, metric),
        "nq_p50_ms": median(0, "p50_ms"), "nq_p95_ms": median(0, "p95_ms"),
        "bare_p50_ms": median(1, "p50_ms"), "bare_p95_ms": median(1, "p95_ms"),
        "ratio": statistics.median(r[2] for r in rounds), "target": target,
    }


def page_run(base: str, path: str, cookie: str, args: argparse.Namespace) -> Callable[[int], Result]:
    return lambda seconds: wrk(base + path, seconds, args.connections, BENCH_COOKIE=cookie)


# --- main ---------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", 3)))
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", 4)))
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--rebuild", action="store_true", help="drop and re-seed the bench database")
    parser.add_argument("--pages", default=",".join(TARGETS),
                        help="pages to run (cold runs take the main four among them)")
    parser.add_argument("--only", default=",".join(KINDS), help="kinds of runs: warm, cold (comma-separated)")
    args = parser.parse_args()
    pages = args.pages.split(",")
    kinds = args.only.split(",")
    unknown = [p for p in pages if p not in TARGETS] + [k for k in kinds if k not in KINDS]
    if unknown:
        parser.error(f"unknown page or kind: {', '.join(unknown)}")
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2

    database = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    env = {**os.environ, "DATABASE_URL": database, "NQ_ENV": "benchmark", "SECRET_KEY": "bench-secret",
           "FLASK_APP": "app"}
    env.pop("FLASK_DEBUG", None)
    env.pop("NQ_PAGE_CACHE", None)  # the warm server keeps its caches whatever the caller's shell says
    (ROOT / "instance").mkdir(exist_ok=True)
    targets = prepare_database(env, args.rebuild)
    nq_port, bare_port = free_port(), free_port()
    servers = [gunicorn("app:create_app()", nq_port, env), gunicorn("bench.bare_app:create_bare_app()", bare_port, env)]
    results: dict[str, Result] = {}
    try:
        nq, bare = f"http://127.0.0.1:{nq_port}", f"http://127.0.0.1:{bare_port}"
        browsers: dict[str, Browser] = {}

        def browser(email: str) -> Browser:
            if email not in browsers:
                browsers[email] = login(nq, email)
            return browsers[email]

        def cookie(role: str) -> str:
            return browser(targets[f"{role}_email"]).cookie()

        bare_size = fetch_size(bare + "/", "")
        if "warm" in kinds:
            for page in pages:
                path, role = targets[f"{page}_path"], targets[f"{page}_role"]
                size = fetch_size(nq + path, cookie(role))
                results[page] = compare(page, page_run(nq, path, cookie(role), args), page_run(bare, "/", "", args),
                                        args, "rps", TARGETS[page], path=path, bytes=size, kind="warm")
        main_pages = [p for p in pages if p in MAIN_PAGES]
        if "cold" in kinds and main_pages:
            cold_port = free_port()
            cold = gunicorn("app:create_app()", cold_port, {**env, "NQ_PAGE_CACHE": "0"})
            try:
                cold_base = f"http://127.0.0.1:{cold_port}"
                for page in main_pages:
                    path, role = targets[f"{page}_path"], targets[f"{page}_role"]
                    size = fetch_size(cold_base + path, cookie(role))  # same secret and database: same cookies
                    results[f"{page}_cold"] = compare(
                        f"{page}_cold", page_run(cold_base, path, cookie(role), args), page_run(bare, "/", "", args),
                        args, "rps", COLD_TARGET, path=path, bytes=size, kind="cold")
            finally:
                stop(cold)
    finally:
        for proc in servers:
            stop(proc)
    print_tables(results, database, bare_size)
    print(json.dumps({"database": database.split(":", 1)[0],
                      "ratios": {name: round(r["ratio"], 3) for name, r in results.items()}}))
    failed = [name for name, r in results.items() if r["target"] and r["ratio"] < r["target"]]
    return 1 if failed else 0


def print_tables(results: dict[str, Result], database: str, bare_size: int) -> None:
    titles = {
        "warm": "warm: requests per second",
        "cold": "cold (NQ_PAGE_CACHE=0): requests per second",
    }
    print(f"\nNQ vs bare Flask ({bare_size} bytes, 20 rows) — database {database.split('://')[0]}, "
          "gunicorn -w 2, wrk -t1 (median of rounds)")
    for kind, title in titles.items():
        rows = {name: r for name, r in results.items() if r["kind"] == kind}
        if not rows:
            continue
        print(f"\n{title}")
        header = (f"{'page':<18}{'bytes':>8}{'NQ rps':>9}{'p50 ms':>8}{'p95 ms':>8}{'bare rps':>10}{'p50 ms':>8}"
                  f"{'p95 ms':>8}{'ratio':>7}{'target':>8}")
        print(header)
        print("-" * len(header))
        for name, r in rows.items():
            target = f"≥{r['target']:.2f}" if r["target"] else "—"
            ok = "" if not r["target"] else (" ok" if r["ratio"] >= r["target"] else " MISS")
            size = f"{r['bytes']}" if r["bytes"] else "—"
            print(f"{name:<18}{size:>8}{r['nq_rps']:>9.0f}{r['nq_p50_ms']:>8.1f}{r['nq_p95_ms']:>8.1f}"
                  f"{r['bare_rps']:>10.0f}{r['bare_p50_ms']:>8.1f}{r['bare_p95_ms']:>8.1f}{r['ratio']:>7.2f}"
                  f"{target:>8}{ok}")


if __name__ == "__main__":
    sys.exit(main())
