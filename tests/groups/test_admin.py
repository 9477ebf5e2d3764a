"""Host admin pages: access matrix, overview, members table, invites, audit log, query counts."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from groups.models import Membership
from tests.conftest import csrf_token
from tests.helpers import page_queries

ADMIN_PAGES = [
    "/groups/club/admin",
    "/groups/club/admin/members",
    "/groups/club/admin/members?show=applied",
    "/groups/club/admin/members?show=former",
    "/groups/club/admin/invites",
    "/groups/club/admin/audit",
    "/groups/club/admin/settings",
]


@pytest.fixture
def world(make_user, make_group, make_member):
    host = make_user(name="Hanne Host")
    group = make_group(host=host, slug="club", name="The Club")
    other_host = make_user()
    make_group(host=other_host, slug="rival")
    return {
        "host": host,
        "cohost": make_member(group, role="co-host"),
        "member": make_member(group),
        "applicant": make_member(group, status="applied", name="Anna Applicant"),
        "other_host": other_host,
        "admin": make_user(is_admin=True),
    }


@pytest.mark.parametrize("path", ADMIN_PAGES)
@pytest.mark.parametrize(
    "who, expected",
    [("host", 200), ("cohost", 200), ("admin", 200), ("member", 403), ("applicant", 403), ("other_host", 403),
     (None, 302)],
)
def test_admin_access_matrix(client, auth, world, path, who, expected):
    if who:
        auth.login(world[who])
    assert client.get(path).status_code == expected


def test_admin_of_invite_only_group_is_404_to_outsiders(client, auth, make_user, make_group):
    make_group(slug="hidden", visibility="invite")
    auth.login(make_user())
    assert client.get("/groups/hidden/admin").status_code == 404


def test_overview_tiles_applications_and_audit(client, auth, world, make_member, db):
    from groups.models import Group

    group = db.session.scalars(select(Group).where(Group.slug == "club")).one()
    make_member(group, status="approved")
    auth.login(world["host"])
    html = client.get("/groups/club/admin").get_data(as_text=True)
    assert "Active members vs cap" in html and "Pending applications" in html and "Awaiting payment" in html
    assert "Anna Applicant" in html and "Approve" in html and "Decline" in html
    # subnav: existing tabs only, the current one marked
    assert 'href="/groups/club/admin" aria-current="page">Overview' in html
    assert 'href="/groups/club/admin/settings"' in html

    membership = db.session.scalars(
        select(Membership).where(Membership.user_id == world["applicant"].id)
    ).one()
    client.post(f"/groups/club/admin/members/{membership.id}/approve",
                data={"csrf_token": csrf_token(client, "/"), "next": "home"})
    html = client.get("/groups/club/admin").get_data(as_text=True)
    assert "No applications waiting" in html
    assert "approved" in html and "Anna Applicant" in html  # now in the recent activity


def test_members_table(client, auth, world):
    auth.login(world["host"])
    html = client.get("/groups/club/admin/members").get_data(as_text=True)
    assert "table--stack" in html
    assert "Co-host" in html and "Make co-host" in html and "Remove" in html
    assert "Anna Applicant" not in html  # applications are on their own tab
    assert "Anna Applicant" in client.get("/groups/club/admin/members?show=applied").get_data(as_text=True)


def test_audit_log_page_lists_actions(client, auth, world, db):
    auth.login(world["host"])
    client.post("/groups/club/admin/invites", data={"email": "a@example.com",
                                                     "csrf_token": csrf_token(client, "/groups/club/admin/invites")})
    html = client.get("/groups/club/admin/audit").get_data(as_text=True)
    assert "invited" in html and "a@example.com" in html and "Hanne Host" in html
    assert "a@example.com" in client.get("/groups/club/admin/invites").get_data(as_text=True)


def test_invite_form_validates_email(client, auth, world):
    auth.login(world["host"])
    response = client.post("/groups/club/admin/invites",
                           data={"email": "not-an-email", "csrf_token": csrf_token(client, "/groups/club/admin/invites")})
    assert response.status_code == 200 and "Invalid email address" in response.get_data(as_text=True)


def test_admin_actions_need_csrf(client, auth, world, db):
    auth.login(world["host"])
    membership = db.session.scalars(select(Membership).where(Membership.user_id == world["applicant"].id)).one()
    assert client.post(f"/groups/club/admin/members/{membership.id}/approve").status_code == 400
    db.session.expire_all()
    assert db.session.get(Membership, membership.id).status == "applied"


def test_nav_shows_admin_link_for_hosts(client, auth, world):
    auth.login(world["host"])
    assert "Admin: The Club" in client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login(world["member"])
    assert "Admin: The Club" not in client.get("/").get_data(as_text=True)


def _admin_home_queries(client, auth, make_user, make_group, make_member, n: int) -> int:
    host = make_user()
    group = make_group(host=host, member_cap=80, slug=f"adm{n}")
    for _i in range(n):
        make_member(group)
    for _i in range(n):
        make_member(group, status="applied", headline="Applicant", purposes=["sales"])
    from common.audit import record_audit
    from extensions import db

    for _i in range(n):
        record_audit("membership.approved", actor_id=host.id, group_id=group.id, target_user_id=host.id)
    db.session.commit()
    auth.login(host)
    count = page_queries(client, f"/groups/adm{n}/admin")
    auth.logout()
    return count


def test_admin_home_query_count_is_constant(client, auth, make_user, make_group, make_member):
    small = _admin_home_queries(client, auth, make_user, make_group, make_member, 3)
    large = _admin_home_queries(client, auth, make_user, make_group, make_member, 30)
    assert small == large


def _members_page_queries(client, auth, make_user, make_group, make_member, n: int) -> int:
    host = make_user()
    group = make_group(host=host, member_cap=80, slug=f"mem{n}")
    for _i in range(n):
        make_member(group)
    auth.login(host)
    count = page_queries(client, f"/groups/mem{n}/admin/members")
    auth.logout()
    return count


def test_admin_members_query_count_is_constant(client, auth, make_user, make_group, make_member):
    small = _members_page_queries(client, auth, make_user, make_group, make_member, 3)
    large = _members_page_queries(client, auth, make_user, make_group, make_member, 30)
    assert small == large
