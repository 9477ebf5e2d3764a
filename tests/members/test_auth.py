"""Accounts and sessions (QUALITY.md 1–7): registration, login, tokens, limits, sessions."""
from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from common.db import utcnow
from members.models import User
from tests.conftest import PASSWORD, csrf_token, outbox_messages

PASSPHRASE = "  my 🐙 octopus  knows TWELVE ways to open a jar, and none of them are polite!  "


def post(client, path, data, form_path=None, **kwargs):
    """POST ``data`` to ``path`` with the CSRF token of the form at ``form_path``."""
    token = csrf_token(client, form_path or path)
    return client.post(path, data={**data, "csrf_token": token}, **kwargs)


def register(client, email, password=PASSWORD, name="Ada Lovelace"):
    return post(client, "/register", {"name": name, "email": email, "password": password})


def login(client, email, password=PASSWORD, remember=False, path="/login", ip="127.0.0.1"):
    token = csrf_token(client, "/login?reauth=1")  # the form is served to signed-in users too
    data = {"email": email, "password": password, "csrf_token": token}
    if remember:
        data["remember"] = "y"
    return client.post(path, data=data, environ_base={"REMOTE_ADDR": ip})


def link_path(message) -> str:
    """The path of the link in an outbox message (its ``url`` context)."""
    return urlsplit(message.context["url"]).path


def user_by_email(db, email) -> User:
    db.session.expire_all()
    user = db.session.scalars(select(User).where(User.email == email)).first()
    assert user is not None, f"no user with the email {email}"
    return user


def cookie(client, name):
    return client.get_cookie(name)


def copy_session(client, app):
    """A second browser holding a copy of this client's session cookie."""
    other = app.test_client()
    other.set_cookie("session", cookie(client, "session").value)
    return other


def is_signed_in(client) -> bool:
    """/login sends signed-in users on to their dashboard."""
    return client.get("/login").status_code == 302


# Registration and passwords (QUALITY 1) -----------------------------------------


def test_register_queues_verification_and_login_works(client, auth, db):
    response = register(client, "Ada@Example.com")
    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)
    messages = outbox_messages("ada@example.com")
    assert [m.template for m in messages] == ["verify_email"]
    response = auth.login("ADA@example.com")
    assert response.status_code == 302
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    "password",
    ["password", "12345678", "qwertyuiop", "iloveyou1", "Password1", "letmein!", "monkey123", "short"],
)
def test_weak_or_common_passwords_are_refused(client, db, password):
    response = register(client, "weak@example.com", password=password)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Check your email" not in html
    assert 'aria-invalid="true"' in html or "too easy to guess" in html or "at least 8" in html
    assert db.session.scalar(select(func.count(User.id))) == 0
    assert outbox_messages() == []


def test_password_that_repeats_the_users_name_is_refused(client, db):
    response = register(client, "ada@example.com", password="adalovelace", name="Ada Lovelace")
    assert "Check your email" not in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_long_passphrase_with_spaces_and_emoji_is_kept_exactly_as_typed(client, db):
    assert len(PASSPHRASE) > 64
    response = register(client, "poet@example.com", password=PASSPHRASE)
    assert "Check your email" in response.get_data(as_text=True)
    user = user_by_email(db, "poet@example.com")
    assert user.password_hash.startswith("$argon2id$")
    assert PASSPHRASE.strip() not in user.password_hash
    # Exactly as typed: no trimming, no case folding, no normalising of spaces.
    for variant in (PASSPHRASE.strip(), PASSPHRASE.upper(), PASSPHRASE.replace("  ", " "), PASSPHRASE[:64]):
        assert login(client, "poet@example.com", variant).status_code == 200
    assert login(client, "poet@example.com", PASSPHRASE).status_code == 302


def test_hashes_are_salted_argon2id(make_user):
    one, two = make_user(password=PASSWORD), make_user(password=PASSWORD)
    assert one.password_hash.startswith("$argon2id$")
    assert one.password_hash != two.password_hash


