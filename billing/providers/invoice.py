"""Invoice provider: bank transfer against a numbered invoice; a host marks it paid."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from billing.invoices import issue_invoice
from billing.models import Payment, Refund
from billing.pdf import invoice_attachment
from billing.providers.base import PaymentProvider
from billing.services import CheckoutRequest, external_url, seats_of
from common.db import utcnow
from outbox.services import queue_email


class InvoiceProvider(PaymentProvider):
    name = "invoice"

    def prepare(self, req: CheckoutRequest) -> Payment:
        """Pending payment plus its invoice (next number), emailed to the billing address."""
        payment = super().prepare(req)
        invoice = issue_invoice(payment, req.group, seats_of(payment.id), utcnow().date())
        to = payment.company_email if payment.payer_kind == "company" and payment.company_email else payment.payer_email
        queue_email(
            to,
            _("Invoice %(number)s for %(group)s", number=invoice.number, group=payment.group_name),
            "invoice_issued",
            {
                "name": payment.payer_name, "number": invoice.number, "group": payment.group_name,
                "total_minor": invoice.total_minor, "currency": invoice.currency,
                "due_date": invoice.due_date.isoformat(), "bank_account": invoice.seller.get("bank_account", ""),
                "iban": invoice.seller.get("iban", ""),
                "url": external_url("billing.invoice", number=invoice.number),
            },
            dedupe_key=f"invoice-issued:{invoice.number}",
            attachments=[invoice_attachment(invoice, payment)],
        )
        return payment

    def start(self, payment: Payment) -> str:
        return url_for("billing.done", payment_id=payment.id)

    def resume(self, payment: Payment) -> str | None:
        return url_for("billing.done", payment_id=payment.id)

    def refund(self, payment: Payment, refund: Refund) -> str | None:
        """Money goes back by bank transfer outside NQ; only the bookkeeping is ours."""
        return None
