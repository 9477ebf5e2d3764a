"""iCalendar output: a member's personal feed and single-meetup files.

Each event carries a stable ``UID`` (``meetup-<id>@nq``), a tz-aware
``DTSTART``/``DTEND`` in the group's timezone with its ``VTIMEZONE``, an
``ORGANIZER`` (the group), the member's ``PARTSTAT`` and ``STATUS:CANCELLED``
for cancelled meetups.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from icalendar import Calendar, Event, vCalAddress, vText
from sqlalchemy import and_, select

from common.db import utcnow
from extensions import db
from groups.models import Membership
from meetups.models import RSVP, Meetup
from members.models import User

PARTSTAT = {"going": "ACCEPTED", "not_going": "DECLINED", "waitlisted": "TENTATIVE", None: "NEEDS-ACTION"}
FEED_PAST_DAYS = 180


def _organizer_address() -> str:
    sender = current_app.config.get("MAIL_FROM", "no-reply@nq.local")
    return sender.rsplit("<", 1)[-1].rstrip(">").strip() or "no-reply@nq.local"


def _new_calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", "-//NQ//Meetups//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    return cal


def _event(meetup: Meetup, user: User | None, response: str | None, url: str | None) -> Event:
    group = meetup.group
    tz = ZoneInfo(group.timezone or "Europe/Copenhagen")
    event = Event()
    event.add("uid", f"meetup-{meetup.id}@nq")
    event.add("summary", f"{meetup.title} · {group.name}")
    event.add("dtstart", meetup.starts_at.astimezone(tz))
    event.add("dtend", meetup.ends_at.astimezone(tz))
    event.add("dtstamp", utcnow())
    event.add("last-modified", meetup.cancelled_at or meetup.created_at)
    location = ", ".join(part for part in (meetup.place, meetup.address) if part)
    if location:
        event.add("location", location)
    description = "\n\n".join(part for part in (meetup.speaker, meetup.agenda, url) if part)
    if description:
        event.add("description", description)
    if url:
        event.add("url", url)
    organizer = vCalAddress(f"mailto:{_organizer_address()}")
    organizer.params["cn"] = vText(group.name)
    event.add("organizer", organizer)
    if user is not None:
        attendee = vCalAddress(f"mailto:{user.email}")
        attendee.params["cn"] = vText(user.name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = vText(PARTSTAT.get(response, "NEEDS-ACTION"))
        event.add("attendee", attendee)
    event.add("status", "CANCELLED" if meetup.status == "cancelled" else "CONFIRMED")
    # Bumps on cancellation so clients replace their copy.
    event.add("sequence", 1 if meetup.status == "cancelled" else 0)
    return event


def _to_ics(cal: Calendar) -> str:
    """Serialise with VTIMEZONEs covering the events (a few years, not 1970–2038)."""
    starts = [event.decoded("DTSTART") for event in cal.walk("VEVENT")]
    if starts:
        first = min(starts).date().replace(month=1, day=1)
        last = max(starts).date().replace(month=12, day=31) + timedelta(days=366)
        cal.add_missing_timezones(first_date=first, last_date=last)
    return cal.to_ical().decode()


def meetup_ics(meetup: Meetup, response: str | None, user: User | None = None, url: str | None = None) -> str:
    """One meetup as an .ics file (RSVP confirmation attachment, "Add to calendar")."""
    cal = _new_calendar(meetup.group.name)
    cal.add("method", "PUBLISH")
    cal.add_component(_event(meetup, user, response, url))
    return _to_ics(cal)


def feed_meetups(user: User, now: datetime | None = None) -> list[tuple[Meetup, str | None]]:
    """Meetups of the user's active groups (last 180 days onwards) with their response — one query."""
    now = now or utcnow()
    rows = db.session.execute(
        select(Meetup, RSVP.response)
        .join(Membership, and_(Membership.group_id == Meetup.group_id, Membership.user_id == user.id))
        .outerjoin(RSVP, and_(RSVP.meetup_id == Meetup.id, RSVP.user_id == user.id))
        .where(Membership.status == "active", Meetup.starts_at >= now - timedelta(days=FEED_PAST_DAYS))
        .order_by(Meetup.starts_at)
    ).all()
    return [(meetup, response) for meetup, response in rows]


def user_feed(user: User, rows: Iterable[tuple[Meetup, str | None]], url_for_meetup) -> str:
    """The personal feed ``/calendar/<token>.ics``."""
    cal = _new_calendar("NQ meetups")
    cal.add("method", "PUBLISH")
    cal.add("x-published-ttl", "PT1H")
    for meetup, response in rows:
        cal.add_component(_event(meetup, user, response, url_for_meetup(meetup)))
    return _to_ics(cal)
