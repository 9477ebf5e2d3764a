"""The fake's API endpoints: Checkout Sessions (create, retrieve, expire), refunds
(create), charges and disputes (retrieve), each with Stripe's allowed parameters."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from tests.billing.fake_stripe.wire import allowed, new_id

if TYPE_CHECKING:
    from tests.billing.fake_stripe.account import FakeStripe

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


def unknown_param(pairs: list[tuple[str, str]], rules: set[str]) -> str | None:
    """The first parameter not in ``rules`` (Stripe answers 400 to it), or None."""
    for key, _value in pairs:
        if not allowed(key, rules):
            return key
    return None


def route(fake: FakeStripe, method: str, path: str, pairs: list[tuple[str, str]],
          params: dict[str, Any]) -> tuple[int, Any]:
    """The status and body of an API call."""
    def bad(message: str, param: str | None = None) -> tuple[int, Any]:
        return 400, {"error": {"type": "invalid_request_error", "message": message, "param": param}}

    m = re.fullmatch(r"/v1/checkout/sessions(?:/([^/]+))?(/expire)?", path)
    if m and method == "POST" and not m.group(1):
        unknown = unknown_param(pairs, SESSION_CREATE_PARAMS)
        if unknown:
            return bad(f"Received unknown parameter: {unknown}", unknown)
        return create_session(fake, params)
    if m and m.group(1) and method == "GET" and not m.group(2):
        unknown = unknown_param(pairs, RETRIEVE_PARAMS)
        if unknown:
            return bad(f"Received unknown parameter: {unknown}", unknown)
        session = fake.sessions.get(m.group(1))
        return (200, session) if session else (404, {"error": {
            "type": "invalid_request_error", "message": "No such checkout.session"}})
    if m and m.group(1) and m.group(2) and method == "POST":
        unknown = unknown_param(pairs, EXPIRE_PARAMS)
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
        unknown = unknown_param(pairs, REFUND_CREATE_PARAMS)
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
        unknown = unknown_param(pairs, RETRIEVE_PARAMS)
        if unknown:
            return bad(f"Received unknown parameter: {unknown}", unknown)
        found = fake.charges.get(m.group(1))
        if found is None:
            return 404, {"error": {"type": "invalid_request_error", "message": "No such charge"}}
        expand = "refunds" in (params.get("expand") or [])
        return 200, fake._charge_view(found, expand=expand)
    m = re.fullmatch(r"/v1/disputes/([^/]+)", path)
    if m and method == "GET":
        unknown = unknown_param(pairs, RETRIEVE_PARAMS)
        if unknown:
            return bad(f"Received unknown parameter: {unknown}", unknown)
        dispute = fake.disputes.get(m.group(1))
        return (200, dispute) if dispute else (404, {"error": {"message": "No such dispute"}})
    return 404, {"error": {"type": "invalid_request_error", "message": f"Unrecognized request URL ({method}: {path})"}}


def create_session(fake: FakeStripe, params: dict[str, Any]) -> tuple[int, Any]:
    """A new open Checkout Session, like POST /v1/checkout/sessions."""
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
