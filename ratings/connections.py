"""Connections (mutual clicks at the same meetup) and deep relationships, by SQL.

Nothing is materialised: a connection is two click rows that mirror each other
at one meetup, found by a self-join, so the numbers can never drift from the
clicks. Each function issues a constant number of queries.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import (
    Boolean,
    Integer,
    String,
    and_,
    bindparam,
    case,
    cast,
    distinct,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased, joinedload

from common.db import read_rows
from extensions import db
from groups.models import Group
from meetups.models import Meetup
from members.models import User
from ratings.figures import PairInput
from ratings.models import Click, Introduction


@lru_cache(maxsize=1)
def _mutual():
    """(c1, c2, join condition): c2 is the click mirroring c1 at the same meetup.

    Built once: aliasing and comparing columns is costly, and the result is immutable.
    """
    c1, c2 = aliased(Click), aliased(Click)
    on = and_(
        c2.meetup_id == c1.meetup_id,
        c2.from_user_id == c1.to_user_id,
        c2.to_user_id == c1.from_user_id,
    )
    return c1, c2, on


@lru_cache(maxsize=1)
def _group_pairs_statements():
    """Mutual clicks per pair, and introductions that led to a meeting, of one
    group in [since, until): built once with bind parameters (``gid``,
    ``since``, ``until``), as building them costs more than answering them."""
    c1, c2, on = _mutual()
    moment = Meetup.starts_at.type
    gid = bindparam("gid", type_=Integer)
    since, until = bindparam("since", type_=moment), bindparam("until", type_=moment)
    clicks = (
        select(c1.from_user_id, c1.to_user_id, func.count(distinct(c1.meetup_id)))
        .join(c2, on)
        .join(Meetup, Meetup.id == c1.meetup_id)
        .where(
            c1.group_id == gid,
            Meetup.group_id == gid,  # the group's meetups first: a tenth of the plan on PostgreSQL
            c1.from_user_id < c1.to_user_id,
            Meetup.starts_at >= since,
            Meetup.starts_at < until,
            Meetup.ends_at <= bindparam("released", type_=moment),
        )
        .group_by(c1.from_user_id, c1.to_user_id)
    )
    low = case((Introduction.member_a_id < Introduction.member_b_id, Introduction.member_a_id),
               else_=Introduction.member_b_id)
    high = case((Introduction.member_a_id < Introduction.member_b_id, Introduction.member_b_id),
                else_=Introduction.member_a_id)
    met = select(low, high).where(
        Introduction.group_id == gid,
        Introduction.status == "met",
        Introduction.met_at >= since,
        Introduction.met_at < until,
    )
    return clicks, met


def group_pairs(group_id: int, since: datetime, until: datetime, released: datetime) -> list[PairInput]:
    """Every connected pair of a group in [since, until), with its meetings
    (2 queries). Clicks count from meetups that ended by ``released`` (rating
    closed), so that no pair appears while the clicks are still coming in."""
    clicks, met_statement = _group_pairs_statements()
    params = {"gid": group_id, "since": since, "until": until, "released": released}
    meetups = {(a, b): n for a, b, n in read_rows(clicks, params)}
    met = {(a, b) for a, b in read_rows(met_statement, params)}
    return [PairInput(a, b, meetups.get((a, b), 0), (a, b) in met) for a, b in sorted(meetups.keys() | met)]


@dataclass
class ConnectionMeeting:
    meetup_id: int
    title: str
    starts_at: datetime
    group_name: str
    group_slug: str


@dataclass
class Connection:
    """Me and one other member: where we clicked, and introductions between us."""

    other: User
    meetings: list[ConnectionMeeting] = field(default_factory=list)
    introductions: list[Introduction] = field(default_factory=list)

    @property
    def introduced_and_met(self) -> bool:
        return any(i.status == "met" for i in self.introductions)

    @property
    def meeting_count(self) -> int:
        return len({m.meetup_id for m in self.meetings}) + (1 if self.introduced_and_met else 0)

    @property
    def is_deep(self) -> bool:
        return self.meeting_count >= 2

    @property
    def started(self) -> ConnectionMeeting | Introduction | None:
        """How the connection started: its first meetup or introduction."""
        candidates: list[tuple[datetime, ConnectionMeeting | Introduction]] = [
            (m.starts_at, m) for m in self.meetings
        ] + [(i.accepted_at or i.created_at, i) for i in self.introductions]
        return min(candidates, key=lambda c: c[0])[1] if candidates else None


def connections_of(user_id: int) -> list[Connection]:
    """My connections in every group, deep ones first (3 queries).

    A connection is a mutual click at one meetup, or an introduction that
    both sides accepted (contact details are then shared both ways).
    """
    c1, c2, on = _mutual()
    rows = db.session.execute(
        select(c1.to_user_id, Meetup.id, Meetup.title, Meetup.starts_at, Group.name, Group.slug)
        .join(c2, on)
        .join(Meetup, Meetup.id == c1.meetup_id)
        .join(Group, Group.id == c1.group_id)
        .where(c1.from_user_id == user_id)
        .order_by(Meetup.starts_at)
    ).all()
    introductions = list(
        db.session.scalars(
            select(Introduction)
            .options(joinedload(Introduction.introducer))
            .where(
                or_(Introduction.member_a_id == user_id, Introduction.member_b_id == user_id),
                Introduction.status.in_(("accepted", "met")),
            )
        ).unique()
    )
    by_other: dict[int, Connection] = {}
    meetings: dict[int, list[ConnectionMeeting]] = defaultdict(list)
    for other_id, meetup_id, title, starts_at, group_name, slug in rows:
        meetings[other_id].append(ConnectionMeeting(meetup_id, title, starts_at, group_name, slug))
    intros: dict[int, list[Introduction]] = defaultdict(list)
    for intro in introductions:
        intros[intro.other_id(user_id)].append(intro)
    other_ids = set(meetings) | set(intros)
    if not other_ids:
        return []
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(other_ids))).unique()}
    for other_id in other_ids:
        if other_id in users:
            by_other[other_id] = Connection(users[other_id], meetings[other_id], intros[other_id])
    return sorted(
        by_other.values(), key=lambda c: (not c.is_deep, -c.meeting_count, c.other.name.lower())
    )


class ConnectionSummary(NamedTuple):
    connections: int
    deep: int
    awaiting: int  # introductions proposed to the member and not yet answered by them


@lru_cache(maxsize=1)
def _summary_statement():
    c1, c2, on = _mutual()
    nothing = {"a": Integer, "b": Integer, "status": String, "accepted_a": Boolean, "accepted_b": Boolean}
    clicks = (
        select(literal_column("1").label("kind"), c1.to_user_id.label("other"),
               func.count(distinct(c1.meetup_id)).label("n"),
               *(cast(null(), type_).label(name) for name, type_ in nothing.items()))
        .join(c2, on)
        .where(c1.from_user_id == bindparam("uid"))
        .group_by(c1.to_user_id)
    )
    intros = select(
        literal_column("2", Integer), cast(null(), Integer), cast(null(), Integer),
        Introduction.member_a_id, Introduction.member_b_id, Introduction.status,
        Introduction.accepted_a, Introduction.accepted_b,
    ).where(
        or_(Introduction.member_a_id == bindparam("uid"), Introduction.member_b_id == bindparam("uid")),
        Introduction.status.in_(("proposed", "accepted", "met")),
    )
    return union_all(clicks, intros)


def connection_summary(user_id: int) -> ConnectionSummary:
    """A member's connections, deep relationships and introductions awaiting
    their answer, in one query (mutual clicks and introductions side by side)."""
    rows = read_rows(_summary_statement(), {"uid": user_id}).all()
    counts = {row.other: row.n for row in rows if row.kind == 1}
    met: set[int] = set()
    awaiting = 0
    for row in rows:
        if row.kind != 2:
            continue
        other = row.b if row.a == user_id else row.a
        if row.status == "proposed":
            mine = row.accepted_a if row.a == user_id else row.accepted_b
            awaiting += not mine
            continue
        counts.setdefault(other, 0)
        if row.status == "met":
            met.add(other)
    deep = sum(1 for other, n in counts.items() if n + (1 if other in met else 0) >= 2)
    return ConnectionSummary(len(counts), deep, awaiting)


def connection_counts(user_id: int) -> tuple[int, int]:
    """(connections, deep relationships) of a member (1 query)."""
    summary = connection_summary(user_id)
    return summary.connections, summary.deep


def mutual_targets(meetup_id: int, user_id: int) -> set[int]:
    """Members who clicked ``user_id`` back at this meetup (1 query)."""
    c1, c2, on = _mutual()
    return set(
        db.session.scalars(
            select(c1.to_user_id).join(c2, on).where(
                c1.meetup_id == meetup_id, c1.from_user_id == user_id
            )
        )
    )
