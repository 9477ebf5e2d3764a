"""Payment providers behind one interface (see ``base.PaymentProvider``)."""
from __future__ import annotations

from flask import current_app

from billing.providers.base import PaymentProvider


def stripe_configured() -> bool:
    return bool(current_app.config.get("STRIPE_SECRET_KEY"))


def available_providers() -> list[str]:
    """Stripe first when configured; the invoice provider is always available."""
    return (["stripe"] if stripe_configured() else []) + ["invoice"]


def get_provider(name: str) -> PaymentProvider:
    if name == "stripe" and stripe_configured():
        from billing.providers.stripe import StripeProvider

        return StripeProvider()
    if name == "invoice":
        from billing.providers.invoice import InvoiceProvider

        return InvoiceProvider()
    raise LookupError(name)
