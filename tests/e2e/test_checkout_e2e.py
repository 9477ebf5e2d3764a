"""Checkout end to end in Chromium: Stripe (fake hosted page + signed webhook), invoice, refund."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from billing.models import Payment, Refund
from groups.models import Membership
from tests.billing.conftest import current_test_season
from tests.billing.fake_stripe import SECRET_KEY, WEBHOOK_SECRET, FakeStripe
from tests.e2e.conftest import assert_no_serious_axe_violations, login


@pytest.fixture
def fake_stripe(app, live_server, monkeypatch) -> Iterator[FakeStripe]:
    server = FakeStripe().start()
    server.webhook_url = f"{live_server.url}/webhooks/stripe"
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", SECRET_KEY)
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", server.url)
    yield server
    server.stop()


@pytest.fixture
def group_with_applicants(db, make_group, make_user, make_member):
    start, end = current_test_season()
    host = make_user(email="host-e2e@example.com", name="Hanne Host")
    group = make_group(host=host, name="Copenhagen Growth Circle", slug="cgc-e2e",
                       season_start=start, season_end=end)
    card_payer = make_member(group, status="approved", email="member13-e2e@example.com", name="Oliver Thomsen")
    invoice_payer = make_member(group, status="approved", email="member14-e2e@example.com", name="Ida Invoice")
    return group, host, card_payer, invoice_payer


def _status(db, user) -> Membership:
    db.session.expire_all()
    return db.session.scalars(select(Membership).where(Membership.user_id == user.id)).one()


def test_member_pays_by_card_host_refunds(page, db, fake_stripe, group_with_applicants):
    group, host, member, _other = group_with_applicants
    login(page, member.email)
    page.goto(f"/groups/{group.slug}/pay")
    assert "Pay your membership" in page.inner_text("h1")
    assert_no_serious_axe_violations(page)
    page.check("input[name=provider][value=stripe]")
    page.click("button[type=submit]:has-text('Continue')")
    page.wait_for_url(f"{fake_stripe.url}/checkout/**")
    assert "10,000.00 DKK" in page.inner_text("#amount")
    page.click("#pay")
    page.wait_for_url("**/payments/*")
    assert "Paid — welcome aboard" in page.inner_text("main")
    assert_no_serious_axe_violations(page)
    assert _status(db, member).status == "active"
    payment = db.session.scalars(select(Payment)).one()
    assert payment.status == "paid" and payment.payment_intent_id
    assert [e["type"] for e in fake_stripe.events] == ["checkout.session.completed"]
    assert fake_stripe.wait_for_deliveries() == [("checkout.session.completed", 200)]  # signed webhook accepted

    page.goto("/account/payments")
    assert "Paid" in page.inner_text("main")

    # the host refunds part of it through Stripe
    page.context.clear_cookies()
    login(page, host.email)
    page.goto(f"/groups/{group.slug}/admin/payments/{payment.id}")
    page.fill("input[name=amount]", "2500")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Refund through Stripe')")
    page.wait_for_load_state()
    assert "Refund recorded" in page.inner_text("main")
    db.session.expire_all()
    refund = db.session.scalars(select(Refund)).one()
    assert refund.amount_minor == 250_000 and refund.provider_refund_id
    assert db.session.get(Payment, payment.id).status == "partially_refunded"
    assert fake_stripe.wait_for_deliveries()[-1] == ("charge.refunded", 200)
    db.session.expire_all()
    assert db.session.scalars(select(Refund)).one().amount_minor == 250_000  # not booked twice


def test_member_pays_by_invoice_host_marks_paid(page, db, group_with_applicants):
    group, host, _card, member = group_with_applicants
    login(page, member.email)
    page.goto(f"/groups/{group.slug}/pay")
    page.check("input[name=payer_kind][value=company]")
    page.fill("input[name=company_name]", "Acme ApS")
    page.fill("input[name=company_vat]", "DK12345678")
    page.fill("input[name=company_email]", "ap@acme.example")
    page.fill("input[name=po_reference]", "PO-42")
    page.click("button[type=submit]:has-text('Continue')")
    page.wait_for_url("**/payments/*")
    assert "Invoice sent" in page.inner_text("main")
    page.click("a:has-text('View invoice')")
    assert "Acme ApS" in page.inner_text("main") and "PO-42" in page.inner_text("main")
    assert_no_serious_axe_violations(page)
    assert _status(db, member).status == "approved"

    page.context.clear_cookies()
    login(page, host.email)
    page.goto(f"/groups/{group.slug}/admin/payments")
    assert "Outstanding invoices" in page.inner_text("main")
    assert_no_serious_axe_violations(page)
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Mark paid')")
    page.wait_for_load_state()
    assert "Marked as paid" in page.inner_text("main")
    assert _status(db, member).status == "active"
