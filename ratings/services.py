"""Rating a meetup, signed rating links, rating requests, and reading the value report.

Services never commit; the view (or ``flask tick``) commits once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import BindParameter, and_, bindparam, case, delete, distinct, func, or_, select

from common.cache import read_model
from common.db import read_rows
from common.urls import external_url
from common.versions import EVERY_GROUP
from extensions import db
from groups.models import Group, Membership
from groups.pages import GroupAt, group_at
from groups.seasons import Season, season_bounds
from meetups.models import RSVP, Meetup
from meetups.pages import settled_at
from members.models import User
from members.security import make_token, read_token
from ratings.connections import group_pairs
from ratings.models import Click, Introduction, Outcome, Rating
from ratings.value import (
    MeetupInput,
    MemberInput,
    SeasonInput,
    Thresholds,
    ValueReport,
    build_report,
)

RATING_TOKEN_SALT = "rate"  # noqa: S105 (a salt, not a secret)
REMINDER_AFTER = timedelta(days=3)
# A reminder never follows its request sooner than this (first tick after a late start).
REMINDER_GAP = timedelta(days=2)
# Memberships whose holders may still rate a meetup they attended.
RATER_STATUSES = ("active", "lapsed")


class RatingRefused(Exception):
    """Why a member cannot rate this meetup now (a user-facing message)."""


# --------------------------------------------------------------------------- window

def window_closes(meetup: Meetup) -> datetime:
    return window_end(meetup.ends_at, meetup.group.rating_window_days)


def window_end(ends_at: datetime, window_days: int | None) -> datetime:
    """When rating a meetup that ended at ``ends_at`` closes (14 days unless the group says)."""
    return ends_at + timedelta(days=window_days or 14)


def window_state(meetup: Meetup, now: datetime) -> str:
    """'cancelled', 'not_ended', 'open' or 'closed'."""
    if meetup.status == "cancelled":
        return "cancelled"
    if now < meetup.ends_at:
        return "not_ended"
    if now >= window_closes(meetup):
        return "closed"
    return "open"


def _attended_condition(meetup_table=Meetup):
    """RSVP counts as attendance: checked in, or "going" when no attendance was taken."""
    return or_(
        and_(meetup_table.attendance_taken.is_(True), RSVP.checked_in_at.is_not(None)),
        and_(meetup_table.attendance_taken.is_(False), RSVP.response == "going"),
    )


@dataclass(frozen=True)
class Attendee:
    user: User
    verified: bool


def attendees(meetup: Meetup) -> list[Attendee]:
    """Who may rate the meetup, with profiles (1 query)."""
    rows = db.session.execute(
        select(User, RSVP.checked_in_at)
        .join(RSVP, RSVP.user_id == User.id)
        .join(Meetup, Meetup.id == RSVP.meetup_id)
        .join(Membership, and_(Membership.user_id == User.id, Membership.group_id == Meetup.group_id))
        .where(RSVP.meetup_id == meetup.id, _attended_condition(), Membership.status.in_(RATER_STATUSES))
        .order_by(User.name)
    ).unique().all()
    return [Attendee(user, checked_in is not None) for user, checked_in in rows]


def check_can_rate(meetup: Meetup, user_id: int, now: datetime) -> bool:
    """The rater's ``verified`` flag if they may rate now; raises RatingRefused otherwise."""
    state = window_state(meetup, now)
    if state == "cancelled":
        raise RatingRefused(_("This meetup was cancelled."))
    if state == "not_ended":
        raise RatingRefused(_("Rating opens when the meetup ends."))
    if state == "closed":
        raise RatingRefused(_("The rating window of this meetup has closed."))
    row = db.session.execute(
        select(RSVP.checked_in_at)
        .join(Meetup, Meetup.id == RSVP.meetup_id)
        .join(Membership, and_(Membership.user_id == RSVP.user_id, Membership.group_id == Meetup.group_id))
        .where(
            RSVP.meetup_id == meetup.id,
            RSVP.user_id == user_id,
            _attended_condition(),
            Membership.status.in_(RATER_STATUSES),
        )
    ).first()
    if row is None:
        raise RatingRefused(_("Only members who attended this meetup can rate it."))
    return row[0] is not None


