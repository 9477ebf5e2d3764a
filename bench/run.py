"""`make bench`: NQ's main pages against a bare Flask page, requests per second.

1. Builds (once) a large database: `flask db upgrade` + `flask seed-large`
   (BENCH_DATABASE_URL, default SQLite in instance/bench.sqlite3).
2. Serves NQ with gunicorn (2 workers) and, beside it, bench/bare_app.py
   (2 workers): plain Flask with no extensions rendering a 20-row Jinja page,
   the stack's ceiling.
3. Three kinds of runs (``--only`` picks some), each alternating bare and NQ
   runs of wrk (1 thread, a few connections) for several rounds:

   warm   every benched page, served from NQ's caches once seen;
   cold   the four main pages from a second NQ gunicorn started with
          NQ_PAGE_CACHE=0 (every page cache off);
   mixed  the four main pages, 90 % page views and 10 % writes (RSVP flips on
          upcoming meetups and profile edits, with real CSRF tokens) by
          signed-in members (hosts for the host admin home) of 8 groups,
          against the warm server; the bare side gets the same mix (its
          writes read the form and redirect). The ratio is of page views per
          second; every write must be answered with a redirect, and the
          database must show that they took effect.

   Prints rps and p50/p95 latency per page, the ratio NQ/bare (median of
   rounds) with its target, and finally one JSON line with every ratio.

Both servers and the load generator share this machine, as QUALITY.md 28 asks.
"""
# The parts: servers.py (database, gunicorn), measure.py (browsers, wrk, compare),
# mixed.py (the mixed load and its write checks), report.py (the tables and the JSON line).
from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile

from sqlalchemy import create_engine

from bench.measure import Browser, Result, compare, fetch_size, login, page_run
from bench.mixed import Mixed, mixed_run, mixed_writes_report
from bench.report import print_json_line, print_tables
from bench.servers import ROOT, free_port, gunicorn, prepare_database, stop

DEFAULT_DB = f"sqlite:///{ROOT / 'instance' / 'bench.sqlite3'}"

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
MIXED_TARGET = 0.20  # 90 % page views, 10 % writes
KINDS = ("warm", "cold", "mixed")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", 3)))
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", 4)))
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--rebuild", action="store_true", help="drop and re-seed the bench database")
    parser.add_argument("--pages", default=",".join(TARGETS),
                        help="pages to run (cold and mixed runs take the main four among them)")
    parser.add_argument("--only", default=",".join(KINDS), help="kinds of runs: warm, cold, mixed (comma-separated)")
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
    writes: dict[str, dict] = {}
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
        if "mixed" in kinds and main_pages:
            engine = create_engine(re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", database))  # as config.py maps it
            with tempfile.TemporaryDirectory(prefix="nq-bench-") as directory:
                for page in main_pages:
                    name = f"{page}_mixed"
                    mixed = Mixed(page, targets["actors"], browser, engine)
                    nq_totals: Result = {}
                    before = mixed.snapshot()
                    results[name] = compare(
                        name, mixed_run(nq, mixed, directory, "NQ", nq_totals, args),
                        mixed_run(bare, mixed, directory, "bare", {}, args),
                        args, "pages_rps", MIXED_TARGET, path=targets["actors"][0][f"{page}_path"], bytes=0,
                        kind="mixed")
                    writes[name] = mixed_writes_report(mixed, before, mixed.snapshot(), nq_totals, args.connections)
            engine.dispose()
    finally:
        for proc in servers:
            stop(proc)
    print_tables(results, writes, database, bare_size)
    print_json_line(results, database)
    failed = [name for name, r in results.items() if r["target"] and r["ratio"] < r["target"]]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
