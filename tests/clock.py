"""A meetup's day on a frozen clock, for the pages whose actions follow the clock
(QUALITY.md 29): the phases, the tick that production runs every minute, and
the checks every cell of a page × phase × viewer matrix makes.

The meetup starts at START (17:00 in Copenhagen on 10 March 2026) and ends at
END, 2.5 hours later; every moment of the matrix is relative to them.
"""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from freezegun import freeze_time

TZ = ZoneInfo("Europe/Copenhagen")
START = datetime(2026, 3, 10, 17, 0, tzinfo=TZ).astimezone(UTC)
END = START + timedelta(hours=2, minutes=30)
APRIL = datetime(2026, 4, 14, 17, 0, tzinfo=TZ).astimezone(UTC)  # the next meetup, after every phase
SETUP = START - timedelta(days=10)  # when the group, its members and their answers were made

# The moments a page is looked at (the check-in window is an hour either side;
# rating opens at the end for 14 days, the default window).
PHASES = {
    "week_before": START - timedelta(days=7),
    "checkin_before": START - timedelta(minutes=30),  # check-in open, answers still open
    "during": START + timedelta(hours=1),
    "just_after": END + timedelta(minutes=30),  # check-in still open, rating open
    "rating": END + timedelta(days=2),
    "closed": END + timedelta(days=20),  # the rating window has closed
}
PHASE_NAMES = tuple(PHASES)

# The group's season ends on 11 April 2026: renewing opens 30 days before,
# on 12 March (between the meetup and the "rating" phase).
SEASON = (date(2025, 4, 12), date(2026, 4, 11))
CHECKED_IN_AT = START - timedelta(minutes=45)  # Carl checked himself in on arrival

# Markup that reached the page as text (a body escaped by ``{{ body }}``).
ESCAPED = ("&lt;div", "&lt;form", "&lt;section", "&lt;a ", "&lt;ul", "&lt;li", "&lt;h2", "&lt;p")


def at(phase: str):
    """The clock frozen at a phase (a context manager)."""
    return freeze_time(PHASES[phase])


def tick(db) -> None:
    """What ``flask tick`` (every minute) has done by now: meetups held, emails queued."""
    from common.db import utcnow
    from common.tick import run_tick

    results = run_tick(utcnow())
    assert -1 not in results.values(), results
    db.session.commit()


def assert_no_escaped_markup(html: str) -> None:
    """No markup shown as text."""
    found = [snippet for snippet in ESCAPED if snippet in html]
    assert not found, f"escaped markup on the page: {found}"