# --------------------------------------------------------------------------- rating

@lru_cache(maxsize=1)
def _rating_of_statement():
    return select(Rating).where(Rating.meetup_id == bindparam("mid"), Rating.user_id == bindparam("uid"))


def rating_of(meetup_id: int, user_id: int) -> Rating | None:
    return db.session.scalars(_rating_of_statement(), {"mid": meetup_id, "uid": user_id}).first()


def clicks_of(meetup_id: int, user_id: int) -> set[int]:
    return set(
        db.session.scalars(
            select(Click.to_user_id).where(Click.meetup_id == meetup_id, Click.from_user_id == user_id)
        )
    )


def record_rating(
    meetup: Meetup,
    user_id: int,
    *,
    fit: int,
    chemistry: int,
    worth_time: bool,
    gave_help: bool,
    got_help: bool,
    renewal_intent: str,
    comment: str,
    clicked: set[int],
    now: datetime,
) -> Rating:
    """Create or update the member's rating and replace their clicks at this meetup.

    Checks the window and attendance again; clicks only on other attendees.
    Raises RatingRefused or ValueError (out-of-range values); nothing is
    written then.
    """
    if not (1 <= fit <= 5 and 1 <= chemistry <= 5):
        raise ValueError("fit and chemistry must be 1–5")
    if renewal_intent not in ("yes", "unsure", "no"):
        raise ValueError("unknown renewal intent")
    verified = check_can_rate(meetup, user_id, now)
    allowed = {a.user.id for a in attendees(meetup)} - {user_id}
    if not clicked <= allowed:
        raise RatingRefused(_("You can only mark people who attended this meetup."))
    rating = rating_of(meetup.id, user_id)
    if rating is None:
        rating = Rating(meetup_id=meetup.id, group_id=meetup.group_id, user_id=user_id, created_at=now)
        db.session.add(rating)
    rating.fit = fit
    rating.chemistry = chemistry
    rating.worth_time = worth_time
    rating.gave_help = gave_help
    rating.got_help = got_help
    rating.renewal_intent = renewal_intent
    rating.comment = comment.strip()
    rating.verified = verified
    rating.updated_at = now
    db.session.execute(
        delete(Click).where(Click.meetup_id == meetup.id, Click.from_user_id == user_id)
        .execution_options(nq_group=meetup.group_id)
    )
    for to_user_id in sorted(clicked):
        db.session.add(Click(meetup_id=meetup.id, group_id=meetup.group_id, from_user_id=user_id,
                             to_user_id=to_user_id, created_at=now))
    db.session.flush()
    return rating


# --------------------------------------------------------------------------- signed links

def make_rating_token(user_id: int, meetup_id: int) -> str:
    """A link token for one member's rating form of one meetup, nothing else."""
    return make_token(RATING_TOKEN_SALT, {"u": user_id, "m": meetup_id})


def read_rating_token(token: str | None, meetup: Meetup, now: datetime) -> int | None:
    """The user id the token was made for, if it is for this meetup and its window is open.

    The signature's age is capped at the window length after the meetup's end,
    and the window itself must still be open: the link dies with the window.
    """
    if not token:
        return None
    window_days = meetup.group.rating_window_days or 14
    payload = read_token(RATING_TOKEN_SALT, token, (window_days + 1) * 86400)
    if not payload or payload.get("m") != meetup.id or not isinstance(payload.get("u"), int):
        return None
    if now >= window_closes(meetup):
        return None
    return payload["u"]


def rating_link(meetup: Meetup, slug: str, user_id: int) -> str:
    return external_url(
        "ratings.rate", slug=slug, meetup_id=meetup.id, t=make_rating_token(user_id, meetup.id)
    )


# --------------------------------------------------------------------------- requests

