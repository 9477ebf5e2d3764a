"""Invoices: gap-free sequential numbers per seller, frozen seller/buyer details.

A number is taken from the seller's counter row with one conditional
``UPDATE invoice_counter SET next_number = next_number + 1 … RETURNING`` in
the same transaction that inserts the invoice: concurrent issuers queue on
the row lock (PostgreSQL) or the write lock (SQLite), and a rolled-back
transaction rolls its number back too — no gaps, no duplicates.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from billing.fees import billing_settings
from billing.models import GroupBilling, Invoice, InvoiceCounter, Payment, PaymentSeat
from extensions import db
from groups.models import Group


def insert_ignore(model: Any, values: dict[str, Any], conflict_columns: list[str]) -> bool:
    """INSERT a row unless one with the same unique key exists; True if inserted."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt: Any = pg_insert(model).values(**values).on_conflict_do_nothing(index_elements=conflict_columns)
    elif dialect == "sqlite":
        stmt = sqlite_insert(model).values(**values).on_conflict_do_nothing(index_elements=conflict_columns)
    else:  # pragma: no cover - NQ runs on SQLite and PostgreSQL only
        stmt = insert(model).values(**values)
    result = db.session.execute(stmt)
    return bool(getattr(result, "rowcount", 0))


def format_number(group_id: int, sequence: int) -> str:
    return f"NQ{group_id}-{sequence:05d}"


def allocate_sequence(group_id: int) -> int:
    """Take the seller's next invoice sequence inside the current transaction."""
    insert_ignore(InvoiceCounter, {"group_id": group_id, "next_number": 1}, ["group_id"])
    taken = db.session.execute(
        update(InvoiceCounter)
        .where(InvoiceCounter.group_id == group_id)
        .values(next_number=InvoiceCounter.next_number + 1)
        .returning(InvoiceCounter.next_number)
    ).scalar_one()
    return int(taken) - 1


def seller_snapshot(group: Group, settings: GroupBilling) -> dict[str, Any]:
    return {
        "name": settings.legal_name or group.name,
        "cvr": settings.cvr,
        "address": settings.address,
        "email": settings.email,
        "bank_account": settings.bank_account,
        "iban": settings.iban,
    }


def buyer_snapshot(payment: Payment) -> dict[str, Any]:
    if payment.payer_kind == "company":
        return {
            "name": payment.company_name, "vat": payment.company_vat,
            "email": payment.company_email or payment.payer_email, "address": payment.company_address,
            "contact": payment.payer_name, "po_reference": payment.po_reference, "ean": payment.company_ean,
        }
    return {
        "name": payment.payer_name, "vat": "", "email": payment.payer_email,
        "address": "", "contact": "", "po_reference": payment.po_reference,
    }


def issue_invoice(payment: Payment, group: Group, seats: list[PaymentSeat], today: date) -> Invoice:
    """Issue the invoice of ``payment`` with the next number (flushes, never commits)."""
    # The counter UPDATE comes first: on SQLite it takes the write lock before any read.
    sequence = allocate_sequence(group.id)
    settings = billing_settings(group, db.session.get(GroupBilling, group.id))
    unit_net = payment.unit_minor - (payment.vat_minor // max(payment.seat_count, 1))
    lines = [
        {
            "description": f"{group.name} {payment.season_start.isoformat()} – {payment.season_end.isoformat()}",
            "member": seat.member_name,
            "net_minor": unit_net,
        }
        for seat in seats
    ]
    invoice = Invoice(
        number=format_number(group.id, sequence),
        group_id=group.id,
        sequence=sequence,
        payment_id=payment.id,
        due_date=today + timedelta(days=settings.payment_terms_days),
        seller=seller_snapshot(group, settings),
        buyer=buyer_snapshot(payment),
        lines=lines,
        net_minor=payment.amount_minor - payment.vat_minor,
        vat_minor=payment.vat_minor,
        total_minor=payment.amount_minor,
        currency=payment.currency,
    )
    db.session.add(invoice)
    db.session.flush()
    return invoice


def invoice_by_number(number: str) -> Invoice | None:
    return db.session.scalars(select(Invoice).where(Invoice.number == number)).first()
