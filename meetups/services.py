"""Meetup verbs: create, schedule a season, RSVP with capacity and waitlist, attendance.

Services flush, never commit; the request (or ``flask tick``) commits once.

Capacity holds under concurrent clicks without ``SELECT … FOR UPDATE`` (which
SQLite ignores): a seat is taken by the conditional UPDATE

    UPDATE meetup SET going_count = going_count + 1
    WHERE id = :id AND (capacity IS NULL OR going_count < capacity)

and only a rowcount of 1 means the seat is ours. A state change of an RSVP row
is likewise conditional (``WHERE response = :expected``), so two requests of
the same member cannot both take a seat.
"""
from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple, cast

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, case, func, literal_column, or_, select, union_all, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload

from common.audit import record_audit
from common.db import read_rows, utcnow
from common.formatting import fmt_span
from common.urls import external_url
from extensions import db
from groups.models import Group, Membership
from meetups.models import RSVP, Meetup
from meetups.schedule import SeasonRule, expand_season
from members.models import User
from outbox.services import queue_email

log = logging.getLogger(__name__)

# Unambiguous characters for the self check-in code (no 0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
# Self check-in is open from this long before the start until this long after the end.
CHECKIN_BEFORE = timedelta(minutes=60)
CHECKIN_AFTER = timedelta(minutes=60)
REMINDER_LEAD = timedelta(days=2)


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
    context = _email_context(meetup)
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


# RSVP ---------------------------------------------------------------------

def rsvp_open(meetup: Meetup, now: datetime | None = None) -> bool:
    """Members may change their answer until the deadline (or the start)."""
    now = now or utcnow()
    if meetup.status != "scheduled":
        return False
    closes = meetup.rsvp_deadline or meetup.starts_at
    return now < min(closes, meetup.starts_at)


def _take_seat(meetup: Meetup) -> bool:
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


def _free_seat(meetup: Meetup) -> None:
    db.session.execute(
        update(Meetup.__table__)
        .where(Meetup.__table__.c.id == meetup.id, Meetup.__table__.c.going_count > 0)
        .values(going_count=Meetup.__table__.c.going_count - 1)
        .execution_options(nq_group=meetup.group_id)
    )


def _move(meetup: Meetup, rsvp_id: int, expected: str, values: dict) -> bool:
    """Change an RSVP row only if it is still in state ``expected``."""
    result = cast(CursorResult[Any], db.session.execute(
        update(RSVP.__table__)
        .where(RSVP.__table__.c.id == rsvp_id, RSVP.__table__.c.response == expected)
        .values(**values)
        .execution_options(nq_group=meetup.group_id)
    ))
    return result.rowcount == 1


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
        if _take_seat(meetup):
            if not _move(meetup, current.id, "not_going", {"response": "going", "responded_at": now, "waitlisted_at": None}):
                _free_seat(meetup)  # a parallel request of the same member won
        else:
            _move(meetup, current.id, "not_going", {"response": "waitlisted", "responded_at": now, "waitlisted_at": now})
    elif response == "not_going" and current.response == "going":
        if _move(meetup, current.id, "going", {"response": "not_going", "responded_at": now, "waitlisted_at": None}):
            _free_seat(meetup)
            promote_waitlisted(meetup, now=now)
    elif response == "not_going" and current.response == "waitlisted":
        _move(meetup, current.id, "waitlisted", {"response": "not_going", "responded_at": now, "waitlisted_at": None})
    db.session.flush()
    db.session.refresh(current)
    db.session.refresh(meetup)
    if current.response != before and current.response in ("going", "waitlisted"):
        _queue_confirmation(meetup, user, current)
    return current


def _new_rsvp(meetup: Meetup, user: User, response: str, now: datetime) -> RSVP:
    if response == "going":
        seated = _take_seat(meetup)
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
        if candidate is None or not _take_seat(meetup):
            break
        if not _move(meetup, candidate.id, "waitlisted", {"response": "going", "waitlisted_at": None}):
            _free_seat(meetup)  # someone else promoted or withdrew them; try the next
            continue
        promoted += 1
        user = db.session.get(User, candidate.user_id)
        if user is not None:
            queue_email(
                user.email, _("You have a seat: %(title)s", title=meetup.title), "meetup_promoted",
                {**_email_context(meetup), "name": user.name},
                attachments=[_ics_attachment(meetup, user, "going")],
            )
    db.session.flush()
    db.session.expire(meetup, ["going_count"])
    return promoted


