"""Payments, seats, refunds, provider events, invoices and group billing settings.

Rows here are bookkeeping records: they are kept (5 years from the end of the
financial year, Danish Bookkeeping Act) even when a member deletes their
account, so every reference to a user or membership is ``SET NULL`` and the
payer's and members' names and emails are stored as a snapshot on the row.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
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
from groups.seasons import Season

PROVIDERS = ("stripe", "invoice", "manual")
PAYMENT_STATUSES = (
    "pending", "paid", "refunded", "partially_refunded", "failed", "expired", "waived",
)
# Statuses in which a payment still holds its seats for the season (no second payment).
HOLDING_STATUSES = ("pending", "paid", "partially_refunded", "waived")
PAID_STATUSES = ("paid", "partially_refunded", "refunded")
PAYER_KINDS = ("self", "company")


class Payment(Model):
    """One checkout: a payer pays the season fee for one or more seats."""

    __tablename__ = "payment"
    __table_args__ = (
        CheckConstraint("amount_minor >= 0", name="amount_not_negative"),
        CheckConstraint("refunded_minor >= 0 AND refunded_minor <= amount_minor", name="refund_bounded"),
        Index("ix_payment_group_season", "group_id", "season_start"),
        Index("ix_payment_user", "user_id"),
        Index("ix_payment_intent", "payment_intent_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("group.id", ondelete="SET NULL"))
    group_name: Mapped[str] = mapped_column(String(120), default="")
    # The season paid for, as printed on its invoice: its first and *last* day (inclusive).
    # As a ``groups.seasons.Season`` (``[start, end)``) it is ``Payment.season``: the one conversion.
    season_start: Mapped[date] = mapped_column(Date)
    season_end: Mapped[date] = mapped_column(Date)
    # Who started the checkout (the payer's contact); a snapshot survives deletion.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    payer_name: Mapped[str] = mapped_column(String(200), default="")
    payer_email: Mapped[str] = mapped_column(String(254), default="")
    payer_kind: Mapped[str] = mapped_column(String(16), default="self")
    company_name: Mapped[str] = mapped_column(String(200), default="")
    company_vat: Mapped[str] = mapped_column(String(40), default="")
    company_email: Mapped[str] = mapped_column(String(254), default="")
    company_address: Mapped[str] = mapped_column(Text, default="")
    company_ean: Mapped[str] = mapped_column(String(13), default="", server_default="")  # public customers
    # The paying company (a company payment): its sponsors see the payment.
    company_id: Mapped[int | None] = mapped_column(ForeignKey("company.id", ondelete="SET NULL"), index=True)
    po_reference: Mapped[str] = mapped_column(String(80), default="")

    seat_count: Mapped[int] = mapped_column(Integer, default=1)
    unit_minor: Mapped[int] = mapped_column(Integer, default=0)
    amount_minor: Mapped[int] = mapped_column(Integer)  # total charged, VAT included
    vat_minor: Mapped[int] = mapped_column(Integer, default=0)
    vat_rate_bp: Mapped[int] = mapped_column(Integer, default=0)  # basis points: 2500 = 25 %
    refunded_minor: Mapped[int] = mapped_column(Integer, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="DKK")

    provider: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(24), default="pending")
    checkout_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    checkout_url: Mapped[str | None] = mapped_column(Text)
    payment_intent_id: Mapped[str | None] = mapped_column(String(255))
    charge_id: Mapped[str | None] = mapped_column(String(255))
    idempotency_key: Mapped[str] = mapped_column(String(80), default="")

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disputed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dispute_reason: Mapped[str] = mapped_column(String(80), default="")
    note: Mapped[str] = mapped_column(Text, default="")

    seats: Mapped[list[PaymentSeat]] = relationship(
        back_populates="payment", cascade="all, delete-orphan", lazy="raise",
        order_by="PaymentSeat.id",
    )
    refunds: Mapped[list[Refund]] = relationship(
        back_populates="payment", cascade="all, delete-orphan", lazy="raise", order_by="Refund.id",
    )
    invoice: Mapped[Invoice | None] = relationship(back_populates="payment", lazy="raise", uselist=False)

    @property
    def season(self) -> Season:
        """The season paid for, ``[season_start, season_end + 1 day)``."""
        return Season.through(self.season_start, self.season_end)

    @season.setter
    def season(self, season: Season) -> None:
        self.season_start, self.season_end = season.start, season.last_day

    @property
    def refundable_minor(self) -> int:
        if self.status not in ("paid", "partially_refunded"):
            return 0
        return self.amount_minor - self.refunded_minor

    @property
    def net_minor(self) -> int:
        return self.amount_minor - self.vat_minor

    @property
    def received_minor(self) -> int:
        """Money received for it, net of refunds (billing.sections.paid_net over a season)."""
        return self.amount_minor - self.refunded_minor if self.status in PAID_STATUSES else 0

    @property
    def is_open(self) -> bool:
        return self.status == "pending"

    def __repr__(self) -> str:
        return f"<Payment {self.id} {self.provider} {self.status}>"


class PaymentSeat(Model):
    """A membership covered by a payment.

    ``hold_key`` ("<membership id>:<season start>") is set while the payment
    holds the seat (pending, paid, waived) and cleared when it expires, fails
    or is fully refunded: its unique constraint makes a second concurrent
    checkout for the same seat and season impossible (double click).
    """

    __tablename__ = "payment_seat"
    __table_args__ = (UniqueConstraint("payment_id", "membership_id", name="uq_payment_seat_payment_membership"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payment.id", ondelete="CASCADE"))
    membership_id: Mapped[int | None] = mapped_column(ForeignKey("membership.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    member_name: Mapped[str] = mapped_column(String(200), default="")
    member_email: Mapped[str] = mapped_column(String(254), default="")
    amount_minor: Mapped[int] = mapped_column(Integer, default=0)
    hold_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    payment: Mapped[Payment] = relationship(back_populates="seats", lazy="raise")


class Refund(Model):
    """Money returned on one payment (never on another)."""

    __tablename__ = "refund"
    __table_args__ = (CheckConstraint("amount_minor > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payment.id", ondelete="CASCADE"), index=True)
    amount_minor: Mapped[int] = mapped_column(Integer)
    provider_refund_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    payment: Mapped[Payment] = relationship(back_populates="refunds", lazy="raise")


class ProviderEvent(Model):
    """A provider (webhook) event, recorded once, in the transaction of its effect."""

    __tablename__ = "provider_event"
    __table_args__ = (UniqueConstraint("provider", "event_id", name="uq_provider_event_provider_event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(80))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id", ondelete="SET NULL"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InvoiceCounter(Model):
    """Next invoice number of one seller (group); advanced with a conditional UPDATE."""

    __tablename__ = "invoice_counter"

    group_id: Mapped[int] = mapped_column(ForeignKey("group.id", ondelete="CASCADE"), primary_key=True)
    next_number: Mapped[int] = mapped_column(Integer, default=1)


class Invoice(Model):
    """An issued invoice; seller, buyer and lines are frozen at issue time."""

    __tablename__ = "invoice"
    __table_args__ = (UniqueConstraint("group_id", "sequence", name="uq_invoice_group_sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("group.id", ondelete="SET NULL"))
    sequence: Mapped[int] = mapped_column(Integer)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payment.id", ondelete="RESTRICT"), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_date: Mapped[date] = mapped_column(Date)
    seller: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    buyer: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    net_minor: Mapped[int] = mapped_column(Integer)
    vat_minor: Mapped[int] = mapped_column(Integer)
    total_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))

    payment: Mapped[Payment] = relationship(back_populates="invoice", lazy="raise")


class GroupBilling(Model):
    """Seller details and fee rules of a group (one row per group)."""

    __tablename__ = "group_billing"
    __table_args__ = (
        CheckConstraint("payment_terms_days >= 0", name="terms_not_negative"),
        CheckConstraint("grace_days >= 0", name="grace_not_negative"),
    )

    group_id: Mapped[int] = mapped_column(ForeignKey("group.id", ondelete="CASCADE"), primary_key=True)
    legal_name: Mapped[str] = mapped_column(String(200), default="")
    cvr: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    bank_account: Mapped[str] = mapped_column(String(80), default="")
    iban: Mapped[str] = mapped_column(String(40), default="")
    payment_terms_days: Mapped[int] = mapped_column(Integer, default=14)
    grace_days: Mapped[int] = mapped_column(Integer, default=14)
    included_text: Mapped[str] = mapped_column(Text, default="")
    # What a new member pays who joins after the season's first meetup (billing.fees.JOINING_PRICES).
    joining_price: Mapped[str] = mapped_column(String(16), default="full", server_default="full")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


# Data versions (common.versions): payments show on the host's pages and the dashboard.
def _groups_of_payments(payment_ids: set):
    return select(Payment.group_id).where(Payment.id.in_(payment_ids))


versions.track(Payment)
versions.track(GroupBilling)
versions.track(Invoice)
for _model in (PaymentSeat, Refund):
    versions.track(_model, "payment_id", _groups_of_payments)
versions.exempt(ProviderEvent, "the webhook log; the payment it changes raises its group")
versions.exempt(InvoiceCounter, "the next invoice number; no page shows it")
