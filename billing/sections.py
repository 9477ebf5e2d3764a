"""Cards on shared pages: "Pay membership" on the dashboard, a payments tile on the host home."""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, func, select

from billing.fees import season_due
from billing.models import Payment, PaymentSeat
from billing.services import hold_key
from common.cache import kept, page_key
from common.db import read_rows, utcnow
from common.sections import KeptSection, Section, admin_home_section, dashboard_section, group_page_section
from extensions import db
from groups.models import Group, Membership
from groups.seasons import current_season, local_dates_key
from groups.services import my_memberships


@dashboard_section(order=5)
def pay_membership_card(user: Any) -> Section:
    """Lapsed and renewing memberships, and checkouts in progress: a card with pay links.

    On the dashboard it is drawn once per page key (the data versions of the
    user's groups, which their memberships and payments raise) and quarter
    hour, at which every group's local date, and so its season, turns."""
    if not getattr(user, "is_authenticated", False):
        return None
    now = utcnow()
    key = page_key()
    if key is not None:
        return KeptSection("billing/_dashboard_card.html", ("pay_card", *key, local_dates_key(now)),
                           lambda: _pay_card_context(user, now))
    context = _pay_card_context(user, now)
    return None if context is None else ("billing/_dashboard_card.html", context)


def _pay_card_context(user: Any, now: datetime) -> dict[str, Any] | None:
    memberships = [m for m in my_memberships(user.id) if m.status in ("approved", "active", "lapsed")]
    due = []
    for membership in memberships:
        season = season_due(membership.group, membership, now)
        if season is not None:
            due.append((membership, season, hold_key(membership.id, season)))
    if not due:
        return None
    keys = tuple(key for _m, _s, key in due)
    held = dict(db.session.execute(
        select(PaymentSeat.hold_key, Payment.status)
        .join(Payment, Payment.id == PaymentSeat.payment_id)
        .where(PaymentSeat.hold_key.in_(keys))
    ).all())
    # "Approved, awaiting payment" without a payment is already on the dashboard's attention list.
    items = [
        {"group": m.group, "season": season, "membership": m, "pending": held.get(key) == "pending"}
        for m, season, key in due
        if held.get(key) == "pending" or (held.get(key) is None and m.status != "approved")
    ]
    return {"pay_items": items} if items else None


@lru_cache(maxsize=1)
def _season_payments_statement():
    return (
        select(Payment.status, func.count(Payment.id), func.coalesce(func.sum(Payment.amount_minor), 0),
               func.count(Payment.disputed_at))
        .where(Payment.group_id == bindparam("gid"), Payment.season_start == bindparam("season"))
        .group_by(Payment.status)
    )


@admin_home_section(order=40)
def payments_tile(group: Group) -> Section:
    """Paid, outstanding and disputed payments of the current season."""
    if group.fee_minor <= 0:
        return None
    season = current_season(group, utcnow())
    key = ("payments_tile", group.id, group.data_version, season.start)
    return KeptSection("billing/_admin_tile.html", key, lambda: _payments_tile_context(group, season))


def _payments_tile_context(group: Group, season) -> dict[str, Any]:
    rows = read_rows(_season_payments_statement(), {"gid": group.id, "season": season.start}).all()
    counts = {status: (n, total, disputed) for status, n, total, disputed in rows}
    paid = sum(counts.get(s, (0, 0, 0))[1] for s in ("paid", "partially_refunded"))
    pending = counts.get("pending", (0, 0, 0))
    disputed = sum(d for _n, _t, d in counts.values())
    return {
        "billing_group": group, "billing_season": season, "paid_minor": paid,
        "pending_count": pending[0], "pending_minor": pending[1], "disputed_count": disputed,
    }


@group_page_section(order=5)
def renew_membership_card(group: Group, membership: Membership | None) -> Section:
    """Lapsed members and members in the renewal window get a pay card on the group page."""
    if membership is None or membership.status not in ("lapsed", "active"):
        return None
    season = season_due(group, membership, utcnow())
    if season is None:
        return None
    key = hold_key(membership.id, season)
    holder = kept(("held_seat", group.id, group.data_version, key), lambda: db.session.scalars(
        select(Payment.status).join(PaymentSeat, PaymentSeat.payment_id == Payment.id)
        .where(PaymentSeat.hold_key == key)
    ).first())
    if holder not in (None, "pending"):
        return None
    return "billing/_group_card.html", {
        "renew_group": group, "renew_season": season, "renew_lapsed": membership.status == "lapsed",
        "renew_pending": holder == "pending",
    }
