"""Verification and reset links: signed, single use, expiring (QUALITY.md 5)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from freezegun import freeze_time

from common.db import utcnow
from tests.conftest import PASSWORD, csrf_token, outbox_messages
from tests.members.helpers import link_path, login, post_form, register, user_by_email


def test_verification_link_confirms_once(client, db):
    register(client, "new@example.com")
    path = link_path(outbox_messages("new@example.com")[0])
    # Opening the link shows a button; only the POST changes anything.
    assert client.get(path).status_code == 200
    assert not user_by_email(db, "new@example.com").is_verified
    assert post_form(client, path, {}).status_code == 302
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
    post_form(client, "/reset-password", {"email": "reset@example.com"})
    path = link_path(outbox_messages("reset@example.com")[0])
    new_password = "a brand new lighthouse keeper"
    response = post_form(client, path, {"password": new_password})
    assert response.status_code == 302
    assert login(client, "reset@example.com", new_password).status_code == 302
    assert login(app_client := client.application.test_client(), "reset@example.com", PASSWORD).status_code == 200
    # The link is spent: it cannot set another password.
    again = app_client.get(path)
    assert again.status_code == 302 and "/reset-password" in again.headers["Location"]


def test_reset_link_refuses_a_weak_password(client, db, make_user):
    user = make_user(email="reset@example.com")
    before = user.password_hash
    post_form(client, "/reset-password", {"email": "reset@example.com"})
    path = link_path(outbox_messages("reset@example.com")[0])
    response = post_form(client, path, {"password": "password1"})
    assert response.status_code == 200
    assert user_by_email(db, "reset@example.com").password_hash == before


def test_reset_link_expires_after_an_hour(client, db, make_user):
    make_user(email="reset@example.com")
    with freeze_time(utcnow()) as frozen:
        post_form(client, "/reset-password", {"email": "reset@example.com"})
        path = link_path(outbox_messages("reset@example.com")[0])
        assert client.get(path).status_code == 200
        frozen.tick(timedelta(hours=1, minutes=1))
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/reset-password")
