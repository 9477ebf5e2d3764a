"""RSVP: answer going / not going (a full meetup waitlists), the confirmation email, the RSVP lists.

Seats are taken and freed through meetups.seats, so capacity holds under
concurrent clicks.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from common.db import utcnow
from extensions import db
from meetups.emails import email_context, ics_attachment
from meetups.models import RSVP, Meetup
from meetups.seats import free_seat, move_rsvp, promote_waitlisted, take_seat
from meetups.services import MeetupError, active_members_query
from members.models import User
from outbox.services import queue_email


def rsvp_open(meetup: Meetup, now: datetime | None = None) -> bool:
    """Members may change their answer until the deadline (or the start)."""
    now = now or utcnow()
    if meetup.status != "scheduled":
        return False
    closes = meetup.rsvp_deadline or meetup.starts_at
    return now < min(closes, meetup.starts_at)


def rsvp(meetup: Meetup, user: User, response: str, *, now: datetime | None = None) -> RSVP:
    """Answer going / not going; a full meetup puts "going" on the waitlist.

    Returns the member's RSVP (refreshed). Leaving a seat promotes the first
    waitlisted member (who is emailed). Raises MeetupError when answers are closed.
    """
    if response not in ("going", "not_going"):
        raise MeetupError(_("Choose going or not going."))
    now = now or utcnow()
    if not rsvp_open(meetup, now):
        raise MeetupError(_("Answers for this meetup are closed."))
    current = db.session.scalars(
        select(RSVP).where(RSVP.meetup_id == meetup.id, RSVP.user_id == user.id)
    ).first()
    before = current.response if current is not None else None
    if current is None:
        current = _new_rsvp(meetup, user, response, now)
    elif response == "going" and current.response == "not_going":
        if take_seat(meetup):
            if not move_rsvp(meetup, current.id, "not_going", {"response": "going", "responded_at": now, "waitlisted_at": None}):
                free_seat(meetup)  # a parallel request of the same member won
        else:
            move_rsvp(meetup, current.id, "not_going", {"response": "waitlisted", "responded_at": now, "waitlisted_at": now})
    elif response == "not_going" and current.response == "going":
        if move_rsvp(meetup, current.id, "going", {"response": "not_going", "responded_at": now, "waitlisted_at": None}):
            free_seat(meetup)
            promote_waitlisted(meetup, now=now)
    elif response == "not_going" and current.response == "waitlisted":
        move_rsvp(meetup, current.id, "waitlisted", {"response": "not_going", "responded_at": now, "waitlisted_at": None})
    db.session.flush()
    db.session.refresh(current)
    db.session.refresh(meetup)
    if current.response != before and current.response in ("going", "waitlisted"):
        _queue_confirmation(meetup, user, current)
    return current


def _new_rsvp(meetup: Meetup, user: User, response: str, now: datetime) -> RSVP:
    if response == "going":
        seated = take_seat(meetup)
        row = RSVP(
            meetup_id=meetup.id, user_id=user.id, responded_at=now,
            response="going" if seated else "waitlisted",
            waitlisted_at=None if seated else now,
        )
    else:
        row = RSVP(meetup_id=meetup.id, user_id=user.id, response="not_going", responded_at=now)
    db.session.add(row)
    db.session.flush()  # the unique (meetup, user) constraint backs a double click
    return row


def _queue_confirmation(meetup: Meetup, user: User, row: RSVP) -> None:
    waitlisted = row.response == "waitlisted"
    subject = (
        _("You are on the waitlist: %(title)s", title=meetup.title) if waitlisted
        else _("You are going: %(title)s", title=meetup.title)
    )
    queue_email(
        user.email, subject, "meetup_rsvp",
        {**email_context(meetup), "name": user.name, "waitlisted": waitlisted},
        attachments=[ics_attachment(meetup, user, row.response)],
    )


def rsvp_lists(meetup: Meetup) -> dict[str, list[tuple[User, RSVP]]]:
    """RSVPs by response (waitlist in order), one query."""
    rows = db.session.execute(
        select(User, RSVP)
        .join(RSVP, RSVP.user_id == User.id)
        .where(RSVP.meetup_id == meetup.id)
        .order_by(RSVP.waitlisted_at, User.name)
    ).all()
    lists: dict[str, list[tuple[User, RSVP]]] = {"going": [], "waitlisted": [], "not_going": []}
    for user, row in rows:
        lists.setdefault(row.response, []).append((user, row))
    return lists


def unanswered_members(meetup: Meetup) -> list[User]:
    answered = select(RSVP.user_id).where(RSVP.meetup_id == meetup.id)
    return list(db.session.scalars(
        active_members_query(meetup.group_id).where(User.id.not_in(answered)).order_by(User.name)
    ))
