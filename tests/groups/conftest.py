"""Meetup fixtures for the groups tests: ``make_meetup`` and ``make_rsvp``.

Other areas (ratings, value report) use these too, so keep their signatures stable.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest


@pytest.fixture
def make_meetup(db) -> Callable[..., Any]:
    """make_meetup(group, **overrides) → a committed Meetup.

    Defaults: "Monthly meetup", starts in 7 days for 2.5 hours, status
    "scheduled", no capacity. ``starts_at`` may be given alone (``ends_at``
    follows 2.5 hours later). Pass ``status="held", attendance_taken=True``
    and a past ``starts_at`` for a held meetup.
    """
    from common.db import utcnow
    from groups.meetups_models import Meetup

    def factory(group, **overrides: Any):
        starts_at = overrides.pop("starts_at", utcnow().replace(microsecond=0) + timedelta(days=7))
        ends_at = overrides.pop("ends_at", starts_at + timedelta(hours=2, minutes=30))
        meetup = Meetup(
            group_id=group.id,
            title=overrides.pop("title", "Monthly meetup"),
            starts_at=starts_at,
            ends_at=ends_at,
            **{"place": "Kødbyens Kantine", "status": "scheduled", "checkin_code": "K7M4PQ",
               "going_count": 0, **overrides},
        )
        db.session.add(meetup)
        db.session.commit()
        return meetup

    return factory


@pytest.fixture
def make_rsvp(db) -> Callable[..., Any]:
    """make_rsvp(meetup, user, response="going", checked_in=False, **overrides) → RSVP.

    Keeps ``meetup.going_count`` in step for "going" (without a capacity check:
    use ``groups.meetups_services.rsvp`` when the capacity matters).
    """
    from common.db import utcnow
    from groups.meetups_models import RSVP

    def factory(meetup, user, response: str = "going", checked_in: bool = False, **overrides: Any):
        now = utcnow()
        rsvp = RSVP(
            meetup_id=meetup.id,
            user_id=user.id,
            response=response,
            waitlisted_at=now if response == "waitlisted" else None,
            checked_in_at=(meetup.starts_at + timedelta(minutes=5)) if checked_in else None,
            **overrides,
        )
        db.session.add(rsvp)
        if response == "going":
            meetup.going_count += 1
        db.session.commit()
        return rsvp

    return factory