def test_production_hasher_uses_argon2id_defaults(app):
    """TestConfig lowers the cost for speed; the real Config keeps argon2-cffi's defaults."""
    import argon2

    from config import Config
    from members.security import hash_password

    assert Config.ARGON2_PARAMS == {}
    defaults = argon2.PasswordHasher()
    with app.test_request_context():
        saved = app.config["ARGON2_PARAMS"]
        app.config["ARGON2_PARAMS"] = Config.ARGON2_PARAMS
        try:
            hashed = hash_password("a production password")
        finally:
            app.config["ARGON2_PARAMS"] = saved
    params = argon2.extract_parameters(hashed)
    assert params.type is argon2.Type.ID
    assert (params.time_cost, params.memory_cost) == (defaults.time_cost, defaults.memory_cost)


def test_login_upgrades_a_hash_made_with_older_parameters(client, app, db, make_user, monkeypatch):
    import argon2

    user = make_user(email="old-hash@example.com")
    stronger = {**app.config["ARGON2_PARAMS"], "time_cost": app.config["ARGON2_PARAMS"]["time_cost"] + 1}
    monkeypatch.setitem(app.config, "ARGON2_PARAMS", stronger)
    assert login(client, "old-hash@example.com").status_code == 302
    upgraded = user_by_email(db, "old-hash@example.com").password_hash
    assert argon2.extract_parameters(upgraded).time_cost == stronger["time_cost"]
    assert user.id and login(client.application.test_client(), "old-hash@example.com").status_code == 302


# Same answer whether or not an account exists (QUALITY 4) -----------------------


def _page_text(response, *variable: str) -> str:
    html = response.get_data(as_text=True)
    html = re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "", html)
    html = re.sub(r'value="[^"]*"', "", html)
    for value in variable:
        html = html.replace(value, "EMAIL")
    return html


def test_registering_a_taken_email_looks_like_success(client, db, make_user):
    make_user(email="taken@example.com", name="Owner")
    taken = register(client, "taken@example.com", name="Mallory")
    fresh = register(client, "fresh@example.com", name="Mallory")
    assert taken.status_code == fresh.status_code == 200
    assert _page_text(taken, "taken@example.com") == _page_text(fresh, "fresh@example.com")
    assert db.session.scalar(select(func.count(User.id)).where(User.email == "taken@example.com")) == 1
    # The owner is told, instead of getting a new account or a verification link.
    assert [m.template for m in outbox_messages("taken@example.com")] == ["account_exists"]


def test_unknown_email_and_wrong_password_give_the_same_answer(client, make_user):
    make_user(email="known@example.com")
    wrong = login(client, "known@example.com", "not the password at all")
    unknown = login(client, "nobody@example.com", "not the password at all")
    assert wrong.status_code == unknown.status_code == 200
    assert _page_text(wrong, "known@example.com") == _page_text(unknown, "nobody@example.com")


def test_deactivated_account_gets_the_same_answer_as_a_wrong_password(client, make_user):
    make_user(email="gone@example.com", is_deactivated=True)
    gone = login(client, "gone@example.com")
    unknown = login(client, "nobody@example.com")
    assert gone.status_code == unknown.status_code == 200
    assert _page_text(gone, "gone@example.com") == _page_text(unknown, "nobody@example.com")
    assert not is_signed_in(client)


