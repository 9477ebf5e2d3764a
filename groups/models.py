"""Groups, memberships and invites."""
from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple, Protocol

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from common import versions
from common.db import UTCDateTime, utcnow
from extensions import Model
from members.models import User

ROLES = ("host", "co-host", "member")
HOST_ROLES = ("host", "co-host")
STATUSES = ("applied", "approved", "active", "lapsed", "left", "removed", "declined")
# Statuses that hold a seat against the member cap.
SEAT_STATUSES = ("approved", "active", "lapsed")
# Statuses that see member-only pages of the group.
CURRENT_STATUSES = ("active",)
VISIBILITIES = ("public", "invite")
JOIN_POLICIES = ("apply", "open")


def default_vat_rate_bp(currency: str) -> int:
    """25 % Danish VAT for DKK; other currencies start at 0 until the host sets it."""
    return 2500 if currency.upper() == "DKK" else 0


class FeeSettings(Protocol):
    """What the price of a seat reads of a group (a ``Group`` or a page's copy of one)."""

    @property
    def fee_minor(self) -> int: ...
    @property
    def vat_rate_bp(self) -> int: ...
    @property
    def fee_includes_vat(self) -> bool: ...


class SeatFee(NamedTuple):
    """One seat's season fee, split: the one way a fee reads ("DKK 8,000 + 25 % VAT = DKK 10,000")."""

    net_minor: int
    vat_minor: int
    vat_rate_bp: int

    @property
    def total_minor(self) -> int:
        return self.net_minor + self.vat_minor


def seat_fee(group: FeeSettings, fee_minor: int | None = None) -> SeatFee:
    """The group's fee (or ``fee_minor``, a share of it) split into net and VAT, in minor units:

    - the fee excludes VAT: net = fee, VAT = round(fee × rate), total = net + VAT;
    - the fee includes VAT: total = fee, net = round(fee / (1 + rate)), VAT = total − net.

    Rounding is half up, so ``n`` seats cost exactly ``n`` × one seat everywhere.
    """
    fee, rate = group.fee_minor if fee_minor is None else fee_minor, group.vat_rate_bp
    if group.fee_includes_vat:
        net = (fee * 10000 + (10000 + rate) // 2) // (10000 + rate)
        return SeatFee(net, fee - net, rate)
    return SeatFee(fee, (fee * rate + 5000) // 10000, rate)


class Group(Model):
    __tablename__ = "group"
    __table_args__ = (
        CheckConstraint("fee_minor >= 0", name="fee_not_negative"),
        CheckConstraint("member_cap >= 1", name="cap_positive"),
        CheckConstraint("vat_rate_bp >= 0 AND vat_rate_bp <= 10000", name="group_vat_rate_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    city: Mapped[str] = mapped_column(String(80), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Copenhagen")
    currency: Mapped[str] = mapped_column(String(3), default="DKK")
    # Money is integer minor units (øre) plus the currency code.
    fee_minor: Mapped[int] = mapped_column(Integer, default=0)
    # VAT on the fee (``seat_fee``): the rate in basis points (2500 = 25 %), and
    # whether ``fee_minor`` already includes it. The host says so at creation.
    vat_rate_bp: Mapped[int] = mapped_column(Integer, default=2500, server_default="2500")
    fee_includes_vat: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    season_start: Mapped[date | None] = mapped_column(Date)
    season_end: Mapped[date | None] = mapped_column(Date)
    member_cap: Mapped[int] = mapped_column(Integer, default=25)
    visibility: Mapped[str] = mapped_column(String(16), default="public")
    join_policy: Mapped[str] = mapped_column(String(16), default="apply")
    one_per_industry: Mapped[bool] = mapped_column(Boolean, default=False)
    rating_window_days: Mapped[int] = mapped_column(Integer, default=14)
    # Absence rule: flag members with more than `absence_limit` absences in
    # the last `absence_months` months (None: no rule).
    absence_limit: Mapped[int | None] = mapped_column(Integer)
    absence_months: Mapped[int] = mapped_column(Integer, default=6)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Raised in the transaction of every write that changes what the group's
    # pages show (common.versions); kept read models key on it. A new group
    # starts at the clock's value, so a reused id never meets an old entry.
    data_version: Mapped[int] = mapped_column(BigInteger, default=versions.next_version_floor, server_default="0")

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="group", cascade="all, delete-orphan", lazy="raise"
    )

    @property
    def is_public(self) -> bool:
        return self.visibility == "public"

    def __repr__(self) -> str:
        return f"<Group {self.slug}>"


class Membership(Model):
    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("user_id", "group_id", name="uq_membership_user_group"),
        Index("ix_membership_group_status", "group_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("group.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16), default="member")
    status: Mapped[str] = mapped_column(String(16), default="applied")
    motivation: Mapped[str] = mapped_column(Text, default="")
    # What the applicant brings to the group (the other half of the application).
    contribution: Mapped[str] = mapped_column(Text, default="")
    paid_through: Mapped[date | None] = mapped_column(Date)
    payer: Mapped[str] = mapped_column(String(16), default="self")
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships", lazy="joined")
    group: Mapped[Group] = relationship(back_populates="memberships", lazy="joined")

    @property
    def is_host(self) -> bool:
        return self.role in HOST_ROLES and self.status == "active"

    @property
    def is_current(self) -> bool:
        return self.status in CURRENT_STATUSES


class Invite(Model):
    __tablename__ = "invite"
    __table_args__ = (
        Index("ix_invite_group_email", "group_id", "email"),
        # The dashboard looks up invitations by address alone.
        Index("ix_invite_email", "email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    group: Mapped[Group] = relationship(lazy="joined")


# Data versions (common.versions): what changes a group's pages raises its version.
def _groups_of_users(user_ids: set):
    return select(Membership.group_id).where(Membership.user_id.in_(user_ids))


def _groups_of_companies(company_ids: set):
    from members.models import Profile

    return (select(Membership.group_id).join(Profile, Profile.user_id == Membership.user_id)
            .where(Profile.company_id.in_(company_ids)))


def _register_versions() -> None:
    from common.audit import AuditEntry
    from members.models import Company, Profile

    versions.version_table(Group.__table__, Group.__table__.c.id, Group.__table__.c.data_version)
    versions.track(Group, "id")
    versions.track(Membership)
    versions.track(Invite)
    versions.track(AuditEntry)  # the host overview lists recent entries
    # Names, photos and employers show on the pages of every group the person is in.
    versions.track(User, "id", _groups_of_users,
                   unseen=("password_hash", "session_version", "last_login_at", "calendar_token"))
    versions.track(Profile, "user_id", _groups_of_users)
    versions.track(Company, "id", _groups_of_companies)


_register_versions()
