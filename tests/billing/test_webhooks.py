"""POST /webhooks/stripe: signatures, exactly-once, ordering, async methods, refunds, disputes, race."""
from __future__ import annotations

import json
import threading
import time

import pytest
from sqlalchemy import func, select

from billing.models import Payment, ProviderEvent, Refund
from groups.models import Membership
from tests.billing.conftest import pay_form
from tests.billing.fake_stripe import sign
from tests.conftest import csrf_token, outbox_messages


@pytest.fixture
def checkout(client, auth, season_group, make_member, fake_stripe, db):
    """An approved member with an open Stripe checkout: (group, member, session_id, payment)."""
    group, host = season_group()
    member = make_member(group, status="approved")
    auth.login(member)
    token = csrf_token(client, f"/groups/{group.slug}/pay")
    response = client.post(f"/groups/{group.slug}/pay", data={**pay_form(), "csrf_token": token})
    session_id = response.headers["Location"].rsplit("/", 1)[1]
    payment = db.session.scalars(select(Payment)).one()
    return {"group": group, "host": host, "member": member, "session_id": session_id, "payment": payment}


def _membership(db, checkout) -> Membership:
    ms = db.session.scalars(select(Membership).where(Membership.user_id == checkout["member"].id)).one()
    db.session.refresh(ms)
    return ms


def _status(db, payment) -> str:
    db.session.refresh(payment)
    return payment.status


# -- signature ------------------------------------------------------------

@pytest.mark.parametrize("case", ["missing", "wrong_secret", "too_old", "tampered", "garbage"])
def test_bad_signature_is_400_and_changes_nothing(case, checkout, fake_stripe, post_event, db):
    event = fake_stripe.complete(checkout["session_id"])
    payload = json.dumps(event)
    if case == "missing":
        response = post_event(event, signature="")
    elif case == "wrong_secret":
        response = post_event(event, secret="whsec_other")
    elif case == "too_old":
        response = post_event(event, timestamp=int(time.time()) - 3600)
    elif case == "tampered":
        header = sign(payload)
        response = post_event(event, signature=header, body=payload.replace("complete", "completf"))
    else:
        response = post_event(event, signature="t=abc,v1=zzz")
    assert response.status_code == 400
    assert _status(db, checkout["payment"]) == "pending"
    assert db.session.scalar(select(func.count(ProviderEvent.id))) == 0


def test_webhook_without_configured_secret_refuses(checkout, fake_stripe, post_event, app, monkeypatch, db):
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", None)
    event = fake_stripe.complete(checkout["session_id"])
    assert post_event(event).status_code == 404
    assert _status(db, checkout["payment"]) == "pending"


def test_webhook_needs_no_csrf_but_login_is_irrelevant(client, checkout, fake_stripe, post_event, auth, db):
    auth.logout()
    event = fake_stripe.complete(checkout["session_id"])
    assert post_event(event).status_code == 200
    assert _status(db, checkout["payment"]) == "paid"


# -- completion, duplicates, replays ---------------------------------------

def test_completed_event_fulfils_exactly_once(checkout, fake_stripe, post_event, db):
    event = fake_stripe.complete(checkout["session_id"])
    assert post_event(event).status_code == 200
    assert post_event(event).status_code == 200  # duplicate delivery
    replay = dict(event, id="evt_replayed_other_id")  # same content, new id: re-read decides
    assert post_event(replay).status_code == 200
    assert _status(db, checkout["payment"]) == "paid"
    ms = _membership(db, checkout)
    assert ms.status == "active" and ms.paid_through == checkout["payment"].season_end
    assert len(outbox_messages(to=checkout["member"].email)) == 1  # one receipt
    assert db.session.scalar(select(func.count(ProviderEvent.id))) == 2


def test_forged_event_content_is_not_trusted(checkout, fake_stripe, post_event, db):
    """A correctly signed event claiming 'paid' while Stripe says open changes nothing (re-read)."""
    session = dict(fake_stripe.sessions[checkout["session_id"]], status="complete", payment_status="paid")
    event = {"id": "evt_fake", "type": "checkout.session.completed", "data": {"object": session}}
    assert post_event(event).status_code == 200
    assert _status(db, checkout["payment"]) == "pending"


def test_ignored_event_type_is_200(checkout, post_event, db):
    event = {"id": "evt_x", "type": "customer.created", "data": {"object": {"id": "cus_1"}}}
    assert post_event(event).status_code == 200
    assert db.session.scalar(select(func.count(ProviderEvent.id))) == 0