def queue_rating_requests(now: datetime) -> int:
    """Rating request when a meetup has ended, one reminder 3 days later if not rated.

    Only meetups whose window is open; each message has a dedupe key so a
    second run queues nothing. A reminder follows its request by at least
    two days (so a late first run does not send both at once). Constant number of queries plus one per queued message.
    """
    from outbox.models import OutboxMessage
    from outbox.services import queue_email

    longest_window = db.session.scalar(select(func.max(Group.rating_window_days))) or 14
    rows = db.session.execute(
        select(Meetup, User.id, User.email, User.name, Rating.id)
        .join(Group, Group.id == Meetup.group_id)
        .join(RSVP, RSVP.meetup_id == Meetup.id)
        .join(User, User.id == RSVP.user_id)
        .join(Membership, and_(Membership.user_id == User.id, Membership.group_id == Meetup.group_id))
        .outerjoin(Rating, and_(Rating.meetup_id == Meetup.id, Rating.user_id == User.id))
        .where(
            Meetup.status != "cancelled",
            Meetup.ends_at <= now,
            Meetup.ends_at > now - timedelta(days=longest_window),
            _attended_condition(),
            Membership.status.in_(RATER_STATUSES),
            User.is_deactivated.is_(False),
        )
    ).unique().all()
    sent_keys = dict(
        db.session.execute(
            select(OutboxMessage.dedupe_key, OutboxMessage.created_at).where(
                OutboxMessage.dedupe_key.like("rating-%")
            )
        ).all()
    )
    queued = 0
    for meetup, user_id, email, name, rating_id in rows:
        if rating_id is not None or now >= window_closes(meetup):
            continue
        request_key = f"rating-request:{meetup.id}:{user_id}"
        reminder_key = f"rating-reminder:{meetup.id}:{user_id}"
        if request_key not in sent_keys:
            kind, key = "rating_request", request_key
        elif (
            reminder_key not in sent_keys
            and now >= meetup.ends_at + REMINDER_AFTER
            and now >= sent_keys[request_key] + REMINDER_GAP
        ):
            kind, key = "rating_reminder", reminder_key
        else:
            continue
        group = meetup.group
        context = {
            "name": name,
            "meetup_title": meetup.title,
            "group_name": group.name,
            "url": rating_link(meetup, group.slug, user_id),
            "closes": window_closes(meetup).isoformat(),
            "timezone": group.timezone,
        }
        subject = (
            _("How was %(title)s?", title=meetup.title)
            if kind == "rating_request"
            else _("Reminder: rate %(title)s (takes 30 seconds)", title=meetup.title)
        )
        if queue_email(email, subject, kind, context, dedupe_key=key) is not None:
            queued += 1
    return queued


@lru_cache(maxsize=1)
def _pending_ratings_statement():
    now_type = Meetup.ends_at.type
    return (
        select(Meetup.id, Meetup.title, Meetup.ends_at, Group.slug, Group.timezone, Group.rating_window_days,
               Rating.id.label("rating_id"))
        .join(Group, Group.id == Meetup.group_id)
        .join(RSVP, RSVP.meetup_id == Meetup.id)
        .join(Membership, and_(Membership.user_id == RSVP.user_id, Membership.group_id == Meetup.group_id))
        .outerjoin(Rating, and_(Rating.meetup_id == Meetup.id, Rating.user_id == RSVP.user_id))
        .where(
            RSVP.user_id == bindparam("uid"),
            Meetup.status != "cancelled",
            Meetup.ends_at > bindparam("since", type_=now_type),
            _attended_condition(),
            Membership.status.in_(RATER_STATUSES),
        )
        .order_by(Meetup.ends_at.desc())
    )


PENDING_DAYS = 60  # meetups older than this are not offered for rating any more


class RateableMeetup(NamedTuple):
    """A meetup the member attended, as the rating card shows it (plain columns)."""

    id: int
    title: str
    ends_at: datetime
    group_slug: str
    tz: str | None
    closes_at: datetime  # the end of its rating window


@read_model
def rateable_rows(user_id: int, memberships: tuple, day: date) -> tuple[tuple[RateableMeetup, bool], ...]:
    """Every meetup of the member's that ended after ``day`` less PENDING_DAYS
    or has yet to end, with whether they rated it; kept per the data versions
    of their groups (``memberships``) and the day: time only removes rows."""
    since = datetime.combine(day, time(), tzinfo=UTC) - timedelta(days=PENDING_DAYS)
    return tuple(
        (RateableMeetup(row.id, row.title, row.ends_at, row.slug, row.timezone,
                        window_end(row.ends_at, row.rating_window_days)), row.rating_id is not None)
        for row in read_rows(_pending_ratings_statement(), {"uid": user_id, "since": since})
    )


