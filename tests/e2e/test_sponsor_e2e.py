"""End to end: the payer invites the company's billing contact; the contact opens the
email's link on a phone, creates an account, verifies it, signs in, accepts, and sees
the company summary, a group's report and an employee's shared card."""
from __future__ import annotations

from urllib.parse import urlsplit

from tests.conftest import outbox_messages
from tests.e2e.conftest import assert_no_serious_axe_violations, login
from tests.sponsors.conftest import world  # noqa: F401 (the sponsor world fixture)

CONTACT = "billing@nordlys.example.com"
PASSWORD = "tidal orchard whistles at dusk"


def submit(page) -> None:
    with page.expect_navigation():
        page.click("main form.form button[type=submit]")


def test_the_company_contact_joins_and_reads_the_portal(db, page, phone_page, world):  # noqa: F811
    # The payer, on the payment's confirmation, invites the billing contact.
    login(page, world.sharer.email, "correct horse battery staple")
    page.goto(f"/payments/{world.payment_a1.id}")
    with page.expect_navigation():
        page.click("text=Invite the company's contact")
    page.fill("input[name=email]", CONTACT)
    submit(page)
    assert "Invitation sent to billing@nordlys.example.com" in page.inner_text("main")
    [message] = outbox_messages(CONTACT)
    link = urlsplit(message.context["url"]).path

    # The contact opens the link on a phone: no account yet.
    phone = phone_page
    phone.goto(link)
    assert "Sign in with billing@nordlys.example.com" in phone.inner_text("main")
    with phone.expect_navigation():
        phone.click("main a:has-text('Create an account')")
    phone.fill("input[name=name]", "Birgit Billing")
    phone.fill("input[name=email]", CONTACT)
    phone.fill("input[name=password]", PASSWORD)
    submit(phone)
    verify = next(m for m in outbox_messages(CONTACT) if m.template == "verify_email")
    phone.goto(urlsplit(verify.context["url"]).path)
    submit(phone)
    # Back to the invitation: sign in, and land on it again.
    phone.goto(link)
    with phone.expect_navigation():
        phone.click("main a:has-text('Sign in')")
    phone.fill("input[name=email]", CONTACT)
    phone.fill("input[name=password]", PASSWORD)
    submit(phone)
    assert urlsplit(phone.url).path == link
    with phone.expect_navigation():
        phone.click("main button:has-text('Accept and open the portal')")

    main = phone.inner_text("main")
    assert "Nordlys A/S" in main and "2 groups" in main and "How the recommendation is made" in main
    assert "Havn ApS" not in main
    assert_no_serious_axe_violations(phone)
    with phone.expect_navigation():
        phone.click(f"main a:has-text('{world.group1.name}')")
    main = phone.inner_text("main")
    assert "Our recommendation" in main and "How the verdict is decided" in main
    card = phone.locator("article.employee-card", has_text="Sara Sharer").inner_text()
    assert "Their fit and chemistry" in card and "5.0" in card
    assert "Shares nothing with you." in phone.locator("article.employee-card", has_text="Quentin Quiet").inner_text()
    assert "Private remark" not in phone.content()
    assert_no_serious_axe_violations(phone)
