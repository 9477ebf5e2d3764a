"""Demo payments (``flask seed-demo``): group 1's active members have paid this season."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from billing.invoices import issue_invoice
from billing.models import GroupBilling, Payment
from billing.services import CheckoutRequest, confirm_payment, create_payment, record_refund, seats_of
from common.db import utcnow
from common.demo import demo_step
from extensions import db
from groups.models import HOST_ROLES, Group, Membership
from groups.seasons import Season, current_season, season_after


def _memberships(group: Group) -> dict[int, Membership]:
    rows = db.session.scalars(select(Membership).where(Membership.group_id == group.id))
    return {m.user_id: m for m in rows}


@demo_step(order=40)
def seed_payments(ctx: dict[str, Any]) -> None:
    """Paid payments for group 1's active members (self/company, Stripe/invoice, one partly
    refunded), member13 left awaiting payment, one outstanding renewal invoice. Flushes only."""
    group: Group = ctx["group1"]
    now = utcnow()
    db.session.add(GroupBilling(
        group_id=group.id, legal_name=f"{group.name} ApS", cvr="DK41234567",
        address="Strandgade 12\n1401 København K", email=ctx["host"].email,
        bank_account="5301 0001234567", iban="DK5053010001234567", payment_terms_days=14, grace_days=14,
        included_text="Ten monthly meetups with dinner, two guest speakers, the value report and "
                      "introductions by the host.",
    ))
    db.session.flush()
    season = current_season(group, now)
    by_user = _memberships(group)
    payers = [m for m in (by_user[u.id] for u in ctx["members"])
              if m.role not in HOST_ROLES and m.status == "active"]

    def pay(memberships: list[Membership], provider: str, days_ago: int, *, company: bool = False,
            po: str = "", on: Season = season, confirm: bool = True) -> Payment:
        payer = memberships[0].user
        firm = payer.profile.company if payer.profile else None
        req = CheckoutRequest(
            group=group, payer=payer, memberships=memberships, season=on, provider=provider,
            payer_kind="company" if company else "self",
            company={"name": firm.name, "vat": firm.vat_number, "email": firm.billing_email or payer.email,
                     "address": firm.address} if company and firm else {},
            po_reference=po,
        )
        payment = create_payment(req)
        payment.created_at = now - timedelta(days=days_ago, hours=2)
        if provider == "invoice":
            invoice = issue_invoice(payment, group, seats_of(payment.id), (now - timedelta(days=days_ago)).date())
            invoice.issued_at = payment.created_at
        else:
            payment.checkout_session_id = f"cs_demo_{payment.id:04d}"
            payment.payment_intent_id = f"pi_demo_{payment.id:04d}"
        if confirm:
            confirm_payment(payment.id, now=now - timedelta(days=days_ago - 1))
        return payment

    plan: list[tuple[list[Membership], str, bool, str]] = []
    rest = list(payers)
    if len(rest) >= 2:
        plan.append(([rest.pop(0), rest.pop(0)], "invoice", True, "PO-2024-118"))  # one company, two seats
    styles = [("stripe", False, ""), ("invoice", True, "PO-7781"), ("stripe", True, ""), ("stripe", False, "")]
    for index, membership in enumerate(rest):
        provider, company, po = styles[index % len(styles)]
        plan.append(([membership], provider, company, po))
    made = [pay(seats, provider, 120 - i * 6, company=company, po=po)
            for i, (seats, provider, company, po) in enumerate(plan)]
    refundable = next((p for p in made if p.provider == "stripe"), None)
    if refundable is not None:
        record_refund(refundable, 200_000, actor_id=ctx["host"].id, reason="Missed two meetups (goodwill)",
                      provider_refund_id=f"re_demo_{refundable.id:04d}")
    # One outstanding invoice: a company renewing early for next season.
    if payers:
        pay([payers[-1]], "invoice", 3, company=True, po="PO-RENEW", on=season_after(group, season), confirm=False)
    db.session.flush()
    ctx.setdefault("summary", []).append(
        f"Payments: {len(made)} paid in {group.name} (one partly refunded), one outstanding invoice; "
        "member13 awaiting payment (invoice by default; Stripe when STRIPE_SECRET_KEY is set)"
    )
