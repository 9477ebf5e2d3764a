"""Cards on shared pages: "Pay membership" on the dashboard and the group page, a payments tile on the host home.

Each card is drawn from a read model of its own (``common.cache.read_model``).
"""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple

from markupsafe import Markup
from sqlalchemy import bindparam, func, select

from billing.fees import season_due
from billing.models import PAID_STATUSES, Invoice, Payment, PaymentSeat
from billing.services import hold_key
from common.cache import read_model
from common.db import read_rows, utcnow
from common.hooks import fees_paid_sql
from common.sections import admin_home_section, dashboard_section, group_page_section
from common.templating import render
from extensions import db
from groups.models import Group, Membership
from groups.pages import GroupAt, MyGroups, MyMembership, group_at
from groups.seasons import Season, current_season, local_dates_key
from members.privacy import export_section


class PayItem(NamedTuple):
    group: GroupAt
    season: Any
    status: str
    pending: bool


class PayCard(NamedTuple):
    pay_items: tuple[PayItem, ...]


def _held(keys: tuple) -> dict[str, str]:
    """Payment status of each held seat (1 query)."""
    return dict((key, status) for key, status in db.session.execute(
        select(PaymentSeat.hold_key, Payment.status)
        .join(Payment, Payment.id == PaymentSeat.payment_id)
        .where(PaymentSeat.hold_key.in_(keys))
    ) if key is not None)


@read_model
def pay_items(user_id: int, memberships: tuple[MyMembership, ...], moment: datetime) -> tuple[PayItem, ...]:
    """Lapsed and renewing memberships, and checkouts in progress (1 query, if any is due).

    ``moment``: a quarter hour (``groups.seasons.local_dates_key``), at which
    every group's local date, and so its season, turns."""
    due = []
    for membership in memberships:
        if membership.status in ("approved", "active", "lapsed"):
            season = season_due(membership.group, membership, moment)  # type: ignore[arg-type]
            if season is not None:
                due.append((membership, season, hold_key(membership.id, season)))
    if not due:
        return ()
    held = _held(tuple(key for _m, _s, key in due))
    # "Approved, awaiting payment" without a payment is already on the dashboard's attention list.
    return tuple(
        PayItem(m.group, season, m.status, held.get(key) == "pending")
        for m, season, key in due
        if held.get(key) == "pending" or (held.get(key) is None and m.status != "approved")
    )


@dashboard_section(order=5)
def pay_membership_card(user: Any, groups: MyGroups) -> Markup | None:
    """A card with pay links; read again when a group's version or the day changes."""
    items = pay_items(user.id, groups.memberships, local_dates_key(utcnow())) if groups.memberships else ()
    return render("billing/_dashboard_card.html", PayCard(items)) if items else None


@lru_cache(maxsize=1)
def _season_payments_statement():
    return (
        select(Payment.status, func.count(Payment.id), func.coalesce(func.sum(Payment.amount_minor), 0),
               func.count(Payment.disputed_at), func.coalesce(func.sum(Payment.refunded_minor), 0))
        .where(Payment.group_id == bindparam("gid"), Payment.season_start == bindparam("season"))
        .group_by(Payment.status)
    )


def paid_net(rows) -> int:
    """Fees paid: money received for the season, net of refunds, from
    ``_season_payments_statement``'s rows; ``fees_paid_expression`` is the
    same rule in SQL."""
    return sum(total - refunded for status, _n, total, _d, refunded in rows if status in PAID_STATUSES)


@fees_paid_sql.provide
def fees_paid_expression(group_id: Any, season_start: Any):
    """The value report's "fees paid", as a scalar subquery of its own totals query."""
    return (
        select(func.coalesce(func.sum(Payment.amount_minor - Payment.refunded_minor), 0))
        .where(Payment.group_id == group_id, Payment.season_start == season_start,
               Payment.status.in_(PAID_STATUSES))
        .scalar_subquery()
    )


class PaymentsTile(NamedTuple):
    billing_group: GroupAt
    billing_season: Season
    paid_minor: int
    pending_count: int
    pending_minor: int
    disputed_count: int


@read_model
def payments_tile_of(group: GroupAt, season: Season) -> PaymentsTile:
    """Paid, outstanding and disputed payments of the season (1 query)."""
    rows = read_rows(_season_payments_statement(), {"gid": group.id, "season": season.start}).all()
    pending = next(((n, total) for status, n, total, _d, _r in rows if status == "pending"), (0, 0))
    disputed = sum(d for _s, _n, _t, d, _r in rows)
    return PaymentsTile(group, season, paid_net(rows), pending[0], pending[1], disputed)


@admin_home_section(order=40)
def payments_tile(group: Group) -> Markup | None:
    """Paid, outstanding and disputed payments of the current season."""
    if group.fee_minor <= 0:
        return None
    season = current_season(group, utcnow())
    return render("billing/_admin_tile.html", payments_tile_of(group_at(group), season))


class RenewCard(NamedTuple):
    renew_group: GroupAt
    renew_season: Any
    renew_lapsed: bool
    renew_pending: bool


@read_model
def held_seat_status(group: GroupAt, key: str) -> str | None:
    return _held((key,)).get(key)


@group_page_section(order=5)
def renew_membership_card(group: Group, membership: Membership | None) -> Markup | None:
    """Lapsed members and members in the renewal window get a pay card on the group page."""
    if membership is None or membership.status not in ("lapsed", "active"):
        return None
    season = season_due(group, membership, utcnow())
    if season is None:
        return None
    at = group_at(group)
    holder = held_seat_status(at, hold_key(membership.id, season))
    if holder not in (None, "pending"):
        return None
    return render("billing/_group_card.html", RenewCard(at, season, membership.status == "lapsed", holder == "pending"))


# --------------------------------------------------------------------------- GDPR

@export_section("payments")
def export_payments(user: Any) -> list[dict]:
    """Payments I made, and the ones that paid my seats, with their invoices (2 queries)."""
    mine = select(PaymentSeat.payment_id).where(PaymentSeat.user_id == user.id)
    payments = list(db.session.scalars(
        select(Payment).where((Payment.user_id == user.id) | Payment.id.in_(mine)).order_by(Payment.created_at)))
    invoices = {i.payment_id: i.number for i in db.session.scalars(
        select(Invoice).where(Invoice.payment_id.in_([p.id for p in payments])))} if payments else {}
    return [
        {"group": p.group_name, "season": [p.season_start.isoformat(), p.season_end.isoformat()],
         "paid_by_me": p.user_id == user.id, "payer_kind": p.payer_kind, "company": p.company_name,
         "status": p.status, "seats": p.seat_count, "amount_minor": p.amount_minor, "vat_minor": p.vat_minor,
         "refunded_minor": p.refunded_minor, "currency": p.currency, "provider": p.provider,
         "created_at": p.created_at.isoformat(), "paid_at": p.paid_at.isoformat() if p.paid_at else None,
         "invoice": invoices.get(p.id), "po_reference": p.po_reference}
        for p in payments
    ]
