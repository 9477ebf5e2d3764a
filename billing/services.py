"""Payment verbs: prepare, confirm (fulfil), close, refund, waive. Never commit.

Every state change is a conditional ``UPDATE … WHERE status = …`` so that
concurrent callers (the Stripe webhook and the return page, two hosts, a
double click) change a payment at most once and never move it backwards.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import case, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from billing.fees import billing_settings, joining_terms, quote
from billing.models import GroupBilling, Payment, PaymentSeat, Refund
from common.db import utcnow
from common.urls import external_url
from extensions import db
from groups.models import HOST_ROLES, Group, Membership
from groups.seasons import Season
from members.models import Company, User
from outbox.services import queue_email

log = logging.getLogger(__name__)


class BillingError(Exception):
    """A payment action that is not allowed in the current state."""


class SeatAlreadyHeld(BillingError):
    """Another payment already holds (pays for) one of the seats this season."""

    def __init__(self, payment: Payment | None) -> None:
        super().__init__("seat already held")
        self.payment = payment


@dataclass
class CheckoutRequest:
    """Everything a provider needs to prepare a payment (plain values)."""

    group: Group
    payer: User
    memberships: list[Membership]
    season: Season
    provider: str
    payer_kind: str = "self"
    company: dict[str, str] = field(default_factory=dict)
    po_reference: str = ""


def hold_key(membership_id: int, season: Season) -> str:
    """The seat's hold for the season (stored: keep the format, "<membership id>:<season start>")."""
    return f"{membership_id}:{season.start.isoformat()}"


def holding_payment(membership_id: int, season: Season) -> Payment | None:
    """The payment holding this seat for the season (pending, paid or waived), if any."""
    return db.session.scalars(
        select(Payment)
        .join(PaymentSeat, PaymentSeat.payment_id == Payment.id)
        .where(PaymentSeat.hold_key == hold_key(membership_id, season))
    ).first()


def create_payment(req: CheckoutRequest, *, status: str = "pending", provider: str | None = None) -> Payment:
    """Insert the payment and its seats, holding each seat for the season.

    If another payment holds a seat (a double click, a colleague paying at the
    same moment) it raises ``SeatAlreadyHeld``; after a lost race (unique
    ``hold_key``) the session must be rolled back by the caller. No savepoint:
    pysqlite would turn SAVEPOINT/RELEASE into BEGIN/COMMIT.
    """
    if not req.memberships:
        raise BillingError("no seats")
    group = req.group
    settings = billing_settings(group, db.session.get(GroupBilling, group.id))
    joining = None if status == "waived" else joining_terms(group, settings, req.memberships, req.season, utcnow())
    price = quote(group, len(req.memberships), joining)
    amount = 0 if status == "waived" else price.total_minor
    vat = 0 if status == "waived" else price.vat_minor
    company = req.company if req.payer_kind == "company" else {}
    payment = Payment(
        company_id=paying_company(req.payer, company).id if company else None,
        group_id=group.id, group_name=group.name,
        season=req.season,
        user_id=req.payer.id, payer_name=req.payer.name, payer_email=req.payer.email,
        payer_kind=req.payer_kind,
        company_name=company.get("name", ""), company_vat=company.get("vat", ""),
        company_email=company.get("email", ""), company_address=company.get("address", ""),
        company_ean=company.get("ean", "")[:13],
        po_reference=req.po_reference,
        seat_count=len(req.memberships), unit_minor=0 if status == "waived" else price.unit_total_minor,
        amount_minor=amount, vat_minor=vat, vat_rate_bp=price.vat_rate_bp, currency=group.currency,
        provider=provider or req.provider, status=status,
    )
    for membership in req.memberships:
        holder = holding_payment(membership.id, req.season)
        if holder is not None:
            raise SeatAlreadyHeld(holder)
    db.session.add(payment)
    try:
        db.session.flush()
        payment.idempotency_key = f"nq-payment-{payment.id}"
        for membership in req.memberships:
            db.session.add(PaymentSeat(
                payment_id=payment.id, membership_id=membership.id, user_id=membership.user_id,
                member_name=membership.user.name, member_email=membership.user.email,
                amount_minor=0 if status == "waived" else price.unit_total_minor,
                hold_key=hold_key(membership.id, req.season),
            ))
        db.session.flush()
    except IntegrityError:
        # A concurrent checkout won the seat; the caller rolls back and looks again.
        raise SeatAlreadyHeld(None) from None
    return payment


