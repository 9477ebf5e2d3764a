"""GDPR: export my data (and nothing of others), delete my account."""
from __future__ import annotations

import io
import json

from sqlalchemy import select

from groups.models import Membership
from members import privacy
from members.models import User
from members.photos import path_for
from tests.conftest import PASSWORD, AuthActions, csrf_token
from tests.members.helpers import png_bytes


def test_export_contains_my_data_and_nothing_of_others(client, auth, make_user, make_group, make_member):
    group = make_group(name="Export Circle")
    me = make_member(group, name="Mia Mine", email="mia@example.com", headline="My headline",
                     offers_tags=["pricing"], bio="My bio")
    make_member(group, name="Olga Other", email="olga@example.com", headline="Olga headline")
    auth.login(me)
    response = client.get("/account/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == "mia@example.com" and data["account"]["name"] == "Mia Mine"
    assert data["profile"]["headline"] == "My headline" and data["profile"]["offers_tags"] == ["pricing"]
    assert [m["group"] for m in data["memberships"]] == ["Export Circle"]
    text = response.get_data(as_text=True)
    assert "olga" not in text.lower() and "Olga headline" not in text
    assert "password" not in text.lower()


def test_export_includes_sections_of_other_areas(client, auth, make_user):
    privacy.EXPORT_SECTIONS.append(("test_area", lambda user: {"uid": user.id}))
    try:
        user = make_user()
        auth.login(user)
        data = client.get("/account/export").get_json(force=True)
    finally:
        privacy.EXPORT_SECTIONS.pop()
    assert data["test_area"] == {"uid": user.id}


def test_export_needs_login(client):
    assert client.get("/account/export").status_code == 302


def _delete(client, password=PASSWORD, confirm=True):
    data = {"csrf_token": csrf_token(client, "/account"), "current_password": password}
    if confirm:
        data["confirm"] = "y"
    return client.post("/account/delete", data=data)


def test_delete_account_removes_personal_data_and_ends_sessions(app, client, auth, make_user, make_group, make_member, db):
    group = make_group()
    me = make_member(group, name="Del Ete", email="delete@example.com", headline="Gone soon",
                     phone="+45 11", linkedin_url="https://linkedin.com/in/x")
    auth.login(me)
    client.post("/profile/photo", data={"csrf_token": csrf_token(client, "/profile"),
                                        "photo": (io.BytesIO(png_bytes()), "p.png", "image/png")},
                content_type="multipart/form-data")
    db.session.expire_all()
    photo = path_for(db.session.get(User, me.id).profile.photo_filename)
    assert photo is not None and photo.exists()
    other_device = app.test_client()
    AuthActions(other_device).login(me)
    assert other_device.get("/account").status_code == 200

    hook_calls = []
    privacy.DELETE_HOOKS.append(lambda user: hook_calls.append(user.id))
    try:
        response = _delete(client)
    finally:
        privacy.DELETE_HOOKS.pop()
    assert response.status_code == 302
    assert hook_calls == [me.id]

    db.session.expire_all()
    user = db.session.get(User, me.id)
    assert user.name == privacy.DELETED_NAME and "delete@example.com" != user.email and user.is_deactivated
    assert (user.profile.headline, user.profile.phone, user.profile.linkedin_url) == ("", "", "")
    assert user.profile.photo_filename is None and not photo.exists()
    membership = db.session.scalars(select(Membership).where(Membership.user_id == me.id)).one()
    assert membership.status == "left"
    # both sessions are over, and the old password no longer works
    assert client.get("/account").status_code == 302
    assert other_device.get("/account").status_code == 302
    AuthActions(client).login("delete@example.com")
    assert client.get("/account").status_code == 302


def test_delete_needs_the_current_password(client, auth, make_user, db):
    user = make_user(name="Still Here")
    auth.login(user)
    response = _delete(client, password="wrong password entirely")
    assert response.status_code == 400
    assert "That is not your current password" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).name == "Still Here"


def test_delete_needs_the_checkbox(client, auth, make_user, db):
    user = make_user(name="Still Here")
    auth.login(user)
    assert _delete(client, confirm=False).status_code == 400
    db.session.expire_all()
    assert not db.session.get(User, user.id).is_deactivated


def test_host_must_hand_over_before_deleting(client, auth, make_user, make_group, db):
    host = make_user()
    make_group(host=host, name="Hosted Circle")
    auth.login(host)
    _delete(client)
    db.session.expire_all()
    assert not db.session.get(User, host.id).is_deactivated
    assert "Hosted Circle" in client.get("/account").get_data(as_text=True)


def test_deleted_member_disappears_from_the_directory(client, auth, make_group, make_member):
    group = make_group(slug="club")
    gone = make_member(group, name="Gone Person")
    viewer = make_member(group)
    auth.login(gone)
    _delete(client)
    auth.login(viewer)
    assert "Gone Person" not in client.get("/groups/club/members").get_data(as_text=True)