def test_unknown_session_is_acknowledged(fake_stripe, post_event, db):
    event = {"id": "evt_y", "type": "checkout.session.completed", "data": {"object": {"id": "cs_test_nope"}}}
    # Stripe says 404 for the re-read → retry (5xx), nothing recorded.
    assert post_event(event).status_code == 503
    assert db.session.scalar(select(func.count(ProviderEvent.id))) == 0


def test_stripe_outage_during_reread_asks_for_retry(checkout, fake_stripe, post_event, db):
    event = fake_stripe.complete(checkout["session_id"])
    fake_stripe.fail_next = 10
    assert post_event(event).status_code == 503
    assert db.session.scalar(select(func.count(ProviderEvent.id))) == 0  # not marked seen
    fake_stripe.fail_next = 0
    assert post_event(event).status_code == 200  # Stripe's retry succeeds
    assert _status(db, checkout["payment"]) == "paid"


# -- ordering and async methods ----------------------------------------------

def test_out_of_order_expired_after_completed_never_moves_back(checkout, fake_stripe, post_event, db):
    completed = fake_stripe.complete(checkout["session_id"])
    stale_expired = {"id": "evt_stale", "type": "checkout.session.expired",
                     "data": {"object": {"id": checkout["session_id"]}}}
    assert post_event(completed).status_code == 200
    assert post_event(stale_expired).status_code == 200
    assert _status(db, checkout["payment"]) == "paid"


def test_late_completed_after_stale_expired(checkout, fake_stripe, post_event, db):
    """Expired arrives first but Stripe says complete: the re-read fulfils."""
    completed = fake_stripe.complete(checkout["session_id"])
    stale_expired = {"id": "evt_stale2", "type": "checkout.session.expired",
                     "data": {"object": {"id": checkout["session_id"]}}}
    assert post_event(stale_expired).status_code == 200
    assert _status(db, checkout["payment"]) == "paid"
    assert post_event(completed).status_code == 200
    assert _status(db, checkout["payment"]) == "paid"


def test_async_payment_stays_pending_then_succeeds(checkout, fake_stripe, post_event, db):
    completed = fake_stripe.complete(checkout["session_id"], asynchronous=True)
    assert post_event(completed).status_code == 200
    assert _status(db, checkout["payment"]) == "pending"
    assert _membership(db, checkout).status == "approved"
    succeeded = fake_stripe.async_result(checkout["session_id"], succeeded=True)
    assert post_event(succeeded).status_code == 200
    assert _status(db, checkout["payment"]) == "paid"
    assert _membership(db, checkout).status == "active"


def test_async_payment_failed_frees_seat(checkout, fake_stripe, post_event, db):
    post_event(fake_stripe.complete(checkout["session_id"], asynchronous=True))
    failed = fake_stripe.async_result(checkout["session_id"], succeeded=False)
    assert post_event(failed).status_code == 200
    assert _status(db, checkout["payment"]) == "failed"
    assert _membership(db, checkout).status == "approved"
    # a late "succeeded" for an old event cannot resurrect it: Stripe says unpaid
    late = {"id": "evt_late", "type": "checkout.session.async_payment_succeeded",
            "data": {"object": {"id": checkout["session_id"]}}}
    assert post_event(late).status_code == 200
    assert _status(db, checkout["payment"]) == "failed"


def test_expired_event_expires_pending_payment(checkout, fake_stripe, post_event, db):
    assert post_event(fake_stripe.expire(checkout["session_id"])).status_code == 200
    assert _status(db, checkout["payment"]) == "expired"
    assert _membership(db, checkout).status == "approved"


# -- refunds and disputes ------------------------------------------------------

def test_dashboard_refund_is_booked_once(checkout, fake_stripe, post_event, db):
    post_event(fake_stripe.complete(checkout["session_id"]))
    payment = checkout["payment"]
    db.session.refresh(payment)
    event = fake_stripe.dashboard_refund(payment.payment_intent_id, 300_000)
    assert post_event(event).status_code == 200
    assert post_event(event).status_code == 200
    db.session.refresh(payment)
    assert payment.status == "partially_refunded" and payment.refunded_minor == 300_000
    assert db.session.scalar(select(func.count(Refund.id))) == 1


def test_dispute_flags_payment_and_emails_host(checkout, fake_stripe, post_event, db):
    post_event(fake_stripe.complete(checkout["session_id"]))
    payment = checkout["payment"]
    db.session.refresh(payment)
    event = fake_stripe.dispute(payment.payment_intent_id)
    assert post_event(event).status_code == 200
    db.session.refresh(payment)
    assert payment.disputed_at is not None and payment.dispute_reason == "fraudulent"
    assert [m.template for m in outbox_messages(to=checkout["host"].email)] == ["payment_dispute"]


