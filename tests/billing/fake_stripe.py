"""A fake Stripe API for tests: a small local HTTP server in a thread.

Implements only what NQ calls — Checkout Sessions (create, retrieve,
expire), refunds (create), charges and disputes (retrieve) — and, like
Stripe, answers 400 to unknown parameters, honours ``Idempotency-Key`` (same
key + same body → the same response; same key + other body → 400) and checks
the secret key. It also serves a minimal hosted checkout page whose "Pay"
button completes the session, sends the signed webhook(s) and redirects to
the ``success_url``. Events are signed exactly like Stripe's:
``Stripe-Signature: t=<unix>,v1=HMAC-SHA256(secret, f"{t}.{body}")``.
"""
from __future__ import annotations

import hashlib
import hmac
import html
import itertools
import json
import re
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

SECRET_KEY = "sk_test_fake_nq"
WEBHOOK_SECRET = "whsec_test_fake_nq"

# Allowed parameter paths per endpoint; list indices are written "[]".
SESSION_CREATE_PARAMS = {
    "mode", "client_reference_id", "customer_email", "success_url", "cancel_url", "expires_at",
    "customer_creation", "billing_address_collection",
    "line_items[][quantity]", "line_items[][price_data][currency]", "line_items[][price_data][unit_amount]",
    "line_items[][price_data][product_data][name]", "line_items[][price_data][product_data][description]",
    "metadata[*]", "payment_intent_data[metadata][*]", "payment_intent_data[description]",
    "invoice_creation[enabled]", "invoice_creation[invoice_data][description]",
    "invoice_creation[invoice_data][metadata][*]", "invoice_creation[invoice_data][custom_fields]",
    "invoice_creation[invoice_data][custom_fields][][name]",
    "invoice_creation[invoice_data][custom_fields][][value]",
    "tax_id_collection[enabled]",
}
RETRIEVE_PARAMS = {"expand[]"}
REFUND_CREATE_PARAMS = {"payment_intent", "charge", "amount", "reason", "metadata[*]"}
EXPIRE_PARAMS: set[str] = set()

_ids = itertools.count(1)


def new_id(prefix: str) -> str:
    return f"{prefix}_test_{next(_ids):06d}"


