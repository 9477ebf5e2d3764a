"""Applying to a group (or joining an open one), and the host approving or declining."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from common.audit import AuditEntry
from tests.conftest import outbox_messages
from tests.groups.helpers import APPLICATION, find_membership, membership_of, post_button
from tests.members.helpers import post_form

# Applying -------------------------------------------------------------------

def test_apply_creates_an_application_and_tells_the_host(client, auth, make_user, make_group, db):
    host = make_user(email="boss@example.com")
    group = make_group(host=host, slug="club")
    applicant = make_user()
    auth.login(applicant)
    response = post_form(client, "/groups/club/apply", APPLICATION)
    assert response.status_code == 302
    membership = membership_of(db, applicant, group)
    assert (membership.status, membership.role) == ("applied", "member")
    assert membership.motivation == APPLICATION["motivation"]
    assert membership.contribution == APPLICATION["contribution"]
    [mail] = outbox_messages(to="boss@example.com")
    assert mail.template == "group_application_received"
    assert "Application pending" in client.get("/groups/club").get_data(as_text=True) or \
        "Applied" in client.get("/groups/club").get_data(as_text=True)


def test_apply_needs_motivation(client, auth, make_user, make_group, db):
    group = make_group(slug="club")
    applicant = make_user()
    auth.login(applicant)
    response = post_form(client, "/groups/club/apply", {"motivation": "", "contribution": ""})
    assert response.status_code == 200
    assert "This field is required" in response.get_data(as_text=True)
    assert find_membership(db, applicant, group) is None


def test_extra_fields_on_apply_are_ignored(client, auth, make_user, make_group, db):
    group = make_group(slug="club")
    other = make_group(slug="other")
    applicant = make_user()
    auth.login(applicant)
    post_form(client, "/groups/club/apply",
              {**APPLICATION, "status": "active", "role": "host", "group_id": str(other.id), "user_id": "1"})
    membership = membership_of(db, applicant, group)
    assert (membership.status, membership.role, membership.group_id) == ("applied", "member", group.id)
    assert find_membership(db, applicant, other) is None


def test_anonymous_apply_goes_to_login(client, make_group):
    make_group(slug="club")
    response = client.get("/groups/club/apply")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("fee_minor, expected", [(800_000, "approved"), (0, "active")])
def test_open_group_joins_directly(client, auth, make_user, make_group, db, fee_minor, expected):
    group = make_group(slug="open", join_policy="open", fee_minor=fee_minor)
    user = make_user()
    auth.login(user)
    response = post_button(client, "/groups/open/apply")
    assert response.status_code == 302
    assert membership_of(db, user, group).status == expected


def test_open_group_apply_page_leads_to_the_join_button(client, auth, make_user, make_group):
    make_group(slug="open", join_policy="open")
    auth.login(make_user())
    response = client.get("/groups/open/apply")
    assert response.status_code == 302 and response.headers["Location"].endswith("/groups/open")
    assert "Join the group" in client.get("/groups/open").get_data(as_text=True)


# Approving and declining ---------------------------------------------------------

@pytest.mark.parametrize("fee_minor, expected", [(800_000, "approved"), (0, "active")])
def test_host_approves_application(client, auth, make_user, make_group, make_member, db, fee_minor, expected):
    host = make_user()
    group = make_group(host=host, slug="club", fee_minor=fee_minor)
    applicant = make_member(group, status="applied", email="applicant@example.com")
    membership = membership_of(db, applicant, group)
    auth.login(host)
    response = post_button(client, f"/groups/club/admin/members/{membership.id}/approve", next="home")
    assert response.status_code == 302
    assert membership_of(db, applicant, group).status == expected
    [mail] = outbox_messages(to="applicant@example.com")
    assert mail.template == "group_application_approved"
    assert mail.context["awaiting_payment"] is (expected == "approved")
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "membership.approved")).one()
    assert (entry.actor_id, entry.target_user_id) == (host.id, applicant.id)
    if expected == "approved":
        applicant_client = client.application.test_client()
        from tests.conftest import AuthActions

        AuthActions(applicant_client).login(applicant)
        assert "Awaiting payment" in applicant_client.get("/").get_data(as_text=True)


def test_host_declines_application(client, auth, make_user, make_group, make_member, db):
    host = make_user()
    group = make_group(host=host, slug="club")
    applicant = make_member(group, status="applied", email="no@example.com")
    auth.login(host)
    post_button(client, f"/groups/club/admin/members/{membership_of(db, applicant, group).id}/decline")
    assert membership_of(db, applicant, group).status == "declined"
    [mail] = outbox_messages(to="no@example.com")
    assert mail.template == "group_application_declined"


def test_declined_applicant_may_apply_again(client, auth, make_user, make_group, make_member, db):
    group = make_group(slug="club")
    user = make_member(group, status="declined")
    auth.login(user)
    post_form(client, "/groups/club/apply", APPLICATION)
    assert membership_of(db, user, group).status == "applied"


def test_plain_member_cannot_approve(client, auth, make_user, make_group, make_member, db):
    group = make_group(slug="club")
    member = make_member(group)
    applicant = make_member(group, status="applied")
    auth.login(member)
    response = post_button(client, f"/groups/club/admin/members/{membership_of(db, applicant, group).id}/approve")
    assert response.status_code == 403
    assert membership_of(db, applicant, group).status == "applied"


def test_host_of_another_group_cannot_approve_by_id(client, auth, make_user, make_group, make_member, db):
    other_host = make_user()
    make_group(host=other_host, slug="mine")
    group = make_group(slug="theirs")
    applicant = make_member(group, status="applied")
    auth.login(other_host)
    response = post_button(client, f"/groups/mine/admin/members/{membership_of(db, applicant, group).id}/approve")
    assert response.status_code == 404
    assert membership_of(db, applicant, group).status == "applied"