def assert_own_csrf_token(html: str) -> None:
    """Every form on the page carries one token: this session's (the top bar's
    sign-out form is drawn for the session), never one a kept part took from
    another viewer's session."""
    tokens = set(re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', html))
    assert len(tokens) <= 1, "another session's CSRF token on the page"


def main(html: str) -> str:
    """The page without its top bar (which names the viewer and their hosted groups)."""
    return html.split("</header>", 1)[1] if "</header>" in html else html


def topbar(html: str) -> str:
    match = re.search(r'<header class="topbar">.*?</header>', html, re.S)
    assert match, "no top bar"
    return match.group(0)


def table(text: str) -> dict[str, tuple[str | None, ...]]:
    """A matrix written as rows ``viewer | cell | cell …``, one cell per phase.

    A cell is the letters of the actions that must show (every other letter
    must not); ``.`` is none, ``-`` a cell that is not part of the matrix.
    """
    rows = {}
    for line in text.strip().splitlines():
        viewer, *cells = (part.strip() for part in line.split("|"))
        assert len(cells) == len(PHASES), line
        rows[viewer] = tuple(None if cell == "-" else cell.replace(".", "") for cell in cells)
    return rows


def cells(matrix: dict[str, tuple[str | None, ...]]) -> list[tuple[str, str, str]]:
    """(viewer, phase, expected letters) for every cell of the matrix."""
    return [
        (viewer, phase, expected)
        for viewer, row in matrix.items()
        for phase, expected in zip(PHASE_NAMES, row, strict=True)
        if expected is not None
    ]


def build_circle(db, make_user, make_group, make_member, make_meetup, make_rsvp) -> dict:
    """The group of the matrices, made at SETUP: a host and members with every
    answer to the March meetup (3 seats, full), an applicant, an outsider, and
    the April meetup nobody answered yet. Gustav and Nina have paid this
    season (so they renew from 12 March); the others' payments are not tracked.

    The check-in of Carl happens at CHECKED_IN_AT: ``arrive(circle, now)``.
    """
    from sqlalchemy import select

    from groups.models import Membership

    with freeze_time(SETUP):
        host = make_user(name="Hanne Host")
        group = make_group(host=host, name="Copenhagen Sales Leaders", season_start=SEASON[0],
                           season_end=SEASON[1])
        people = {
            "host": host,
            "outsider": make_user(name="Otto Outsider"),
            "applicant": make_member(group, make_user(name="Anna Applicant"), status="applied"),
            "going": make_member(group, name="Gustav Going"),
            "not_going": make_member(group, name="Nina Notgoing"),
            "waitlisted": make_member(group, name="Wilma Waitlisted"),
            "checked_in": make_member(group, name="Carl Checkedin"),
        }
        for name in ("going", "not_going"):
            membership = db.session.scalars(select(Membership).where(
                Membership.group_id == group.id, Membership.user_id == people[name].id)).one()
            membership.paid_through = SEASON[1]
        db.session.commit()
        march = make_meetup(group, title="March meetup", starts_at=START, ends_at=END, capacity=3,
                            place="Kødbyens Kantine", checkin_code="K7M4PQ")
        april = make_meetup(group, title="April meetup", starts_at=APRIL,
                            place="Kødbyens Kantine")
        rsvps = {name: make_rsvp(march, people[name], response)
                 for name, response in (("host", "going"), ("going", "going"), ("checked_in", "going"),
                                        ("not_going", "not_going"), ("waitlisted", "waitlisted"))}
    slug = group.slug
    return {
        "group": group, "slug": slug, "people": people, "march": march, "april": april, "rsvps": rsvps,
        "march_path": f"/groups/{slug}/meetups/{march.id}", "april_path": f"/groups/{slug}/meetups/{april.id}",
    }


def arrive(db, circle: dict, now: datetime) -> None:
    """Carl's self check-in, once its moment has come."""
    if now > CHECKED_IN_AT and circle["rsvps"]["checked_in"].checked_in_at is None:
        circle["rsvps"]["checked_in"].checked_in_at = CHECKED_IN_AT
        db.session.commit()


def look(client, auth, db, circle: dict, viewer: str, path: str, *, ticked: bool = True):
    """GET ``path`` as ``viewer`` at the frozen now, after Carl's arrival and
    (``ticked``) the minute tick."""
    from common.db import utcnow

    arrive(db, circle, utcnow())
    if ticked:
        tick(db)
    if viewer != "anonymous":
        assert auth.login(circle["people"][viewer]).status_code == 302
    return client.get(path)


def meetup_rows(html: str) -> dict[str, str]:
    """The meetup rows of a list by the path they link to."""
    rows = re.findall(r'<li class="meetup-row">.*?</li>', main(html), re.S)
    found = {}
    for row in rows:
        match = re.search(r'class="meetup-row__title" href="([^"]+)"', row)
        assert match, row
        found[match.group(1)] = row
    return found


def walk_the_day(app, db, circle: dict, matrix: dict, path: str, check, *, ticked: bool) -> None:
    """Every phase in order in one worker, its kept parts never emptied: each
    viewer, in a client of their own, looks at ``path`` and
    ``check(response, viewer, phase, expected)`` holds for each cell of
    ``matrix``, whoever looked before.

    Viewers sign in at SETUP and again when their session would have ended
    (14 days). Without the tick (``ticked=False``: it has not run yet, or cron
    is down) nothing else is written after Carl's arrival, so from then until
    the rating phase no new data version ends what was kept: only the clock
    tells the pages what changed."""
    from common.db import utcnow
    from tests.conftest import AuthActions

    clients = {viewer: app.test_client() for viewer in matrix}
    signed_at = None
    for index, phase in enumerate(PHASE_NAMES):
        if signed_at is None or PHASES[phase] - signed_at > timedelta(days=13):
            signed_at = SETUP + timedelta(hours=1) if signed_at is None else PHASES[phase]
            with freeze_time(signed_at):
                for viewer, client in clients.items():
                    if viewer != "anonymous":
                        assert AuthActions(client).login(circle["people"][viewer]).status_code == 302
        with at(phase):
            arrive(db, circle, utcnow())
            if ticked:
                tick(db)
            for viewer, row in matrix.items():
                if row[index] is not None:
                    response = clients[viewer].get(path)
                    check(response, viewer, phase, row[index])
                    assert_own_csrf_token(response.get_data(as_text=True))