def rateable_now(rows, now: datetime) -> list[tuple[RateableMeetup, bool]]:
    """Of ``rateable_rows``, the meetups whose rating window is open at ``now``."""
    since = now - timedelta(days=PENDING_DAYS)
    return [(m, rated) for m, rated in rows if since < m.ends_at <= now < m.closes_at]


def pending_ratings(user_id: int, now: datetime) -> list[tuple[RateableMeetup, bool]]:
    """Meetups the member may rate now: (meetup, already rated), newest first (1 query).

    The query reads every meetup of theirs that ended after ``since`` or has
    yet to end; which of them are rateable *now* is decided here."""
    since = now - timedelta(days=PENDING_DAYS)
    rows = read_rows(_pending_ratings_statement(), {"uid": user_id, "since": since}).all()
    meetups = [
        (RateableMeetup(row.id, row.title, row.ends_at, row.slug, row.timezone,
                        window_end(row.ends_at, row.rating_window_days)), row.rating_id is not None)
        for row in rows if since < row.ends_at <= now
    ]
    return [(m, rated) for m, rated in meetups if now < m.closes_at]


# --------------------------------------------------------------------------- the report

def _int(value: Any) -> int:
    return int(value or 0)


def _held_in_season(group: Group, since: datetime, until: datetime, now: datetime):
    """Meetups of the group that started in [since, until), were not cancelled and have ended."""
    return and_(
        Meetup.group_id == group.id,
        Meetup.starts_at >= since,
        Meetup.starts_at < until,
        Meetup.status != "cancelled",
        Meetup.ends_at <= now,
    )


@lru_cache(maxsize=1)
def _season_statements():
    """The season's aggregate queries, built once with bind parameters: building
    them costs more than SQLite takes to answer them. Binds: ``gid``, ``since``,
    ``until`` (the season's UTC bounds), ``settled`` (meetups ended by then),
    ``currency``."""
    moment = Meetup.ends_at.type
    gid: BindParameter[int] = bindparam("gid")
    since, until = bindparam("since", type_=moment), bindparam("until", type_=moment)
    in_season = and_(
        Meetup.group_id == gid, Meetup.starts_at >= since, Meetup.starts_at < until,
        Meetup.status != "cancelled", Meetup.ends_at <= bindparam("settled", type_=moment),
    )
    season_meetup_ids = select(Meetup.id).where(in_season)
    attended = (
        select(RSVP.meetup_id.label("meetup_id"), func.count().label("n"))
        .join(Meetup, Meetup.id == RSVP.meetup_id)
        .where(in_season, _attended_condition())
        .group_by(RSVP.meetup_id)
        .subquery()
    )
    rated = (
        select(
            Rating.meetup_id.label("meetup_id"), func.count().label("n"), func.sum(Rating.fit).label("fit"),
            func.sum(Rating.chemistry).label("chemistry"),
            func.sum(case((Rating.worth_time.is_(True), 1), else_=0)).label("worth"),
        )
        .where(Rating.group_id == gid, Rating.meetup_id.in_(season_meetup_ids))
        .group_by(Rating.meetup_id)
        .subquery()
    )
    meetups = (
        select(Meetup.id, Meetup.title, Meetup.starts_at, Meetup.attendance_taken,
               attended.c.n, rated.c.n, rated.c.fit, rated.c.chemistry, rated.c.worth)
        .outerjoin(attended, attended.c.meetup_id == Meetup.id)
        .outerjoin(rated, rated.c.meetup_id == Meetup.id)
        .where(in_season)
        .order_by(Meetup.starts_at)
    )
    active = and_(Membership.group_id == gid, Membership.status == "active")
    totals = select(
        select(func.count()).select_from(Membership).where(active).scalar_subquery(),
        select(func.count()).select_from(Membership).where(active, Membership.role != "host").scalar_subquery(),
        func.count(distinct(Rating.user_id)),
        func.sum(case((Rating.gave_help.is_(True), 1), else_=0)),
        func.sum(case((Rating.got_help.is_(True), 1), else_=0)),
    ).where(Rating.group_id == gid, Rating.meetup_id.in_(season_meetup_ids))
    ranked = (  # each member's latest renewal intent of the season
        select(
            Rating.renewal_intent.label("intent"),
            func.row_number()
            .over(partition_by=Rating.user_id, order_by=(Meetup.starts_at.desc(), Rating.id.desc()))
            .label("rank"),
        )
        .join(Meetup, Meetup.id == Rating.meetup_id)
        .where(Rating.group_id == gid, in_season)
        .subquery()
    )
    renewal = select(ranked.c.intent, func.count()).where(ranked.c.rank == 1).group_by(ranked.c.intent)
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


