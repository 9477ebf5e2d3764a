"""The mixed load: 90 % page views and 10 % writes (RSVP flips, profile edits with
real CSRF tokens) by signed-in members, written as Lua data for wrk_mixed.lua, and
the checks that every write was answered and took effect in the database."""
from __future__ import annotations

import argparse
import urllib.parse
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Engine

from bench.measure import USER_AGENT, Browser, Result, wrk

BENCH_SUFFIX = " (bench)"  # what a profile edit adds to, or takes off, the headline


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
