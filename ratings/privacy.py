"""A member's ratings in the data export, and what account deletion keeps of them.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import delete, or_, select

from common.versions import EVERY_GROUP
from extensions import db
from meetups.models import Meetup
from members.models import User
from ratings.models import Click, Introduction, Outcome, Rating

# --------------------------------------------------------------------------- GDPR

def export_member_data(user_id: int) -> dict[str, list[dict[str, Any]]]:
    """A member's own ratings, clicks, outcomes, introductions and connections (7 queries)."""
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
    from ratings.connections import connections_of

    connections = connections_of(user_id)
    return {
        "connections": [
            {"with": c.other.name, "meetings": c.meeting_count, "deep": c.is_deep,
             "met_at": [{"meetup": m.title, "group": m.group_name, "starts_at": m.starts_at.isoformat()}
                        for m in c.meetings]}
            for c in connections
        ],
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
