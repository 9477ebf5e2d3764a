"""Reading the value report: the season's aggregates in a constant number of
queries, one member's own figures, and the host's unattributed comments.

The formulas are in ``ratings/value.py``; this module only reads.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import BindParameter, Date, and_, bindparam, case, distinct, func, null, or_, select

from common.cache import read_model
from common.db import read_rows
from common.hooks import fees_paid_sql
from extensions import db
from groups.models import Group, Membership
from groups.pages import GroupAt, group_at
from groups.seasons import Season, season_bounds
from meetups.models import RSVP, Meetup
from meetups.pages import settled_at_each
from members.models import User
from ratings.connections import group_pairs
from ratings.figures import (
    MeetupInput,
    MemberFigures,
    MemberInput,
    OpenMeetup,
    SeasonInput,
    Thresholds,
    ValueReport,
)
from ratings.models import Introduction, Outcome, Rating
from ratings.services import DEFAULT_WINDOW_DAYS, attended_condition, window_end
from ratings.value import build_report, member_figures

# --------------------------------------------------------------------------- the report

def _int(value: Any) -> int:
    return int(value or 0)


def _in_season(gid, since, until, cutoff):
    """Meetups of the group that started in [since, until), were not cancelled
    and ended by ``cutoff``."""
    return and_(
        Meetup.group_id == gid, Meetup.starts_at >= since, Meetup.starts_at < until,
        Meetup.status != "cancelled", Meetup.ends_at <= cutoff,
    )


@lru_cache(maxsize=1)
def _season_statements():
    """The season's aggregate queries, built once with bind parameters: building
    them costs more than SQLite takes to answer them. Binds: ``gid``, ``since``,
    ``until`` (the season's UTC bounds), ``released`` (meetups whose rating
    window had closed: every figure counts these only), ``ended`` (meetups
    ended by then: the ones still open for rating are listed with their
    counts only), ``currency``."""
    moment = Meetup.ends_at.type
    gid: BindParameter[int] = bindparam("gid")
    since, until = bindparam("since", type_=moment), bindparam("until", type_=moment)
    in_season = _in_season(gid, since, until, bindparam("released", type_=moment))
    ended = _in_season(gid, since, until, bindparam("ended", type_=moment))
    season_meetup_ids = select(Meetup.id).where(in_season)
    attended = (
        select(RSVP.meetup_id.label("meetup_id"), func.count().label("n"))
        .join(Meetup, Meetup.id == RSVP.meetup_id)
        .where(ended, attended_condition())
        .group_by(RSVP.meetup_id)
        .subquery()
    )
    rated = (
        select(
            Rating.meetup_id.label("meetup_id"), func.count().label("n"), func.sum(Rating.fit).label("fit"),
            func.sum(Rating.chemistry).label("chemistry"),
            func.sum(case((Rating.worth_time.is_(True), 1), else_=0)).label("worth"),
        )
        .where(Rating.group_id == gid, Rating.meetup_id.in_(select(Meetup.id).where(ended)))
        .group_by(Rating.meetup_id)
        .subquery()
    )
    meetups = (
        select(Meetup.id, Meetup.title, Meetup.starts_at, Meetup.ends_at, Meetup.attendance_taken,
               attended.c.n, rated.c.n, rated.c.fit, rated.c.chemistry, rated.c.worth)
        .outerjoin(attended, attended.c.meetup_id == Meetup.id)
        .outerjoin(rated, rated.c.meetup_id == Meetup.id)
        .where(ended)
        .order_by(Meetup.starts_at)
    )
    active = and_(Membership.group_id == gid, Membership.status == "active")
    fees = fees_paid_sql(gid, bindparam("season_start", type_=Date))
    totals = select(
        select(func.count()).select_from(Membership).where(active).scalar_subquery(),
        select(func.count()).select_from(Membership).where(active, Membership.role != "host").scalar_subquery(),
        func.count(distinct(Rating.user_id)),
        func.sum(case((Rating.gave_help.is_(True), 1), else_=0)),
        func.sum(case((Rating.got_help.is_(True), 1), else_=0)),
        fees if fees is not None else null(),
    ).where(Rating.group_id == gid, Rating.meetup_id.in_(season_meetup_ids))
    # Each member's latest renewal intent of the season: the answer given at the
    # latest meetup they rated (ties: the later rating). A join back to each
    # member's latest meetup, as a window function sorts every rating first.
    rated_in_season = and_(Rating.group_id == gid, in_season)
    latest = (
        select(Rating.user_id.label("user_id"), func.max(Meetup.starts_at).label("starts_at"))
        .join(Meetup, Meetup.id == Rating.meetup_id)
        .where(rated_in_season)
        .group_by(Rating.user_id)
        .subquery()
    )
    last_ratings = (
        select(func.max(Rating.id))
        .join(Meetup, Meetup.id == Rating.meetup_id)
        .join(latest, and_(latest.c.user_id == Rating.user_id, latest.c.starts_at == Meetup.starts_at))
        .where(rated_in_season)
        .group_by(Rating.user_id)
    )
    renewal = (
        select(Rating.renewal_intent, func.count())
        .where(Rating.id.in_(last_ratings))
        .group_by(Rating.renewal_intent)
    )
    introductions = (
        select(User.name, Introduction.status, func.count())
        .outerjoin(User, User.id == Introduction.introducer_id)
        .where(Introduction.group_id == gid, Introduction.created_at >= since, Introduction.created_at < until)
        .group_by(User.name, Introduction.status)
    )
    outcomes = (
        select(Outcome.kind, func.count(),
               func.sum(case((Outcome.currency == bindparam("currency"), Outcome.value_minor), else_=0)))
        .where(Outcome.group_id == gid, Outcome.created_at >= since, Outcome.created_at < until)
        .group_by(Outcome.kind)
    )
    return meetups, totals, renewal, introductions, outcomes


def season_input(group: Group, season: Season, released: datetime, ended: datetime | None = None) -> SeasonInput:
    """Every aggregate of the season in a constant number of queries (7).

    Figures count the meetups that ended by ``released``: those whose rating
    window has closed (``release_moments``), so that no figure moves while
    members are still rating and none can be worked out by subtraction. The
    meetups that ended between ``released`` and ``ended`` are listed as open
    for rating, with how many have rated and nothing else.
    """
    since, until = season_bounds(group, season)
    ended = max(ended or released, released)
    params = {"gid": group.id, "since": since, "until": until, "released": released, "ended": ended,
              "currency": group.currency, "season_start": season.start}
    meetups_q, totals_q, renewal_q, introductions_q, outcomes_q = _season_statements()
    meetups: list[MeetupInput] = []
    still_open: list[OpenMeetup] = []
    for mid, title, starts_at, ends_at, taken, n_att, n_rated, fit, chem, worth in read_rows(meetups_q, params):
        attendees = max(_int(n_att), _int(n_rated))
        if ends_at > released:
            closes = window_end(ends_at, group.rating_window_days)
            still_open.append(OpenMeetup(mid, title, starts_at, closes, attendees, _int(n_rated)))
            continue
        meetups.append(MeetupInput(
            meetup_id=mid, title=title, starts_at=starts_at, attendees=attendees,
            raters=_int(n_rated), fit_sum=_int(fit), chemistry_sum=_int(chem),
            worth_yes=_int(worth), attendance_taken=bool(taken),
        ))
    *counts, fees = read_rows(totals_q, params).one()
    members, paying, raters, gave_help, got_help = (_int(v) for v in counts)
    renewal = {intent: n for intent, n in read_rows(renewal_q, params)}
    pairs = group_pairs(group.id, since, until, released)
    intro_status: dict[str, int] = {}
    by_introducer: dict[str, int] = {}
    for name, status, n in read_rows(introductions_q, params):
        intro_status[status] = intro_status.get(status, 0) + n
        label = name or _("Former member")
        by_introducer[label] = by_introducer.get(label, 0) + n
    outcome_rows = read_rows(outcomes_q, params).all()
    return SeasonInput(
        members=members,
        fee_minor=group.fee_minor,
        currency=group.currency,
        meetups=meetups,
        open_meetups=tuple(still_open),
        raters=raters,
        gave_help=gave_help,
        got_help=got_help,
        renewal=renewal,
        pairs=pairs,
        introductions=intro_status,
        introducers=sorted(by_introducer.items(), key=lambda item: (-item[1], item[0])),
        outcomes=sum(_int(n) for _k, n, _v in outcome_rows),
        outcomes_value_minor=sum(_int(v) for _k, _n, v in outcome_rows),
        outcomes_by_kind={k: _int(n) for k, n, _v in outcome_rows},
        # Money received for the season, net of refunds (billing provides it); else fee × paying members.
        total_fees_minor=group.fee_minor * paying if fees is None else int(fees),
    )


def member_input(group: Group, season: Season, user_id: int, is_payer: bool, now: datetime) -> MemberInput:
    """One member's own numbers for the season (3 queries)."""
    return members_input(group, season, {user_id: is_payer}, now)[user_id]