def sign(payload: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """The Stripe-Signature header for ``payload``."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def _pattern(path: str) -> str:
    return re.sub(r"\[\d+\]", "[]", path)


def _allowed(path: str, allowed: set[str]) -> bool:
    norm = _pattern(path)
    if norm in allowed:
        return True
    for rule in allowed:
        if rule.endswith("[*]") and norm.startswith(rule[:-3] + "[") and norm.count("[") == rule.count("["):
            return True
    return False


def _nest(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Turn Stripe's form encoding (a[b][0][c]=v) into nested dicts/lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+|\[\]", key)
        node: Any = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            nxt = None if last else parts[i + 1]
            if isinstance(node, list):
                idx = int(part)
                while len(node) <= idx:
                    node.append({} if not (nxt or "").isdigit() else [])
                if last:
                    node[idx] = value
                else:
                    if not isinstance(node[idx], dict | list):
                        node[idx] = {}
                    node = node[idx]
            else:
                if last:
                    node[part] = value
                else:
                    node = node.setdefault(part, [] if (nxt or "").isdigit() else {})
    return root


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
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
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

    # HTTP ----------------------------------------------------------------
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

            def _send(self, status: int, body: Any, content_type: str = "application/json",
                      headers: dict[str, str] | None = None) -> None:
                data = body if isinstance(body, bytes) else (
                    body.encode() if isinstance(body, str) else json.dumps(body).encode())
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _error(self, status: int, message: str, param: str | None = None,
                       type_: str = "invalid_request_error") -> None:
                self._send(status, {"error": {"type": type_, "message": message, "param": param}})

            def do_GET(self) -> None:  # noqa: N802
                self._dispatch("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._dispatch("POST")

            def _dispatch(self, method: str) -> None:
                parts = urlsplit(self.path)
                path = parts.path
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                if path.startswith("/checkout/"):
                    return self._hosted(method, path, raw)
                if self.headers.get("Authorization") != f"Bearer {SECRET_KEY}":
                    return self._error(401, "Invalid API Key provided", type_="invalid_request_error")
                pairs = parse_qsl(raw if method == "POST" else parts.query, keep_blank_values=True)
                params = _nest(pairs)
                with fake.lock:
                    fake.requests.append((method, path, params))
                    if fake.fail_next > 0:
                        fake.fail_next -= 1
                        return self._error(500, "Fake outage", type_="api_error")
                    key = self.headers.get("Idempotency-Key")
                    if method == "POST" and key:
                        fingerprint = f"{path}?{raw}"
                        seen = fake.idempotency.get(key)
                        if seen is not None:
                            if seen[0] != fingerprint:
                                return self._error(
                                    400, "Keys for idempotent requests can only be used with the same "
                                    "parameters they were first used with.", type_="idempotency_error")
                            return self._send(seen[1], seen[2], headers={"Idempotent-Replayed": "true"})
                    status, body = self._route(method, path, pairs, params)
                    data = json.dumps(body).encode()
                    if method == "POST" and key and status < 500:
                        fake.idempotency[key] = (f"{path}?{raw}", status, data)
                return self._send(status, data)

            def _check(self, pairs: list[tuple[str, str]], allowed: set[str]) -> str | None:
                for key, _value in pairs:
                    if not _allowed(key, allowed):
                        return key
                return None

            def _route(self, method: str, path: str, pairs: list[tuple[str, str]],
                       params: dict[str, Any]) -> tuple[int, Any]:
                def bad(message: str, param: str | None = None) -> tuple[int, Any]:
                    return 400, {"error": {"type": "invalid_request_error", "message": message, "param": param}}

                m = re.fullmatch(r"/v1/checkout/sessions(?:/([^/]+))?(/expire)?", path)
                if m and method == "POST" and not m.group(1):
                    unknown = self._check(pairs, SESSION_CREATE_PARAMS)
                    if unknown:
                        return bad(f"Received unknown parameter: {unknown}", unknown)
                    return self._create_session(params)
                if m and m.group(1) and method == "GET" and not m.group(2):
                    unknown = self._check(pairs, RETRIEVE_PARAMS)
                    if unknown:
                        return bad(f"Received unknown parameter: {unknown}", unknown)
                    session = fake.sessions.get(m.group(1))
                    return (200, session) if session else (404, {"error": {
                        "type": "invalid_request_error", "message": "No such checkout.session"}})
                if m and m.group(1) and m.group(2) and method == "POST":
                    unknown = self._check(pairs, EXPIRE_PARAMS)
                    if unknown:
                        return bad(f"Received unknown parameter: {unknown}", unknown)
                    session = fake.sessions.get(m.group(1))
                    if session is None:
                        return 404, {"error": {"type": "invalid_request_error", "message": "No such session"}}
                    if session["status"] != "open":
                        return bad("Only Checkout Sessions with a status in [\"open\"] can be expired.")
                    fake.expire(session["id"])
                    return 200, session
                if path == "/v1/refunds" and method == "POST":
                    unknown = self._check(pairs, REFUND_CREATE_PARAMS)
                    if unknown:
                        return bad(f"Received unknown parameter: {unknown}", unknown)
                    intent = params.get("payment_intent")
                    try:
                        charge = fake.charge_for_intent(str(intent))
                    except StopIteration:
                        return bad("No such payment_intent", "payment_intent")
                    amount = int(params.get("amount") or charge["amount"] - charge["amount_refunded"])
                    if amount <= 0 or amount > charge["amount"] - charge["amount_refunded"]:
                        return bad("Refund amount is greater than unrefunded amount on charge", "amount")
                    refund = fake._refund(charge, amount, params.get("metadata") or {})
                    fake.event("charge.refunded", fake._charge_view(charge))
                    return 200, refund
                m = re.fullmatch(r"/v1/charges/([^/]+)", path)
                if m and method == "GET":
                    unknown = self._check(pairs, RETRIEVE_PARAMS)
                    if unknown:
                        return bad(f"Received unknown parameter: {unknown}", unknown)
                    found = fake.charges.get(m.group(1))
                    if found is None:
                        return 404, {"error": {"type": "invalid_request_error", "message": "No such charge"}}
                    expand = "refunds" in (params.get("expand") or [])
                    return 200, fake._charge_view(found, expand=expand)
                m = re.fullmatch(r"/v1/disputes/([^/]+)", path)
                if m and method == "GET":
                    unknown = self._check(pairs, RETRIEVE_PARAMS)
                    if unknown:
                        return bad(f"Received unknown parameter: {unknown}", unknown)
                    dispute = fake.disputes.get(m.group(1))
                    return (200, dispute) if dispute else (404, {"error": {"message": "No such dispute"}})
                return 404, {"error": {"type": "invalid_request_error", "message": f"Unrecognized request URL ({method}: {path})"}}

            def _create_session(self, params: dict[str, Any]) -> tuple[int, Any]:
                for required in ("success_url", "line_items", "mode"):
                    if required not in params:
                        return 400, {"error": {"type": "invalid_request_error",
                                               "message": f"Missing required param: {required}.", "param": required}}
                if "{CHECKOUT_SESSION_ID}" not in params["success_url"]:
                    return 400, {"error": {"type": "invalid_request_error", "message": "success_url lacks id"}}
                items = params["line_items"]
                amount = sum(int(i["price_data"]["unit_amount"]) * int(i["quantity"]) for i in items)
                currency = items[0]["price_data"]["currency"]
                sid = new_id("cs")
                session = {
                    "id": sid, "object": "checkout.session", "mode": params["mode"],
                    "url": f"{fake.url}/checkout/{sid}", "status": "open", "payment_status": "unpaid",
                    "amount_total": amount, "currency": currency,
                    "client_reference_id": params.get("client_reference_id"),
                    "customer_email": params.get("customer_email"), "metadata": params.get("metadata", {}),
                    "payment_intent": None, "success_url": params["success_url"],
                    "cancel_url": params.get("cancel_url"), "expires_at": int(params.get("expires_at") or 0),
                    "line_items_sent": items,
                    "tax_id_collection": params.get("tax_id_collection"),
                    "invoice_creation": params.get("invoice_creation"),
                }
                fake.sessions[sid] = session
                return 200, session

            def _hosted(self, method: str, path: str, raw: str) -> None:
                m = re.fullmatch(r"/checkout/([^/]+)(/pay|/cancel)?", path)
                session = fake.sessions.get(m.group(1)) if m else None
                if session is None or m is None:
                    return self._send(404, "<h1>Not found</h1>", "text/html")
                if method == "GET" and not m.group(2):
                    amount = f"{session['amount_total'] / 100:,.2f} {session['currency'].upper()}"
                    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Fake Stripe Checkout</title></head><body><main>
<h1>Fake Stripe Checkout</h1><p id="amount">{html.escape(amount)}</p>
<p>Status: <span id="status">{html.escape(session['status'])}</span></p>
<p>Email: {html.escape(str(session.get('customer_email') or ''))}</p>
<form method="post" action="/checkout/{session['id']}/pay"><button id="pay" type="submit">Pay</button></form>
<form method="post" action="/checkout/{session['id']}/cancel"><button id="cancel" type="submit">Back</button></form>
</main></body></html>"""
                    return self._send(200, page, "text/html; charset=utf-8")
                if method == "POST" and m.group(2) == "/pay":
                    if session["status"] == "open":
                        fake.complete(session["id"])
                    target = session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"])
                    return self._send(303, b"", "text/plain", headers={"Location": target})
                if method == "POST" and m.group(2) == "/cancel":
                    return self._send(303, b"", "text/plain", headers={"Location": session["cancel_url"] or "/"})
                return self._send(405, "method not allowed", "text/plain")

        return Handler
