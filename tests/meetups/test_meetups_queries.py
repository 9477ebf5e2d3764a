"""QUALITY.md 27: query counts do not grow with meetups or members."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event

from common.db import utcnow
from meetups.reminders import queue_reminders


@contextmanager
def count_queries(engine):
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def _build(db, make_group, make_member, make_meetup, make_rsvp, members: int, meetups: int):
    group = make_group()
    people = [make_member(group) for _ in range(members)]
    now = utcnow()
    upcoming = None
    for i in range(meetups):
        held = make_meetup(group, starts_at=now - timedelta(days=30 * (i + 1)), status="held",
                           attendance_taken=True)
        for n, person in enumerate(people):
            make_rsvp(held, person, "going", checked_in=n % 3 != 0)
    for i in range(meetups):
        meetup = make_meetup(group, starts_at=now + timedelta(days=7 + 30 * i), capacity=members)
        upcoming = upcoming or meetup
        for person in people[: members // 2]:
            make_rsvp(meetup, person, "going")
        for person in people[members // 2: members // 2 + 2]:
            make_rsvp(meetup, person, "not_going")
    assert upcoming is not None, "the pages need an upcoming meetup"
    return {"slug": group.slug, "member": people[0].email, "meetup_id": upcoming.id,
            "host": _host_of(db, group).email}


PAGES = {
    "group page": "/groups/{slug}",
    "meetup page": "/groups/{slug}/meetups/{meetup_id}",
    "attendance page": "/groups/{slug}/admin/meetups/{meetup_id}/attendance",
    "host meetups list": "/groups/{slug}/admin/meetups",
    "host RSVP page": "/groups/{slug}/admin/meetups/{meetup_id}",
    "attendance history": "/groups/{slug}/admin/attendance/members",
    "host overview": "/groups/{slug}/admin",
    "dashboard": "/",
    "my meetups": "/meetups",
}
# Pages owned by other areas that render our sections: only constancy is ours to assert.
SHARED_PAGES = {"group page", "host overview", "dashboard"}
HOST_PAGES = {"attendance page", "host meetups list", "host RSVP page", "attendance history", "host overview"}


def _count(app, db, data, viewer, page):
    from tests.conftest import AuthActions

    client = app.test_client()
    AuthActions(client).login(viewer)
    path = PAGES[page].format(**data)
    client.get(path)  # warm-up (first-request work, template compilation)
    db.session.remove()
    with count_queries(db.engine) as statements:
        response = client.get(path)
    assert response.status_code == 200, (page, response.status_code)
    return len(statements)


@pytest.mark.parametrize("page", list(PAGES))
def test_query_count_does_not_grow_with_data(app, db, make_group, make_member, make_meetup, make_rsvp, page,
                                             record_property):
    small = _build(db, make_group, make_member, make_meetup, make_rsvp, members=3, meetups=2)
    large = _build(db, make_group, make_member, make_meetup, make_rsvp, members=30, meetups=20)
    counts = []
    for data in (small, large):
        viewer = data["host"] if page in HOST_PAGES else data["member"]
        counts.append(_count(app, db, data, viewer, page))
    record_property("queries", counts)
    print(f"{page}: {counts[0]} queries (small) / {counts[1]} (10x)")
    assert counts[0] == counts[1], f"{page}: {counts[0]} queries for small data, {counts[1]} for 10x"
    if page not in SHARED_PAGES:  # pages of this area: a small fixed budget
        assert counts[1] <= 7, f"{page}: {counts[1]} queries"


def _host_of(db, group):
    from sqlalchemy import select

    from groups.models import Membership

    return db.session.scalars(
        select(Membership).where(Membership.group_id == group.id, Membership.role == "host")
    ).first().user


def test_reminder_tick_queries_are_constant_per_meetup(app, db, make_group, make_member, make_meetup):
    group = make_group()
    for _ in range(5):
        make_member(group)
    make_meetup(group, starts_at=utcnow() + timedelta(days=1))
    with count_queries(db.engine) as statements:
        queue_reminders(utcnow())
    # 3 reads + one dedupe look-up and one insert per message.
    assert len(statements) <= 3 + 2 * 6
