"""Ratings, clicks, introductions and outcomes: what members report after meetups.

Connections are not stored: they are mutual clicks at the same meetup and are
computed by one SQL query (``groups/connections.py``), so they can never drift
from the clicks they come from.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from common import versions
from common.db import UTCDateTime, utcnow
from extensions import Model
from members.models import User

RENEWAL_INTENTS = ("yes", "unsure", "no")
INTRODUCTION_STATUSES = ("proposed", "accepted", "met", "declined")
OUTCOME_KINDS = ("deal", "partner", "job_lead", "learning", "other")


class Rating(Model):
    """One member's rating of one meetup (editable while the window is open)."""

    __tablename__ = "rating"
    __table_args__ = (
        UniqueConstraint("meetup_id", "user_id", name="uq_rating_meetup_user"),
        CheckConstraint("fit BETWEEN 1 AND 5", name="rating_fit_range"),
        CheckConstraint("chemistry BETWEEN 1 AND 5", name="rating_chemistry_range"),
        CheckConstraint(
            "renewal_intent IN ('yes', 'unsure', 'no')", name="rating_renewal_intent_known"
        ),
        Index("ix_rating_group_meetup", "group_id", "meetup_id"),
        Index("ix_rating_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meetup_id: Mapped[int] = mapped_column(ForeignKey("meetup.id", ondelete="CASCADE"))
    # Denormalised from the meetup so that season aggregates need no join.
    group_id: Mapped[int] = mapped_column(ForeignKey("group.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    fit: Mapped[int] = mapped_column(Integer)
    chemistry: Mapped[int] = mapped_column(Integer)
    worth_time: Mapped[bool] = mapped_column(Boolean)
    gave_help: Mapped[bool] = mapped_column(Boolean, default=False)
    got_help: Mapped[bool] = mapped_column(Boolean, default=False)
    renewal_intent: Mapped[str] = mapped_column(String(8))
    # Private to the host, shown unattributed and only with >= 3 raters.
    comment: Mapped[str] = mapped_column(Text, default="")
    # True when the rater was checked in; False when attendance was not taken
    # and the rater only said "going".
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Click(Model):
    """A private mark "I clicked with X" made while rating a meetup."""

    __tablename__ = "click"
    __table_args__ = (
        UniqueConstraint("meetup_id", "from_user_id", "to_user_id", name="uq_click"),
        CheckConstraint("from_user_id <> to_user_id", name="click_not_self"),
        Index("ix_click_to", "to_user_id", "meetup_id"),
        # A member's own clicks (connections, the dashboard card).
        Index("ix_click_from", "from_user_id", "meetup_id"),
        Index("ix_click_group", "group_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meetup_id: Mapped[int] = mapped_column(ForeignKey("meetup.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("group.id", ondelete="CASCADE"))
    from_user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    to_user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Introduction(Model):
    """Introducer → two members, double opt-in before contact details are shared."""

    __tablename__ = "introduction"
    __table_args__ = (
        CheckConstraint("member_a_id <> member_b_id", name="introduction_two_people"),
        CheckConstraint(
            "status IN ('proposed', 'accepted', 'met', 'declined')", name="introduction_status_known"
        ),
        Index("ix_introduction_group", "group_id", "status"),
        Index("ix_introduction_a", "member_a_id"),
        Index("ix_introduction_b", "member_b_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group.id", ondelete="CASCADE"))
    introducer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    member_a_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    member_b_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    accepted_a: Mapped[bool] = mapped_column(Boolean, default=False)
    accepted_b: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    met_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    introducer: Mapped[User | None] = relationship(foreign_keys=[introducer_id], lazy="raise")
    member_a: Mapped[User] = relationship(foreign_keys=[member_a_id], lazy="raise")
    member_b: Mapped[User] = relationship(foreign_keys=[member_b_id], lazy="raise")

    def side_of(self, user_id: int) -> str | None:
        """'a' or 'b' for the introduced members, None for anyone else."""
        if user_id == self.member_a_id:
            return "a"
        if user_id == self.member_b_id:
            return "b"
        return None

    def other_id(self, user_id: int) -> int:
        return self.member_b_id if user_id == self.member_a_id else self.member_a_id


class Outcome(Model):
    """What the group brought a member, optionally with a value and a thank-you."""

    __tablename__ = "outcome"
    __table_args__ = (
        CheckConstraint("value_minor IS NULL OR value_minor >= 0", name="outcome_value_not_negative"),
        CheckConstraint(
            "kind IN ('deal', 'partner', 'job_lead', 'learning', 'other')", name="outcome_kind_known"
        ),
        Index("ix_outcome_group_created", "group_id", "created_at"),
        Index("ix_outcome_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    value_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="DKK")
    credited_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    introduction_id: Mapped[int | None] = mapped_column(
        ForeignKey("introduction.id", ondelete="SET NULL")
    )
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# Data versions (common.versions): every row here names its group.
for _model in (Rating, Click, Introduction, Outcome):
    versions.track(_model)