def _queue_confirmation(meetup: Meetup, user: User, row: RSVP) -> None:
    waitlisted = row.response == "waitlisted"
    subject = (
        _("You are on the waitlist: %(title)s", title=meetup.title) if waitlisted
        else _("You are going: %(title)s", title=meetup.title)
    )
    queue_email(
        user.email, subject, "meetup_rsvp",
        {**_email_context(meetup), "name": user.name, "waitlisted": waitlisted},
        attachments=[_ics_attachment(meetup, user, row.response)],
    )


def _ics_attachment(meetup: Meetup, user: User, response: str) -> dict[str, str]:
    from meetups.calendar import meetup_ics

    return {
        "filename": f"meetup-{meetup.id}.ics",
        "content_type": "text/calendar",
        "content": meetup_ics(meetup, response, user, _email_context(meetup)["url"]),
    }


def _email_context(meetup: Meetup) -> dict:
    group = meetup.group
    return {
        "title": meetup.title,
        "group_name": group.name,
        "when": fmt_span(meetup.starts_at, meetup.ends_at, group.timezone),
        "place": meetup.place,
        "address": meetup.address,
        "url": external_url("meetups.detail", slug=group.slug, meetup_id=meetup.id),
    }


# Attendance ---------------------------------------------------------------

def checkin_open(meetup: Meetup, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return (
        meetup.status != "cancelled"
        and meetup.starts_at - CHECKIN_BEFORE <= now <= meetup.ends_at + CHECKIN_AFTER
    )


def check_in(meetup: Meetup, user_id: int, *, now: datetime | None = None, by_host: bool = True) -> RSVP:
    """Mark a member present; without a "going" RSVP they are recorded as a walk-in.

    Walk-ins take no seat (capacity counts answers, not bodies at the door).
    Checking in someone already checked in changes nothing.
    """
    now = now or utcnow()
    if meetup.status == "cancelled":
        raise MeetupError(_("This meetup was cancelled."))
    row = db.session.scalars(
        select(RSVP).where(RSVP.meetup_id == meetup.id, RSVP.user_id == user_id)
    ).first()
    if row is None:
        row = RSVP(meetup_id=meetup.id, user_id=user_id, response="not_going", responded_at=now, walk_in=True)
        db.session.add(row)
    elif row.response != "going":
        row.walk_in = True
    if row.checked_in_at is None:
        row.checked_in_at = now
    if by_host:
        meetup.attendance_taken = True
    if meetup.status == "scheduled" and now >= meetup.starts_at:
        meetup.status = "held"
    db.session.flush()
    return row


def undo_check_in(meetup: Meetup, user_id: int) -> None:
    """Take a check-in back (a mis-tap)."""
    row = db.session.scalars(
        select(RSVP).where(RSVP.meetup_id == meetup.id, RSVP.user_id == user_id)
    ).first()
    if row is None:
        return
    row.checked_in_at = None
    if row.walk_in and row.response != "going":
        row.walk_in = False
    db.session.flush()


def self_check_in(meetup: Meetup, user: User, code: str, *, now: datetime | None = None) -> RSVP:
    """A member checks themselves in with the code shown at the venue."""
    now = now or utcnow()
    if not checkin_open(meetup, now):
        raise MeetupError(_("Self check-in is open from an hour before the meetup until an hour after it."))
    entered = "".join(code.split()).upper()
    # Compared as bytes: compare_digest refuses str with non-ASCII characters ("ÆØÅ") with a TypeError.
    if not meetup.checkin_code or not secrets.compare_digest(entered.encode(), meetup.checkin_code.encode()):
        raise MeetupError(_("That code is not right. Check the code shown at the venue."))
    return check_in(meetup, user.id, now=now, by_host=False)


def regenerate_checkin_code(meetup: Meetup) -> str:
    meetup.checkin_code = new_checkin_code()
    db.session.flush()
    return meetup.checkin_code


def active_members_query(group_id: int):
    return (
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.group_id == group_id, Membership.status == "active")
    )


def attendance_rows(meetup: Meetup, search: str = "") -> list[tuple[User, RSVP | None]]:
    """Active members (and anyone with an RSVP) with their RSVP, one query.

    Order: going first, then waitlisted, then the rest; by name.
    """
    joined = and_(RSVP.user_id == User.id, RSVP.meetup_id == meetup.id)
    member_ids = select(Membership.user_id).where(
        Membership.group_id == meetup.group_id, Membership.status == "active"
    )
    answered_ids = select(RSVP.user_id).where(RSVP.meetup_id == meetup.id)
    query = (
        select(User, RSVP)
        .outerjoin(RSVP, joined)
        # Two id lists (not "or has an RSVP" on the outer join): both are index
        # lookups, where the join condition made SQLite read every user.
        .where(or_(User.id.in_(member_ids), User.id.in_(answered_ids)))
        .options(lazyload(User.profile))  # the list shows names and initials only
        .order_by(
            case((RSVP.response == "going", 0), (RSVP.response == "waitlisted", 1), else_=2),
            User.name,
        )
    )
    if search:
        pattern = f"%{search.strip().lower()}%"
        query = query.where(or_(func.lower(User.name).like(pattern), func.lower(User.email).like(pattern)))
    return [(user, row) for user, row in db.session.execute(query).all()]


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


