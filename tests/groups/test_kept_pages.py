"""Pages kept per worker (common.cache) follow every write and the clock, and
never show one viewer what belongs to another."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from common import cache
from common.db import utcnow
from tests.conftest import AuthActions, csrf_token


@pytest.fixture
def circle(make_user, make_group, make_member, make_meetup):
    host = make_user(name="Hanne Host")
    group = make_group(host=host, name="Kept Circle")
    member = make_member(group, name="Mads Member")
    meetup = make_meetup(group, title="Spring meetup")
    return {"host": host, "group": group, "member": member, "meetup": meetup}


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_group_page_follows_a_renamed_host_and_a_new_meetup(client, auth, circle, db, make_meetup):
    auth.login(circle["member"])
    path = f"/groups/{circle['group'].slug}"
    assert "Hanne Host" in _page(client, path) and "Spring meetup" in _page(client, path)  # now kept
    circle["host"].name = "Hanne Renamed"
    db.session.commit()
    make_meetup(circle["group"], title="Summer meetup", starts_at=utcnow() + timedelta(days=2))
    html = _page(client, path)
    assert "Hanne Renamed" in html and "Hanne Host" not in html
    assert "Summer meetup" in html


def test_the_meetup_page_follows_an_rsvp_of_someone_else(app, client, auth, circle, make_member):
    auth.login(circle["member"])
    path = f"/groups/{circle['group'].slug}/meetups/{circle['meetup'].id}"
    assert "Nora Newcomer" not in _page(client, path)
    other = make_member(circle["group"], name="Nora Newcomer")
    other_client = app.test_client()
    AuthActions(other_client).login(other)
    token = csrf_token(other_client, path)
    assert other_client.post(f"{path}/rsvp", data={"csrf_token": token, "response": "going"}).status_code == 302
    assert "Nora Newcomer" in _page(client, path)


def test_the_host_overview_follows_a_new_application(app, client, auth, circle, make_user):
    auth.login(circle["host"])
    path = f"/groups/{circle['group'].slug}/admin"
    assert "Anna Applicant" not in _page(client, path)
    applicant = make_user(name="Anna Applicant")
    applicant_client = app.test_client()
    AuthActions(applicant_client).login(applicant)
    apply = f"/groups/{circle['group'].slug}/apply"
    form = {"csrf_token": csrf_token(applicant_client, apply), "motivation": "I sell to the same buyers.",
            "contribution": "Introductions to CFOs."}
    assert applicant_client.post(apply, data=form).status_code == 302
    html = _page(client, path)
    assert "Anna Applicant" in html and "I sell to the same buyers." in html


def test_the_dashboard_follows_an_invitation_and_a_new_meetup(client, auth, circle, make_user, make_group,
                                                              make_meetup, db):
    from groups import invitations

    auth.login(circle["member"])
    assert "Autumn meetup" not in _page(client, "/")
    make_meetup(circle["group"], title="Autumn meetup", starts_at=utcnow() + timedelta(days=1))
    assert "Autumn meetup" in _page(client, "/")
    other = make_group(name="Elsewhere Circle")
    invitations.invite(other, circle["member"].email, circle["host"])
    db.session.commit()
    assert "Elsewhere Circle" in _page(client, "/")


def test_a_shared_body_carries_each_session_s_own_token(app, circle, make_member, db):
    """Two members in the same standing share the group page's kept body; each
    gets a form that works with their own session."""
    from groups.models import Membership

    second = make_member(circle["group"], name="Sara Second")
    joined = utcnow().replace(microsecond=0)
    for membership in db.session.query(Membership).filter(Membership.role == "member"):
        membership.joined_at = joined
    db.session.commit()
    path = f"/groups/{circle['group'].slug}"
    for person in (circle["member"], second):
        client = app.test_client()
        AuthActions(client).login(person)
        html = _page(client, path)
        leave = re.search(r'action="([^"]+/leave)".*?name="csrf_token" value="([^"]+)"', html, re.S)
        assert leave, "the leave form is on the page"
        confirm = {"csrf_token": leave.group(2), "confirm_text": ""}
        assert client.post(leave.group(1), data=confirm).status_code in (200, 302)
        assert client.post(leave.group(1), data=confirm).status_code != 400  # not a CSRF failure either


def test_what_a_writing_transaction_reads_is_not_kept(db, circle):
    circle["group"].description = "Being edited"
    db.session.flush()
    assert cache.keep(("writing-test",), lambda: "uncommitted") == "uncommitted"
    db.session.rollback()
    assert cache.keep(("writing-test",), lambda: "fresh") == "fresh"
    assert cache.keep(("writing-test",), lambda: "later") == "fresh"  # kept now


@pytest.mark.parametrize("page", ["dashboard", "group", "meetup", "admin"])
def test_a_kept_page_still_shows_a_flashed_message_once(client, auth, circle, page):
    auth.login(circle["host"])
    slug = circle["group"].slug
    path = {"dashboard": "/", "group": f"/groups/{slug}", "meetup": f"/groups/{slug}/meetups/{circle['meetup'].id}",
            "admin": f"/groups/{slug}/admin"}[page]
    _page(client, path)
    _page(client, path)  # now kept
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Saved, and shown once")]
    assert "Saved, and shown once" in _page(client, path)
    assert "Saved, and shown once" not in _page(client, path)


def test_a_kept_page_follows_the_viewers_top_bar(client, auth, circle, db):
    auth.login(circle["member"])
    path = f"/groups/{circle['group'].slug}"
    assert "Mads" in _page(client, path)
    circle["member"].name = "Magnus Member"
    db.session.commit()
    html = _page(client, path)
    assert "Magnus" in html and ">Mads<" not in html
