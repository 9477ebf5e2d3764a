"""Invoices as real PDFs: downloadable by who may see the invoice, and attached to its email."""
from __future__ import annotations

import base64
import io

from pypdf import PdfReader
from sqlalchemy import select

from billing.models import GroupBilling, Invoice
from outbox.sender import build_message
from tests.billing.test_admin import _invoice_payment
from tests.conftest import outbox_messages


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _invoiced(db, season_group, make_member):
    group, host = season_group()
    db.session.add(GroupBilling(group_id=group.id, legal_name="Netværk ApS", cvr="DK11223344",
                                address="Gade 1\n1000 København", bank_account="1234 5678901234"))
    member = make_member(group, status="approved", name="Ida Invoice")
    db.session.commit()
    return group, host, member


def test_the_invoice_downloads_as_a_pdf_with_the_seller_and_the_amounts(client, auth, db, season_group, make_member):
    group, host, member = _invoiced(db, season_group, make_member)
    _invoice_payment(client, auth, group, member)
    invoice = db.session.scalars(select(Invoice)).one()
    auth.login(member)
    page = client.get(f"/invoices/{invoice.number}").get_data(as_text=True)
    assert f'href="/invoices/{invoice.number}.pdf"' in page
    response = client.get(f"/invoices/{invoice.number}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    text = _text(response.data)
    for expected in (invoice.number, "Netværk ApS", "DK11223344", "1234 5678901234", "Ida Invoice", "10,000"):
        assert expected in text, expected


def test_someone_else_cannot_download_it(client, auth, db, season_group, make_member, make_user):
    group, _host, member = _invoiced(db, season_group, make_member)
    _invoice_payment(client, auth, group, member)
    invoice = db.session.scalars(select(Invoice)).one()
    auth.login(make_user(name="Olaf Outsider"))
    assert client.get(f"/invoices/{invoice.number}.pdf").status_code == 403
    assert client.get("/invoices/NQ9-99999.pdf").status_code == 404


def test_the_invoice_email_carries_the_pdf(client, auth, db, season_group, make_member, app):
    group, _host, member = _invoiced(db, season_group, make_member)
    _invoice_payment(client, auth, group, member)
    [message] = [m for m in outbox_messages() if m.template == "invoice_issued"]
    [attachment] = message.attachments
    assert attachment["content_type"] == "application/pdf" and attachment["filename"].endswith(".pdf")
    assert base64.b64decode(attachment["content"]).startswith(b"%PDF")
    with app.test_request_context():
        email = build_message(message)
    [part] = list(email.iter_attachments())
    assert part.get_content_type() == "application/pdf" and part.get_content().startswith(b"%PDF")


def test_a_public_buyer_gets_its_ean_number_on_the_invoice(client, auth, db, season_group, make_member):
    group, _host, member = _invoiced(db, season_group, make_member)
    company = {"payer_kind": "company", "company_name": "Region Hovedstaden", "company_vat": "DK29190623",
               "company_email": "faktura@regionh.example", "company_address": "Kongens Vænge 2", "po_reference": "PO-1"}
    auth.login(member)
    from tests.billing.conftest import pay_form
    from tests.conftest import csrf_token

    url = f"/groups/{group.slug}/pay"
    bad = client.post(url, data={**pay_form(provider="invoice", **company), "company_ean": "57980",
                                 "csrf_token": csrf_token(client, url)})
    assert bad.status_code == 422 and "An EAN number is 13 digits." in bad.get_data(as_text=True)
    assert db.session.scalars(select(Invoice)).first() is None  # nothing half-written
    auth.logout()
    _invoice_payment(client, auth, group, member, **company, company_ean="5798000000001")
    invoice = db.session.scalars(select(Invoice)).one()
    assert invoice.buyer["ean"] == "5798000000001"
    auth.login(member)
    assert "EAN 5798000000001" in client.get(f"/invoices/{invoice.number}").get_data(as_text=True)
    assert "EAN 5798000000001" in _text(client.get(f"/invoices/{invoice.number}.pdf").data)