# Absence rule and history ---------------------------------------------------

def attendance_history(group: Group, now: datetime | None = None) -> list[dict]:
    """Per active member: held meetups since joining, attended, absences in the rule's window, flag.

    An absence is a held meetup with attendance taken, after the member joined,
    at which the member was not checked in. Members are flagged when absences
    in the last ``group.absence_months`` months exceed ``group.absence_limit``.
    Two queries, whatever the number of members or meetups.
    """
    now = now or utcnow()
    window_start = now - timedelta(days=30 * (group.absence_months or 6))
    joined_at = func.coalesce(Membership.joined_at, Membership.applied_at)
    attended = RSVP.checked_in_at.is_not(None)
    query = (
        select(
            User,
            func.count(Meetup.id).label("held"),
            func.count(case((attended, 1))).label("attended"),
            func.count(case((and_(~attended, Meetup.starts_at >= window_start), 1))).label("recent_absences"),
            func.count(case((RSVP.response == "going", 1))).label("said_going"),
        )
        .select_from(Membership)
        .join(User, User.id == Membership.user_id)
        .outerjoin(
            Meetup,
            and_(
                Meetup.group_id == Membership.group_id,
                Meetup.attendance_taken.is_(True),
                Meetup.status != "cancelled",
                Meetup.starts_at <= now,
                Meetup.starts_at >= joined_at,
            ),
        )
        .outerjoin(RSVP, and_(RSVP.meetup_id == Meetup.id, RSVP.user_id == Membership.user_id))
        .where(Membership.group_id == group.id, Membership.status == "active")
        .group_by(User.id)
        .order_by(User.name)
    )
    rows = []
    for user, held, attended_count, recent_absences, said_going in db.session.execute(query).all():
        flagged = group.absence_limit is not None and recent_absences > group.absence_limit
        rows.append({
            "user": user, "held": held, "attended": attended_count, "said_going": said_going,
            "recent_absences": recent_absences, "flagged": flagged,
            "rate": (attended_count / held) if held else None,
        })
    return rows


def set_absence_rule(group: Group, limit: int | None, months: int, *, actor_id: int | None) -> None:
    """Flag members with more than ``limit`` absences in ``months`` months (None: no rule)."""
    group.absence_limit = limit
    group.absence_months = months
    record_audit("group.absence_rule", actor_id=actor_id, group_id=group.id, limit=limit, months=months)
    db.session.flush()


def absence_flags(group: Group, now: datetime | None = None) -> dict[int, int]:
    """user_id → recent absences, for members the group's absence rule flags (for the member list)."""
    if group.absence_limit is None:
        return {}
    return {row["user"].id: row["recent_absences"] for row in attendance_history(group, now) if row["flagged"]}


class AttendancePoint(NamedTuple):
    id: int
    title: str
    starts_at: datetime
    going: int
    attended: int


class NextMeetup(NamedTuple):
    id: int
    title: str
    starts_at: datetime
    going_count: int
    capacity: int | None
    ends_at: datetime


@lru_cache(maxsize=1)
def _overview_statement():
    attended = func.count(case((RSVP.checked_in_at.is_not(None), 1)))
    columns = (Meetup.id, Meetup.title, Meetup.starts_at, Meetup.going_count, Meetup.capacity, Meetup.ends_at)
    held = (
        select(*columns, attended.label("attended"), literal_column("0").label("upcoming"))
        .outerjoin(RSVP, RSVP.meetup_id == Meetup.id)
        .where(Meetup.group_id == bindparam("gid"), Meetup.attendance_taken.is_(True),
               Meetup.status != "cancelled")
        .group_by(*columns)
        .order_by(Meetup.starts_at.desc())
        .limit(bindparam("limit"))
        .subquery()
    )
    upcoming = (
        select(*columns, literal_column("0").label("attended"), literal_column("1").label("upcoming"))
        .where(Meetup.group_id == bindparam("gid"), Meetup.status == "scheduled",
               Meetup.ends_at > bindparam("now", type_=Meetup.ends_at.type))
        .order_by(Meetup.starts_at)
        .limit(1)
        .subquery()
    )
    return union_all(select(held), select(upcoming))


