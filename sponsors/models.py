"""Sponsors of a company, invitations to become one, and employees' shares.

A **sponsor** acts for a Company (members.models): sees every group and season
the company pays for, the group-level value report of each, and of each
employee only what that employee shares. A **share** is an opt-in per
membership, for one company, changeable at any time.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from common import versions
from common.db import UTCDateTime, utcnow
from extensions import Model
from members.models import Company, User


class Sponsor(Model):
    __tablename__ = "sponsor"
    __table_args__ = (UniqueConstraint("company_id", "user_id", name="uq_sponsor_company_user"),
                      Index("ix_sponsor_user", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    company: Mapped[Company] = relationship(lazy="joined")
    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")


class SponsorInvitation(Model):
    """An emailed, signed and expiring invitation to act for a company."""

    __tablename__ = "sponsor_invitation"
    __table_args__ = (Index("ix_sponsor_invitation_company", "company_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    company: Mapped[Company] = relationship(lazy="joined")


class Share(Model):
    """What one member shares with the company that pays their seat in one group."""

    __tablename__ = "share"

    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="CASCADE"), primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id", ondelete="CASCADE"), index=True)
    scores: Mapped[bool] = mapped_column(Boolean, default=False)  # my own fit and chemistry averages
    relationships: Mapped[bool] = mapped_column(Boolean, default=False)  # my connections and deep relationships
    outcomes: Mapped[bool] = mapped_column(Boolean, default=False)  # the outcomes I reported
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def shares_anything(self) -> bool:
        return self.scores or self.relationships or self.outcomes


# Data versions (common.versions): no group page shows sponsors or shares.
def _groups_of_memberships(membership_ids: set):
    from groups.models import Membership

    return select(Membership.group_id).where(Membership.id.in_(membership_ids))


versions.exempt(Sponsor, "who acts for a company; no group page shows it")
versions.exempt(SponsorInvitation, "invitations to act for a company; no group page shows them")
versions.track(Share, "membership_id", _groups_of_memberships)