def season_input(group: Group, season: Season, now: datetime) -> SeasonInput:
    """Read every aggregate of the season in a constant number of queries (7)."""
    since, until = season_bounds(group, season)
    params = {"gid": group.id, "since": since, "until": until, "settled": now, "currency": group.currency}
    meetups_q, totals_q, renewal_q, introductions_q, outcomes_q = _season_statements()
    meetups = [
        MeetupInput(
            meetup_id=mid, title=title, starts_at=starts_at,
            attendees=max(_int(n_att), _int(n_rated)),
            raters=_int(n_rated), fit_sum=_int(fit), chemistry_sum=_int(chem),
            worth_yes=_int(worth), attendance_taken=bool(taken),
        )
        for mid, title, starts_at, taken, n_att, n_rated, fit, chem, worth in read_rows(meetups_q, params)
    ]
    members, paying, raters, gave_help, got_help = (_int(v) for v in read_rows(totals_q, params).one())
    renewal = {intent: n for intent, n in read_rows(renewal_q, params)}
    pairs = group_pairs(group.id, since, until)
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
        total_fees_minor=group.fee_minor * paying,
    )


def member_input(group: Group, season: Season, user_id: int, is_payer: bool, now: datetime) -> MemberInput:
    """One member's own numbers for the season (3 queries)."""
    since, until = season_bounds(group, season)
    in_season = _held_in_season(group, since, until, now)
    attended_sq = (
        select(func.count()).select_from(RSVP).join(Meetup, Meetup.id == RSVP.meetup_id)
        .where(in_season, RSVP.user_id == user_id, _attended_condition())
        .scalar_subquery()
    )
    latest_sq = (
        select(Rating.renewal_intent).join(Meetup, Meetup.id == Rating.meetup_id)
        .where(in_season, Rating.user_id == user_id)
        .order_by(Meetup.starts_at.desc()).limit(1)
        .scalar_subquery()
    )
    row = db.session.execute(
        select(
            attended_sq,
            latest_sq,
            func.count(Rating.id),
            func.sum(Rating.fit),
            func.sum(Rating.chemistry),
            func.sum(case((Rating.gave_help.is_(True), 1), else_=0)),
            func.sum(case((Rating.got_help.is_(True), 1), else_=0)),
        )
        .select_from(Rating)
        .join(Meetup, Meetup.id == Rating.meetup_id)
        .where(in_season, Rating.user_id == user_id)
    ).one()
    intros = db.session.execute(
        select(
            func.sum(case((Introduction.introducer_id == user_id, 1), else_=0)),
            func.sum(case((or_(Introduction.member_a_id == user_id, Introduction.member_b_id == user_id), 1), else_=0)),
        ).where(
            Introduction.group_id == group.id,
            Introduction.created_at >= since,
            Introduction.created_at < until,
            Introduction.status != "declined",
        )
    ).one()
    outcomes = db.session.execute(
        select(
            func.sum(case((Outcome.user_id == user_id, 1), else_=0)),
            func.sum(case((and_(Outcome.user_id == user_id, Outcome.currency == group.currency), Outcome.value_minor), else_=0)),
            func.sum(case((Outcome.credited_user_id == user_id, 1), else_=0)),
        ).where(Outcome.group_id == group.id, Outcome.created_at >= since, Outcome.created_at < until)
    ).one()
    attended, renewal, n, fit, chem, gave, got = row
    return MemberInput(
        user_id=user_id,
        attended=_int(attended),
        ratings=_int(n),
        fit_sum=_int(fit),
        chemistry_sum=_int(chem),
        gave_help=_int(gave),
        got_help=_int(got),
        introductions_made=_int(intros[0]),
        introductions_received=_int(intros[1]),
        outcomes=_int(outcomes[0]),
        outcomes_value_minor=_int(outcomes[1]),
        credited=_int(outcomes[2]),
        renewal=renewal,
        fee_minor=group.fee_minor if is_payer else 0,
    )


