"""Seats and the waitlist: take and free a seat, move an RSVP, promote from the waitlist.

Capacity holds under concurrent clicks without ``SELECT … FOR UPDATE`` (which
SQLite ignores): a seat is taken by the conditional UPDATE

    UPDATE meetup SET going_count = going_count + 1
    WHERE id = :id AND (capacity IS NULL OR going_count < capacity)

and only a rowcount of 1 means the seat is ours. A state change of an RSVP row
is likewise conditional (``WHERE response = :expected``), so two requests of
the same member cannot both take a seat.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from flask_babel import gettext as _
from sqlalchemy import or_, select, update
from sqlalchemy.engine import CursorResult

from common.db import utcnow
from extensions import db
from meetups.emails import email_context, ics_attachment
from meetups.models import RSVP, Meetup
from members.models import User
from outbox.services import queue_email


def take_seat(meetup: Meetup) -> bool:
    # An UPDATE's result is a CursorResult (Session.execute is typed as returning any Result).
    result = cast(CursorResult[Any], db.session.execute(
        update(Meetup.__table__)
        .where(
            Meetup.__table__.c.id == meetup.id,
            or_(Meetup.__table__.c.capacity.is_(None),
                Meetup.__table__.c.going_count < Meetup.__table__.c.capacity),
        )
        .values(going_count=Meetup.__table__.c.going_count + 1)
        .execution_options(nq_group=meetup.group_id)
    ))
    return result.rowcount == 1


def free_seat(meetup: Meetup) -> None:
    db.session.execute(
        update(Meetup.__table__)
        .where(Meetup.__table__.c.id == meetup.id, Meetup.__table__.c.going_count > 0)
        .values(going_count=Meetup.__table__.c.going_count - 1)
        .execution_options(nq_group=meetup.group_id)
    )


def move_rsvp(meetup: Meetup, rsvp_id: int, expected: str, values: dict) -> bool:
    """Change an RSVP row only if it is still in state ``expected``."""
    result = cast(CursorResult[Any], db.session.execute(
        update(RSVP.__table__)
        .where(RSVP.__table__.c.id == rsvp_id, RSVP.__table__.c.response == expected)
        .values(**values)
        .execution_options(nq_group=meetup.group_id)
    ))
    return result.rowcount == 1


def promote_waitlisted(meetup: Meetup, *, now: datetime | None = None) -> int:
    """Fill free seats from the waitlist, first come first served; email each promoted member."""
    now = now or utcnow()
    promoted = 0
    while True:
        candidate = db.session.execute(
            select(RSVP.id, RSVP.user_id)
            .where(RSVP.meetup_id == meetup.id, RSVP.response == "waitlisted")
            .order_by(RSVP.waitlisted_at, RSVP.id)
            .limit(1)
        ).first()
        if candidate is None or not take_seat(meetup):
            break
        if not move_rsvp(meetup, candidate.id, "waitlisted", {"response": "going", "waitlisted_at": None}):
            free_seat(meetup)  # someone else promoted or withdrew them; try the next
            continue
        promoted += 1
        user = db.session.get(User, candidate.user_id)
        if user is not None:
            queue_email(
                user.email, _("You have a seat: %(title)s", title=meetup.title), "meetup_promoted",
                {**email_context(meetup), "name": user.name},
                attachments=[ics_attachment(meetup, user, "going")],
            )
    db.session.flush()
    db.session.expire(meetup, ["going_count"])
    return promoted
