"""Payments as CSV, for a host's or a paying company's bookkeeping."""
from __future__ import annotations

from collections.abc import Iterable

from billing.models import Payment
from common.spreadsheet import amount, to_csv


def payments_csv(payments: Iterable[Payment], *, with_group: bool = False) -> str:
    """One row per payment (seats and invoice loaded); ``with_group``: the group and
    season first, for a list that spans groups."""
    head = ["group", "season_start", "season_end"] if with_group else []
    rows: list[list[object]] = [[
        *head, "payment_id", "created_at", "members", "payer", "payer_email", "payer_kind", "company", "cvr",
        "po_reference", "provider", "status", "currency", "amount", "vat", "refunded", "invoice_number", "paid_at",
        "disputed",
    ]]
    for p in payments:
        group = [p.group_name, p.season_start.isoformat(), p.season_end.isoformat()] if with_group else []
        rows.append([
            *group, p.id, p.created_at.isoformat(), "; ".join(s.member_name for s in p.seats), p.payer_name,
            p.payer_email, p.payer_kind, p.company_name, p.company_vat, p.po_reference, p.provider, p.status,
            p.currency, amount(p.amount_minor), amount(p.vat_minor), amount(p.refunded_minor),
            p.invoice.number if p.invoice else "", p.paid_at.isoformat() if p.paid_at else "",
            "yes" if p.disputed_at else "",
        ])
    return to_csv(rows)
