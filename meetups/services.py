"""Meetup verbs: create, update, cancel, schedule a season; the meetup lists they share.

Services flush, never commit; the request (or ``flask tick``) commits once.
RSVPs live in meetups.rsvp (seats and the waitlist in meetups.seats),
check-in and attendance in meetups.attendance, announcements and reminders
in meetups.reminders.
"""
from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from common.audit import record_audit
from common.db import utcnow
from extensions import db
from groups.models import Group, Membership
from meetups.emails import email_context
from meetups.models import RSVP, Meetup
from meetups.schedule import SeasonRule, expand_season
from meetups.seats import promote_waitlisted
from members.models import User
from outbox.services import queue_email

log = logging.getLogger(__name__)

# Unambiguous characters for the self check-in code (no 0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6


class MeetupError(Exception):
    """A request that the meetup's state does not allow (shown to the user)."""


def new_checkin_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


@dataclass
class MeetupData:
    """Validated fields of a meetup (times are UTC)."""

    title: str
    starts_at: datetime
    ends_at: datetime
    place: str = ""
    address: str = ""
    map_url: str = ""
    agenda: str = ""
    speaker: str = ""
    capacity: int | None = None
    rsvp_deadline: datetime | None = None


def _apply(meetup: Meetup, data: MeetupData) -> None:
    meetup.title = data.title
    meetup.starts_at = data.starts_at
    meetup.ends_at = data.ends_at
    meetup.place = data.place
    meetup.address = data.address
    meetup.map_url = data.map_url
    meetup.agenda = data.agenda
    meetup.speaker = data.speaker
    meetup.capacity = data.capacity
    meetup.rsvp_deadline = data.rsvp_deadline


def create_meetup(group: Group, data: MeetupData, *, actor_id: int | None) -> Meetup:
    """Add a scheduled meetup to ``group``."""
    meetup = Meetup(group_id=group.id, status="scheduled", going_count=0, checkin_code=new_checkin_code())
    _apply(meetup, data)
    db.session.add(meetup)
    db.session.flush()
    record_audit("meetup.create", actor_id=actor_id, group_id=group.id, meetup_id=meetup.id)
    return meetup


def update_meetup(meetup: Meetup, data: MeetupData, *, actor_id: int | None) -> int:
    """Change a meetup's fields; a raised capacity promotes waitlisted members.

    A lowered capacity never demotes anyone: it only stops new seats until
    enough members have left. Returns how many members were promoted.
    """
    _apply(meetup, data)
    db.session.flush()
    record_audit("meetup.update", actor_id=actor_id, group_id=meetup.group_id, meetup_id=meetup.id)
    return promote_waitlisted(meetup)


def cancel_meetup(meetup: Meetup, *, actor_id: int | None) -> int:
    """Cancel and email everyone who said yes (going or waitlisted). Returns how many."""
    if meetup.status == "cancelled":
        raise MeetupError(_("This meetup is already cancelled."))
    meetup.status = "cancelled"
    meetup.cancelled_at = utcnow()
    record_audit("meetup.cancel", actor_id=actor_id, group_id=meetup.group_id, meetup_id=meetup.id)
    recipients = db.session.execute(
        select(User.email, User.name)
        .join(RSVP, RSVP.user_id == User.id)
        .where(RSVP.meetup_id == meetup.id, RSVP.response.in_(("going", "waitlisted")))
        .order_by(User.id)
    ).all()
    context = email_context(meetup)
    for email, name in recipients:
        queue_email(
            email, _("Cancelled: %(title)s", title=meetup.title), "meetup_cancelled",
            {**context, "name": name}, dedupe_key=f"meetup-cancelled:{meetup.id}:{email}",
        )
    db.session.flush()
    return len(recipients)


def schedule_season(group: Group, rule: SeasonRule, template: MeetupData, *, actor_id: int | None) -> list[Meetup]:
    """Create one meetup per occurrence of ``rule`` (titles numbered by month)."""
    meetups = []
    for starts_at, ends_at in expand_season(rule):
        data = MeetupData(
            title=template.title, starts_at=starts_at, ends_at=ends_at, place=template.place,
            address=template.address, map_url=template.map_url, agenda=template.agenda,
            speaker=template.speaker, capacity=template.capacity,
        )
        meetup = Meetup(group_id=group.id, status="scheduled", going_count=0, checkin_code=new_checkin_code())
        _apply(meetup, data)
        db.session.add(meetup)
        meetups.append(meetup)
    db.session.flush()
    record_audit("meetup.schedule_season", actor_id=actor_id, group_id=group.id, count=len(meetups))
    return meetups


def active_members_query(group_id: int):
    return (
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.group_id == group_id, Membership.status == "active")
    )


def upcoming_for_groups(group_ids: Iterable[int], now: datetime, limit: int) -> list[Meetup]:
    ids = list(group_ids)
    if not ids:
        return []
    return list(db.session.scalars(
        select(Meetup)
        .where(Meetup.group_id.in_(ids), Meetup.ends_at > now, Meetup.status != "held")
        .order_by(Meetup.starts_at)
        .limit(limit)
    ))
