"""What a member owes: which season they pay for now, and what a seat costs.

Seasons themselves (the ``[start, end)`` range and the group's rule) are
``groups.seasons``; a member's ``paid_through`` date is the ``last_day`` of
the last season paid for.

The price of one seat is ``groups.models.seat_fee``: the group's fee, VAT
rate and whether the fee includes VAT. A checkout of ``n`` seats is exactly
``n`` × the one-seat figures, so the Stripe line item (unit amount ×
quantity) and the invoice always agree.

A new member who joins after the season's first meetup pays what the group
says (``GroupBilling.joining_price``): the full fee, a share of it (fee ×
meetups left ÷ meetups of the season, rounded half up), or nothing until
the next season. The checkout shows it before anything is paid.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select

from billing.models import GroupBilling
from extensions import db
from groups.models import HOST_ROLES, Group, Membership, seat_fee
from groups.seasons import Season, current_season, local_date, season_after, season_bounds
from meetups.models import Meetup

JOINING_PRICES = ("full", "prorated", "free")

# Renewal invitations start this many days before the season's last day.
RENEWAL_WINDOW_DAYS = 30


def billing_settings(group: Group, row: GroupBilling | None) -> GroupBilling:
    """The group's settings row, or unsaved defaults when the host never saved any."""
    if row is not None:
        return row
    return GroupBilling(
        group_id=group.id, legal_name=group.name, cvr="", address="", email="", bank_account="",
        iban="", payment_terms_days=14, grace_days=14, included_text="",
    )


def season_due(group: Group, membership: Membership | None, now: datetime) -> Season | None:
    """The season this membership should pay for at ``now``, or None (nothing to pay).

    Approved (awaiting payment) and lapsed members pay the current season; an
    active member paid through a day before the season's last day pays it
    too; within the renewal window (``RENEWAL_WINDOW_DAYS`` before the last
    day) an active member paid for this season may pay the next one, unless
    they joined within that window. Hosts and free groups never pay.
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
    if paid_through < upcoming.last_day and days_left <= RENEWAL_WINDOW_DAYS \
            and not joined_in_renewal_window(group, membership, season):
        return upcoming
    return None


def joined_in_renewal_window(group: Group, membership: Membership, season: Season) -> bool:
    """Whether the member joined (first paid) within the season's renewal window:
    having just paid, they are not asked for the next season's fee until it begins."""
    if membership.joined_at is None:
        return False
    window_opens = season.last_day - timedelta(days=RENEWAL_WINDOW_DAYS)
    return local_date(group, membership.joined_at) >= window_opens


@dataclass(frozen=True)
class Joining:
    """New members joining a season that has begun: the group's rule, and the season's meetups."""

    rule: str  # "prorated" or "free"
    meetups_left: int
    meetups_total: int


def joining_terms(group: Group, settings: GroupBilling, memberships: Sequence[Membership], season: Season,
                  now: datetime) -> Joining | None:
    """The mid-season terms of a checkout, or None (the full fee): every seat is a
    new member (approved, never paid) paying the current season, after its first
    meetup has started, in a group whose rule is not the full fee (1 query)."""
    rule = settings.joining_price or "full"
    if rule == "full" or not memberships or season != current_season(group, now):
        return None
    if any(m.status != "approved" or m.paid_through is not None for m in memberships):
        return None
    since, until = season_bounds(group, season)
    total, left = db.session.execute(
        select(func.count(), func.count(case((Meetup.starts_at >= now, 1))))
        .where(Meetup.group_id == group.id, Meetup.starts_at >= since, Meetup.starts_at < until,
               Meetup.status != "cancelled")
    ).one()
    if not total or left == total:
        return None
    return Joining(rule, left, total)


@dataclass(frozen=True)
class Quote:
    """What a checkout of ``seats`` seats costs (minor units)."""

    seats: int
    unit_net_minor: int
    unit_vat_minor: int
    vat_rate_bp: int
    currency: str
    includes_vat: bool
    joining: Joining | None = None  # mid-season terms, when they apply
    full_unit_total_minor: int = 0  # one seat at the full fee (to show what the terms save)

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


def quote(group: Group, seats: int = 1, joining: Joining | None = None) -> Quote:
    """Price ``seats`` seats with the group's fee and VAT (``seat_fee``) and mid-season terms."""
    full = seat_fee(group)
    fee = group.fee_minor
    if joining is not None:
        fee = 0 if joining.rule == "free" else (
            (2 * fee * joining.meetups_left + joining.meetups_total) // (2 * joining.meetups_total))
    net, vat, rate = seat_fee(group, fee)
    return Quote(
        seats=seats, unit_net_minor=net, unit_vat_minor=vat, vat_rate_bp=rate,
        currency=group.currency, includes_vat=group.fee_includes_vat, joining=joining,
        full_unit_total_minor=full.total_minor,
    )
