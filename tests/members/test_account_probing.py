"""The same answer whether or not an account exists (QUALITY.md 4), and login limits (QUALITY.md 3)."""
from __future__ import annotations

import re
from datetime import timedelta

from freezegun import freeze_time
from sqlalchemy import func, select

from common.db import utcnow
from members.models import User
from tests.conftest import PASSWORD, csrf_token, outbox_messages
from tests.members.helpers import is_signed_in, login, post_form, register

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
    known = post_form(client, "/reset-password", {"email": "known@example.com"})
    unknown = post_form(client, "/reset-password", {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert _page_text(known, "known@example.com") == _page_text(unknown, "nobody@example.com")
    assert [m.template for m in outbox_messages()] == ["reset_password"]


def test_reset_requests_per_address_are_limited_the_same_for_unknown_addresses(client, make_user):
    make_user(email="known@example.com")
    for email in ("known@example.com", "nobody@example.com"):
        for n in range(3):
            response = post_form(client, "/reset-password", {"email": email}, environ_base={"REMOTE_ADDR": f"10.3.{n}.1"})
            assert response.status_code == 200
        blocked = post_form(client, "/reset-password", {"email": email}, environ_base={"REMOTE_ADDR": "10.3.9.9"})
        assert blocked.status_code == 429
    assert len(outbox_messages("known@example.com")) == 3


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
