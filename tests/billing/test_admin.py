"""Host payment pages: permissions, mark paid, refunds, waivers, totals, CSV, billing settings."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from billing.models import GroupBilling, Invoice, Payment, Refund
from common.audit import AuditEntry
from groups.models import Membership
from tests.billing.conftest import pay_form
from tests.conftest import csrf_token


def _invoice_payment(client, auth, group, member, **form):
    auth.login(member)
    token = csrf_token(client, f"/groups/{group.slug}/pay")
    client.post(f"/groups/{group.slug}/pay", data={**pay_form(provider="invoice", **form), "csrf_token": token})
    auth.logout()


def _post(client, path, data=None, token_path=None):
    token = csrf_token(client, token_path or path.rsplit("/", 2)[0])
    return client.post(path, data={**(data or {}), "csrf_token": token})


@pytest.fixture
def setup(client, auth, season_group, make_member, make_user, db):
    group, host = season_group()
    other_group, other_host = season_group()
    member = make_member(group, status="approved")
    _invoice_payment(client, auth, group, member)
    payment = db.session.scalars(select(Payment)).one()
    return {"group": group, "host": host, "member": member, "payment": payment, "other_host": other_host,
            "outsider": make_user(), "plain_member": make_member(group, status="active")}


PAGES = [
    ("get", "/groups/{slug}/admin/payments"),
    ("get", "/groups/{slug}/admin/payments.csv"),
    ("get", "/groups/{slug}/admin/payments/{pid}"),
    ("get", "/groups/{slug}/admin/billing"),
    ("post", "/groups/{slug}/admin/billing"),
    ("post", "/groups/{slug}/admin/payments/{pid}/mark-paid"),
    ("post", "/groups/{slug}/admin/payments/{pid}/refund"),
    ("post", "/groups/{slug}/admin/payments/waive/{mid}"),
]


@pytest.mark.parametrize("who,expected", [
    ("anonymous", 302), ("outsider", 403), ("plain_member", 403), ("payer", 403), ("other_host", 403),
    ("host", 200),
])
@pytest.mark.parametrize("method,path", PAGES)
def test_permission_matrix(who, expected, method, path, client, auth, setup, db, app):
    group, payment = setup["group"], setup["payment"]
    mid = db.session.scalars(select(Membership.id).where(Membership.user_id == setup["plain_member"].id)).one()
    url = path.format(slug=group.slug, pid=payment.id, mid=mid)
    users = {"outsider": setup["outsider"], "plain_member": setup["plain_member"], "payer": setup["member"],
             "other_host": setup["other_host"], "host": setup["host"]}
    if who != "anonymous":
        auth.login(users[who])
    if method == "get":
        response = client.get(url)
    else:
        app.config["WTF_CSRF_ENABLED"] = False
        try:
            response = client.post(url, data={})
        finally:
            app.config["WTF_CSRF_ENABLED"] = True
    if who == "host":
        assert response.status_code in (200, 302, 422)  # an empty form is refused next to its fields
    else:
        assert response.status_code == expected
    if who != "host":
        db.session.refresh(payment)
        assert payment.status == "pending" and payment.refunded_minor == 0
        assert db.session.scalar(select(func.count(GroupBilling.group_id))) == 0


def test_host_marks_invoice_paid_once(client, auth, setup, db):
    group, payment = setup["group"], setup["payment"]
    auth.login(setup["host"])
    page = client.get(f"/groups/{group.slug}/admin/payments").get_data(as_text=True)
    number = db.session.scalars(select(Invoice.number)).one()
    assert "Outstanding invoices" in page and number in page
    url = f"/groups/{group.slug}/admin/payments/{payment.id}/mark-paid"
    token = csrf_token(client, f"/groups/{group.slug}/admin/payments")
    assert client.post(url, data={"csrf_token": token}).status_code == 302
    assert client.post(url, data={"csrf_token": token}).status_code == 302
    db.session.refresh(payment)
    assert payment.status == "paid"
    ms = db.session.scalars(select(Membership).where(Membership.user_id == setup["member"].id)).one()
    assert ms.status == "active" and ms.paid_through == payment.season_end
    actions = list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.action == "payment.mark_paid")))
    assert actions == ["payment.mark_paid"]


def test_partial_then_full_refund_bookkeeping(client, auth, setup, make_member, db):
    group, payment = setup["group"], setup["payment"]
    second_member = make_member(group, status="approved")
    _invoice_payment(client, auth, group, second_member)
    other = db.session.scalars(select(Payment).where(Payment.id != payment.id)).one()
    auth.login(setup["host"])
    token = csrf_token(client, f"/groups/{group.slug}/admin/payments")
    for p in (payment, other):
        client.post(f"/groups/{group.slug}/admin/payments/{p.id}/mark-paid", data={"csrf_token": token})
    refund_url = f"/groups/{group.slug}/admin/payments/{payment.id}/refund"
    assert client.post(refund_url, data={"csrf_token": token, "amount": "2500.00"}).status_code == 302
    db.session.refresh(payment)
    assert payment.status == "partially_refunded" and payment.refunded_minor == 250_000
    # more than what is left → refused, nothing changes
    client.post(refund_url, data={"csrf_token": token, "amount": "9000"})
    db.session.refresh(payment)
    assert payment.refunded_minor == 250_000
    assert client.post(refund_url, data={"csrf_token": token, "amount": "7500"}).status_code == 302
    db.session.refresh(payment)
    db.session.refresh(other)
    assert payment.status == "refunded" and payment.refunded_minor == 1_000_000
    assert other.status == "paid" and other.refunded_minor == 0  # never touches another payment
    assert [r.amount_minor for r in db.session.scalars(select(Refund).order_by(Refund.id))] == [250_000, 750_000]
    assert all(r.payment_id == payment.id for r in db.session.scalars(select(Refund)))
    # a negative or garbage amount is a form error, not a 500
    assert client.post(refund_url, data={"csrf_token": token, "amount": "-5"}).status_code == 302
    assert client.post(refund_url, data={"csrf_token": token, "amount": "abc"}).status_code == 302


def _card_payment_then_host(client, auth, season_group, make_member, fake_stripe, post_event, db):
    """A member pays by card through the fake Stripe; the host is then signed in."""
    group, host = season_group()
    member = make_member(group, status="approved")
    auth.login(member)
    token = csrf_token(client, f"/groups/{group.slug}/pay")
    session_id = client.post(f"/groups/{group.slug}/pay",
                             data={**pay_form(), "csrf_token": token}).headers["Location"].rsplit("/", 1)[1]
    post_event(fake_stripe.complete(session_id))
    payment = db.session.scalars(select(Payment)).one()
    auth.logout()
    auth.login(host)
    return group, payment, session_id


def test_stripe_refund_goes_through_provider(client, auth, season_group, make_member, fake_stripe,
                                             post_event, db):
    group, payment, session_id = _card_payment_then_host(
        client, auth, season_group, make_member, fake_stripe, post_event, db)
    token = csrf_token(client, f"/groups/{group.slug}/admin/payments/{payment.id}")
    url = f"/groups/{group.slug}/admin/payments/{payment.id}/refund"
    assert client.post(url, data={"csrf_token": token, "amount": "1000"}).status_code == 302
    (params,) = fake_stripe.calls("POST", "/v1/refunds")
    assert params["payment_intent"] == fake_stripe.sessions[session_id]["payment_intent"]
    assert params["amount"] == "100000"
    refund = db.session.scalars(select(Refund)).one()
    assert refund.provider_refund_id and refund.provider_refund_id.startswith("re_")
    # Stripe's charge.refunded for our own refund books nothing twice
    event = fake_stripe.events[-1]
    assert event["type"] == "charge.refunded"
    assert post_event(event).status_code == 200
    assert db.session.scalar(select(func.count(Refund.id))) == 1
    db.session.refresh(payment)
    assert payment.refunded_minor == 100_000 and payment.status == "partially_refunded"


def test_stripe_refusal_leaves_no_refund(client, auth, season_group, make_member, fake_stripe, post_event, db):
    group, payment, session_id = _card_payment_then_host(
        client, auth, season_group, make_member, fake_stripe, post_event, db)
    token = csrf_token(client, f"/groups/{group.slug}/admin/payments/{payment.id}")
    fake_stripe.fail_next = 5
    client.post(f"/groups/{group.slug}/admin/payments/{payment.id}/refund", data={"csrf_token": token, "amount": "10"})
    db.session.refresh(payment)
    assert payment.refunded_minor == 0 and payment.status == "paid"
    assert db.session.scalar(select(func.count(Refund.id))) == 0


def test_waive_is_audited_and_activates(client, auth, season_group, make_member, db):
    group, host = season_group()
    member = make_member(group, status="approved")
    ms = db.session.scalars(select(Membership).where(Membership.user_id == member.id)).one()
    auth.login(host)
    token = csrf_token(client, f"/groups/{group.slug}/admin/payments")
    url = f"/groups/{group.slug}/admin/payments/waive/{ms.id}"
    assert client.post(url, data={"csrf_token": token}).status_code == 302
    assert client.post(url, data={"csrf_token": token}).status_code == 302  # second: refused politely
    payments = list(db.session.scalars(select(Payment)))
    assert [(p.status, p.amount_minor) for p in payments] == [("waived", 0)]
    db.session.refresh(ms)
    assert ms.status == "active"
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "payment.waive")) == 1


def test_totals_and_csv_escape_formulas(client, auth, season_group, make_member, db):
    group, host = season_group()
    member = make_member(group, status="approved", name="=HYPERLINK(\"http://x\")")
    _invoice_payment(client, auth, group, member, payer_kind="company", company_name="+Evil Corp",
                     company_email="a@b.dk", po_reference="@PO")
    auth.login(host)
    page = client.get(f"/groups/{group.slug}/admin/payments").get_data(as_text=True)
    assert "10,000" in page  # outstanding total
    response = client.get(f"/groups/{group.slug}/admin/payments.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    header, row = rows[0], rows[1]
    record = dict(zip(header, row, strict=True))
    assert record["members"].startswith("'=") and record["company"] == "'+Evil Corp"
    assert record["po_reference"] == "'@PO" and record["amount"] == "10000.00"
    assert record["invoice_number"] == db.session.scalars(select(Invoice.number)).one()


def test_billing_settings_saved_and_used_on_next_invoice(client, auth, season_group, make_member, db):
    group, host = season_group()
    auth.login(host)
    token = csrf_token(client, f"/groups/{group.slug}/admin/billing")
    bad = client.post(f"/groups/{group.slug}/admin/billing", data={
        "csrf_token": token, "legal_name": "", "payment_terms_days": "-1", "grace_days": "x"})
    assert bad.status_code == 422 and "field--invalid" in bad.get_data(as_text=True)
    assert db.session.get(GroupBilling, group.id) is None
    ok = client.post(f"/groups/{group.slug}/admin/billing", data={
        "csrf_token": token, "legal_name": "Netværk ApS", "cvr": "DK11223344", "address": "Gade 1",
        "email": "kasse@netvaerk.dk", "bank_account": "1234 5678901234", "iban": "",
        "payment_terms_days": "30", "grace_days": "10", "included_text": "Dinner"})
    assert ok.status_code == 302
    settings = db.session.get(GroupBilling, group.id)
    assert settings.grace_days == 10 and settings.payment_terms_days == 30
    group.fee_includes_vat = True  # the group's settings say the fee includes VAT
    db.session.commit()
    auth.logout()
    member = make_member(group, status="approved")
    _invoice_payment(client, auth, group, member)
    invoice = db.session.scalars(select(Invoice)).one()
    assert invoice.seller["name"] == "Netværk ApS" and invoice.total_minor == 800_000
    assert invoice.vat_minor == 160_000  # 8000 incl. 25 % VAT → 1600 VAT
    assert (invoice.due_date - invoice.issued_at.date()).days == 30


class _QueryCounter:
    def __init__(self, engine) -> None:
        self.engine, self.count = engine, 0

    def _tick(self, *args) -> None:
        self.count += 1

    def __enter__(self):
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._tick)
        return self

    def __exit__(self, *exc) -> None:
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._tick)


def test_payment_pages_do_not_grow_queries_with_data(client, auth, season_group, make_member, db):
    """QUALITY 27: the host list, CSV and my-payments pages use a constant number of queries."""
    group, host = season_group()
    payer = make_member(group, status="approved")
    _invoice_payment(client, auth, group, payer)

    def measure() -> tuple[int, int]:
        auth.login(host)
        with _QueryCounter(db.engine) as admin_page:
            assert client.get(f"/groups/{group.slug}/admin/payments").status_code == 200
        with _QueryCounter(db.engine) as csv_page:
            assert client.get(f"/groups/{group.slug}/admin/payments.csv").status_code == 200
        auth.logout()
        return admin_page.count, csv_page.count

    small = measure()
    for _ in range(4):
        _invoice_payment(client, auth, group, make_member(group, status="approved"))
    assert measure() == small
