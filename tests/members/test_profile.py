"""Profile editing and who may see a member's profile."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from members.models import Company, User
from tests.members.helpers import post_form

PROFILE = {
    "name": "Anders Kjær",
    "headline": "CFO at Nordlys",
    "company_name": "Nordlys Software A/S",
    "company_vat": "dk 3811 4502",
    "company_billing_email": "invoices@nordlys.example.com",
    "industry": "Software",
    "bio": "Scaled from 20 to 140.",
    "purposes": ["partners", "learning"],
    "offers_tags": "Fundraising, pricing,  SaaS   metrics, pricing",
    "offers_text": "Board packs.",
    "seeks_tags": "export to germany",
    "seeks_text": "A German partner.",
    "linkedin_url": "https://www.linkedin.com/in/anders",
    "phone": "+45 20 00 00 00",
}


def test_profile_saves_every_field(client, auth, make_user, db):
    user = make_user()
    auth.login(user)
    response = post_form(client, "/profile", PROFILE)
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, user.id)
    p = user.profile
    assert user.name == "Anders Kjær"
    assert (p.headline, p.industry, p.bio, p.phone) == ("CFO at Nordlys", "Software", "Scaled from 20 to 140.", "+45 20 00 00 00")
    assert p.purposes == ["partners", "learning"]
    assert p.offers_tags == ["fundraising", "pricing", "saas metrics"]
    assert p.seeks_tags == ["export to germany"]
    assert (p.offers_text, p.seeks_text) == ("Board packs.", "A German partner.")
    assert p.company.name == "Nordlys Software A/S" and p.company.vat_number == "DK38114502"
    assert p.company.billing_email == "invoices@nordlys.example.com"
    # the form shows the saved values
    html = client.get("/profile").get_data(as_text=True)
    assert 'value="fundraising, pricing, saas metrics"' in html and 'value="DK38114502"' in html


def test_same_vat_number_reuses_the_company(client, auth, make_user, db):
    for _n in range(2):
        auth.login(make_user())
        post_form(client, "/profile", PROFILE)
        auth.logout()
    assert len(db.session.scalars(select(Company)).all()) == 1


@pytest.mark.parametrize(
    "override, error",
    [
        ({"linkedin_url": "javascript:alert(1)"}, "Invalid URL"),
        ({"purposes": ["world-domination"]}, "is not a valid choice"),
        ({"name": ""}, "This field is required"),
        ({"headline": "x" * 161}, "longer than 160"),
        ({"company_billing_email": "nope"}, "Invalid email"),
    ],
)
def test_profile_validation(client, auth, make_user, db, override, error):
    user = make_user(headline="Before")
    auth.login(user)
    response = post_form(client, "/profile", {**PROFILE, **override})
    assert response.status_code == 200
    assert error in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).profile.headline == "Before"


def test_extra_fields_on_profile_are_ignored(client, auth, make_user, db):
    user = make_user()
    auth.login(user)
    post_form(client, "/profile", {**PROFILE, "is_admin": "y", "role": "host", "status": "active",
                                    "email": "evil@example.com", "user_id": "1", "session_version": "99"})
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert not user.is_admin and user.email != "evil@example.com" and user.session_version == 1


@pytest.fixture
def world(make_user, make_group, make_member):
    host = make_user()
    group = make_group(host=host)
    other = make_group()
    return {
        "target": make_member(group, name="Tina Target", headline="Secret headline"),
        "self": None,
        "peer": make_member(group),
        "host": host,
        "applicant": make_member(group, status="applied"),
        "left": make_member(group, status="left"),
        "other_group": make_member(other),
        "stranger": make_user(),
        "admin": make_user(is_admin=True),
    }


@pytest.mark.parametrize(
    "who, expected",
    [("self", 200), ("peer", 200), ("host", 200), ("admin", 200),
     ("applicant", 404), ("left", 404), ("other_group", 404), ("stranger", 404), ("anonymous", 302)],
)
def test_profile_privacy_matrix(client, auth, world, who, expected):
    target = world["target"]
    if who == "self":
        auth.login(target)
    elif who != "anonymous":
        auth.login(world[who])
    response = client.get(f"/members/{target.id}")
    assert response.status_code == expected
    html = response.get_data(as_text=True)
    assert ("Secret headline" in html) is (expected == 200)


def test_host_sees_applicant_profile(client, auth, world):
    auth.login(world["host"])
    assert client.get(f"/members/{world['applicant'].id}").status_code == 200


def test_removed_member_no_longer_sees_peers(client, auth, make_group, make_member):
    group = make_group()
    target = make_member(group)
    removed = make_member(group, status="removed")
    auth.login(removed)
    assert client.get(f"/members/{target.id}").status_code == 404


def test_unknown_member_is_404(client, auth, make_user):
    auth.login(make_user(is_admin=True))
    assert client.get("/members/999999").status_code == 404