def attendance_overview(group_id: int, now: datetime, limit: int = 8) -> tuple[list[AttendancePoint], NextMeetup | None]:
    """Held meetups (newest ``limit``, oldest first) with going and attended
    counts, and the next scheduled meetup — one query."""
    rows = read_rows(_overview_statement(), {"gid": group_id, "now": now, "limit": limit}).all()
    series = [
        AttendancePoint(r.id, r.title, r.starts_at, r.going_count, r.attended)
        for r in sorted((r for r in rows if not r.upcoming), key=lambda r: r.starts_at)
    ]
    next_meetup = next((NextMeetup(*r[:6]) for r in rows if r.upcoming), None)
    return series, next_meetup


# Announcements and reminders ------------------------------------------------

def announce(group: Group, subject: str, body: str, *, actor_id: int | None) -> int:
    """Email an announcement to every active member of the group (via the outbox)."""
    members = db.session.execute(
        active_members_query(group.id).with_only_columns(User.email, User.name).order_by(User.id)
    ).all()
    url = external_url("groups.show", slug=group.slug) if _has_endpoint("groups.show") else ""
    for email, name in members:
        queue_email(email, subject, "meetup_announcement",
                    {"name": name, "group_name": group.name, "body": body, "url": url})
    record_audit("group.announce", actor_id=actor_id, group_id=group.id, subject=subject, recipients=len(members))
    db.session.flush()
    return len(members)


def recent_announcements(group_id: int, limit: int = 5) -> list[dict]:
    """The group's latest announcements (from the audit log), newest first — one query."""
    from common.audit import AuditEntry

    entries = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.group_id == group_id, AuditEntry.action == "group.announce")
        .order_by(AuditEntry.created_at.desc())
        .limit(limit)
    )
    return [
        {"subject": e.detail.get("subject", ""), "recipients": e.detail.get("recipients", 0), "at": e.created_at}
        for e in entries
    ]


def _has_endpoint(endpoint: str) -> bool:
    return endpoint in current_app.view_functions


def queue_reminders(now: datetime) -> int:
    """Queue "meetup in 2 days" to members going or not yet answered; never twice.

    Covers scheduled meetups starting within the next ``REMINDER_LEAD``. The
    dedupe key (meetup, member) makes any number of runs queue each reminder once.
    """
    meetups = list(db.session.scalars(
        select(Meetup).where(
            Meetup.status == "scheduled",
            Meetup.starts_at > now,
            Meetup.starts_at <= now + REMINDER_LEAD,
        )
    ))
    if not meetups:
        return 0
    by_group: dict[int, list[Meetup]] = {}
    for meetup in meetups:
        by_group.setdefault(meetup.group_id, []).append(meetup)
    meetup_ids = [m.id for m in meetups]
    responses = {
        (meetup_id, user_id): response
        for meetup_id, user_id, response in db.session.execute(
            select(RSVP.meetup_id, RSVP.user_id, RSVP.response).where(RSVP.meetup_id.in_(meetup_ids))
        ).all()
    }
    members = db.session.execute(
        select(Membership.group_id, User.id, User.email, User.name)
        .join(User, User.id == Membership.user_id)
        .where(Membership.group_id.in_(list(by_group)), Membership.status == "active",
               User.is_deactivated.is_(False))
    ).all()
    queued = 0
    for group_id, user_id, email, name in members:
        for meetup in by_group[group_id]:
            response = responses.get((meetup.id, user_id))
            if response not in (None, "going"):
                continue
            context = {**_email_context(meetup), "name": name, "going": response == "going"}
            message = queue_email(
                email, _("Reminder: %(title)s", title=meetup.title), "meetup_reminder", context,
                dedupe_key=f"meetup-reminder:{meetup.id}:{user_id}",
            )
            queued += message is not None
    db.session.flush()
    return queued


def mark_held(now: datetime) -> int:
    """Scheduled meetups that have ended become "held"."""
    ended = (Meetup.__table__.c.status == "scheduled", Meetup.__table__.c.ends_at <= now)
    groups = tuple(db.session.scalars(select(Meetup.group_id).where(*ended).distinct()))
    if not groups:
        return 0
    result = cast(CursorResult[Any], db.session.execute(
        update(Meetup.__table__).where(*ended).values(status="held").execution_options(nq_group=groups)
    ))
    return result.rowcount or 0


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


__all__ = [
    "IntegrityError", "MeetupData", "MeetupError", "absence_flags", "announce", "attendance_history",
    "attendance_overview", "attendance_rows", "cancel_meetup", "check_in", "checkin_open", "create_meetup",
    "mark_held", "promote_waitlisted", "queue_reminders", "regenerate_checkin_code", "rsvp", "rsvp_lists",
    "rsvp_open", "schedule_season", "self_check_in", "undo_check_in", "unanswered_members", "update_meetup",
    "upcoming_for_groups",
]
