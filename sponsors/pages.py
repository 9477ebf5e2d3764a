"""What a sponsor reads: the groups and seasons the company pays for, the
group-level verdict of each, and what each employee shares.

Nothing here shows a rating, click or comment tied to a member: the group's
figures come from the value report (k ≥ 3, released once rating closes), and
an employee's own figures only when they share them with this company.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from billing.models import PAID_STATUSES, Payment
from extensions import db
from groups.models import Group, Membership
from groups.seasons import Season, current_season
from ratings.figures import MemberFigures, ValueReport
from ratings.report import members_figures, value_report
from ratings.value import VERDICT_BORDERLINE, VERDICT_NOT_WORTH, VERDICT_WORTH
from sponsors.models import Share

# The recommendation a verdict gives the company, and the rule behind it (shown on the page).
RECOMMENDATIONS = {
    VERDICT_WORTH: ("renew", _l("Renew")),
    VERDICT_BORDERLINE: ("reconsider", _l("Reconsider")),
    VERDICT_NOT_WORTH: ("drop", _l("Drop")),
}
TOO_EARLY = ("too_early", _l("Too early to tell"))


@dataclass
class Employee:
    name: str
    membership: Membership | None
    share: Share | None  # None: shares nothing with this company
    figures: MemberFigures | None = None  # only when they share something

    @property
    def left(self) -> bool:
        return self.membership is None or self.membership.status != "active"


@dataclass
class GroupSide:
    """One group the company pays for, in its current season."""

    group: Group
    season: Season
    report: ValueReport
    payments: list[Payment]  # with their seats and invoices
    employees: list[Employee] = field(default_factory=list)

    @property
    def recommendation(self) -> tuple[str, str]:
        key, label = RECOMMENDATIONS.get(self.report.verdict.key, TOO_EARLY)
        return key, str(label)

    @property
    def paid_minor(self) -> int:
        """Money received for the company's seats, net of refunds."""
        return sum(p.received_minor for p in self.payments)

    @property
    def renews_on(self) -> date:
        return self.season.end


@dataclass
class CompanySummary:
    groups: list[GroupSide]

    @property
    def employees(self) -> int:
        """Employees holding a seat in an active membership."""
        return len({e.membership.user_id for g in self.groups for e in g.employees
                    if e.membership is not None and not e.left})

    @property
    def paid_by_currency(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for side in self.groups:
            totals[side.group.currency] = totals.get(side.group.currency, 0) + side.paid_minor
        return totals

    @property
    def deep_relationships(self) -> int:
        """Of the employees who share their relationships."""
        return sum(e.figures.deep_relationships for g in self.groups for e in g.employees
                   if e.figures is not None and e.share is not None and e.share.relationships)

    @property
    def outcomes_by_currency(self) -> dict[str, int]:
        """Reported outcome value, of the employees who share their outcomes."""
        totals: dict[str, int] = {}
        for side in self.groups:
            for e in side.employees:
                if e.figures is not None and e.share is not None and e.share.outcomes:
                    totals[side.group.currency] = totals.get(side.group.currency, 0) + e.figures.outcomes_value_minor
        return totals


def company_payments(company_id: int, group_id: int | None = None) -> list[Payment]:
    """The company's payments, newest first, with their seats and invoices."""
    query = (select(Payment).options(selectinload(Payment.seats), selectinload(Payment.invoice))
             .where(Payment.company_id == company_id, Payment.group_id.is_not(None))
             .order_by(Payment.season_start.desc(), Payment.created_at.desc(), Payment.id.desc()))
    if group_id is not None:
        query = query.where(Payment.group_id == group_id)
    return list(db.session.scalars(query))


def _employees(group: Group, season: Season, company_id: int, payments: list[Payment],
               now: datetime) -> list[Employee]:
    """The holders of the company's seats in the season, with what each shares."""
    seats = [s for p in payments if p.season == season and p.status in (*PAID_STATUSES, "pending")
             for s in p.seats]
    ids = sorted({s.membership_id for s in seats if s.membership_id is not None})
    memberships = {m.id: m for m in db.session.scalars(select(Membership).where(Membership.id.in_(ids)))} if ids else {}
    shares = {s.membership_id: s for s in db.session.scalars(select(Share).where(
        Share.membership_id.in_(ids), Share.company_id == company_id))} if ids else {}
    sharing = [m for m in memberships.values()
               if m.status == "active" and m.id in shares and shares[m.id].shares_anything]
    figures = members_figures(group, season, sharing, now) if sharing else {}
    employees: dict[str, Employee] = {}
    for seat in seats:
        membership = memberships.get(seat.membership_id) if seat.membership_id is not None else None
        share = shares.get(membership.id) if membership is not None else None
        employee = Employee(seat.member_name, membership, share)
        if membership is not None:
            employee.figures = figures.get(membership.id)
        employees.setdefault(f"{seat.membership_id}:{seat.member_name}", employee)
    return sorted(employees.values(), key=lambda e: e.name.lower())


def group_side(company_id: int, group: Group, now: datetime, payments: list[Payment] | None = None) -> GroupSide:
    """One group as the company sees it (``payments``: the company's in this group, if already read)."""
    season = current_season(group, now)
    payments = company_payments(company_id, group.id) if payments is None else payments
    return GroupSide(group=group, season=season, report=value_report(group, season, now), payments=payments,
                     employees=_employees(group, season, company_id, payments, now))


def company_summary(company_id: int, now: datetime) -> CompanySummary:
    """Every group the company has paid for, side by side (its payments read once)."""
    by_group: dict[int, list[Payment]] = {}
    for payment in company_payments(company_id):
        by_group.setdefault(payment.group_id or 0, []).append(payment)
    groups = {g.id: g for g in db.session.scalars(select(Group).where(Group.id.in_(by_group)))} if by_group else {}
    return CompanySummary([group_side(company_id, groups[gid], now, payments)
                           for gid, payments in by_group.items() if gid in groups])
