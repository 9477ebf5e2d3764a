"""Photo upload: re-encoded, checked content, size limits, access-checked serving."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from members.models import User
from members.photos import path_for
from tests.conftest import csrf_token
from tests.members.helpers import png_bytes


def _upload(client, data: bytes, filename: str = "me.png", content_type: str = "image/png"):
    return client.post(
        "/profile/photo",
        data={"csrf_token": csrf_token(client, "/profile"), "photo": (io.BytesIO(data), filename, content_type)},
        content_type="multipart/form-data",
    )


def _photo_name(db, user) -> str | None:
    db.session.expire_all()
    return db.session.get(User, user.id).profile.photo_filename


def _stored_photo(db, user) -> Path:
    """The file of the user's photo, which must be one we stored."""
    path = path_for(_photo_name(db, user))
    assert path is not None
    return path


def test_valid_png_is_reencoded_as_square_jpeg(client, auth, make_user, db):
    user = make_user()
    auth.login(user)
    response = _upload(client, png_bytes(300, 200), filename="../../evil name.png")
    assert response.status_code == 302
    name = _photo_name(db, user)
    assert name and name.endswith(".jpg") and "evil" not in name and len(name) == 36
    stored = path_for(name)
    assert stored is not None
    with Image.open(stored) as image:
        assert image.format == "JPEG" and image.size == (512, 512)
    served = client.get(f"/members/{user.id}/photo")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"


def test_replacing_a_photo_deletes_the_old_file(client, auth, make_user, db):
    user = make_user()
    auth.login(user)
    _upload(client, png_bytes())
    first = _stored_photo(db, user)
    _upload(client, png_bytes(color="blue"))
    assert not first.exists() and _stored_photo(db, user).exists()


@pytest.mark.parametrize(
    "data, filename, content_type",
    [
        (b"<html><script>alert(1)</script></html>", "me.png", "image/png"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>', "me.svg", "image/svg+xml"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', "me.png", "image/png"),
        (b"GIF89a" + b"\x00" * 100, "me.jpg", "image/jpeg"),
        (b"", "me.png", "image/png"),
    ],
)
def test_fake_and_unsafe_images_are_rejected(client, auth, make_user, db, data, filename, content_type):
    user = make_user()
    auth.login(user)
    response = _upload(client, data, filename, content_type)
    assert response.status_code == 400
    assert 'class="error"' in response.get_data(as_text=True)
    assert _photo_name(db, user) is None


def test_gif_is_rejected_even_when_valid(client, auth, make_user, db):
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, format="GIF")
    user = make_user()
    auth.login(user)
    assert _upload(client, buffer.getvalue(), "me.png").status_code == 400
    assert _photo_name(db, user) is None


def test_too_large_request_is_413(client, auth, make_user, db, app):
    user = make_user()
    auth.login(user)
    big = b"\x89PNG" + b"0" * (app.config["MAX_CONTENT_LENGTH"] + 10)
    assert _upload(client, big).status_code == 413
    assert _photo_name(db, user) is None


def test_photo_over_the_photo_limit_is_a_form_error(client, auth, make_user, db, app):
    user = make_user()
    auth.login(user)
    old = app.config["PHOTO_MAX_BYTES"]
    app.config["PHOTO_MAX_BYTES"] = 1000
    try:
        response = _upload(client, png_bytes(400, 400, "white") + b"\x00" * 2000)
    finally:
        app.config["PHOTO_MAX_BYTES"] = old
    assert response.status_code == 400 and "too large" in response.get_data(as_text=True)
    assert _photo_name(db, user) is None


@pytest.mark.parametrize("who, expected", [("self", 200), ("peer", 200), ("other_group", 404), ("stranger", 404)])
def test_photo_access(client, auth, make_user, make_group, make_member, db, who, expected):
    group = make_group()
    owner = make_member(group)
    auth.login(owner)
    _upload(client, png_bytes())
    auth.logout()
    viewers = {"self": owner, "peer": make_member(group), "other_group": make_member(make_group()),
               "stranger": make_user()}
    auth.login(viewers[who])
    assert client.get(f"/members/{owner.id}/photo").status_code == expected


def test_anonymous_cannot_fetch_photos(client, auth, make_user):
    user = make_user()
    auth.login(user)
    _upload(client, png_bytes())
    auth.logout()
    assert client.get(f"/members/{user.id}/photo").status_code == 302


def test_remove_photo(client, auth, make_user, db):
    user = make_user()
    auth.login(user)
    _upload(client, png_bytes())
    stored = _stored_photo(db, user)
    client.post("/profile/photo/delete", data={"csrf_token": csrf_token(client, "/profile")})
    assert _photo_name(db, user) is None and not stored.exists()


def test_path_for_refuses_names_we_did_not_make():
    assert path_for("../../etc/passwd") is None
    assert path_for("x.svg") is None
