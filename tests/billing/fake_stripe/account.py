"""``FakeStripe``: the fake account's state (sessions, charges, refunds, disputes,
requests, events), its lifecycle, webhook delivery, and the changes that happen
"on Stripe's side" which tests trigger (payment, expiry, dashboard refunds, disputes)."""
from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from http.server import ThreadingHTTPServer
from typing import Any

from tests.billing.fake_stripe.server import handler_for
from tests.billing.fake_stripe.wire import new_id, sign


class FakeStripe:
    """The state of the fake account plus controls for tests."""

    def __init__(self) -> None:
        self.sessions: dict[str, dict[str, Any]] = {}
        self.charges: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.disputes: dict[str, dict[str, Any]] = {}
        self.idempotency: dict[str, tuple[str, int, bytes]] = {}
        self.requests: list[tuple[str, str, dict[str, Any]]] = []
        self.events: list[dict[str, Any]] = []
        self.webhook_url: str | None = None
        self.delivery_threads: list[threading.Thread] = []
        self.deliveries: list[tuple[str, int]] = []
        self.fail_next: int = 0  # answer the next N API calls with 500
        self.lock = threading.RLock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(self))
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # lifecycle ---------------------------------------------------------
    def start(self) -> FakeStripe:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reset(self) -> None:
        with self.lock:
            for store in (self.sessions, self.charges, self.refunds, self.disputes, self.idempotency):
                store.clear()
            self.requests.clear()
            self.events.clear()
            self.delivery_threads.clear()
            self.deliveries.clear()
            self.webhook_url = None
            self.fail_next = 0

    def calls(self, method: str, path_prefix: str) -> list[dict[str, Any]]:
        return [p for m, path, p in self.requests if m == method and path.startswith(path_prefix)]

    # events ------------------------------------------------------------
    def event(self, type_: str, obj: dict[str, Any]) -> dict[str, Any]:
        """Build an event (a snapshot of ``obj``), remember it and deliver it if a URL is set."""
        event = {
            "id": new_id("evt"), "object": "event", "type": type_, "created": int(time.time()),
            "api_version": "2025-01-01", "livemode": False,
            "data": {"object": json.loads(json.dumps(obj))},
        }
        self.events.append(event)
        if self.webhook_url:
            # Like Stripe: delivered asynchronously, never inside the API call that caused it.
            thread = threading.Thread(target=self._deliver_later, args=(event,), daemon=True)
            self.delivery_threads.append(thread)
            thread.start()
        return event

    def _deliver_later(self, event: dict[str, Any]) -> None:
        time.sleep(0.05)
        self.deliveries.append((event["type"], self.deliver(event)))

    def wait_for_deliveries(self, timeout: float = 30) -> list[tuple[str, int]]:
        for thread in list(self.delivery_threads):
            thread.join(timeout)
        return list(self.deliveries)

    def deliver(self, event: dict[str, Any], url: str | None = None) -> int:
        payload = json.dumps(event)
        req = urllib.request.Request(
            url or self.webhook_url or "", data=payload.encode(), method="POST",
            headers={"Content-Type": "application/json", "Stripe-Signature": sign(payload)},
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - local test server
                return int(resp.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)

    # state changes that happen "on Stripe's side" ----------------------
    def complete(self, session_id: str, *, asynchronous: bool = False) -> dict[str, Any]:
        """The customer pays on the hosted page (card: paid now; async method: later)."""
        with self.lock:
            session = self.sessions[session_id]
            if session["status"] != "open":
                raise ValueError(f"session is {session['status']}")
            intent = new_id("pi")
            charge = {
                "id": new_id("ch"), "object": "charge", "amount": session["amount_total"],
                "amount_refunded": 0, "currency": session["currency"], "payment_intent": intent,
                "refunded": False, "refunds": {"object": "list", "data": [], "has_more": False},
            }
            self.charges[charge["id"]] = charge
            session.update(status="complete", payment_intent=intent,
                           payment_status="unpaid" if asynchronous else "paid")
            return self.event("checkout.session.completed", session)

    def async_result(self, session_id: str, *, succeeded: bool) -> dict[str, Any]:
        with self.lock:
            session = self.sessions[session_id]
            if succeeded:
                session["payment_status"] = "paid"
                return self.event("checkout.session.async_payment_succeeded", session)
            return self.event("checkout.session.async_payment_failed", session)

    def expire(self, session_id: str) -> dict[str, Any]:
        with self.lock:
            session = self.sessions[session_id]
            if session["status"] != "open":
                raise ValueError(f"session is {session['status']}")
            session["status"] = "expired"
            return self.event("checkout.session.expired", session)

    def charge_for_intent(self, intent: str) -> dict[str, Any]:
        return next(c for c in self.charges.values() if c["payment_intent"] == intent)

    def _refund(self, charge: dict[str, Any], amount: int, metadata: dict[str, Any]) -> dict[str, Any]:
        refund = {
            "id": new_id("re"), "object": "refund", "amount": amount, "charge": charge["id"],
            "payment_intent": charge["payment_intent"], "status": "succeeded", "metadata": metadata,
            "currency": charge["currency"],
        }
        self.refunds[refund["id"]] = refund
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
        charge["refunds"]["data"].insert(0, refund)
        return refund

    def dashboard_refund(self, intent: str, amount: int) -> dict[str, Any]:
        """A refund made in the Stripe dashboard (outside NQ); sends charge.refunded."""
        with self.lock:
            charge = self.charge_for_intent(intent)
            self._refund(charge, amount, {})
            return self.event("charge.refunded", self._charge_view(charge))

    def dispute(self, intent: str, reason: str = "fraudulent") -> dict[str, Any]:
        with self.lock:
            charge = self.charge_for_intent(intent)
            dispute = {"id": new_id("dp"), "object": "dispute", "amount": charge["amount"],
                       "charge": charge["id"], "payment_intent": intent, "reason": reason,
                       "status": "needs_response", "currency": charge["currency"]}
            self.disputes[dispute["id"]] = dispute
            return self.event("charge.dispute.created", dispute)

    def _charge_view(self, charge: dict[str, Any], expand: bool = False) -> dict[str, Any]:
        view = dict(charge)
        if not expand:
            view.pop("refunds")  # like current API versions: refunds only when expanded
        return view
