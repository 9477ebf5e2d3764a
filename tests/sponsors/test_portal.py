"""The sponsor portal: what a company's sponsor sees, and what nobody else does."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token


def _pages(w) -> dict[str, str]:
    a = w.company_a.id
    return {
        "summary": f"/companies/{a}",
        "group": f"/companies/{a}/groups/{w.group1.slug}",
        "group 2": f"/companies/{a}/groups/{w.group2.slug}",
        "payments csv": f"/companies/{a}/payments.csv",
    }


VIEWERS = ["sponsor of A", "sponsor of B", "employee who shares", "employee who left", "host", "member",
           "anonymous"]


def _card(page: str, name: str) -> str:
    """One employee's card on the sponsor's group page."""
    start = page.index(f"<h3>{name}</h3>")
    return page[start:page.index("</article>", start)]


def _viewer(w, name):
    return {"sponsor of A": w.sponsor_a, "sponsor of B": w.sponsor_b, "employee who shares": w.sharer,
            "employee who left": w.leaver, "host": w.host1, "member": w.member, "anonymous": None}[name]


@pytest.mark.parametrize("viewer", VIEWERS)
def test_only_the_companys_sponsors_open_its_pages(client, auth, world, viewer):
    user = _viewer(world, viewer)
    if user is not None:
        auth.login(user)
    for page, path in _pages(world).items():
        status = client.get(path).status_code
        if viewer == "sponsor of A":
            assert status == 200, (page, status)
        elif user is None:
            assert status == 302, (page, status)  # to the login page
        else:
            assert status == 404, (viewer, page, status)


def test_a_sponsor_sees_documents_of_the_companys_payments_only(client, auth, db, world):
    from billing.models import Invoice

    number_a = db.session.scalar(select(Invoice.number).where(Invoice.payment_id == world.payment_a1.id))
    number_b = db.session.scalar(select(Invoice.number).where(Invoice.payment_id == world.payment_b.id))
    auth.login(world.sponsor_a)
    assert client.get(f"/payments/{world.payment_a1.id}/receipt").status_code == 200
    assert client.get(f"/payments/{world.payment_b.id}/receipt").status_code in (403, 404)
    assert number_a and number_b
    assert client.get(f"/invoices/{number_a}").status_code == 200
    assert client.get(f"/invoices/{number_b}").status_code in (403, 404)


def test_summary_puts_the_groups_side_by_side_with_a_recommendation(client, auth, world):
    auth.login(world.sponsor_a)
    page = client.get(f"/companies/{world.company_a.id}").get_data(as_text=True)
    assert "Nordlys A/S" in page and "2 groups" in page
    assert world.group1.name in page and world.group2.name in page
    assert re.search(r"DKK.30,000 paid", page)  # three seats at 8,000 + 25 % VAT
    assert "2 employees" in page  # the one who left the group no longer counts
    assert "How the recommendation is made" in page
    assert re.search(r"recommendation--(renew|reconsider|drop|too_early)", page)
    assert "Havn ApS" not in page and "Bent Bee" not in page  # nothing of company B


def test_an_employee_shows_only_what_they_share(client, auth, world):
    auth.login(world.sponsor_a)
    page = client.get(f"/companies/{world.company_a.id}/groups/{world.group1.slug}").get_data(as_text=True)
    sara = _card(page, "Sara Sharer")
    assert "Their fit and chemistry" in sara and "5.0 · 5.0" in sara
    quentin = _card(page, "Quentin Quiet")
    assert "Shares nothing with you." in quentin and "1.0" not in quentin
    other = client.get(f"/companies/{world.company_a.id}/groups/{world.group2.slug}").get_data(as_text=True)
    assert "Lars Leaver" in other and "No longer an active member" in other


def test_no_rating_click_or_comment_tied_to_a_member_reaches_a_sponsor(client, auth, world):
    auth.login(world.sponsor_a)
    seen = "".join(client.get(path).get_data(as_text=True) for path in _pages(world).values())
    assert "Private remark" not in seen  # comments are the host's, never a sponsor's
    for name in ("Mia Member", "Other 0", "Bent Bee"):
        assert name not in seen
    quentin = _card(seen, "Quentin Quiet")
    assert "Connections" not in quentin  # Quentin's clicks stay his


def test_an_employee_changes_what_they_share(client, auth, world):
    auth.login(world.quiet)
    url = f"/groups/{world.group1.slug}/sharing"
    page = client.get(url).get_data(as_text=True)
    assert "Nordlys A/S pays your seat" in page
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "scores": "y"})
    assert response.status_code == 302
    assert client.post(url, data={"scores": "y"}).status_code == 400  # no CSRF token
    auth.logout()
    auth.login(world.sponsor_a)
    page = client.get(f"/companies/{world.company_a.id}/groups/{world.group1.slug}").get_data(as_text=True)
    quentin = _card(page, "Quentin Quiet")
    assert "Their fit and chemistry" in quentin and "1.0 · 1.0" in quentin and "Connections" not in quentin


def test_a_member_paid_by_nobody_has_nothing_to_share(client, auth, world):
    auth.login(world.member)
    page = client.get(f"/groups/{world.group1.slug}/sharing").get_data(as_text=True)
    assert "No company pays your seat" in page


def test_a_company_payment_names_the_company(db, world):
    assert world.payment_a1.company_id == world.company_a.id
    assert world.payment_b.company_id == world.company_b.id


def test_a_payer_without_an_employer_gets_one_from_the_checkout(db, world, make_member):
    from groups.models import Membership
    from members.models import Company
    from tests.sponsors.conftest import pay

    user = make_member(world.group1, name="Frida Free", email="frida@example.com")
    ms = db.session.scalars(select(Membership).where(Membership.user_id == user.id)).one()
    payment = pay(world.group1, user, [ms], Company(name="Frida Consulting", vat_number="DK33333333"))
    assert payment.company_id is not None
    company = db.session.get(Company, payment.company_id)
    assert company.name == "Frida Consulting" and user.profile.company_id == company.id


def test_the_dashboard_leads_a_sponsor_to_the_portal(client, auth, world):
    auth.login(world.sponsor_a)
    page = client.get("/").get_data(as_text=True)
    assert f'href="/companies/{world.company_a.id}"' in page and "Havn ApS" not in page
    topbar = page[page.index('<header class="topbar">'):page.index("</header>")]
    assert f'href="/companies/{world.company_a.id}"' in topbar  # from every page, in the top bar
    auth.logout()
    auth.login(world.member)
    assert "/companies/" not in client.get("/").get_data(as_text=True)


def test_payments_csv_lists_the_companys_payments(client, auth, world):
    auth.login(world.sponsor_a)
    text = client.get(f"/companies/{world.company_a.id}/payments.csv").get_data(as_text=True)
    assert "Sara Sharer; Quentin Quiet" in text or "Quentin Quiet; Sara Sharer" in text
    assert "Bent Bee" not in text and text.count("\r\n") == 3  # header + two payments


def test_the_payer_is_offered_to_invite_the_company_contact(client, auth, world):
    auth.login(world.sharer)
    page = client.get(f"/payments/{world.payment_a1.id}").get_data(as_text=True)
    assert "Paid by" in page and "Nordlys A/S" in page
    assert f'href="/companies/{world.company_a.id}/invite"' in page
    auth.logout()
    auth.login(world.host1)
    page = client.get(f"/groups/{world.group1.slug}/admin/payments/{world.payment_a1.id}").get_data(as_text=True)
    assert f'href="/companies/{world.company_a.id}/invite"' in page


def test_a_self_payment_says_who_paid(client, auth, db, world):
    from groups.models import Membership
    from tests.sponsors.conftest import pay

    ms = db.session.scalars(select(Membership).where(Membership.user_id == world.member.id)).one()
    payment = pay(world.group1, world.member, [ms], None)
    auth.login(world.member)
    page = client.get(f"/payments/{payment.id}").get_data(as_text=True)
    assert re.search(r"Paid by</dt><dd>Mia Member", page)
    assert "/invite" not in page


def test_the_me_view_leads_to_the_sharing_choice(client, auth, world):
    auth.login(world.quiet)
    page = client.get(f"/groups/{world.group1.slug}/value?view=me").get_data(as_text=True)
    assert f'href="/groups/{world.group1.slug}/sharing"' in page


def test_each_sharing_employee_shows_their_own_figures_read_together(client, auth, db, world):
    """The group page reads the employees' own figures at once: a second employee who
    shares adds their card's figures (their own, not another's) and no query."""
    from common import cache
    from groups.models import Membership
    from sponsors.models import Share
    from tests.helpers import count_queries

    path = f"/companies/{world.company_a.id}/groups/{world.group1.slug}"
    auth.login(world.sponsor_a)

    def read() -> tuple[str, int]:
        client.get(path)
        cache.configure(False)
        try:
            with count_queries() as statements:
                page = client.get(path).get_data(as_text=True)
        finally:
            cache.configure(True)
        return page, len(statements)

    _page, one_sharing = read()
    quiet = db.session.query(Membership).filter_by(group_id=world.group1.id, user_id=world.quiet.id).one()
    db.session.add(Share(membership_id=quiet.id, company_id=world.company_a.id, scores=True))
    db.session.commit()
    page, two_sharing = read()
    assert "5.0 · 5.0" in _card(page, "Sara Sharer")
    assert "1.0 · 1.0" in _card(page, "Quentin Quiet")
    assert two_sharing == one_sharing
