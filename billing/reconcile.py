"""Safety net run by ``flask tick``: re-read stale open Stripe checkouts.

Stripe's ``checkout.session.expired`` webhook normally closes an abandoned
checkout; if that delivery is lost, this task re-reads each pending Stripe
payment whose session should have expired and applies what Stripe says
(the same idempotent ``sync_session`` as the webhook and the return page),
so no payment stays pending for ever.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from billing.models import Payment
from billing.providers.base import ProviderError
from billing.providers.stripe import sync_session
from common.tick import tick_task
from extensions import db

log = logging.getLogger(__name__)
GRACE = timedelta(minutes=10)
BATCH = 50


@tick_task
def reconcile_stale_checkouts(now: datetime) -> int:
    """Re-read pending Stripe payments past their expiry; returns how many changed state."""
    if not current_app.config.get("STRIPE_SECRET_KEY"):
        return 0
    stale = list(db.session.scalars(
        select(Payment).where(
            Payment.provider == "stripe", Payment.status == "pending",
            Payment.checkout_session_id.is_not(None), Payment.expires_at < now - GRACE,
        ).order_by(Payment.id).limit(BATCH)
    ))
    changed = 0
    for payment in stale:
        session_id = payment.checkout_session_id
        assert session_id is not None
        try:
            sync_session(session_id)
        except ProviderError:
            log.warning("stripe reconcile failed", extra={"payment_id": payment.id})
            continue
        changed += payment.status != "pending"
    return changed