def members_input(group: Group, season: Season, payers: Mapping[int, bool], now: datetime) -> dict[int, MemberInput]:
    """Members' own numbers for the season, by user id (``payers``: user id → pays
    the fee); 3 queries, however many members."""
    ids = list(payers)
    since, until = season_bounds(group, season)
    in_season = _in_season(group.id, since, until, now)
    attended_sq = (
        select(func.count()).select_from(RSVP).join(Meetup, Meetup.id == RSVP.meetup_id)
        .where(in_season, RSVP.user_id == User.id, attended_condition())
        .scalar_subquery()
    )
    latest_sq = (
        select(Rating.renewal_intent).join(Meetup, Meetup.id == Rating.meetup_id)
        .where(in_season, Rating.user_id == User.id)
        .order_by(Meetup.starts_at.desc()).limit(1)
        .scalar_subquery()
    )
    own = db.session.execute(
        select(
            User.id,
            attended_sq,
            latest_sq,
            func.count(Rating.id),
            func.sum(Rating.fit),
            func.sum(Rating.chemistry),
            func.sum(case((Rating.gave_help.is_(True), 1), else_=0)),
            func.sum(case((Rating.got_help.is_(True), 1), else_=0)),
        )
        .select_from(User)
        .outerjoin(Rating, and_(Rating.user_id == User.id, Rating.meetup_id.in_(select(Meetup.id).where(in_season))))
        .where(User.id.in_(ids))
        .group_by(User.id)
    ).all()
    made: dict[int, int] = {}
    received: dict[int, int] = {}
    for introducer, member_a, member_b in db.session.execute(
        select(Introduction.introducer_id, Introduction.member_a_id, Introduction.member_b_id).where(
            Introduction.group_id == group.id,
            Introduction.created_at >= since,
            Introduction.created_at < until,
            Introduction.status != "declined",
            or_(Introduction.introducer_id.in_(ids), Introduction.member_a_id.in_(ids),
                Introduction.member_b_id.in_(ids)),
        )
    ):
        if introducer is not None:
            made[introducer] = made.get(introducer, 0) + 1
        for member in {member_a, member_b}:
            received[member] = received.get(member, 0) + 1
    outcomes: dict[int, list[int]] = {}  # user id → [reported, value in the group's currency, credited]
    for reporter, credited, currency, value in db.session.execute(
        select(Outcome.user_id, Outcome.credited_user_id, Outcome.currency, Outcome.value_minor).where(
            Outcome.group_id == group.id, Outcome.created_at >= since, Outcome.created_at < until,
            or_(Outcome.user_id.in_(ids), Outcome.credited_user_id.in_(ids)),
        )
    ):
        mine = outcomes.setdefault(reporter, [0, 0, 0])
        mine[0] += 1
        mine[1] += _int(value) if currency == group.currency else 0
        if credited is not None:
            outcomes.setdefault(credited, [0, 0, 0])[2] += 1
    found = {}
    for user_id, attended, renewal, n, fit, chem, gave, got in own:
        reported, value, credits = outcomes.get(user_id, (0, 0, 0))
        found[user_id] = MemberInput(
            user_id=user_id,
            attended=_int(attended),
            ratings=_int(n),
            fit_sum=_int(fit),
            chemistry_sum=_int(chem),
            gave_help=_int(gave),
            got_help=_int(got),
            introductions_made=made.get(user_id, 0),
            introductions_received=received.get(user_id, 0),
            outcomes=reported,
            outcomes_value_minor=value,
            credited=credits,
            renewal=renewal,
            fee_minor=group.fee_minor if payers[user_id] else 0,
        )
    return found


