"""Leaving, withdrawing and removal; appointing and removing co-hosts."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from common.audit import AuditEntry
from groups import memberships
from groups.memberships import MembershipError
from tests.groups.helpers import membership_of, post_button

# Leaving, removing, co-hosts ---------------------------------------------------------

def test_member_leaves(client, auth, make_group, make_member, db):
    group = make_group(slug="club")
    member = make_member(group)
    auth.login(member)
    response = post_button(client, "/groups/club/leave")
    assert response.status_code == 302
    assert membership_of(db, member, group).status == "left"
    assert client.get("/groups/club/members").status_code == 403


def test_applicant_withdraws(client, auth, make_group, make_member, db):
    group = make_group(slug="club")
    user = make_member(group, status="applied")
    auth.login(user)
    post_button(client, "/groups/club/leave")
    assert membership_of(db, user, group).status == "left"


def test_host_cannot_leave(client, auth, make_user, make_group, db):
    host = make_user()
    group = make_group(host=host, slug="club")
    auth.login(host)
    post_button(client, "/groups/club/leave")
    assert membership_of(db, host, group).status == "active"


def test_leave_needs_csrf(client, auth, make_group, make_member, db):
    group = make_group(slug="club")
    member = make_member(group)
    auth.login(member)
    assert client.post("/groups/club/leave").status_code == 400
    assert membership_of(db, member, group).status == "active"


def test_host_removes_member_audited(client, auth, make_user, make_group, make_member, db):
    host = make_user()
    group = make_group(host=host, slug="club")
    member = make_member(group)
    auth.login(host)
    post_button(client, f"/groups/club/admin/members/{membership_of(db, member, group).id}/remove")
    assert membership_of(db, member, group).status == "removed"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "membership.removed")).one()
    assert (entry.actor_id, entry.target_user_id, entry.group_id) == (host.id, member.id, group.id)


def test_removed_member_cannot_rejoin(app, make_group, make_member, db):
    group = make_group(join_policy="open")
    member = make_member(group, status="removed")
    with app.test_request_context(), pytest.raises(MembershipError):
        memberships.apply(group, member)


def test_host_cannot_be_removed(client, auth, make_user, make_group, make_member, db):
    host = make_user()
    group = make_group(host=host, slug="club")
    cohost = make_member(group, role="co-host")
    auth.login(cohost)
    post_button(client, f"/groups/club/admin/members/{membership_of(db, host, group).id}/remove")
    assert membership_of(db, host, group).status == "active"


def test_host_appoints_and_removes_cohost(client, auth, make_user, make_group, make_member, db):
    host = make_user()
    group = make_group(host=host, slug="club")
    member = make_member(group)
    membership_id = membership_of(db, member, group).id
    auth.login(host)
    post_button(client, f"/groups/club/admin/members/{membership_id}/role", role="co-host")
    assert membership_of(db, member, group).role == "co-host"
    # the co-host now reaches the admin pages
    from tests.conftest import AuthActions

    cohost_client = client.application.test_client()
    AuthActions(cohost_client).login(member)
    assert cohost_client.get("/groups/club/admin").status_code == 200
    post_button(client, f"/groups/club/admin/members/{membership_id}/role", role="member")
    assert membership_of(db, member, group).role == "member"
    assert cohost_client.get("/groups/club/admin").status_code == 403
    actions = db.session.scalars(
        select(AuditEntry.detail).where(AuditEntry.action == "membership.role_changed").order_by(AuditEntry.id)
    ).all()
    assert [a["role"] for a in actions] == ["co-host", "member"]


def test_cohost_cannot_appoint_cohosts_or_make_hosts(client, auth, make_user, make_group, make_member, db):
    group = make_group(slug="club")
    cohost = make_member(group, role="co-host")
    member = make_member(group)
    auth.login(cohost)
    post_button(client, f"/groups/club/admin/members/{membership_of(db, member, group).id}/role", role="co-host")
    post_button(client, f"/groups/club/admin/members/{membership_of(db, member, group).id}/role", role="host")
    assert membership_of(db, member, group).role == "member"

