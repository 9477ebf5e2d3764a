"""Invites by email: accepting after login, paid groups, revoked or forged links, the dashboard notice."""
from __future__ import annotations

import re

from sqlalchemy import select

from groups import invitations
from groups.models import Invite
from tests.conftest import outbox_messages
from tests.groups.helpers import membership_of, post_button
from tests.members.helpers import post_form

# Invites -------------------------------------------------------------------------------

def _invite_link(email: str) -> str:
    [mail] = [m for m in outbox_messages(to=email) if m.template == "group_invite"]
    return re.sub(r"^https?://[^/]+", "", mail.context["url"])


def test_invite_by_email_and_accept_after_login(client, auth, make_user, make_group, db):
    host = make_user()
    group = make_group(host=host, slug="club", visibility="invite", fee_minor=0)
    auth.login(host)
    response = post_form(client, "/groups/club/admin/invites", {"email": "Guest@Example.com"})
    assert response.status_code == 302
    invite = db.session.scalars(select(Invite)).one()
    assert invite.email == "guest@example.com"
    link = _invite_link("guest@example.com")
    auth.logout()

    # logged out: the page offers sign-in that comes back here
    page = client.get(link).get_data(as_text=True)
    assert "Sign in to accept" in page and "next=" in page
    guest = make_user(email="guest@example.com")
    auth.login(guest)
    response = post_form(client, link, {})
    assert response.status_code == 302
    assert membership_of(db, guest, group).status == "active"
    # single use
    assert client.get(link).status_code == 404


def test_invite_to_paid_group_awaits_payment(client, auth, make_user, make_group, db, app):
    host = make_user()
    group = make_group(host=host, fee_minor=800_000)
    guest = make_user()
    with app.test_request_context():
        invite = invitations.invite(group, guest.email, host)
        membership = invitations.accept_invite(invite, guest)
    assert membership.status == "approved"


def test_revoked_or_forged_invite_is_invalid(client, auth, make_user, make_group, db):
    host = make_user()
    make_group(host=host, slug="club")
    auth.login(host)
    post_form(client, "/groups/club/admin/invites", {"email": "x@example.com"})
    link = _invite_link("x@example.com")
    invite = db.session.scalars(select(Invite)).one()
    post_button(client, f"/groups/club/admin/invites/{invite.id}/revoke")
    assert client.get(link).status_code == 404
    assert client.get(link[:-3] + "abc").status_code == 404


def test_pending_invite_shows_on_new_members_dashboard(client, auth, make_user, make_group, app):
    host = make_user()
    group = make_group(host=host, name="Invited Circle")
    with app.test_request_context():
        invitations.invite(group, "newbie@example.com", host)
    from extensions import db as _db

    _db.session.commit()
    auth.login(make_user(email="newbie@example.com"))
    html = client.get("/").get_data(as_text=True)
    assert "You are invited to join Invited Circle" in html
    assert "/invite/" in html

