"""Inviting a company's billing contact: emailed, signed, expiring, for one address."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from common.db import utcnow
from tests.conftest import csrf_token, outbox_messages

CONTACT = "billing@nordlys.example.com"


def _invite(client, auth, world, inviter, email=CONTACT):
    auth.login(inviter)
    url = f"/companies/{world.company_a.id}/invite"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "email": email})
    auth.logout()
    return response


def _link(email=CONTACT) -> str:
    message = outbox_messages(email)[-1]
    assert message.template == "sponsor_invitation"
    return urlsplit(message.context["url"]).path


@pytest.mark.parametrize("inviter", ["sponsor of A", "payer", "host"])
def test_who_may_invite(client, auth, world, inviter):
    user = {"sponsor of A": world.sponsor_a, "payer": world.sharer, "host": world.host1}[inviter]
    assert _invite(client, auth, world, user).status_code == 302
    assert "Nordlys A/S" in outbox_messages(CONTACT)[-1].context["subject"]


@pytest.mark.parametrize("inviter", ["sponsor of B", "employee not paying", "member"])
def test_who_may_not_invite(client, auth, world, inviter):
    user = {"sponsor of B": world.sponsor_b, "employee not paying": world.quiet, "member": world.member}[inviter]
    assert _invite(client, auth, world, user).status_code == 404
    assert outbox_messages(CONTACT) == []


def test_invite_form_errors_sit_next_to_the_field(client, auth, world):
    auth.login(world.sponsor_a)
    url = f"/companies/{world.company_a.id}/invite"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "email": "not an email"})
    assert response.status_code == 422 and "Enter a valid email address." in response.get_data(as_text=True)
    assert client.post(url, data={"email": CONTACT}).status_code == 400  # no CSRF token


def test_the_invited_contact_signs_up_accepts_and_sees_the_portal(client, auth, db, world, make_user):
    from sponsors.models import Sponsor

    _invite(client, auth, world, world.sharer)
    link = _link()
    page = client.get(link).get_data(as_text=True)
    assert "Sign in with billing@nordlys.example.com" in page
    contact = make_user(name="Birgit Billing", email=CONTACT)
    auth.login(contact)
    page = client.get(link).get_data(as_text=True)
    assert "Accept and open the portal" in page
    assert client.post(link, data={}).status_code == 400  # CSRF on the acceptance
    response = client.post(link, data={"csrf_token": csrf_token(client, link)})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/companies/{world.company_a.id}")
    assert db.session.scalars(select(Sponsor).where(Sponsor.user_id == contact.id)).one().company_id == world.company_a.id
    assert client.get(f"/companies/{world.company_a.id}").status_code == 200
    # Used once.
    assert client.post(link, data={"csrf_token": csrf_token(client, link)}).status_code == 403


def test_someone_else_cannot_use_the_link(client, auth, db, world):
    from sponsors.models import Sponsor

    _invite(client, auth, world, world.sponsor_a)
    link = _link()
    auth.login(world.member)
    response = client.post(link, data={"csrf_token": csrf_token(client, link)})
    assert response.status_code == 403 and "This invitation is for billing@nordlys.example.com" in response.get_data(as_text=True)
    assert db.session.scalars(select(Sponsor).where(Sponsor.user_id == world.member.id)).first() is None


def test_an_expired_or_forged_link_is_refused(client, auth, world, make_user):
    _invite(client, auth, world, world.sponsor_a)
    link = _link()
    make_user(email=CONTACT)
    auth.login(CONTACT)
    assert client.get(link[:-3] + "abc").status_code == 410
    assert client.get("/sponsor-invitations/" + "x" * 10_000).status_code == 410
    with freeze_time(utcnow() + timedelta(days=15)):
        assert client.get(link).status_code == 410
