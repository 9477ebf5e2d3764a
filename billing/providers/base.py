"""The provider interface: ``prepare`` writes our rows and never moves money;
``start`` hands the member to wherever they pay (a redirect URL); ``refund``
returns money through the provider.
"""
from __future__ import annotations

from abc import ABC, abstractmethod

from billing.models import Payment, Refund
from billing.services import CheckoutRequest, create_payment


class ProviderError(Exception):
    """The provider could not be reached or refused; nothing was committed."""


class PaymentProvider(ABC):
    name: str

    def prepare(self, req: CheckoutRequest) -> Payment:
        """Create our pending payment and seat holds (flush, no commit, no money)."""
        return create_payment(req, provider=self.name)

    @abstractmethod
    def start(self, payment: Payment) -> str:
        """Where to send the member next (the hosted checkout, or the invoice)."""

    @abstractmethod
    def resume(self, payment: Payment) -> str | None:
        """Where to continue an open payment, or None if it can no longer be paid."""

    @abstractmethod
    def refund(self, payment: Payment, refund: Refund) -> str | None:
        """Return ``refund.amount_minor`` through the provider; the provider's refund id."""
