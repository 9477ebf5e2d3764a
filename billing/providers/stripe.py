"""Stripe provider: a hosted Checkout Session per payment (cards, MobilePay, ...).

Every POST carries an idempotency key derived from our payment (or refund)
row, so retries and double clicks reuse the same Stripe object. Stripe
objects are always re-read from Stripe before we act on them.
"""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

import stripe
from flask import current_app, url_for
from flask_babel import gettext as _

from billing.models import Payment, Refund
from billing.providers.base import PaymentProvider, ProviderError
from billing.services import close_payment, confirm_payment, seats_of
from common.db import utcnow
from extensions import db

if TYPE_CHECKING:
    from stripe.params.checkout import SessionCreateParams

log = logging.getLogger(__name__)

# Stripe allows 30 minutes to 24 hours; an abandoned checkout expires after this.
CHECKOUT_LIFETIME = timedelta(hours=1)


def stripe_client() -> stripe.StripeClient:
    """A client for the configured account; ``STRIPE_API_BASE`` redirects it (tests)."""
    key = current_app.config.get("STRIPE_SECRET_KEY")
    if not key:
        raise ProviderError("Stripe is not configured")
    base = current_app.config.get("STRIPE_API_BASE")
    if base:
        return stripe.StripeClient(key, base_addresses={"api": base}, max_network_retries=1)
    return stripe.StripeClient(key, max_network_retries=2)


def _session_params(payment: Payment, slug: str) -> SessionCreateParams:
    seats = seats_of(payment.id)
    names = ", ".join(s.member_name for s in seats)
    success = url_for("billing.success", slug=slug, _external=True) + "?session_id={CHECKOUT_SESSION_ID}"
    cancel = url_for("billing.cancelled", slug=slug, payment_id=payment.id, _external=True)
    metadata = {
        "nq_payment_id": str(payment.id),
        "group_id": str(payment.group_id or ""),
        "season": f"{payment.season_start.isoformat()}/{payment.season_end.isoformat()}",
    }
    description = _("Membership %(start)s – %(end)s: %(names)s",
                    start=payment.season_start.isoformat(), end=payment.season_end.isoformat(), names=names)
    params: SessionCreateParams = {
        "mode": "payment",
        "client_reference_id": str(payment.id),
        "customer_email": payment.company_email if payment.payer_kind == "company" and payment.company_email
        else payment.payer_email,
        "line_items": [{
            "quantity": payment.seat_count,
            "price_data": {
                "currency": payment.currency.lower(),
                "unit_amount": payment.unit_minor,
                "product_data": {
                    "name": _("%(group)s membership", group=payment.group_name),
                    "description": description[:500],
                },
            },
        }],
        "metadata": metadata,
        "payment_intent_data": {"metadata": metadata, "description": description[:500]},
        "invoice_creation": {
            "enabled": True,
            "invoice_data": {"description": description[:500], "metadata": metadata},
        },
        "success_url": success,
        "cancel_url": cancel,
        "expires_at": int((utcnow() + CHECKOUT_LIFETIME).timestamp()),
    }
    if payment.po_reference:
        params["invoice_creation"]["invoice_data"]["custom_fields"] = [
            {"name": _("PO reference"), "value": payment.po_reference[:30]},
        ]
    if payment.payer_kind == "company":
        params["tax_id_collection"] = {"enabled": True}
        params["customer_creation"] = "always"
        params["billing_address_collection"] = "required"
    return params


class StripeProvider(PaymentProvider):
    name = "stripe"

    def start(self, payment: Payment) -> str:
        """Create (once, idempotently) the Checkout Session; its hosted page URL."""
        from groups.models import Group

        group = db.session.get(Group, payment.group_id) if payment.group_id else None
        if group is None:
            raise ProviderError("payment without group")
        try:
            session = stripe_client().v1.checkout.sessions.create(
                params=_session_params(payment, group.slug),
                options={"idempotency_key": f"{payment.idempotency_key}-checkout"},
            )
        except stripe.StripeError as exc:
            log.warning("stripe checkout create failed", extra={"payment_id": payment.id, "error": str(exc)})
            raise ProviderError(str(exc)) from exc
        if not session.url:
            raise ProviderError("Stripe returned no checkout URL")
        payment.checkout_session_id = session.id
        payment.checkout_url = session.url
        payment.expires_at = utcnow() + CHECKOUT_LIFETIME
        db.session.flush()
        return session.url

    def resume(self, payment: Payment) -> str | None:
        """The open session's page; re-read first so an expired one is closed instead."""
        if not payment.checkout_session_id:
            return None
        if payment.expires_at is not None and payment.expires_at > utcnow() + timedelta(minutes=2):
            return payment.checkout_url
        sync_session(payment.checkout_session_id)
        db.session.refresh(payment)
        return payment.checkout_url if payment.status == "pending" else None

    def refund(self, payment: Payment, refund: Refund) -> str | None:
        if not payment.payment_intent_id:
            raise ProviderError("payment has no payment intent")
        try:
            created = stripe_client().v1.refunds.create(
                params={
                    "payment_intent": payment.payment_intent_id,
                    "amount": refund.amount_minor,
                    "metadata": {"nq_refund_id": str(refund.id), "nq_payment_id": str(payment.id)},
                },
                options={"idempotency_key": f"nq-refund-{refund.id}"},
            )
        except stripe.StripeError as exc:
            raise ProviderError(str(exc)) from exc
        return created.id


def expire_session(payment: Payment) -> None:
    """Give up an open checkout (member chose another way to pay)."""
    if not payment.checkout_session_id:
        close_payment(payment.id, "expired")
        return
    try:
        stripe_client().v1.checkout.sessions.expire(
            payment.checkout_session_id, options={"idempotency_key": f"{payment.idempotency_key}-expire"},
        )
    except stripe.InvalidRequestError:
        pass  # already complete or expired: the re-read below decides
    except stripe.StripeError as exc:
        raise ProviderError(str(exc)) from exc
    sync_session(payment.checkout_session_id)


def payment_for_session(session_id: str) -> Payment | None:
    from sqlalchemy import select

    return db.session.scalars(select(Payment).where(Payment.checkout_session_id == session_id)).first()


def sync_session(session_id: str, event_type: str | None = None) -> Payment | None:
    """Re-read a Checkout Session from Stripe and move our payment forward to match.

    Shared by the webhook and the return page: paid → fulfil (once); expired
    → expired (seat freed); an async payment that failed → failed. Anything
    else leaves the payment pending. Raises ``ProviderError`` if Stripe cannot
    be read (the webhook then answers 5xx so Stripe retries).
    """
    try:
        session = stripe_client().v1.checkout.sessions.retrieve(session_id)
    except stripe.StripeError as exc:
        raise ProviderError(str(exc)) from exc
    payment = payment_for_session(session.id)
    if payment is None:
        log.info("stripe session without payment", extra={"session_id": session.id})
        return None
    if session.status == "complete" and session.payment_status in ("paid", "no_payment_required"):
        if session.amount_total != payment.amount_minor or (session.currency or "").upper() != payment.currency:
            log.error("stripe amount mismatch", extra={"payment_id": payment.id, "session_id": session.id})
            raise ProviderError("amount mismatch")
        intent = session.payment_intent
        intent_id = intent if isinstance(intent, str) or intent is None else intent.id
        confirm_payment(payment.id, payment_intent_id=intent_id)
    elif session.status == "expired":
        close_payment(payment.id, "expired")
    elif event_type == "checkout.session.async_payment_failed" and session.payment_status == "unpaid":
        close_payment(payment.id, "failed")
    db.session.refresh(payment)
    return payment
