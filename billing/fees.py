"""What a member owes: which season they pay for now, and what a seat costs.

Seasons themselves (the ``[start, end)`` range and the group's rule) are
``groups.seasons``; a member's ``paid_through`` date is the ``last_day`` of
the last season paid for.

Price of one seat (``fee`` = ``Group.fee_minor``, ``r`` = VAT rate):

- fee excludes VAT: net = fee, VAT = round(fee × r), total = net + VAT;
- fee includes VAT: total = fee, net = round(fee / (1 + r)), VAT = total − net.

A checkout of ``n`` seats is exactly ``n`` × the one-seat figures, so the
Stripe line item (unit amount × quantity) and the invoice always agree.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from billing.models import GroupBilling
from groups.models import HOST_ROLES, Group, Membership
from groups.seasons import Season, current_season, local_date, season_after

# Renewal invitations start this many days before the season's last day.
RENEWAL_WINDOW_DAYS = 30


def default_vat_rate_bp(currency: str) -> int:
    """25 % Danish VAT for DKK; other currencies start at 0 until the host sets it."""
    return 2500 if currency.upper() == "DKK" else 0


def billing_settings(group: Group, row: GroupBilling | None) -> GroupBilling:
    """The group's settings row, or unsaved defaults when the host never saved any."""
    if row is not None:
        return row
    return GroupBilling(
        group_id=group.id, legal_name=group.name, cvr="", address="", email="", bank_account="",
        iban="", vat_rate_bp=default_vat_rate_bp(group.currency), fee_includes_vat=False,
        payment_terms_days=14, grace_days=14, included_text="",
    )


def season_due(group: Group, membership: Membership | None, now: datetime) -> Season | None:
    """The season this membership should pay for at ``now``, or None (nothing to pay).

    Approved (awaiting payment) and lapsed members pay the current season; an
    active member paid through a day before the season's last day pays it
    too; within the renewal window (``RENEWAL_WINDOW_DAYS`` before the last
    day) an active member paid for this season may pay the next one. Hosts
    and free groups never pay.
    """
    if membership is None or group.fee_minor <= 0 or membership.role in HOST_ROLES:
        return None
    season = current_season(group, now)
    paid_through = membership.paid_through
    if membership.status in ("approved", "lapsed"):
        if paid_through is not None and paid_through >= season.last_day:
            return None
        return season
    if membership.status != "active" or paid_through is None:
        return None
    if paid_through < season.last_day:
        return season
    upcoming = season_after(group, season)
    days_left = (season.last_day - local_date(group, now)).days
    if paid_through < upcoming.last_day and days_left <= RENEWAL_WINDOW_DAYS:
        return upcoming
    return None


@dataclass(frozen=True)
class Quote:
    """What a checkout of ``seats`` seats costs (minor units)."""

    seats: int
    unit_net_minor: int
    unit_vat_minor: int
    vat_rate_bp: int
    currency: str
    includes_vat: bool

    @property
    def unit_total_minor(self) -> int:
        return self.unit_net_minor + self.unit_vat_minor

    @property
    def net_minor(self) -> int:
        return self.unit_net_minor * self.seats

    @property
    def vat_minor(self) -> int:
        return self.unit_vat_minor * self.seats

    @property
    def total_minor(self) -> int:
        return self.unit_total_minor * self.seats


def quote(group: Group, settings: GroupBilling, seats: int = 1) -> Quote:
    """Price ``seats`` seats with the group's fee and VAT settings (formula above)."""
    fee, rate = group.fee_minor, settings.vat_rate_bp
    if settings.fee_includes_vat:
        net = (fee * 10000 + (10000 + rate) // 2) // (10000 + rate)
        vat = fee - net
    else:
        net = fee
        vat = (fee * rate + 5000) // 10000
    return Quote(
        seats=seats, unit_net_minor=net, unit_vat_minor=vat, vat_rate_bp=rate,
        currency=group.currency, includes_vat=settings.fee_includes_vat,
    )
