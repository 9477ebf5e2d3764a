"""Changing the password and the email (QUALITY.md 2): the current password, a fresh login, a confirmation link."""
from __future__ import annotations

from datetime import timedelta

from freezegun import freeze_time

from common.db import utcnow
from members.models import User
from tests.conftest import PASSWORD, csrf_token, outbox_messages
from tests.members.helpers import (
    cookie,
    copy_session,
    is_signed_in,
    link_path,
    login,
    post_form,
    user_by_email,
)


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
    wrong = post_form(client, "/account/password", {"current_password": "not it", "password": new_password})
    assert wrong.status_code == 200
    assert "not your current password" in wrong.get_data(as_text=True)
    assert login(app.test_client(), "change@example.com", PASSWORD).status_code == 302
    right = post_form(client, "/account/password", {"current_password": PASSWORD, "password": new_password})
    assert right.status_code == 302
    assert is_signed_in(client)
    assert not is_signed_in(other_device)
    assert login(app.test_client(), "change@example.com", new_password).status_code == 302
    assert login(app.test_client(), "change@example.com", PASSWORD).status_code == 200


def test_change_email_needs_current_password_and_a_confirmation_link(client, db, make_user):
    user = make_user(email="old@example.com")
    login(client, "old@example.com")
    wrong = post_form(client, "/account/email", {"current_password": "not it", "email": "new@example.com"})
    assert "not your current password" in wrong.get_data(as_text=True)
    assert outbox_messages("new@example.com") == []
    right = post_form(client, "/account/email", {"current_password": PASSWORD, "email": "new@example.com"})
    assert right.status_code == 302
    assert [m.template for m in outbox_messages("old@example.com")] == ["email_change_notice"]
    path = link_path(outbox_messages("new@example.com")[0])
    assert db.session.get(User, user.id).email == "old@example.com"
    assert client.get(path).status_code == 200  # shows a button only
    assert user_by_email(db, "old@example.com") is not None
    assert post_form(client, path, {}).status_code == 302
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
