"""A fake Stripe API for tests: a small local HTTP server in a thread.

Implements only what NQ calls — Checkout Sessions (create, retrieve,
expire), refunds (create), charges and disputes (retrieve) — and, like
Stripe, answers 400 to unknown parameters, honours ``Idempotency-Key`` (same
key + same body → the same response; same key + other body → 400) and checks
the secret key. It also serves a minimal hosted checkout page whose "Pay"
button completes the session, sends the signed webhook(s) and redirects to
the ``success_url``. Events are signed exactly like Stripe's:
``Stripe-Signature: t=<unix>,v1=HMAC-SHA256(secret, f"{t}.{body}")``.

The parts: wire.py (keys, ids, signatures, Stripe's form encoding),
account.py (``FakeStripe``: the account's state, events and the controls
tests use), server.py (the HTTP handler: authentication, outages,
idempotency, the hosted checkout page) and resources.py (the API endpoints).
"""
from tests.billing.fake_stripe.account import FakeStripe
from tests.billing.fake_stripe.wire import SECRET_KEY, WEBHOOK_SECRET, sign

__all__ = ["SECRET_KEY", "WEBHOOK_SECRET", "FakeStripe", "sign"]
