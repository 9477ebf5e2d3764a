"""Sessions (QUALITY.md 6): renewed at login, ended server side at logout and deactivation, cookie flags."""
from __future__ import annotations

from members.models import User
from tests.members.helpers import cookie, copy_session, is_signed_in, login


def test_session_changes_at_login(client, app, make_user):
    make_user(email="fix@example.com")
    client.get("/login")
    before = cookie(client, "session").value
    planted = app.test_client()  # an attacker who fixed the pre-login cookie
    planted.set_cookie("session", before)
    assert login(client, "fix@example.com").status_code == 302
    assert cookie(client, "session").value != before
    assert is_signed_in(client)
    assert not is_signed_in(planted)


def test_logout_ends_the_session_server_side(client, app, make_user, auth):
    make_user(email="leave@example.com")
    login(client, "leave@example.com", remember=True)
    stolen = copy_session(client, app)
    remembered = app.test_client()
    remembered.set_cookie("remember_token", cookie(client, "remember_token").value)
    assert is_signed_in(stolen) and is_signed_in(remembered)
    auth.logout()
    assert not is_signed_in(client)
    response = stolen.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert not is_signed_in(remembered)


def test_logout_needs_post(client, make_user):
    make_user(email="leave@example.com")
    login(client, "leave@example.com")
    assert client.get("/logout").status_code == 405
    assert is_signed_in(client)


def test_deactivation_ends_sessions_and_remember_cookies(client, app, db, make_user):
    user = make_user(email="deact@example.com")
    login(client, "deact@example.com", remember=True)
    remembered = app.test_client()
    remembered.set_cookie("remember_token", cookie(client, "remember_token").value)
    assert is_signed_in(remembered)
    stolen = copy_session(client, app)
    user = db.session.get(User, user.id)
    user.is_deactivated = True
    db.session.commit()
    for browser in (client, stolen, remembered):
        assert not is_signed_in(browser)


def test_session_and_remember_cookie_flags(client, make_user):
    make_user(email="flags@example.com")
    response = login(client, "flags@example.com", remember=True)
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    for name in ("session", "remember_token"):
        assert name in cookies
        flags = cookies[name].lower()
        assert "httponly" in flags
        assert "samesite=lax" in flags
    assert "expires=" in cookies["remember_token"].lower()


def test_no_remember_cookie_without_asking(client, make_user):
    make_user(email="plain@example.com")
    response = login(client, "plain@example.com")
    assert not any(c.startswith("remember_token=") for c in response.headers.getlist("Set-Cookie"))