def paying_company(payer: User, details: dict[str, str]) -> Company:
    """The company a company payment is from: the payer's employer, or, when
    their profile names none, a new company from the checkout's details (then
    also on their profile)."""
    profile = payer.profile
    if profile is not None and profile.company is not None:
        return profile.company
    company = Company(name=details.get("name", "")[:200], vat_number=details.get("vat", "")[:40],
                      billing_email=details.get("email", "")[:254], address=details.get("address", ""))
    db.session.add(company)
    if profile is not None:
        profile.company = company
    db.session.flush()
    return company


def group_of_payment(payment_id: int):
    """The payment's group, for a bulk statement's ``nq_group`` (common.versions)."""
    return select(Payment.group_id).where(Payment.id == payment_id)


def seats_of(payment_id: int) -> list[PaymentSeat]:
    return list(db.session.scalars(
        select(PaymentSeat).where(PaymentSeat.payment_id == payment_id).order_by(PaymentSeat.id)
    ))


def _activate_seats(payment: Payment, now: datetime) -> None:
    membership_ids = [s.membership_id for s in seats_of(payment.id) if s.membership_id is not None]
    if not membership_ids:
        return
    paid_through = payment.season.last_day
    db.session.execute(
        update(Membership)
        .where(Membership.id.in_(membership_ids), Membership.status.in_(("approved", "lapsed", "active")))
        .values(
            status="active",
            paid_through=case(
                (or_(Membership.paid_through.is_(None), Membership.paid_through < paid_through),
                 paid_through),
                else_=Membership.paid_through,
            ),
            joined_at=case((Membership.joined_at.is_(None), now), else_=Membership.joined_at),
        )
        .execution_options(synchronize_session=False, nq_group=payment.group_id)
    )
    for membership in db.session.scalars(select(Membership).where(Membership.id.in_(membership_ids))):
        db.session.refresh(membership)


