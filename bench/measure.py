"""Measuring: signed-in browsers (cookie jars, CSRF tokens), page sizes, wrk runs,
and ``compare``, which alternates bare and NQ runs and takes the medians."""
from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import statistics
import subprocess
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

from bench.servers import ROOT

PASSWORD = "networking-demo"
# Sent on every request, the login's included, like a browser: Flask-Login's
# session protection compares it with the one the session was signed in with.
USER_AGENT = "nq-bench/1"

Result = dict[str, Any]


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