def test_reset_request_gives_the_same_answer_for_unknown_email(client, make_user):
    make_user(email="known@example.com")
    known = post(client, "/reset-password", {"email": "known@example.com"})
    unknown = post(client, "/reset-password", {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert _page_text(known, "known@example.com") == _page_text(unknown, "nobody@example.com")
    assert [m.template for m in outbox_messages()] == ["reset_password"]


def test_reset_requests_per_address_are_limited_the_same_for_unknown_addresses(client, make_user):
    make_user(email="known@example.com")
    for email in ("known@example.com", "nobody@example.com"):
        for n in range(3):
            response = post(client, "/reset-password", {"email": email}, environ_base={"REMOTE_ADDR": f"10.3.{n}.1"})
            assert response.status_code == 200
        blocked = post(client, "/reset-password", {"email": email}, environ_base={"REMOTE_ADDR": "10.3.9.9"})
        assert blocked.status_code == 429
    assert len(outbox_messages("known@example.com")) == 3


# Tokens: signed, single use, expiring (QUALITY 5) -------------------------------


def test_verification_link_confirms_once(client, db):
    register(client, "new@example.com")
    path = link_path(outbox_messages("new@example.com")[0])
    # Opening the link shows a button; only the POST changes anything.
    assert client.get(path).status_code == 200
    assert not user_by_email(db, "new@example.com").is_verified
    assert post(client, path, {}).status_code == 302
    assert user_by_email(db, "new@example.com").is_verified
    used = client.get(path, follow_redirects=True)
    assert "invalid, used or expired" in used.get_data(as_text=True)
    token = csrf_token(client, "/login")
    client.post(path, data={"csrf_token": token})
    assert user_by_email(db, "new@example.com").is_verified


def test_verification_link_expires_after_48_hours(client, db):
    with freeze_time(utcnow()) as frozen:
        register(client, "late@example.com")
        path = link_path(outbox_messages("late@example.com")[0])
        frozen.tick(timedelta(hours=48, minutes=1))
        token = csrf_token(client, "/login")
        response = client.post(path, data={"csrf_token": token}, follow_redirects=True)
        assert "invalid, used or expired" in response.get_data(as_text=True)
        assert not user_by_email(db, "late@example.com").is_verified


@pytest.mark.parametrize("tamper", ["flip", "other-salt", "garbage"])
def test_tampered_or_foreign_tokens_are_refused(client, db, make_user, tamper):
    from members.security import make_token

    user = make_user(email="victim@example.com", is_verified=False)
    with client.application.test_request_context():
        if tamper == "other-salt":  # a reset token is no verification token
            token = make_token("reset", {"uid": user.id, "email": user.email})
        else:
            token = make_token("verify", {"uid": user.id, "email": user.email})
            token = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
        if tamper == "garbage":
            token = "not-a-token"
    form_token = csrf_token(client, "/login")
    client.post(f"/verify/{token}", data={"csrf_token": form_token})
    assert not user_by_email(db, "victim@example.com").is_verified


def test_reset_link_sets_a_new_password_once(client, db, make_user):
    make_user(email="reset@example.com")
    post(client, "/reset-password", {"email": "reset@example.com"})
    path = link_path(outbox_messages("reset@example.com")[0])
    new_password = "a brand new lighthouse keeper"
    response = post(client, path, {"password": new_password})
    assert response.status_code == 302
    assert login(client, "reset@example.com", new_password).status_code == 302
    assert login(app_client := client.application.test_client(), "reset@example.com", PASSWORD).status_code == 200
    # The link is spent: it cannot set another password.
    again = app_client.get(path)
    assert again.status_code == 302 and "/reset-password" in again.headers["Location"]


def test_reset_link_refuses_a_weak_password(client, db, make_user):
    user = make_user(email="reset@example.com")
    before = user.password_hash
    post(client, "/reset-password", {"email": "reset@example.com"})
    path = link_path(outbox_messages("reset@example.com")[0])
    response = post(client, path, {"password": "password1"})
    assert response.status_code == 200
    assert user_by_email(db, "reset@example.com").password_hash == before


def test_reset_link_expires_after_an_hour(client, db, make_user):
    make_user(email="reset@example.com")
    with freeze_time(utcnow()) as frozen:
        post(client, "/reset-password", {"email": "reset@example.com"})
        path = link_path(outbox_messages("reset@example.com")[0])
        assert client.get(path).status_code == 200
        frozen.tick(timedelta(hours=1, minutes=1))
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/reset-password")


# Rate limits (QUALITY 3) ------------------------------------------------------


def test_failed_logins_per_account_get_429_and_recover_after_the_window(client, make_user):
    make_user(email="victim@example.com")
    with freeze_time(utcnow()) as frozen:
        # Five failures from five different addresses: the account limit is per account.
        for n in range(5):
            assert login(client, "victim@example.com", "wrong guess", ip=f"10.0.0.{n + 1}").status_code == 200
        blocked = login(client, "victim@example.com", PASSWORD, ip="10.9.9.9")
        assert blocked.status_code == 429
        assert "Retry-After" in blocked.headers
        # Another account is unaffected.
        assert login(client, "other@example.com", "wrong guess", ip="10.9.9.9").status_code == 200
        # The victim is not locked out for good: after the window the right password works.
        frozen.tick(timedelta(minutes=16))
        assert login(client, "victim@example.com", PASSWORD, ip="10.9.9.9").status_code == 302


def test_failed_logins_per_ip_get_429_and_recover(client, app):
    limit = int(app.config["LOGIN_LIMIT_PER_IP"].split()[0])
    with freeze_time(utcnow()) as frozen:
        for n in range(limit):
            response = login(client, f"guess{n}@example.com", "wrong guess", ip="10.1.1.1")
            assert response.status_code == 200
        assert login(client, "guess-last@example.com", "wrong guess", ip="10.1.1.1").status_code == 429
        assert login(client, "someone@example.com", "wrong guess", ip="10.2.2.2").status_code == 200
        frozen.tick(timedelta(minutes=16))
        assert login(client, "guess-last@example.com", "wrong guess", ip="10.1.1.1").status_code == 200


def test_successful_logins_do_not_count_against_the_limit(client, make_user):
    make_user(email="busy@example.com")
    for _ in range(8):
        assert login(client, "busy@example.com").status_code == 302
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


# Sessions (QUALITY 6) ---------------------------------------------------------


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


# Change password and email (QUALITY 2) ----------------------------------------


def test_change_password_needs_a_fresh_login(client, db, make_user):
    make_user(email="stale@example.com")
    with freeze_time(utcnow()) as frozen:
        login(client, "stale@example.com")
        assert client.get("/account/password").status_code == 200
        frozen.tick(timedelta(minutes=16))
        response = client.get("/account/password")
        assert response.status_code == 302
        location = response.headers["Location"]
        assert "/login" in location and "reauth=1" in location
        # A POST with a valid token is refused too, and changes nothing.
        token = csrf_token(client, "/")
        response = client.post(
            "/account/password",
            data={"current_password": PASSWORD, "password": "a brand new lighthouse keeper", "csrf_token": token},
        )
        assert response.status_code == 302
        assert login(client.application.test_client(), "stale@example.com").status_code == 302
        # Signing in again makes it fresh.
        assert login(client, "stale@example.com", path="/login?reauth=1&next=/account/password").headers[
            "Location"
        ].endswith("/account/password")
        assert client.get("/account/password").status_code == 200


def test_change_password_needs_the_current_password_and_ends_other_sessions(client, app, db, make_user):
    make_user(email="change@example.com")
    login(client, "change@example.com")
    other_device = copy_session(client, app)
    new_password = "a brand new lighthouse keeper"
    wrong = post(client, "/account/password", {"current_password": "not it", "password": new_password})
    assert wrong.status_code == 200
    assert "not your current password" in wrong.get_data(as_text=True)
    assert login(app.test_client(), "change@example.com", PASSWORD).status_code == 302
    right = post(client, "/account/password", {"current_password": PASSWORD, "password": new_password})
    assert right.status_code == 302
    assert is_signed_in(client)
    assert not is_signed_in(other_device)
    assert login(app.test_client(), "change@example.com", new_password).status_code == 302
    assert login(app.test_client(), "change@example.com", PASSWORD).status_code == 200


def test_change_email_needs_current_password_and_a_confirmation_link(client, db, make_user):
    user = make_user(email="old@example.com")
    login(client, "old@example.com")
    wrong = post(client, "/account/email", {"current_password": "not it", "email": "new@example.com"})
    assert "not your current password" in wrong.get_data(as_text=True)
    assert outbox_messages("new@example.com") == []
    right = post(client, "/account/email", {"current_password": PASSWORD, "email": "new@example.com"})
    assert right.status_code == 302
    assert [m.template for m in outbox_messages("old@example.com")] == ["email_change_notice"]
    path = link_path(outbox_messages("new@example.com")[0])
    assert db.session.get(User, user.id).email == "old@example.com"
    assert client.get(path).status_code == 200  # shows a button only
    assert user_by_email(db, "old@example.com") is not None
    assert post(client, path, {}).status_code == 302
    assert user_by_email(db, "new@example.com").id == user.id
    # Single use: the link cannot be replayed.
    assert client.get(path).status_code == 404


def test_change_email_needs_a_fresh_login(client, db, make_user):
    make_user(email="old@example.com")
    with freeze_time(utcnow()) as frozen:
        login(client, "old@example.com")
        frozen.tick(timedelta(minutes=16))
        token = csrf_token(client, "/")
        response = client.post(
            "/account/email",
            data={"current_password": PASSWORD, "email": "new@example.com", "csrf_token": token},
        )
        assert response.status_code == 302 and "reauth=1" in response.headers["Location"]
        assert outbox_messages("new@example.com") == []


def test_remembered_session_is_not_fresh(client, app, make_user):
    make_user(email="remember@example.com")
    login(client, "remember@example.com", remember=True)
    returning = app.test_client()  # the browser was closed: only the remember cookie is left
    returning.set_cookie("remember_token", cookie(client, "remember_token").value)
    assert is_signed_in(returning)
    response = returning.get("/account/password")
    assert response.status_code == 302 and "reauth=1" in response.headers["Location"]


# ?next= stays on the site (QUALITY 7) -----------------------------------------

EVIL_NEXT = [
    "https://evil.example/",
    "http://evil.example",
    "//evil.example",
    "///evil.example",
    "////evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "http:evil.example",
    "https:/evil.example",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "@evil.example",
    "%2F%2Fevil.example",
    "/%09/evil.example",
    "https://localhost@evil.example",
]


def _browser_target(location: str) -> str:
    """Where a browser goes for this Location (WHATWG: tabs/newlines dropped, \\ read as /)."""
    cleaned = re.sub(r"[\t\n\r]", "", location).strip(" \x00-\x1f").replace("\\", "/")
    return urlsplit(urljoin("http://localhost/login", cleaned)).netloc


@pytest.mark.parametrize("evil", EVIL_NEXT)
def test_next_never_leaves_the_site(client, make_user, evil):
    from urllib.parse import quote

    make_user(email="next@example.com")
    response = login(client, "next@example.com", path="/login?next=" + quote(evil, safe=""))
    assert response.status_code == 302
    assert _browser_target(response.headers["Location"]) in ("", "localhost")


@pytest.mark.parametrize("good", ["/account", "/groups?page=2", "/account/password"])
def test_next_within_the_site_is_followed(client, make_user, good):
    from urllib.parse import quote

    make_user(email="next@example.com")
    response = login(client, "next@example.com", path="/login?next=" + quote(good, safe=""))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(good)


def test_next_is_followed_when_already_signed_in_only_within_the_site(client, make_user):
    make_user(email="next@example.com")
    login(client, "next@example.com")
    response = client.get("/login?next=//evil.example")
    assert response.status_code == 302
    assert _browser_target(response.headers["Location"]) in ("", "localhost")


def test_pages_that_need_login_send_anonymous_users_to_login_and_back(client, make_user):
    make_user(email="back@example.com")
    response = client.get("/account")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert urlsplit(location).path == "/login"
    followed = login(client, "back@example.com", path=location[location.index("/login"):])
    assert followed.headers["Location"].endswith("/account")
