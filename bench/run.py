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
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, create_engine, text
from sqlalchemy.engine import Engine

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
MIXED_TARGET = 0.20  # 90 % page views, 10 % writes
KINDS = ("warm", "cold", "mixed")
BENCH_SUFFIX = " (bench)"  # what a profile edit adds to, or takes off, the headline

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


# --- the mixed load ---------------------------------------------------------------------------------


class _Forms(HTMLParser):
    """Each form's successful controls, as a browser would submit them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[list[tuple[str, str]]] = []
        self._form: list[tuple[str, str]] | None = None
        self._textarea: list[str] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self._form = []
            self.forms.append(self._form)
            return
        name = a.get("name")
        if self._form is None:
            return
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "reset", "image", "file"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form.append((name, a.get("value") or "on"))
                return
            self._form.append((name, a.get("value") or ""))
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self._form.append((self._select, a.get("value") or ""))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea is not None and self._form is not None:
            name, value = self._textarea
            # A browser drops the newline right after <textarea>.
            self._form.append((name, value[2:] if value.startswith("\r\n") else value.removeprefix("\n")))
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._form = None


def profile_fields(html: str) -> list[tuple[str, str]]:
    """The profile form's current values (the form with a headline field)."""
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        if any(name == "headline" for name, _ in form):
            return form
    raise RuntimeError("no profile form on /profile")


