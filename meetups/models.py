"""Meetups of a group and members' RSVPs and attendance."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from common import versions
from common.db import UTCDateTime, utcnow
from extensions import Model
from groups.models import Group
from members.models import User

MEETUP_STATUSES = ("scheduled", "cancelled", "held")
RSVP_RESPONSES = ("going", "not_going", "waitlisted")


class Meetup(Model):
    __tablename__ = "meetup"
    __table_args__ = (
        Index("ix_meetup_group_starts", "group_id", "starts_at"),
        Index("ix_meetup_starts", "starts_at"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity IS NULL OR capacity >= 1", name="capacity_positive"),
        CheckConstraint("going_count >= 0", name="going_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(160))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    map_url: Mapped[str] = mapped_column(String(500), default="")
    agenda: Mapped[str] = mapped_column(Text, default="")
    speaker: Mapped[str] = mapped_column(String(200), default="")
    capacity: Mapped[int | None] = mapped_column(Integer)
    rsvp_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    # Seats taken, kept in step with RSVPs by a conditional UPDATE so that
    # capacity holds under concurrent clicks (QUALITY.md 23).
    going_count: Mapped[int] = mapped_column(Integer, default=0)
    # Self check-in code shown at the venue.
    checkin_code: Mapped[str] = mapped_column(String(12), default="")
    # True once the host has checked anyone in: attendance is then verified.
    attendance_taken: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    group: Mapped[Group] = relationship(lazy="joined")

    @property
    def is_cancelled(self) -> bool:
        return self.status == "cancelled"

    def __repr__(self) -> str:
        return f"<Meetup {self.id} {self.title!r}>"


class RSVP(Model):
    __tablename__ = "rsvp"
    __table_args__ = (
        UniqueConstraint("meetup_id", "user_id", name="uq_rsvp_meetup_user"),
        Index("ix_rsvp_user", "user_id"),
        Index("ix_rsvp_meetup_response", "meetup_id", "response", "waitlisted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meetup_id: Mapped[int] = mapped_column(ForeignKey("meetup.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    response: Mapped[str] = mapped_column(String(16))
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    responded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    walk_in: Mapped[bool] = mapped_column(Boolean, default=False)

    meetup: Mapped[Meetup] = relationship(lazy="raise")
    user: Mapped[User] = relationship(lazy="raise")


# Data versions (common.versions).
def _groups_of_meetups(meetup_ids: set):
    return select(Meetup.group_id).where(Meetup.id.in_(meetup_ids))


versions.track(Meetup)
versions.track(RSVP, "meetup_id", _groups_of_meetups)
