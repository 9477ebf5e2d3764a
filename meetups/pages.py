"""Read models of the meetups area: a meetup as pages show it, the meetup
page, the meetup lists of the group page and the dashboard, and the host's
attendance tile.

The clock enters as an argument: lists of meetups yet to end are read per
day (everything that ends after the day began; each request drops what has
ended since), and ``settled_at(group, now)`` is the moment
the group's meetups, as far as "has it ended?" goes, look as they do now: the
end of the last meetup that has ended (or ``EPOCH``). A read that sorts
meetups into ended and not ended gives the same answer at ``settled_at`` as
at ``now``, so it is kept under it and read again only when a meetup ends.
"""
from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import NamedTuple

from markupsafe import Markup
from sqlalchemy import and_, bindparam, func, select

from common.cache import read_model
from common.db import read_rows
from groups.directory import Face
from groups.pages import GroupAt, Standing
from meetups import attendance
from meetups.models import RSVP, Meetup
from meetups.rsvp import rsvp_open
from members.models import Profile, User

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
GOING_SHOWN = 60
# What pages show of a meetup (not its check-in code: that is the host's).
MEETUP_FIELDS = ("id", "group_id", "title", "starts_at", "ends_at", "place", "address", "map_url", "agenda",
                 "speaker", "capacity", "rsvp_deadline", "status", "going_count", "attendance_taken")


class MeetupAt(NamedTuple):
    id: int
    group_id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str
    address: str
    map_url: str
    agenda: str
    speaker: str
    capacity: int | None
    rsvp_deadline: datetime | None
    status: str
    going_count: int
    attendance_taken: bool


@lru_cache(maxsize=1)
def _meetup_statement():
    return select(*(getattr(Meetup, name) for name in MEETUP_FIELDS)).where(
        Meetup.id == bindparam("mid"), Meetup.group_id == bindparam("gid"))


@read_model
def meetup_at(group: GroupAt, meetup_id: int) -> MeetupAt | None:
    """The meetup of the group (None: not one of its meetups)."""
    row = read_rows(_meetup_statement(), {"mid": meetup_id, "gid": group.id}).first()
    return None if row is None else MeetupAt(*row)


@lru_cache(maxsize=1)
def _ends_statement():
    return select(Meetup.ends_at).where(Meetup.group_id == bindparam("gid")).order_by(Meetup.ends_at)


@read_model
def meetup_ends(group: GroupAt) -> tuple[datetime, ...]:
    """When each of the group's meetups ends, in order."""
    return tuple(read_rows(_ends_statement(), {"gid": group.id}).scalars())


def settled_at(group: GroupAt, now: datetime) -> datetime:
    """The end of the group's last meetup that has ended by ``now`` (or EPOCH)."""
    return settled_at_each(group, now)[0]


def settled_at_each(group: GroupAt, *moments: datetime) -> tuple[datetime, ...]:
    """``settled_at`` for each of ``moments``, from one read of the meetups' ends."""
    ends = meetup_ends(group)
    indexes = (bisect_right(ends, moment) for moment in moments)
    return tuple(ends[index - 1] if index else EPOCH for index in indexes)


# The meetup page -------------------------------------------------------------

class RsvpAt(NamedTuple):
    response: str
    checked_in_at: datetime | None
    waitlist_position: int | None  # 1 = next to get a seat


@read_model
def rsvp_at(group: GroupAt, meetup_id: int, user_id: int) -> RsvpAt | None:
    """The user's answer to the meetup (1 query; 2 on the waitlist)."""
    from extensions import db

    rsvp = db.session.execute(
        select(RSVP.response, RSVP.checked_in_at, RSVP.waitlisted_at)
        .where(RSVP.meetup_id == meetup_id, RSVP.user_id == user_id)
    ).first()
    if rsvp is None:
        return None
    position = None
    if rsvp.response == "waitlisted":
        position = db.session.scalar(select(func.count(RSVP.id)).where(
            RSVP.meetup_id == meetup_id, RSVP.response == "waitlisted", RSVP.waitlisted_at <= rsvp.waitlisted_at))
    return RsvpAt(rsvp.response, rsvp.checked_in_at, position)


@lru_cache(maxsize=2)
def _faces_statement(went: bool):
    """Who is going (or, once attendance is taken, who went), first by name."""
    shown = RSVP.checked_in_at.is_not(None) if went else RSVP.response == "going"
    return (
        select(User.id, User.name, Profile.photo_filename)
        .join(RSVP, RSVP.user_id == User.id)
        .outerjoin(Profile, Profile.user_id == User.id)
        .where(RSVP.meetup_id == bindparam("mid"), shown)
        .order_by(User.name)
        .limit(GOING_SHOWN)
    )


@read_model
def faces(group: GroupAt, meetup_id: int, went: bool) -> tuple[Face, ...]:
    return tuple(Face(*row) for row in read_rows(_faces_statement(went), {"mid": meetup_id}))


class MeetupPage(NamedTuple):
    group: GroupAt
    meetup: MeetupAt
    is_member: bool
    is_host: bool
    rsvp: RsvpAt | None
    starts_relative: str
    rsvp_open: bool
    checkin_open: bool
    is_past: bool
    going: tuple[Face, ...]
    shown_count: int
    sections: tuple[Markup, ...]


