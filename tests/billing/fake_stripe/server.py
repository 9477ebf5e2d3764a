"""The fake's HTTP side: the request handler that checks the secret key, simulates
outages, honours ``Idempotency-Key`` and routes API calls to resources.py, and the
minimal hosted checkout page whose "Pay" button completes the session."""
from __future__ import annotations

import html
import json
import re
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from tests.billing.fake_stripe.resources import route
from tests.billing.fake_stripe.wire import SECRET_KEY, nest

if TYPE_CHECKING:
    from tests.billing.fake_stripe.account import FakeStripe


def handler_for(fake: FakeStripe) -> type[BaseHTTPRequestHandler]:
    """The request handler class of ``fake``'s server."""

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
            params = nest(pairs)
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
                status, body = route(fake, method, path, pairs, params)
                data = json.dumps(body).encode()
                if method == "POST" and key and status < 500:
                    fake.idempotency[key] = (f"{path}?{raw}", status, data)
            return self._send(status, data)

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
