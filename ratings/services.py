"""Rating a meetup: the rating window, who attended, recording a rating and its clicks.

Services never commit; the view (or ``flask tick``) commits once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, delete, or_, select

from extensions import db
from groups.models import Membership
from meetups.models import RSVP, Meetup
from members.models import User
from ratings.models import Click, Rating

# Memberships whose holders may still rate a meetup they attended.
RATER_STATUSES = ("active", "lapsed")


class RatingRefused(Exception):
    """Why a member cannot rate this meetup now (a user-facing message)."""


# --------------------------------------------------------------------------- window

def window_closes(meetup: Meetup) -> datetime:
    return window_end(meetup.ends_at, meetup.group.rating_window_days)


DEFAULT_WINDOW_DAYS = 14


def window_end(ends_at: datetime, window_days: int | None) -> datetime:
    """When rating a meetup that ended at ``ends_at`` closes (14 days unless the group says)."""
    return ends_at + timedelta(days=window_days or DEFAULT_WINDOW_DAYS)


def window_state(meetup: Meetup, now: datetime) -> str:
    """'cancelled', 'not_ended', 'open' or 'closed'."""
    if meetup.status == "cancelled":
        return "cancelled"
    if now < meetup.ends_at:
        return "not_ended"
    if now >= window_closes(meetup):
        return "closed"
    return "open"


def attended_condition(meetup_table=Meetup):
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
        .where(RSVP.meetup_id == meetup.id, attended_condition(), Membership.status.in_(RATER_STATUSES))
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
            attended_condition(),
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
