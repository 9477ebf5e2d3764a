"""Permission matrix: every meetup host page × role, and member pages × role."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from meetups.models import RSVP, Meetup

# (method, path template) of every host page of this area.
HOST_PAGES = [
    ("GET", "/groups/{slug}/admin/meetups"),
    ("GET", "/groups/{slug}/admin/meetups/new"),
    ("POST", "/groups/{slug}/admin/meetups/new"),
    ("GET", "/groups/{slug}/admin/meetups/season"),
    ("POST", "/groups/{slug}/admin/meetups/season"),
    ("GET", "/groups/{slug}/admin/meetups/{meetup}"),
    ("GET", "/groups/{slug}/admin/meetups/{meetup}/edit"),
    ("POST", "/groups/{slug}/admin/meetups/{meetup}/edit"),
    ("POST", "/groups/{slug}/admin/meetups/{meetup}/cancel"),
    ("GET", "/groups/{slug}/admin/attendance"),
    ("GET", "/groups/{slug}/admin/attendance/members"),
    ("POST", "/groups/{slug}/admin/attendance/members"),
    ("GET", "/groups/{slug}/admin/meetups/{meetup}/attendance"),
    ("POST", "/groups/{slug}/admin/meetups/{meetup}/attendance/{member}"),
    ("POST", "/groups/{slug}/admin/meetups/{meetup}/walk-in"),
    ("GET", "/groups/{slug}/admin/meetups/{meetup}/code"),
    ("POST", "/groups/{slug}/admin/meetups/{meetup}/code"),
    ("GET", "/groups/{slug}/admin/message"),
    ("POST", "/groups/{slug}/admin/message"),
]
ROLES = ["anonymous", "outsider", "applicant", "member", "former", "host_of_other_group", "co-host", "host"]
ALLOWED = {"co-host", "host"}


@pytest.fixture
def world(make_group, make_member, make_user, make_meetup):
    group = make_group()
    other = make_group()
    users = {
        "outsider": make_user(),
        "applicant": make_member(group, status="applied"),
        "member": make_member(group),
        "former": make_member(group, status="left"),
        "host_of_other_group": make_member(other, role="host"),
        "co-host": make_member(group, role="co-host"),
    }
    from extensions import db
    from groups.models import Membership

    host = db.session.scalars(
        select(Membership).where(Membership.group_id == group.id, Membership.role == "host")
    ).first()
    assert host is not None
    users["host"] = host.user
    meetup = make_meetup(group)
    return group, meetup, users


def _path(template, group, meetup, users):
    return template.format(slug=group.slug, meetup=meetup.id, member=users["member"].id)


def _request(client, method, path, token):
    if method == "GET":
        return client.get(path)
    return client.post(path, data={"csrf_token": token, "title": "Hijacked", "subject": "x", "body": "y",
                                   "starts_at": "2031-01-01T17:00", "ends_at": "2031-01-01T19:00"})


@pytest.mark.parametrize("role", ROLES)
def test_host_pages_matrix(client, auth, db, world, role):
    group, meetup, users = world
    from tests.conftest import csrf_token

    token = csrf_token(client, "/login")
    if role != "anonymous":
        auth.login(users[role])
        token = csrf_token(client, "/meetups")
    for method, template in HOST_PAGES:
        path = _path(template, group, meetup, users)
        response = _request(client, method, path, token)
        if role == "anonymous":
            assert response.status_code == 302 and "/login" in response.location, (method, path)
        elif role in ALLOWED:
            assert response.status_code in (200, 302, 422), (role, method, path, response.status_code)
        else:
            assert response.status_code in (403, 404), (role, method, path, response.status_code)
    if role not in ALLOWED:
        db.session.expire_all()
        assert db.session.get(Meetup, meetup.id).status == "scheduled"
        assert db.session.scalar(select(func.count(Meetup.id))) == 1
        assert db.session.scalar(select(func.count(RSVP.id))) == 0


def test_host_of_one_group_cannot_reach_a_meetup_of_another_through_its_own_slug(client, auth, world, make_group,
                                                                                  make_meetup):
    group, meetup, users = world
    own_group = make_group(host=users["outsider"])
    auth.login(users["outsider"])
    assert client.get(f"/groups/{own_group.slug}/admin/meetups/{meetup.id}").status_code == 404
    assert client.get(f"/groups/{own_group.slug}/admin/meetups/{meetup.id}/attendance").status_code == 404


MEMBER_PAGES = [
    ("POST", "/groups/{slug}/meetups/{meetup}/rsvp"),
    ("GET", "/groups/{slug}/meetups/{meetup}/check-in"),
    ("GET", "/groups/{slug}/meetups/{meetup}.ics"),
]


@pytest.mark.parametrize("role,expected", [
    ("anonymous", {302}), ("outsider", {403}), ("applicant", {403}), ("former", {403}),
    ("member", {200, 302}), ("host", {200, 302}),
])
def test_member_pages_matrix(client, auth, world, role, expected):
    group, meetup, users = world
    from tests.conftest import csrf_token

    token = csrf_token(client, "/login")
    if role != "anonymous":
        auth.login(users[role])
        token = csrf_token(client, "/meetups")
    for method, template in MEMBER_PAGES:
        path = _path(template, group, meetup, users)
        response = client.get(path) if method == "GET" else client.post(path, data={"csrf_token": token,
                                                                                     "response": "going"})
        assert response.status_code in expected, (role, method, path, response.status_code)
    assert client.get(f"/groups/{group.slug}/meetups/{meetup.id}").status_code == 200
    assert client.get("/meetups").status_code == (302 if role == "anonymous" else 200)