def confirm_payment(
    payment_id: int, *, now: datetime | None = None, payment_intent_id: str | None = None,
    charge_id: str | None = None,
) -> bool:
    """Fulfil a confirmed payment exactly once: paid, seats active through season end.

    Returns True only for the caller that moved it from pending to paid; every
    other (concurrent, replayed, late) caller gets False and changes nothing.
    """
    now = now or utcnow()
    values: dict[str, Any] = {"status": "paid", "paid_at": now}
    if payment_intent_id:
        values["payment_intent_id"] = payment_intent_id
    if charge_id:
        values["charge_id"] = charge_id
    result = db.session.execute(
        update(Payment).where(Payment.id == payment_id, Payment.status == "pending").values(**values)
        .execution_options(synchronize_session=False, nq_group=group_of_payment(payment_id))
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    payment = db.session.get(Payment, payment_id)
    assert payment is not None
    db.session.refresh(payment)
    _activate_seats(payment, now)
    _queue_receipt(payment)
    log.info("payment confirmed", extra={"payment_id": payment_id, "provider": payment.provider})
    return True


def close_payment(payment_id: int, status: str, *, now: datetime | None = None) -> bool:
    """Move a pending payment to expired/failed and free its seats (so the member can retry)."""
    assert status in ("expired", "failed")
    result = db.session.execute(
        update(Payment).where(Payment.id == payment_id, Payment.status == "pending")
        .values(status=status, closed_at=now or utcnow())
        .execution_options(synchronize_session=False, nq_group=group_of_payment(payment_id))
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    db.session.execute(
        update(PaymentSeat).where(PaymentSeat.payment_id == payment_id).values(hold_key=None)
        .execution_options(synchronize_session=False, nq_group=group_of_payment(payment_id))
    )
    payment = db.session.get(Payment, payment_id)
    if payment is not None:
        db.session.refresh(payment)
    return True


def record_refund(
    payment: Payment, amount_minor: int, *, actor_id: int | None, reason: str = "",
    provider_refund_id: str | None = None,
) -> Refund:
    """Book a refund on this payment only; refuses more than what is left to refund."""
    if amount_minor <= 0:
        raise BillingError(_("The refund must be more than zero."))
    new_total = Payment.refunded_minor + amount_minor
    result = db.session.execute(
        update(Payment)
        .where(
            Payment.id == payment.id,
            Payment.status.in_(("paid", "partially_refunded")),
            new_total <= Payment.amount_minor,
        )
        .values(
            refunded_minor=new_total,
            status=case((new_total >= Payment.amount_minor, "refunded"), else_="partially_refunded"),
        )
        .execution_options(synchronize_session=False, nq_group=payment.group_id)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise BillingError(_("This payment cannot be refunded by that amount."))
    refund = Refund(
        payment_id=payment.id, amount_minor=amount_minor, reason=reason[:200],
        created_by_id=actor_id, provider_refund_id=provider_refund_id,
    )
    db.session.add(refund)
    db.session.flush()
    db.session.refresh(payment)
    return refund


def take_free_seats(req: CheckoutRequest, now: datetime) -> Payment:
    """New members joining mid-season in a group whose rule is "free until the
    next season": a zero payment that activates their seats at once."""
    payment = create_payment(replace(req, provider="manual"), status="waived")
    payment.paid_at = now
    payment.note = _("Joined mid-season: free until the next season")
    _activate_seats(payment, now)
    return payment


def waive_fee(group: Group, membership: Membership, season: Season, *, actor: User) -> Payment:
    """A complimentary seat: a zero 'waived' payment that activates the membership."""
    from common.audit import record_audit

    req = CheckoutRequest(group=group, payer=membership.user, memberships=[membership], season=season,
                          provider="manual")
    payment = create_payment(req, status="waived")
    payment.paid_at = utcnow()
    payment.note = _("Waived by %(name)s", name=actor.name)
    _activate_seats(payment, utcnow())
    record_audit("payment.waive", actor_id=actor.id, group_id=group.id, target_user_id=membership.user_id,
                 payment_id=payment.id, season_start=season.start.isoformat())
    return payment


def mark_invoice_paid(payment: Payment, *, actor: User) -> bool:
    """The host saw the bank transfer: confirm the invoice payment (audited)."""
    from common.audit import record_audit

    if payment.provider != "invoice":
        raise BillingError(_("Only invoice payments are marked paid by hand."))
    done = confirm_payment(payment.id)
    if done:
        record_audit("payment.mark_paid", actor_id=actor.id, group_id=payment.group_id,
                     target_user_id=payment.user_id, payment_id=payment.id)
    return done


def payment_for_user(payment_id: int, user_id: int) -> Payment | None:
    """A payment the user paid or holds a seat in (for receipts)."""
    return db.session.scalars(
        select(Payment)
        .outerjoin(PaymentSeat, PaymentSeat.payment_id == Payment.id)
        .where(Payment.id == payment_id, or_(Payment.user_id == user_id, PaymentSeat.user_id == user_id))
    ).first()


def payments_of_user(user_id: int) -> list[Payment]:
    """Payments the user made or is covered by, newest first, with seats and invoice."""
    seat_payment_ids = select(PaymentSeat.payment_id).where(PaymentSeat.user_id == user_id)
    return list(db.session.scalars(
        select(Payment)
        .where(or_(Payment.user_id == user_id, Payment.id.in_(seat_payment_ids)))
        .options(selectinload(Payment.seats), selectinload(Payment.invoice))
        .order_by(Payment.created_at.desc(), Payment.id.desc())
    ))


def company_colleagues(group: Group, payer: User, season: Season) -> list[Membership]:
    """Other members of the payer's company in this group who still have to pay."""
    company_id = payer.profile.company_id if payer.profile else None
    if company_id is None:
        return []
    from members.models import Profile

    candidates = list(db.session.scalars(
        select(Membership)
        .join(Profile, Profile.user_id == Membership.user_id)
        .where(
            Membership.group_id == group.id,
            Membership.user_id != payer.id,
            Membership.status.in_(("approved", "lapsed")),
            Membership.role.notin_(HOST_ROLES),
            Profile.company_id == company_id,
        )
    ))
    if not candidates:
        return []
    held = set(db.session.scalars(
        select(PaymentSeat.hold_key).where(
            PaymentSeat.hold_key.in_([hold_key(m.id, season) for m in candidates])
        )
    ))
    return [m for m in candidates if hold_key(m.id, season) not in held]


def _queue_receipt(payment: Payment) -> None:
    """Receipt to the payer (and the company billing email when different)."""
    recipients = {payment.payer_email}
    if payment.payer_kind == "company" and payment.company_email:
        recipients.add(payment.company_email)
    context = {
        "name": payment.payer_name,
        "group": payment.group_name,
        "season": f"{payment.season.start.isoformat()} – {payment.season.last_day.isoformat()}",
        "amount_minor": payment.amount_minor,
        "vat_minor": payment.vat_minor,
        "currency": payment.currency,
        "seats": payment.seat_count,
        "payment_id": payment.id,
        "url": external_url("billing.payments"),
    }
    for email in sorted(r for r in recipients if r):
        queue_email(email, _("Receipt: your %(group)s membership is paid", group=payment.group_name),
                    "payment_receipt", context, dedupe_key=f"payment-receipt:{payment.id}:{email}")