@read_model
def season_figures(group: GroupAt, season: Season, settled: datetime) -> SeasonInput:
    """``season_input`` as of ``settled`` (meetups.pages.settled_at): it counts
    the meetups that have ended, so it reads the same there as now."""
    return season_input(group, season, settled)  # type: ignore[arg-type]


def value_report(group: Group, season: Season, now: datetime, me: Membership | None = None) -> ValueReport:
    """The season's report; with ``me``, the member's own figures too."""
    thresholds = Thresholds.from_config(current_app.config)
    at = group_at(group)
    data = season_figures(at, season, settled_at(at, now))
    mine = None
    if me is not None:
        mine = member_input(group, season, me.user_id, me.role != "host", now)
    return build_report(season, data, thresholds, mine)


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


# --------------------------------------------------------------------------- GDPR

def export_member_data(user_id: int) -> dict[str, list[dict[str, Any]]]:
    """A member's own ratings, clicks, outcomes and introductions (4 queries)."""
    ratings = db.session.execute(
        select(Rating, Meetup.title, Meetup.starts_at)
        .join(Meetup, Meetup.id == Rating.meetup_id)
        .where(Rating.user_id == user_id)
        .order_by(Meetup.starts_at)
    ).all()
    clicks = db.session.execute(
        select(Meetup.title, Meetup.starts_at, User.name)
        .select_from(Click)
        .join(Meetup, Meetup.id == Click.meetup_id)
        .join(User, User.id == Click.to_user_id)
        .where(Click.from_user_id == user_id)
        .order_by(Meetup.starts_at)
    ).all()
    outcomes = db.session.scalars(select(Outcome).where(Outcome.user_id == user_id)).all()
    intros = db.session.scalars(
        select(Introduction).where(
            or_(Introduction.member_a_id == user_id, Introduction.member_b_id == user_id,
                Introduction.introducer_id == user_id)
        )
    ).all()
    return {
        "ratings": [
            {"meetup": title, "starts_at": starts.isoformat(), "fit": r.fit, "chemistry": r.chemistry,
             "worth_time": r.worth_time, "gave_help": r.gave_help, "got_help": r.got_help,
             "renewal_intent": r.renewal_intent, "comment": r.comment, "verified": r.verified}
            for r, title, starts in ratings
        ],
        "clicks": [{"meetup": t, "starts_at": s.isoformat(), "clicked": name} for t, s, name in clicks],
        "outcomes": [
            {"kind": o.kind, "value_minor": o.value_minor, "currency": o.currency, "note": o.note,
             "created_at": o.created_at.isoformat()}
            for o in outcomes
        ],
        "introductions": [
            {"status": i.status, "reason": i.reason, "created_at": i.created_at.isoformat(),
             "role": "introducer" if i.introducer_id == user_id else "introduced"}
            for i in intros
        ],
    }


def forget_member(user_id: int) -> None:
    """Account deletion: clicks removed; ratings kept only as anonymous scores (no comment);
    outcome notes and thank-yous to the member cleared; open introductions declined."""
    db.session.execute(delete(Click).where(or_(Click.from_user_id == user_id, Click.to_user_id == user_id))
                       .execution_options(nq_group=EVERY_GROUP))
    for rating in db.session.scalars(select(Rating).where(Rating.user_id == user_id, Rating.comment != "")):
        rating.comment = ""
    for outcome in db.session.scalars(
        select(Outcome).where(or_(Outcome.user_id == user_id, Outcome.credited_user_id == user_id))
    ):
        if outcome.user_id == user_id:
            outcome.note = ""
        if outcome.credited_user_id == user_id:
            outcome.credited_user_id = None
    for intro in db.session.scalars(
        select(Introduction).where(
            or_(Introduction.member_a_id == user_id, Introduction.member_b_id == user_id),
            Introduction.status == "proposed",
        )
    ):
        intro.status = "declined"
    db.session.flush()
