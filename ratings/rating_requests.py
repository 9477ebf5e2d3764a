"""Signed rating links, the rating requests and reminders after a meetup, and
what a member may rate now (the dashboard's rating card).
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, func, select

from common.cache import read_model
from common.db import read_rows
from common.urls import external_url
from extensions import db
from groups.models import Group, Membership
from meetups.models import RSVP, Meetup
from members.models import User
from members.security import make_token, read_token
from ratings.models import Rating
from ratings.services import RATER_STATUSES, attended_condition, window_closes, window_end

RATING_TOKEN_SALT = "rate"  # noqa: S105 (a salt, not a secret)
REMINDER_AFTER = timedelta(days=3)
# A reminder never follows its request sooner than this (first tick after a late start).
REMINDER_GAP = timedelta(days=2)


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
            attended_condition(),
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
            attended_condition(),
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