def release_moments(group: GroupAt, now: datetime) -> tuple[datetime, datetime]:
    """(released, ended): the end of the last meetup whose rating window had
    closed by ``now``, until which the season's figures count meetups (so they
    change only when a window closes), and ``settled_at(group, now)``."""
    window = timedelta(days=group.rating_window_days or DEFAULT_WINDOW_DAYS)
    released, ended = settled_at_each(group, now - window, now)
    return released, ended


@read_model
def season_figures(group: GroupAt, season: Season, released: datetime, ended: datetime) -> SeasonInput:
    """``season_input`` as of ``release_moments``: it sorts
    meetups by whether they have ended and whether rating has closed, so it
    reads the same there as now."""
    return season_input(group, season, released, ended)  # type: ignore[arg-type]


def value_report(group: Group, season: Season, now: datetime, me: Membership | None = None) -> ValueReport:
    """The season's report; with ``me``, the member's own figures too."""
    thresholds = Thresholds.from_config(current_app.config)
    at = group_at(group)
    data = season_figures(at, season, *release_moments(at, now))
    mine = None
    if me is not None:
        mine = member_input(group, season, me.user_id, me.role != "host", now)
    return build_report(season, data, thresholds, mine)


def members_figures(group: Group, season: Season, members: Sequence[Membership],
                    now: datetime) -> dict[int, MemberFigures]:
    """Each member's own figures, as ``value_report(..., me=member).me`` gives them,
    by membership id: read together (3 queries), however many members."""
    at = group_at(group)
    pairs = season_figures(at, season, *release_moments(at, now)).pairs
    inputs = members_input(group, season, {m.user_id: m.role != "host" for m in members}, now)
    return {m.id: member_figures(inputs[m.user_id], pairs) for m in members if m.user_id in inputs}


@read_model
def comments_for_host(group: GroupAt, shown: tuple[int, ...]) -> tuple[tuple[int, tuple[str, ...]], ...]:
    return tuple((meetup_id, tuple(texts)) for meetup_id, texts in _host_comments(group.id, shown))


def host_comments(group: Group, report: ValueReport) -> list[tuple[int, list[str]]]:
    """Comments to the host, unattributed, per meetup with ≥ min raters, sorted by text (1 query)."""
    shown = tuple(m.meetup_id for m in report.meetups if not m.withheld)
    if not shown:
        return []
    return [(meetup_id, list(texts)) for meetup_id, texts in comments_for_host(group_at(group), shown)]


def _host_comments(group_id: int, shown: tuple[int, ...]) -> list[tuple[int, list[str]]]:
    rows = db.session.execute(
        select(Rating.meetup_id, Rating.comment)
        .where(Rating.group_id == group_id, Rating.meetup_id.in_(shown), Rating.comment != "")
        .order_by(Rating.meetup_id, Rating.comment)
    ).all()
    by_meetup: dict[int, list[str]] = {}
    for meetup_id, comment in rows:
        by_meetup.setdefault(meetup_id, []).append(comment)
    return [(m, by_meetup[m]) for m in shown if m in by_meetup]
