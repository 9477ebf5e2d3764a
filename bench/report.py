"""The bench's report: a table per kind of run (rps, latency, ratio and target),
what the mixed writes did, and the closing JSON line with every ratio."""
from __future__ import annotations

import json

from bench.measure import Result


def print_tables(results: dict[str, Result], writes: dict[str, dict], database: str, bare_size: int) -> None:
    """A table per kind of run, then one line per mixed run on what its writes did."""
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


def print_json_line(results: dict[str, Result], database: str) -> None:
    """One JSON line with every ratio, for scripts that compare runs."""
    print(json.dumps({"database": database.split(":", 1)[0],
                      "mixed_ratio_of": "page views per second (2xx answers), writes excluded",
                      "ratios": {name: round(r["ratio"], 3) for name, r in results.items()}}))
