"""A newcomer's account journey in real Chromium, on desktop and on a phone:
register → verification email (from the outbox) → verify → sign in →
change password → sign out → sign in with the new password."""
from __future__ import annotations

import pytest

from tests.conftest import outbox_messages
from tests.e2e.conftest import assert_no_serious_axe_violations

FIRST_PASSWORD = "tidal orchard whistles at dusk"
NEW_PASSWORD = "copper kettle under violet rain"


def submit(page) -> None:
    """Press the main form's submit button and wait for the next page."""
    with page.expect_navigation():
        page.click("main form.form button[type=submit]")


def sign_in(page, email: str, password: str) -> None:
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    submit(page)


@pytest.mark.parametrize("viewport", ["page", "phone_page"])
def test_register_verify_sign_in_and_change_password(request, viewport, db):
    page = request.getfixturevalue(viewport)
    email = f"newcomer-{viewport.replace('_', '-')}@example.com"

    page.goto("/register")
    page.fill("input[name=name]", "Nora Newcomer")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "password123")  # too common: refused next to the field
    submit(page)
    assert "too easy to guess" in page.inner_text("#password-error")
    assert page.get_attribute("input[name=password]", "aria-invalid") == "true"
    assert page.input_value("input[name=name]") == "Nora Newcomer"  # entered values survive the error
    page.fill("input[name=password]", FIRST_PASSWORD)
    submit(page)
    assert "Check your email" in page.inner_text("main")

    [message] = outbox_messages(email)
    assert message.template == "verify_email"
    page.goto(message.context["url"])  # the link from the email
    assert page.locator("main form.form button[type=submit]").is_visible()
    submit(page)
    assert "email is confirmed" in page.inner_text("body")

    sign_in(page, email, FIRST_PASSWORD)
    assert "/login" not in page.url
    assert "Nora" in page.inner_text("header")

    page.goto("/account/password")
    page.fill("input[name=current_password]", FIRST_PASSWORD)
    page.fill("input[name=password]", NEW_PASSWORD)
    submit(page)
    assert "password is changed" in page.inner_text("body")

    # Sign out through the account menu, as a person would.
    page.click("header details.account-menu summary")
    with page.expect_navigation():
        page.click("header form[action='/logout'] button")
    assert "/login" in page.url

    sign_in(page, email, FIRST_PASSWORD)
    assert "do not match" in page.inner_text("main")
    sign_in(page, email, NEW_PASSWORD)
    assert "/login" not in page.url
    assert "Nora" in page.inner_text("header")


@pytest.mark.parametrize("viewport", ["page", "phone_page"])
@pytest.mark.parametrize("path", ["/login", "/register", "/reset-password"])
def test_auth_pages_pass_axe(request, viewport, path):
    page = request.getfixturevalue(viewport)
    page.goto(path)
    assert_no_serious_axe_violations(page)


def test_sign_in_form_shows_errors_accessibly(page, make_user):
    make_user(email="someone@example.com")
    page.goto("/login")
    page.fill("input[name=email]", "someone@example.com")
    page.fill("input[name=password]", "not the password")
    submit(page)
    assert "do not match" in page.inner_text("main")
    assert_no_serious_axe_violations(page)
