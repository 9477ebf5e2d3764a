"""Billing fixtures: the fake Stripe server, a fee-charging group, signed webhook posts."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest

from tests.billing.fake_stripe import SECRET_KEY, WEBHOOK_SECRET, FakeStripe, sign


@pytest.fixture(scope="session")
def _fake_stripe_server() -> Iterator[FakeStripe]:
    server = FakeStripe().start()
    yield server
    server.stop()


@pytest.fixture
def fake_stripe(app, _fake_stripe_server: FakeStripe, monkeypatch) -> FakeStripe:
    """A clean fake Stripe account, with the app configured to use it."""
    _fake_stripe_server.reset()
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", SECRET_KEY)
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", _fake_stripe_server.url)
    return _fake_stripe_server


def current_test_season(today: date | None = None) -> tuple[date, date]:
    """An Aug–Jun season that contains today (July counts towards the coming one)."""
    today = today or date.today()
    start_year = today.year if today.month >= 7 else today.year - 1
    return date(start_year, 8, 1), date(start_year + 1, 6, 30)


@pytest.fixture
def season_group(make_group, make_user):
    """factory(**overrides) → (group, host): a DKK 8,000 group whose Aug–Jun season is now."""
    def factory(**overrides: Any):
        host = overrides.pop("host", None) or make_user(name="Hanne Host")
        start, end = current_test_season()
        group = make_group(host=host, season_start=overrides.pop("season_start", start),
                           season_end=overrides.pop("season_end", end), **overrides)
        return group, host

    return factory


@pytest.fixture
def post_event(client) -> Callable[..., Any]:
    """post_event(event, secret=..., timestamp=None, signature=None) → the webhook response."""
    def poster(event: dict[str, Any], *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None,
               signature: str | None = None, body: str | None = None):
        payload = body if body is not None else json.dumps(event)
        header = signature if signature is not None else sign(payload, secret, timestamp)
        headers = {"Stripe-Signature": header} if header else {}
        return client.post("/webhooks/stripe", data=payload, headers=headers, content_type="application/json")

    return poster


def pay_form(**overrides: Any) -> dict[str, Any]:
    data = {"payer_kind": "self", "provider": "stripe", "company_name": "", "company_vat": "",
            "company_email": "", "company_address": "", "po_reference": ""}
    data.update(overrides)
    return data
