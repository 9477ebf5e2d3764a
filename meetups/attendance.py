"""Attendance: check-in (by the host or with the venue code), attendance lists, history, the absence rule, the overview."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, case, func, literal_column, or_, select, union_all
from sqlalchemy.orm import lazyload

from common.audit import record_audit
from common.db import read_rows, utcnow
from extensions import db
from groups.models import Group, Membership
from meetups.models import RSVP, Meetup
from meetups.services import MeetupError, new_checkin_code
from members.models import User

# Self check-in is open from this long before the start until this long after the end.
CHECKIN_BEFORE = timedelta(minutes=60)
CHECKIN_AFTER = timedelta(minutes=60)


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