# -- the race ----------------------------------------------------------------------

def test_return_page_and_webhook_race_fulfil_once(app, checkout, fake_stripe, db):
    """Two threads (webhook + return page) confirm the same payment: one fulfilment."""
    from tests.conftest import PASSWORD

    slug, email, session_id = checkout["group"].slug, checkout["member"].email, checkout["session_id"]
    event = fake_stripe.complete(session_id)
    payload = json.dumps(event)
    db.session.commit()
    db.session.remove()
    results: dict[str, int] = {}
    barrier = threading.Barrier(2)

    def webhook() -> None:
        with app.app_context():
            c = app.test_client()
            barrier.wait()
            results["webhook"] = c.post("/webhooks/stripe", data=payload, content_type="application/json",
                                        headers={"Stripe-Signature": sign(payload)}).status_code

    def return_page() -> None:
        with app.app_context():
            c = app.test_client()
            c.post("/login", data={"email": email, "password": PASSWORD,
                                   "csrf_token": csrf_token(c, "/login")})
            barrier.wait()
            results["return"] = c.get(f"/groups/{slug}/pay/success?session_id={session_id}").status_code

    threads = [threading.Thread(target=webhook), threading.Thread(target=return_page)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results.get("return") == 302
    payment = db.session.scalars(select(Payment)).one()
    assert payment.status == "paid"
    if results.get("webhook") != 200:  # lost the lock race: Stripe would retry
        assert results.get("webhook") in (500, 503)
    receipts = [m for m in outbox_messages(to=email) if m.template == "payment_receipt"]
    assert len(receipts) == 1


def test_lost_expiry_webhook_is_reconciled_by_tick(checkout, fake_stripe, db):
    """The expired webhook never arrives: flask tick re-reads the session and frees the seat."""
    from datetime import timedelta

    from billing.reconcile import reconcile_stale_checkouts
    from common.db import utcnow

    fake_stripe.expire(checkout["session_id"])  # no delivery
    assert reconcile_stale_checkouts(utcnow()) == 0  # not stale yet: nothing re-read
    assert fake_stripe.calls("GET", "/v1/checkout/sessions") == []
    later = utcnow() + timedelta(hours=2)
    assert reconcile_stale_checkouts(later) == 1
    db.session.commit()
    assert _status(db, checkout["payment"]) == "expired"
    assert reconcile_stale_checkouts(later) == 0


def test_lost_completion_webhook_is_reconciled_by_tick(checkout, fake_stripe, db):
    from datetime import timedelta

    from billing.reconcile import reconcile_stale_checkouts
    from common.db import utcnow

    fake_stripe.complete(checkout["session_id"])
    assert reconcile_stale_checkouts(utcnow() + timedelta(hours=2)) == 1
    assert _status(db, checkout["payment"]) == "paid"
    assert _membership(db, checkout).status == "active"


def test_amount_mismatch_is_not_fulfilled(checkout, fake_stripe, post_event, db):
    """Stripe says paid, but not our amount: never activate; ask Stripe to retry (5xx) and log."""
    fake_stripe.sessions[checkout["session_id"]]["amount_total"] = 100
    event = fake_stripe.complete(checkout["session_id"])
    assert post_event(event).status_code == 503
    assert _status(db, checkout["payment"]) == "pending"
    assert _membership(db, checkout).status == "approved"


def test_concurrent_duplicate_deliveries_record_once(app, checkout, fake_stripe, db):
    """The same event delivered twice at the same moment: one effect, one event row."""
    event = fake_stripe.complete(checkout["session_id"])
    payload = json.dumps(event)
    email = checkout["member"].email
    db.session.commit()
    db.session.remove()
    codes: list[int] = []
    barrier = threading.Barrier(2)

    def deliver() -> None:
        with app.app_context():
            c = app.test_client()
            barrier.wait()
            codes.append(c.post("/webhooks/stripe", data=payload, content_type="application/json",
                                headers={"Stripe-Signature": sign(payload)}).status_code)

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert 200 in codes and all(code in (200, 500, 503) for code in codes)
    assert db.session.scalar(select(func.count(ProviderEvent.id))) == 1
    assert db.session.scalars(select(Payment)).one().status == "paid"
    assert len([m for m in outbox_messages(to=email) if m.template == "payment_receipt"]) == 1
