"""Payments as CSV, for a host's or a paying company's bookkeeping."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from billing.models import Payment

CSV_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A CSV cell that spreadsheets never evaluate as a formula (QUALITY 15)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(CSV_DANGEROUS) else text


def _amount(minor: int) -> str:
    """Minor units as an exact decimal amount ("1234.50")."""
    sign = "-" if minor < 0 else ""
    return f"{sign}{abs(minor) // 100}.{abs(minor) % 100:02d}"


def payments_csv(payments: Iterable[Payment], *, with_group: bool = False) -> str:
    """One row per payment (seats and invoice loaded); ``with_group``: the group and
    season first, for a list that spans groups."""
    out = io.StringIO()
    writer = csv.writer(out)
    head = ["group", "season_start", "season_end"] if with_group else []
    writer.writerow([*head, "payment_id", "created_at", "members", "payer", "payer_email", "payer_kind", "company",
                     "cvr", "po_reference", "provider", "status", "currency", "amount", "vat", "refunded",
                     "invoice_number", "paid_at", "disputed"])
    for p in payments:
        group = [p.group_name, p.season_start.isoformat(), p.season_end.isoformat()] if with_group else []
        writer.writerow([csv_cell(v) for v in (
            *group, p.id, p.created_at.isoformat(), "; ".join(s.member_name for s in p.seats), p.payer_name,
            p.payer_email, p.payer_kind, p.company_name, p.company_vat, p.po_reference, p.provider, p.status,
            p.currency, _amount(p.amount_minor), _amount(p.vat_minor), _amount(p.refunded_minor),
            p.invoice.number if p.invoice else "", p.paid_at.isoformat() if p.paid_at else "",
            "yes" if p.disputed_at else "",
        )])
    return out.getvalue()
