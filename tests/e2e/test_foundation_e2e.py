"""The foundation journey in real Chromium: register, verify, host a group; apply; approve; directory."""
from __future__ import annotations

import re

from tests.conftest import PASSWORD, outbox_messages
from tests.e2e.conftest import assert_no_serious_axe_violations, login


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def test_register_host_apply_approve_directory(page, phone_page, make_user, db):
    # A newcomer registers and confirms the emailed link.
    page.goto("/register")
    page.fill("input[name=name]", "Helle Host")
    page.fill("input[name=email]", "helle@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_load_state()
    db.session.expire_all()
    [mail] = [m for m in outbox_messages(to="helle@example.com") if m.template == "verify_email"]
    page.goto(_path(mail.context["url"]))
    if page.locator("form.form button[type=submit]").count():
        page.click("form.form button[type=submit]")
        page.wait_for_load_state()
    login(page, "helle@example.com")

    # She hosts a new group.
    page.goto("/groups/new")
    assert_no_serious_axe_violations(page)
    page.fill("input[name=name]", "Vejle Makers")
    page.fill("input[name=city]", "Vejle")
    page.fill("input[name=fee]", "0")
    page.fill("input[name=member_cap]", "12")
    page.click("text=Create the group")
    page.wait_for_load_state()
    assert page.url.endswith("/groups/vejle-makers/admin")
    assert "Vejle Makers" in page.inner_text("main")
    assert_no_serious_axe_violations(page)

    # A second person applies, on a phone.
    applicant = make_user(email="anton@example.com", name="Anton Applicant", headline="Welder and founder")
    login(phone_page, applicant.email)
    phone_page.goto("/groups/vejle-makers")
    assert_no_serious_axe_violations(phone_page)
    phone_page.click("text=Apply to join")
    phone_page.fill("textarea[name=motivation]", "Learn from other makers.")
    phone_page.fill("textarea[name=contribution]", "Twenty years of metalwork.")
    phone_page.click("text=Send application")
    phone_page.wait_for_load_state()
    assert "your application is with the host" in phone_page.inner_text("main").lower()

    # The host approves it from the admin overview.
    page.goto("/groups/vejle-makers/admin")
    assert "Anton Applicant" in page.inner_text("main")
    page.click("button:has-text('Approve')")
    page.wait_for_load_state()
    assert "Anton Applicant is now a member" in page.inner_text("main")

    # The new member sees the directory, with the host in it.
    phone_page.goto("/groups/vejle-makers/members")
    text = phone_page.inner_text("main")
    assert "Helle Host" in text and "Anton Applicant" in text
    assert_no_serious_axe_violations(phone_page)