def meetup_page(group: GroupAt, meetup: MeetupAt, viewer: Standing, rsvp: RsvpAt | None, now: datetime,
                starts_relative: str, sections: tuple[Markup, ...]) -> MeetupPage:
    """The meetup as this viewer sees it at ``now``: members see the details."""
    if not viewer.is_member:
        return MeetupPage(group, meetup, False, False, None, starts_relative, False, False, False, (), 0, ())
    is_past = meetup.ends_at <= now
    went = is_past and meetup.attendance_taken  # after the meetup, "who went" is who was checked in
    going = faces(group, meetup.id, went)
    return MeetupPage(
        group, meetup, True, viewer.is_host, rsvp, starts_relative, rsvp_open(meetup, now),  # type: ignore[arg-type]
        attendance.checkin_open(meetup, now) and not (rsvp and rsvp.checked_in_at),  # type: ignore[arg-type]
        is_past, going, len(going) if went else meetup.going_count, sections,
    )


class MeetupShell(NamedTuple):
    group: GroupAt
    meetup: MeetupAt
    body: Markup


# Meetup lists ----------------------------------------------------------------

class ListedMeetup(NamedTuple):
    """A meetup as lists show it."""

    id: int
    group_id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    status: str
    place: str | None
    response: str | None  # the viewer's answer


LISTED_COLUMNS = (Meetup.id, Meetup.group_id, Meetup.title, Meetup.starts_at, Meetup.ends_at, Meetup.status,
                  Meetup.place)


UPCOMING_READ = 24  # of a day's meetups yet to end: more than a list shows, fewer than a season has


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


@lru_cache(maxsize=1)
def _group_upcoming_statement():
    return (
        select(*LISTED_COLUMNS, RSVP.response)
        .outerjoin(RSVP, and_(RSVP.meetup_id == Meetup.id, RSVP.user_id == bindparam("viewer")))
        .where(Meetup.group_id == bindparam("gid"),
               Meetup.ends_at > bindparam("since", type_=Meetup.ends_at.type), Meetup.status != "held")
        .order_by(Meetup.starts_at)
        .limit(UPCOMING_READ)
    )


@read_model
def group_upcoming(group: GroupAt, viewer_id: int | None, day: date) -> tuple[ListedMeetup, ...]:
    """The group's meetups ending after ``day`` began, with the viewer's answers (1 query)."""
    rows = read_rows(_group_upcoming_statement(),
                     {"viewer": viewer_id or -1, "gid": group.id, "since": _day_start(day)})
    return tuple(ListedMeetup(*row) for row in rows)


@lru_cache(maxsize=1)
def _my_upcoming_statement():
    return (
        select(*LISTED_COLUMNS, RSVP.response)
        .outerjoin(RSVP, and_(RSVP.meetup_id == Meetup.id, RSVP.user_id == bindparam("uid")))
        .where(Meetup.group_id.in_(bindparam("gids", expanding=True)),
               Meetup.ends_at > bindparam("since", type_=Meetup.ends_at.type), Meetup.status != "held")
        .order_by(Meetup.starts_at)
        .limit(UPCOMING_READ)
    )


@read_model
def my_upcoming(user_id: int, groups: tuple[GroupAt, ...], day: date) -> tuple[ListedMeetup, ...]:
    """The meetups of these groups ending after ``day`` began, with my answers (1 query)."""
    rows = read_rows(_my_upcoming_statement(),
                     {"uid": user_id, "gids": [g.id for g in groups], "since": _day_start(day)})
    return tuple(ListedMeetup(*row) for row in rows)


def yet_to_end(meetups: tuple[ListedMeetup, ...], now: datetime, limit: int) -> tuple[ListedMeetup, ...]:
    """Of a day's list, the first ``limit`` meetups that have not ended at ``now``."""
    return tuple(m for m in meetups if m.ends_at > now)[:limit]


class MeetupRow(NamedTuple):
    """What one row of a meetup list shows."""

    url: str
    title: str
    starts_at: datetime
    ends_at: datetime
    status: str
    tz: str | None
    relative: str  # 'in 3 days' for a scheduled meetup, else ""
    group_name: str | None
    place: str | None
    show_response: bool
    response: str | None


class MeetupLine(NamedTuple):
    row: MeetupRow


class GroupMeetups(NamedTuple):
    group: GroupAt
    meetups: tuple[ListedMeetup, ...]
    relative: tuple[str, ...]
    is_member: bool
    is_host: bool


class DashboardMeetups(NamedTuple):
    meetups: tuple[ListedMeetup, ...]
    relative: tuple[str, ...]
    groups: tuple[GroupAt, ...]


# The host's attendance tile --------------------------------------------------

@read_model
def attendance_overview(group: GroupAt, settled: datetime) -> tuple[tuple, attendance.NextMeetup | None]:
    """Attendance of the last held meetups and the next one (1 query)."""
    series, next_meetup = attendance.attendance_overview(group.id, settled, limit=8)
    return tuple(series), next_meetup


class AttendanceTile(NamedTuple):
    group: GroupAt
    series: tuple
    next_meetup: attendance.NextMeetup | None
    next_starts: str | None
