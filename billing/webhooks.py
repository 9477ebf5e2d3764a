"""``POST /webhooks/stripe``: Stripe events treated as triggers (CSRF-exempt).

Order of work for every delivery:

1. verify the ``Stripe-Signature`` on the raw body (400 if missing, wrong or
   older than the tolerance) — before anything else;
2. ignore types we do not handle (200) and events already recorded (200);
3. re-read the object from Stripe (5xx on failure, so Stripe retries);
4. insert the event id once (insert-or-ignore) and apply its effect in the
   same transaction; state only ever moves forward (``WHERE status='pending'``).
"""
from __future__ import annotations

import json
import logging
from typing import Any

import stripe
from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select, update

from billing.invoices import insert_ignore
from billing.models import Payment, ProviderEvent, Refund
from billing.providers.base import ProviderError
from billing.providers.stripe import stripe_client, sync_session
from billing.services import BillingError, external_url, record_refund
from common.db import utcnow
from extensions import db, limiter

bp = Blueprint("webhooks", __name__)
log = logging.getLogger(__name__)

SESSION_EVENTS = (
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
)
HANDLED = (*SESSION_EVENTS, "charge.refunded", "charge.dispute.created")
TOLERANCE_SECONDS = 300


def _json(status: str, code: int) -> ResponseReturnValue:
    return jsonify({"status": status}), code


@bp.post("/webhooks/stripe")
@limiter.exempt
def stripe_webhook() -> ResponseReturnValue:
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        return _json("not configured", 404)
    body = request.get_data(cache=False)
    try:
        stripe.WebhookSignature.verify_header(
            body.decode("utf-8"), request.headers.get("Stripe-Signature"), secret, TOLERANCE_SECONDS,
        )
        event: dict[str, Any] = json.loads(body)
        event_id = str(event["id"])
        event_type = str(event["type"])
        object_id = str(event["data"]["object"]["id"])
    except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError, KeyError, TypeError):
        return _json("invalid signature or payload", 400)

    if event_type not in HANDLED:
        return _json("ignored", 200)
    seen = db.session.scalar(select(ProviderEvent.id).where(
        ProviderEvent.provider == "stripe", ProviderEvent.event_id == event_id))
    if seen is not None:
        return _json("duplicate", 200)
    try:
        inserted = insert_ignore(
            ProviderEvent,
            {"provider": "stripe", "event_id": event_id, "type": event_type, "received_at": utcnow()},
            ["provider", "event_id"],
        )
        if not inserted:
            # A concurrent delivery of the same event got there first.
            db.session.rollback()
            return _json("duplicate", 200)
        payment = _apply(event_type, object_id)
        if payment is not None:
            db.session.execute(
                update(ProviderEvent)
                .where(ProviderEvent.provider == "stripe", ProviderEvent.event_id == event_id)
                .values(payment_id=payment.id)
            )
        db.session.commit()
    except ProviderError:
        db.session.rollback()
        log.warning("stripe webhook retry", extra={"event_id": event_id, "type": event_type})
        return _json("retry", 503)
    return _json("ok", 200)


def _apply(event_type: str, object_id: str) -> Payment | None:
    if event_type in SESSION_EVENTS:
        return sync_session(object_id, event_type)
    if event_type == "charge.refunded":
        return _sync_charge_refunds(object_id)
    return _flag_dispute(object_id)


def _payment_for_intent(intent_id: str | None) -> Payment | None:
    if not intent_id:
        return None
    return db.session.scalars(select(Payment).where(Payment.payment_intent_id == intent_id)).first()


def _sync_charge_refunds(charge_id: str) -> Payment | None:
    """Book refunds made outside NQ (Stripe dashboard); ours are already booked."""
    try:
        charge = stripe_client().v1.charges.retrieve(charge_id, params={"expand": ["refunds"]})
    except stripe.StripeError as exc:
        raise ProviderError(str(exc)) from exc
    intent = charge.payment_intent
    payment = _payment_for_intent(intent if isinstance(intent, str) or intent is None else intent.id)
    if payment is None:
        return None
    if not payment.charge_id:
        payment.charge_id = charge.id
    known = set(db.session.scalars(select(Refund.provider_refund_id).where(Refund.payment_id == payment.id)))
    for refund in (charge.refunds.data if charge.refunds else []):
        metadata = refund.metadata.to_dict() if refund.metadata else {}
        if refund.id in known or metadata.get("nq_refund_id"):
            continue
        if refund.status not in ("succeeded", "pending"):
            continue
        try:
            record_refund(payment, refund.amount, actor_id=None, reason=_("Refunded in Stripe"),
                          provider_refund_id=refund.id)
        except BillingError:
            log.error("stripe refund exceeds payment", extra={"payment_id": payment.id, "refund": refund.id})
    return payment


def _flag_dispute(dispute_id: str) -> Payment | None:
    """Flag the disputed payment to the group's hosts (badge + email)."""
    from groups.models import HOST_ROLES, Membership
    from outbox.services import queue_email

    try:
        dispute = stripe_client().v1.disputes.retrieve(dispute_id)
    except stripe.StripeError as exc:
        raise ProviderError(str(exc)) from exc
    intent = dispute.payment_intent
    payment = _payment_for_intent(intent if isinstance(intent, str) or intent is None else intent.id)
    if payment is None or payment.disputed_at is not None:
        return payment
    payment.disputed_at = utcnow()
    payment.dispute_reason = (dispute.reason or "")[:80]
    if payment.group_id is None:
        return payment
    hosts = db.session.scalars(select(Membership).where(
        Membership.group_id == payment.group_id, Membership.role.in_(HOST_ROLES),
        Membership.status == "active"))
    from groups.models import Group

    group = db.session.get(Group, payment.group_id)
    for host in hosts:
        queue_email(
            host.user.email,
            _("A payment for %(group)s is disputed", group=payment.group_name),
            "payment_dispute",
            {"name": host.user.name, "group": payment.group_name, "payer": payment.payer_name,
             "amount_minor": payment.amount_minor, "currency": payment.currency,
             "reason": payment.dispute_reason,
             "url": external_url("billing_admin.payments", slug=group.slug) if group else ""},
            dedupe_key=f"payment-dispute:{dispute_id}:{host.user_id}",
        )
    return payment
