"""Member checkout: Stripe session parameters, double click, return page, expiry, invoice path."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select

from billing.models import Invoice, Payment, PaymentSeat
from groups.models import Membership
from tests.billing.conftest import current_test_season, pay_form
from tests.conftest import csrf_token, outbox_messages


def _membership(db, user, group) -> Membership:
    return db.session.scalars(select(Membership).where(Membership.user_id == user.id,
                                                       Membership.group_id == group.id)).one()


def _start_checkout(client, group, **form):
    token = csrf_token(client, f"/groups/{group.slug}/pay")
    return client.post(f"/groups/{group.slug}/pay", data={**pay_form(**form), "csrf_token": token})


def test_pay_page_shows_season_amount_and_vat(client, auth, season_group, make_member):
    group, _host = season_group()
    member = make_member(group, status="approved")
    auth.login(member)
    html = client.get(f"/groups/{group.slug}/pay").get_data(as_text=True)
    assert "Pay your membership" in html
    assert "8,000" in html and "2,000" in html and "10,000" in html  # net, 25 % VAT, total
    assert "Invoice (bank transfer)" in html
    assert "Card or MobilePay" not in html  # Stripe not configured → invoice only


def test_stripe_checkout_creates_one_session_with_expected_params(client, auth, season_group, make_member,
                                                                  fake_stripe, db):
    group, _host = season_group()
    member = make_member(group, status="approved")
    auth.login(member)
    response = _start_checkout(client, group)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"{fake_stripe.url}/checkout/cs_test_")
    payment = db.session.scalars(select(Payment)).one()
    assert payment.status == "pending" and payment.provider == "stripe"
    assert payment.amount_minor == 1_000_000 and payment.vat_minor == 200_000
    (params,) = fake_stripe.calls("POST", "/v1/checkout/sessions")
    assert params["mode"] == "payment"
    assert params["client_reference_id"] == str(payment.id)
    assert params["metadata"]["nq_payment_id"] == str(payment.id)
    assert params["customer_email"] == member.email
    assert params["line_items"][0]["price_data"]["unit_amount"] == "1000000"
    assert params["line_items"][0]["price_data"]["currency"] == "dkk"
    assert params["invoice_creation"]["enabled"] == "true"
    assert "{CHECKOUT_SESSION_ID}" in params["success_url"]
    assert "payment_method_types" not in params and "expires_at" in params
    assert "tax_id_collection" not in params  # a person, not a company


def test_company_checkout_collects_tax_id_and_covers_colleagues(client, auth, season_group, make_member,
                                                                make_user, fake_stripe, db):
    from members.models import Company

    group, _host = season_group()
    company = Company(name="Acme ApS", vat_number="DK12345678", billing_email="ap@acme.example")
    db.session.add(company)
    db.session.commit()
    payer = make_member(group, status="approved", company_id=company.id)
    colleague = make_member(group, status="approved", company_id=company.id)
    outsider = make_member(group, status="approved")
    auth.login(payer)
    html = client.get(f"/groups/{group.slug}/pay").get_data(as_text=True)
    assert colleague.name in html and outsider.name not in html
    colleague_ms = _membership(db, colleague, group)
    response = _start_checkout(client, group, payer_kind="company", company_name="Acme ApS",
                               company_vat="DK12345678", company_email="ap@acme.example",
                               po_reference="PO-77", colleagues=str(colleague_ms.id))
    assert response.status_code == 302
    payment = db.session.scalars(select(Payment)).one()
    assert payment.seat_count == 2 and payment.amount_minor == 2_000_000
    assert payment.payer_kind == "company" and payment.po_reference == "PO-77"
    (params,) = fake_stripe.calls("POST", "/v1/checkout/sessions")
    assert params["tax_id_collection"] == {"enabled": "true"}
    assert params["line_items"][0]["quantity"] == "2"
    assert params["customer_email"] == "ap@acme.example"


def test_outsider_cannot_be_added_as_colleague(client, auth, season_group, make_member, fake_stripe, db):
    group, _host = season_group()
    payer = make_member(group, status="approved")
    other = make_member(group, status="approved")
    auth.login(payer)
    response = _start_checkout(client, group, payer_kind="company", company_name="X", company_email="x@x.dk",
                               colleagues=str(_membership(db, other, group).id))
    assert response.status_code == 422  # form error: not a choice
    assert db.session.scalar(select(func.count(Payment.id))) == 0


def test_double_click_reuses_session_and_payment(client, auth, season_group, make_member, fake_stripe, db):
    group, _host = season_group()
    member = make_member(group, status="approved")
    auth.login(member)
    first = _start_checkout(client, group)
    second = _start_checkout(client, group)
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(select(func.count(Payment.id))) == 1
    assert len(fake_stripe.sessions) == 1


def test_stripe_outage_writes_nothing(client, auth, season_group, make_member, fake_stripe, db):
    group, _host = season_group()
    member = make_member(group, status="approved")
    auth.login(member)
    fake_stripe.fail_next = 5
    response = _start_checkout(client, group)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/groups/{group.slug}/pay")
    assert db.session.scalar(select(func.count(Payment.id))) == 0
    assert db.session.scalar(select(func.count(PaymentSeat.id))) == 0


def test_return_page_fulfils_before_webhook(client, auth, season_group, make_member, fake_stripe, db):
    group, _host = season_group()
    member = make_member(group, status="approved")
    auth.login(member)
    location = _start_checkout(client, group).headers["Location"]
    session_id = location.rsplit("/", 1)[1]
    fake_stripe.complete(session_id)  # paid on Stripe; webhook not delivered
    response = client.get(f"/groups/{group.slug}/pay/success?session_id={session_id}", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Paid — welcome aboard" in html
    ms = _membership(db, member, group)
    db.session.refresh(ms)
    assert ms.status == "active" and ms.paid_through == current_test_season()[1]
    assert len(outbox_messages(to=member.email)) == 1  # one receipt


def test_return_page_of_another_user_is_404(client, auth, season_group, make_member, fake_stripe, db):
    group, _host = season_group()
    payer = make_member(group, status="approved")
    other = make_member(group, status="approved")
    auth.login(payer)
    session_id = _start_checkout(client, group).headers["Location"].rsplit("/", 1)[1]
    fake_stripe.complete(session_id)
    auth.logout()
    auth.login(other)
    assert client.get(f"/groups/{group.slug}/pay/success?session_id={session_id}").status_code == 404
    assert db.session.scalars(select(Payment)).one().status == "pending"


def test_expired_checkout_frees_the_seat_and_member_can_retry(client, auth, season_group, make_member,
                                                              fake_stripe, post_event, db):
    group, _host = season_group()
    member = make_member(group, status="approved")
    auth.login(member)
    first = _start_checkout(client, group).headers["Location"].rsplit("/", 1)[1]
    event = fake_stripe.expire(first)
    assert post_event(event).status_code == 200
    old = db.session.scalars(select(Payment)).one()
    assert old.status == "expired"
    second = _start_checkout(client, group).headers["Location"].rsplit("/", 1)[1]
    assert second != first
    statuses = sorted(p.status for p in db.session.scalars(select(Payment)))
    assert statuses == ["expired", "pending"]


def test_pay_another_way_expires_stripe_session(client, auth, season_group, make_member, fake_stripe, db):
    group, _host = season_group()
    member = make_member(group, status="approved")
    auth.login(member)
    session_id = _start_checkout(client, group).headers["Location"].rsplit("/", 1)[1]
    payment = db.session.scalars(select(Payment)).one()
    token = csrf_token(client, f"/groups/{group.slug}/pay")
    response = client.post(f"/groups/{group.slug}/pay/{payment.id}/abandon", data={"csrf_token": token})
    assert response.status_code == 302
    assert fake_stripe.sessions[session_id]["status"] == "expired"
    db.session.refresh(payment)
    assert payment.status == "expired"
    response = _start_checkout(client, group, provider="invoice")
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(Invoice.id))) == 1


def test_invoice_checkout_issues_numbered_invoice_and_email(client, auth, season_group, make_member, db):
    group, _host = season_group()
    member = make_member(group, status="approved")
    auth.login(member)
    response = _start_checkout(client, group, provider="invoice", payer_kind="company",
                               company_name="Acme ApS", company_vat="DK1", company_email="ap@acme.example",
                               company_address="Street 1\n2100 København")
    assert response.status_code == 302
    payment = db.session.scalars(select(Payment)).one()
    invoice = db.session.scalars(select(Invoice)).one()
    assert invoice.payment_id == payment.id and invoice.sequence == 1
    assert invoice.number == f"NQ{group.id}-00001"
    assert invoice.total_minor == 1_000_000 and invoice.vat_minor == 200_000
    (message,) = outbox_messages(to="ap@acme.example")
    assert message.template == "invoice_issued"
    assert message.attachments[0]["filename"] == f"invoice-{invoice.number}.pdf"  # a real PDF, not HTML
    page = client.get(urlsplit(response.headers["Location"]).path, follow_redirects=True).get_data(as_text=True)
    assert "Invoice sent" in page
    html = client.get(f"/invoices/{invoice.number}").get_data(as_text=True)
    assert "Acme ApS" in html and "DK1" in html
    assert _membership(db, member, group).status == "approved"  # not active before paid


def test_invoice_page_access(client, auth, season_group, make_member, make_user, db):
    group, host = season_group()
    member = make_member(group, status="approved")
    stranger = make_user()
    auth.login(member)
    _start_checkout(client, group, provider="invoice")
    number = db.session.scalars(select(Invoice.number)).one()
    auth.logout()
    assert client.get(f"/invoices/{number}").status_code == 302  # login
    auth.login(stranger)
    assert client.get(f"/invoices/{number}").status_code == 403
    auth.logout()
    auth.login(host)
    assert client.get(f"/invoices/{number}").status_code == 200
    assert client.get("/invoices/NQ999-00001").status_code == 404


def test_nothing_to_pay_redirects(client, auth, season_group, make_member):
    group, host = season_group()
    auth.login(host)
    response = client.get(f"/groups/{group.slug}/pay")
    assert response.status_code == 302
    assert parse_qs(urlsplit(response.headers["Location"]).query) == {}


def test_my_payments_lists_payment_and_dashboard_card(client, auth, season_group, make_member, db):
    group, _host = season_group()
    member = make_member(group, status="approved")
    auth.login(member)
    html = client.get("/").get_data(as_text=True)  # members.dashboard
    assert f"/groups/{group.slug}/pay" in html
    _start_checkout(client, group, provider="invoice")
    html = client.get("/").get_data(as_text=True)
    assert "Membership fees" in html and "is in progress" in html
    html = client.get("/account/payments").get_data(as_text=True)
    assert group.name in html and "Pending" in html
