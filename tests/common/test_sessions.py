"""Signed-cookie sessions are decoded once per worker, and still expire and
refuse forgeries (common.web.KeptCookieSessionInterface)."""
from __future__ import annotations

import time

from common.web import KeptCookieSessionInterface


def _session_cookie(client, app) -> str:
    return client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session")).value


def test_the_app_keeps_decoded_session_cookies(app):
    assert isinstance(app.session_interface, KeptCookieSessionInterface)


def test_a_session_seen_before_still_expires(app, client, auth, make_user, monkeypatch):
    auth.login(make_user())
    assert client.get("/profile").status_code == 200
    assert client.get("/profile").status_code == 200  # now decoded from what the worker kept
    assert _session_cookie(client, app) in app.session_interface._decoded

    later = time.time() + app.permanent_session_lifetime.total_seconds() + 60
    monkeypatch.setattr(time, "time", lambda: later)
    response = client.get("/profile")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_a_tampered_cookie_is_no_session_even_next_to_a_kept_one(app, client, auth, make_user):
    auth.login(make_user())
    assert client.get("/profile").status_code == 200
    cookie = _session_cookie(client, app)
    payload, _dot, signature = cookie.rpartition(".")
    forged = f"{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    client.set_cookie(app.config.get("SESSION_COOKIE_NAME", "session"), forged)
    response = client.get("/profile")
    assert response.status_code == 302
    assert forged not in app.session_interface._decoded


def test_sessions_holding_lists_are_not_kept(app, client):
    # Flashed messages live in a list a view may change in place.
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Hello")]
    client.get("/login")
    assert _session_cookie(client, app) not in app.session_interface._decoded
