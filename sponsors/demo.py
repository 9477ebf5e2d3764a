"""Demo sponsor (``flask seed-demo``): sponsor@example.com acts for the company
that pays two seats in group 1, and pays a third seat in group 2."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from billing.models import Payment
from billing.services import CheckoutRequest, confirm_payment, create_payment, seats_of
from common.db import utcnow
from common.demo import demo_step
from extensions import db
from groups.models import Group, Membership
from groups.seasons import current_season
from members.models import Company
from members.services import create_user
from sponsors.models import Share, Sponsor


@demo_step(order=45)
def seed_sponsor(ctx: dict[str, Any]) -> None:
    """The first company payment of group 1 (two seats) names the company; one of
    its employees shares everything, the other nothing; the company also pays a
    member's seat in group 2, who shares their outcomes. Flushes only."""
    group1: Group = ctx["group1"]
    group2: Group = ctx["group2"]
    first = db.session.scalars(
        select(Payment).where(Payment.group_id == group1.id, Payment.company_id.is_not(None))
        .order_by(Payment.id)
    ).first()
    if first is None:
        return
    company = first.company_id
    firm = db.session.get(Company, company)
    first_seats = seats_of(first.id)
    seats = {m.id: m for m in db.session.scalars(
        select(Membership).where(Membership.id.in_([s.membership_id for s in first_seats])))}
    employees = [seats[s.membership_id] for s in first_seats if s.membership_id in seats]
    for membership in employees:
        membership.user.profile.company = firm
    if employees:
        db.session.add(Share(membership_id=employees[0].id, company_id=company,
                             scores=True, relationships=True, outcomes=True))
    colleague = db.session.scalars(
        select(Membership).where(Membership.group_id == group2.id, Membership.status == "active",
                                 Membership.role == "member").order_by(Membership.id)
    ).first()
    now = utcnow()
    if colleague is not None:
        colleague.user.profile.company = firm
        db.session.flush()
        payment = create_payment(CheckoutRequest(
            group=group2, payer=colleague.user, memberships=[colleague], season=current_season(group2, now),
            provider="invoice", payer_kind="company",
            company={"name": first.company_name, "vat": first.company_vat, "email": first.company_email,
                     "address": first.company_address},
            po_reference="PO-2024-131",
        ))
        payment.created_at = now - timedelta(days=40)
        confirm_payment(payment.id, now=now - timedelta(days=38))
        db.session.add(Share(membership_id=colleague.id, company_id=company, outcomes=True))
    sponsor = create_user("sponsor@example.com", ctx["password"], "Karen Holm", verified=True)
    db.session.add(Sponsor(company_id=company, user_id=sponsor.id))
    db.session.flush()
    ctx.setdefault("summary", []).append(
        f"Sponsor: sponsor@example.com acts for {first.company_name}, which pays "
        f"{len(employees) + (colleague is not None)} seats in {group1.name} and {group2.name}"
    )
