"""Joining and leaving: apply, approve, decline, invite, leave, remove, co-hosts; cap and industry rules."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from common.audit import AuditEntry
from groups import invitations, memberships
from groups.memberships import MembershipError
from groups.models import Invite, Membership
from tests.conftest import csrf_token, outbox_messages
from tests.members.helpers import post_form


def _find_membership(db, user, group) -> Membership | None:
    db.session.expire_all()
    return db.session.scalars(
        select(Membership).where(Membership.user_id == user.id, Membership.group_id == group.id)
    ).first()


def _membership(db, user, group) -> Membership:
    membership = _find_membership(db, user, group)
    assert membership is not None, "no membership of this user in this group"
    return membership


def _post(client, path: str, **data):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, "/")})


APPLICATION = {"motivation": "Find partners for export.", "contribution": "Ten years in logistics."}


# Applying -------------------------------------------------------------------

def test_apply_creates_an_application_and_tells_the_host(client, auth, make_user, make_group, db):
    host = make_user(email="boss@example.com")
    group = make_group(host=host, slug="club")
    applicant = make_user()
    auth.login(applicant)
    response = post_form(client, "/groups/club/apply", APPLICATION)
    assert response.status_code == 302
    membership = _membership(db, applicant, group)
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
    assert _find_membership(db, applicant, group) is None


def test_extra_fields_on_apply_are_ignored(client, auth, make_user, make_group, db):
    group = make_group(slug="club")
    other = make_group(slug="other")
    applicant = make_user()
    auth.login(applicant)
    post_form(client, "/groups/club/apply",
              {**APPLICATION, "status": "active", "role": "host", "group_id": str(other.id), "user_id": "1"})
    membership = _membership(db, applicant, group)
    assert (membership.status, membership.role, membership.group_id) == ("applied", "member", group.id)
    assert _find_membership(db, applicant, other) is None


def test_anonymous_apply_goes_to_login(client, make_group):
    make_group(slug="club")
    response = client.get("/groups/club/apply")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("fee_minor, expected", [(800_000, "approved"), (0, "active")])
def test_open_group_joins_directly(client, auth, make_user, make_group, db, fee_minor, expected):
    group = make_group(slug="open", join_policy="open", fee_minor=fee_minor)
    user = make_user()
    auth.login(user)
    response = _post(client, "/groups/open/apply")
    assert response.status_code == 302
    assert _membership(db, user, group).status == expected


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
    membership = _membership(db, applicant, group)
    auth.login(host)
    response = _post(client, f"/groups/club/admin/members/{membership.id}/approve", next="home")
    assert response.status_code == 302
    assert _membership(db, applicant, group).status == expected
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
    _post(client, f"/groups/club/admin/members/{_membership(db, applicant, group).id}/decline")
    assert _membership(db, applicant, group).status == "declined"
    [mail] = outbox_messages(to="no@example.com")
    assert mail.template == "group_application_declined"


def test_declined_applicant_may_apply_again(client, auth, make_user, make_group, make_member, db):
    group = make_group(slug="club")
    user = make_member(group, status="declined")
    auth.login(user)
    post_form(client, "/groups/club/apply", APPLICATION)
    assert _membership(db, user, group).status == "applied"


def test_plain_member_cannot_approve(client, auth, make_user, make_group, make_member, db):
    group = make_group(slug="club")
    member = make_member(group)
    applicant = make_member(group, status="applied")
    auth.login(member)
    response = _post(client, f"/groups/club/admin/members/{_membership(db, applicant, group).id}/approve")
    assert response.status_code == 403
    assert _membership(db, applicant, group).status == "applied"


def test_host_of_another_group_cannot_approve_by_id(client, auth, make_user, make_group, make_member, db):
    other_host = make_user()
    make_group(host=other_host, slug="mine")
    group = make_group(slug="theirs")
    applicant = make_member(group, status="applied")
    auth.login(other_host)
    response = _post(client, f"/groups/mine/admin/members/{_membership(db, applicant, group).id}/approve")
    assert response.status_code == 404
    assert _membership(db, applicant, group).status == "applied"


# The cap and one-per-industry -----------------------------------------------------

def test_cap_blocks_approval_when_full(client, auth, make_user, make_group, make_member, db):
    host = make_user()
    group = make_group(host=host, slug="tiny", member_cap=2)
    make_member(group, status="approved")  # awaiting payment still holds a seat
    applicant = make_member(group, status="applied")
    auth.login(host)
    response = _post(client, f"/groups/tiny/admin/members/{_membership(db, applicant, group).id}/approve")
    assert response.status_code == 302
    assert _membership(db, applicant, group).status == "applied"
    assert "The group is full" in client.get("/groups/tiny/admin/members").get_data(as_text=True)


def test_cap_blocks_open_join_and_invites(app, make_user, make_group, make_member, db):
    host = make_user()
    group = make_group(host=host, join_policy="open", member_cap=2)
    make_member(group)
    with app.test_request_context():
        with pytest.raises(MembershipError):
            memberships.apply(group, make_user())
        db.session.rollback()
        invite = invitations.invite(group, "late@example.com", host)
        db.session.commit()
        with pytest.raises(MembershipError):
            invitations.accept_invite(invite, make_user(email="late@example.com"))


def test_full_group_page_says_full(client, auth, make_user, make_group, make_member):
    group = make_group(slug="tiny", member_cap=2)
    make_member(group)
    auth.login(make_user())
    html = client.get("/groups/tiny").get_data(as_text=True)
    assert "Full" in html and "Apply to join" not in html


def test_one_member_per_industry(app, make_user, make_group, make_member, db):
    host = make_user(industry="Consulting")
    group = make_group(host=host, one_per_industry=True)
    make_member(group, industry="Legal")
    lawyer = make_user(industry=" legal ")
    banker = make_user(industry="Finance")
    nobody = make_user(industry="")
    with app.test_request_context():
        with pytest.raises(MembershipError, match="already has a member from legal"):
            memberships.apply(group, lawyer, "m", "c")
        db.session.rollback()
        with pytest.raises(MembershipError, match="Add your industry"):
            memberships.apply(group, nobody, "m", "c")
        db.session.rollback()
        membership = memberships.apply(group, banker, "m", "c")
        assert membership.status == "applied"
        db.session.commit()
        # A second banker may apply while the first is only applied, but not once approved.
        other_banker = make_user(industry="Finance")
        second = memberships.apply(group, other_banker, "m", "c")
        memberships.approve(membership, host)
        db.session.commit()
        with pytest.raises(MembershipError, match="one member per industry"):
            memberships.approve(second, host)


# Leaving, removing, co-hosts ---------------------------------------------------------

def test_member_leaves(client, auth, make_group, make_member, db):
    group = make_group(slug="club")
    member = make_member(group)
    auth.login(member)
    response = _post(client, "/groups/club/leave")
    assert response.status_code == 302
    assert _membership(db, member, group).status == "left"
    assert client.get("/groups/club/members").status_code == 403


def test_applicant_withdraws(client, auth, make_group, make_member, db):
    group = make_group(slug="club")
    user = make_member(group, status="applied")
    auth.login(user)
    _post(client, "/groups/club/leave")
    assert _membership(db, user, group).status == "left"


def test_host_cannot_leave(client, auth, make_user, make_group, db):
    host = make_user()
    group = make_group(host=host, slug="club")
    auth.login(host)
    _post(client, "/groups/club/leave")
    assert _membership(db, host, group).status == "active"


def test_leave_needs_csrf(client, auth, make_group, make_member, db):
    group = make_group(slug="club")
    member = make_member(group)
    auth.login(member)
    assert client.post("/groups/club/leave").status_code == 400
    assert _membership(db, member, group).status == "active"


def test_host_removes_member_audited(client, auth, make_user, make_group, make_member, db):
    host = make_user()
    group = make_group(host=host, slug="club")
    member = make_member(group)
    auth.login(host)
    _post(client, f"/groups/club/admin/members/{_membership(db, member, group).id}/remove")
    assert _membership(db, member, group).status == "removed"
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
    _post(client, f"/groups/club/admin/members/{_membership(db, host, group).id}/remove")
    assert _membership(db, host, group).status == "active"


def test_host_appoints_and_removes_cohost(client, auth, make_user, make_group, make_member, db):
    host = make_user()
    group = make_group(host=host, slug="club")
    member = make_member(group)
    membership_id = _membership(db, member, group).id
    auth.login(host)
    _post(client, f"/groups/club/admin/members/{membership_id}/role", role="co-host")
    assert _membership(db, member, group).role == "co-host"
    # the co-host now reaches the admin pages
    from tests.conftest import AuthActions

    cohost_client = client.application.test_client()
    AuthActions(cohost_client).login(member)
    assert cohost_client.get("/groups/club/admin").status_code == 200
    _post(client, f"/groups/club/admin/members/{membership_id}/role", role="member")
    assert _membership(db, member, group).role == "member"
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
    _post(client, f"/groups/club/admin/members/{_membership(db, member, group).id}/role", role="co-host")
    _post(client, f"/groups/club/admin/members/{_membership(db, member, group).id}/role", role="host")
    assert _membership(db, member, group).role == "member"


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
    assert _membership(db, guest, group).status == "active"
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
    _post(client, f"/groups/club/admin/invites/{invite.id}/revoke")
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


def test_concurrent_approvals_never_exceed_the_cap(app, make_user, make_group, make_member, db):
    """Two hosts approve two applicants for the last seat at the same moment: one wins."""
    import threading

    from extensions import db as _db

    host = make_user()
    cohost = make_user()
    group = make_group(host=host, member_cap=3)
    make_member(group, user=cohost, role="co-host")
    applicants = [make_member(group, status="applied") for _ in range(2)]
    ids = [_membership(db, a, group).id for a in applicants]
    actor_ids = [host.id, cohost.id]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(index: int) -> None:
        with app.app_context(), app.test_request_context():
            from members.models import User

            membership = _db.session.get(Membership, ids[index])
            actor = _db.session.get(User, actor_ids[index])
            barrier.wait()
            try:
                assert membership is not None and actor is not None
                memberships.approve(membership, actor)
                _db.session.commit()
                outcomes.append("approved")
            except MembershipError:
                _db.session.rollback()
                outcomes.append("full")
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=approve, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["approved", "full"]
    db.session.expire_all()
    statuses = sorted(db.session.get(Membership, i).status for i in ids)
    assert statuses == ["applied", "approved"]
