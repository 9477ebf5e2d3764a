"""The member cap and one member per industry, also under concurrent approvals."""
from __future__ import annotations

import pytest

from groups import invitations, memberships
from groups.memberships import MembershipError
from groups.models import Membership
from tests.groups.helpers import membership_of, post_button

# The cap and one-per-industry -----------------------------------------------------

def test_cap_blocks_approval_when_full(client, auth, make_user, make_group, make_member, db):
    host = make_user()
    group = make_group(host=host, slug="tiny", member_cap=2)
    make_member(group, status="approved")  # awaiting payment still holds a seat
    applicant = make_member(group, status="applied")
    auth.login(host)
    response = post_button(client, f"/groups/tiny/admin/members/{membership_of(db, applicant, group).id}/approve")
    assert response.status_code == 302
    assert membership_of(db, applicant, group).status == "applied"
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



def test_concurrent_approvals_never_exceed_the_cap(app, make_user, make_group, make_member, db):
    """Two hosts approve two applicants for the last seat at the same moment: one wins."""
    import threading

    from extensions import db as _db

    host = make_user()
    cohost = make_user()
    group = make_group(host=host, member_cap=3)
    make_member(group, user=cohost, role="co-host")
    applicants = [make_member(group, status="applied") for _ in range(2)]
    ids = [membership_of(db, a, group).id for a in applicants]
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
