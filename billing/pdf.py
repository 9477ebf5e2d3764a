"""Invoices as PDF (WeasyPrint): the printable invoice document, rendered standalone."""
from __future__ import annotations

import base64

from flask import render_template

from billing.models import Invoice, Payment


def invoice_pdf(invoice: Invoice, payment: Payment) -> bytes:
    """The invoice as a PDF, from the same template as its page."""
    from weasyprint import HTML  # imported when used: it loads Pango

    html = render_template("billing/invoice_document.html", invoice=invoice, payment=payment,
                           standalone=True, pdf=True)
    return HTML(string=html).write_pdf()


def invoice_attachment(invoice: Invoice, payment: Payment) -> dict[str, str]:
    """An outbox attachment (base64, as the outbox stores text)."""
    return {"filename": f"invoice-{invoice.number}.pdf", "content_type": "application/pdf",
            "encoding": "base64", "content": base64.b64encode(invoice_pdf(invoice, payment)).decode()}
