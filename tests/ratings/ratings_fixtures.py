"""Fixtures of the ratings tests: a group with held meetups, attendees and raters.

Import into a test module with ``from tests.ratings.ratings_fixtures import *``
(the meetup factories ``make_meetup``/``make_rsvp`` come from tests/conftest.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest

from common.db import utcnow
from tests.helpers import count_queries  # noqa: F401 (re-exported)

__all__ = ["Scenario", "count_queries", "rate_as", "scenario"]


def rate_as(meetup, user, *, fit: int = 4, chemistry: int = 4, worth_time: bool = True,
            gave_help: bool = False, got_help: bool = False, renewal: str = "yes",
            comment: str = "", clicks=(), now: datetime | None = None):
    """Record a rating through the service (inside the window) and commit."""
    from extensions import db
    from ratings.services import record_rating

    rating = record_rating(
        meetup, user.id, fit=fit, chemistry=chemistry, worth_time=worth_time,
        gave_help=gave_help, got_help=got_help, renewal_intent=renewal, comment=comment,
        clicked={u.id for u in clicks}, now=now or (meetup.ends_at + timedelta(hours=1)),
    )
    db.session.commit()
    return rating


@dataclass
class Scenario:
    group: Any
    host: Any
    cohost: Any
    members: list[Any]
    outsider_group: Any
    outsider: Any
    meetups: list[Any] = field(default_factory=list)
    just_ended: Any = None


@pytest.fixture
def scenario(make_user, make_group, make_member, make_meetup, make_rsvp) -> Scenario:
    """Group with a host, a co-host, 5 members (all checked in at 2 held meetups
    in the current season, 20 and 10 days ago) and a meetup that ended 2 hours
    ago with attendance taken (everyone checked in); plus another group with its own member.

    The group's rating window is 7 days: the two older meetups' windows have
    closed (their ratings count in the value report), the latest one's is open.
    """
    host = make_user(name="Hanne Host", email="host@example.com")
    now = utcnow().replace(microsecond=0)
    # The season starts 60 days ago, so every meetup below is in the current season.
    group = make_group(host=host, name="Copenhagen Founders", slug="cph-founders",
                       season_start=(now - timedelta(days=60)).date(), rating_window_days=7)
    cohost = make_member(group, role="co-host", name="Conrad Cohost", email="cohost@example.com")
    names = ["Anna Andersen", "Bo Berg", "Cecilie Dahl", "Dan Eriksen", "Eva Fog"]
    members = [
        make_member(group, name=n, email=f"{n.split()[0].lower()}@example.com",
                    headline=f"{n.split()[0]}'s headline", purposes=["sales", "partners"],
                    phone="+45 1234 5678")
        for n in names
    ]
    other_group = make_group(name="Aarhus Builders", slug="aarhus-builders")
    outsider = make_member(other_group, name="Olaf Outsider", email="olaf@example.com")
    now = utcnow().replace(microsecond=0)
    meetups = []
    for days, title in ((20, "September meetup"), (10, "October meetup")):
        start = now - timedelta(days=days, hours=3)
        meetup = make_meetup(group, title=title, starts_at=start, status="held", attendance_taken=True)
        for user in members + [cohost]:
            make_rsvp(meetup, user, checked_in=True)
        meetups.append(meetup)
    just_ended = make_meetup(group, title="November meetup", starts_at=now - timedelta(hours=5),
                             ends_at=now - timedelta(hours=2), status="held", attendance_taken=True)
    for user in members + [cohost]:
        make_rsvp(just_ended, user, checked_in=True)
    return Scenario(group, host, cohost, members, other_group, outsider, meetups, just_ended)