def lua(value: Any) -> str:
    """A Lua literal (strings byte by byte: LuaJIT has no \\u escapes)."""
    if isinstance(value, str):
        return '"' + "".join(chr(b) if 32 <= b < 127 and b not in (34, 92) else f"\\{b:03d}"
                             for b in value.encode()) + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{lua(k)}] = {lua(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "{" + ", ".join(lua(v) for v in value) + "}"
    raise TypeError(f"no Lua literal for {value!r}")


class Mixed:
    """The people, requests and write checks of one page's mixed load.

    Each person has write slots: one RSVP per upcoming meetup of their group,
    flipped going / not going, and their profile, whose headline gains or
    loses BENCH_SUFFIX. Each wrk run starts every slot from the database's
    current state, so that its first write changes something too.
    """

    TAGS = ("going", "not_going", "profile")

    def __init__(self, page: str, actors: list[dict], browser: Callable[[str], Browser], engine: Engine) -> None:
        self.page = page
        self.engine = engine
        role = "host" if page == "admin_home" else "member"
        self.user_ids = [a[f"{role}_id"] for a in actors]
        self.emails = [a[f"{role}_email"] for a in actors]
        self.meetup_ids = [m for a in actors for m in a["meetup_ids"]]
        form_headers = {"Content-Type": "application/x-www-form-urlencoded", "User-Agent": USER_AGENT}
        self.pages: list[dict] = []
        # (user id, meetup id or None for the profile, path, headers, {state to go to: body})
        slots: list[list[tuple[int, int | None, str, dict, dict[str, str]]]] = []
        for actor, user_id, email in zip(actors, self.user_ids, self.emails, strict=True):
            person = browser(email)
            fields = profile_fields(person.get(actor["profile_path"]))  # also puts the CSRF secret in the session
            token = dict(fields)["csrf_token"]
            cookie = person.cookie()
            self.pages.append({"path": actor[f"{page}_path"], "headers": {"Cookie": cookie, "User-Agent": USER_AGENT}})
            headers = {**form_headers, "Cookie": cookie}
            mine = [(user_id, meetup_id, path, headers,
                     {r: urllib.parse.urlencode({"response": r, "csrf_token": token}) for r in ("going", "not_going")})
                    for meetup_id, path in zip(actor["meetup_ids"], actor["rsvp_paths"], strict=True)]
            plain = dict(fields).get("headline", "").removesuffix(BENCH_SUFFIX)
            mine.append((user_id, None, actor["profile_path"], headers, {
                h: urllib.parse.urlencode([(k, h if k == "headline" else v) for k, v in fields])
                for h in (plain, plain + BENCH_SUFFIX)}))
            slots.append(mine)
        # Interleaved by person and kind, so that consecutive writes go to different people (and
        # groups) and mostly to different kinds, and even a short run reaches every person's profile.
        kinds = max(len(mine) for mine in slots)
        self.slots = [mine[k] for d in range(kinds) for p, mine in enumerate(slots)
                      if (k := (p + d) % kinds) < len(mine)]

    def snapshot(self) -> dict[str, Any]:
        with self.engine.connect() as conn:
            rsvps = conn.execute(text(
                "SELECT user_id, meetup_id, response, responded_at FROM rsvp "
                "WHERE user_id IN :users AND meetup_id IN :meetups"
            ).bindparams(bindparam("users", expanding=True), bindparam("meetups", expanding=True)),
                {"users": self.user_ids, "meetups": self.meetup_ids}).all()
            profiles = conn.execute(text(
                "SELECT user_id, headline, updated_at FROM profile WHERE user_id IN :users"
            ).bindparams(bindparam("users", expanding=True)), {"users": self.user_ids}).all()
            confirmations = conn.scalar(text(
                "SELECT count(*) FROM outbox_message WHERE template = 'meetup_rsvp' AND to_email IN :emails"
            ).bindparams(bindparam("emails", expanding=True)), {"emails": self.emails})
        return {
            "rsvps": {(r.user_id, r.meetup_id): (r.response, str(r.responded_at)) for r in rsvps},
            "profiles": {r.user_id: (r.headline, str(r.updated_at)) for r in profiles},
            "confirmations": confirmations or 0,
        }

    def write_files(self, directory: str) -> tuple[str, str]:
        """The Lua data of the next run, NQ's and the bare app's (same bodies, same order)."""
        now = self.snapshot()
        nq: dict[str, Any] = {"pages": self.pages, "writes": [], "tags": list(self.TAGS)}
        bare: dict[str, Any] = {"pages": [{"path": "/", "headers": {"User-Agent": USER_AGENT}}] * len(self.pages),
                                "writes": [], "tags": list(self.TAGS)}
        for user_id, meetup_id, path, headers, bodies in self.slots:
            if meetup_id is None:
                headline = now["profiles"][user_id][0]
                order = sorted(bodies, key=lambda h: h == headline)  # first the headline it has not got
                tags = ["profile", "profile"]
            else:
                state = now["rsvps"].get((user_id, meetup_id), (None,))[0]
                # "going" changes nothing while going or waitlisted.
                order = ["going", "not_going"] if state in (None, "not_going") else ["not_going", "going"]
                tags = order
            nq["writes"].append({"path": path, "headers": headers, "bodies": [bodies[o] for o in order], "tags": tags})
            bare["writes"].append({"path": "/write", "headers": {k: v for k, v in headers.items() if k != "Cookie"},
                                   "bodies": [bodies[o] for o in order], "tags": tags})
        paths = []
        for side, data in (("nq", nq), ("bare", bare)):
            file = Path(directory) / f"mixed_{self.page}_{side}.lua"
            file.write_text("return " + lua(data) + "\n")
            paths.append(str(file))
        return paths[0], paths[1]


def check_answers(name: str, side: str, result: Result, connections: int) -> None:
    """Fail loudly when writes (or pages) are refused: every write must redirect, every page answer 200."""
    if result["answers_bad"]:
        raise RuntimeError(
            f"{name} ({side}): {result['answers_bad']} answers were neither 2xx nor 3xx "
            f"(status {result['bad_codes'].strip('; ')}); a 400 means writes are refused (CSRF token?)")
    # Up to `connections` requests are still in flight when wrk stops.
    if not result["sent_writes"] - connections <= result["answers_3xx"] <= result["sent_writes"]:
        raise RuntimeError(
            f"{name} ({side}): {result['answers_3xx']} redirects for {result['sent_writes']} writes sent "
            "(pages redirecting: signed out?)")


def mixed_run(base: str, mixed: Mixed, directory: str, side: str, totals: Result,
              args: argparse.Namespace) -> Callable[[int], Result]:
    def run(seconds: int) -> Result:
        data_file = mixed.write_files(directory)[0 if side == "NQ" else 1]
        result = wrk(base + "/", seconds, args.connections, "wrk_mixed.lua", BENCH_MIXED_DATA=data_file)
        check_answers(f"{mixed.page}_mixed", side, result, args.connections)
        for key in ("sent_writes", "answers_3xx", "answers_bad"):
            totals[key] = totals.get(key, 0) + result[key]
        for tag, count in result["sent_by_tag"].items():
            totals[tag] = totals.get(tag, 0) + count
        totals["runs"] = totals.get("runs", 0) + 1
        return result
    return run


def mixed_writes_report(mixed: Mixed, before: dict, after: dict, sent: Result, connections: int) -> dict[str, Any]:
    """What the writes did in the database; fails when they did nothing."""
    rsvp_changed = sum(1 for key, v in after["rsvps"].items() if before["rsvps"].get(key) != v)
    profiles_changed = sum(1 for key, v in after["profiles"].items() if before["profiles"].get(key) != v)
    confirmed = after["confirmations"] - before["confirmations"]
    report = {
        "writes_sent": sent.get("sent_writes", 0), "redirects": sent.get("answers_3xx", 0),
        "rejected": sent.get("answers_bad", 0), "going_sent": sent.get("going", 0),
        "not_going_sent": sent.get("not_going", 0), "profile_sent": sent.get("profile", 0),
        "rsvp_rows_changed": rsvp_changed, "rsvp_rows": len(mixed.meetup_ids),
        "going_took_effect": confirmed, "profiles_changed": profiles_changed, "profiles": len(mixed.user_ids),
    }
    if report["going_sent"] and not confirmed or report["profile_sent"] and not profiles_changed:
        raise RuntimeError(f"{mixed.page}_mixed: writes were answered but changed nothing: {report}")
    # A "going" sent takes effect (and queues its confirmation) unless it was still in flight when wrk stopped.
    report["warning"] = confirmed < report["going_sent"] - connections * sent.get("runs", 1)
    return report


# --- main ---------------------------------------------------------------------------------------------


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
    print(json.dumps({"database": database.split(":", 1)[0],
                      "mixed_ratio_of": "page views per second (2xx answers), writes excluded",
                      "ratios": {name: round(r["ratio"], 3) for name, r in results.items()}}))
    failed = [name for name, r in results.items() if r["target"] and r["ratio"] < r["target"]]
    return 1 if failed else 0


def print_tables(results: dict[str, Result], writes: dict[str, dict], database: str, bare_size: int) -> None:
    titles = {
        "warm": "warm: requests per second",
        "cold": "cold (NQ_PAGE_CACHE=0): requests per second",
        "mixed": "mixed (90 % views, 10 % writes): page views per second; latency of all requests",
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
    for name, w in writes.items():
        print(f"{name}: {w['writes_sent']} writes sent to NQ ({w['going_sent']} going, {w['not_going_sent']} not going,"
              f" {w['profile_sent']} profile edits), {w['redirects']} redirected, {w['rejected']} refused; "
              f"took effect: {w['going_took_effect']} going answers confirmed, {w['rsvp_rows_changed']}/{w['rsvp_rows']}"
              f" RSVP rows and {w['profiles_changed']}/{w['profiles']} profiles changed"
              + ("  WARNING: fewer going answers took effect than were sent" if w["warning"] else ""))


if __name__ == "__main__":
    sys.exit(main())
