"""Helpers shared by the foundation's tests (members and groups): images, form posts,
and the sign-in, link and session helpers of the account tests (test_registration.py …)."""
from __future__ import annotations

import io
from urllib.parse import urlsplit

from sqlalchemy import select

from members.models import User
from tests.conftest import PASSWORD, csrf_token
from tests.helpers import count_queries  # noqa: F401 (re-exported)


def png_bytes(width: int = 300, height: int = 200, color: str = "red") -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format="PNG")
    return buffer.getvalue()


def post_form(client, path: str, data: dict, *, form_page: str | None = None, **kwargs):
    """POST with the CSRF token taken from ``form_page`` (default: the path itself)."""
    token = csrf_token(client, form_page or path)
    return client.post(path, data={**data, "csrf_token": token}, **kwargs)


# Accounts and sessions ------------------------------------------------------------


def register(client, email, password=PASSWORD, name="Ada Lovelace"):
    return post_form(client, "/register", {"name": name, "email": email, "password": password})


def login(client, email, password=PASSWORD, remember=False, path="/login", ip="127.0.0.1"):
    token = csrf_token(client, "/login?reauth=1")  # the form is served to signed-in users too
    data = {"email": email, "password": password, "csrf_token": token}
    if remember:
        data["remember"] = "y"
    return client.post(path, data=data, environ_base={"REMOTE_ADDR": ip})


def link_path(message) -> str:
    """The path of the link in an outbox message (its ``url`` context)."""
    return urlsplit(message.context["url"]).path


def user_by_email(db, email) -> User:
    db.session.expire_all()
    user = db.session.scalars(select(User).where(User.email == email)).first()
    assert user is not None, f"no user with the email {email}"
    return user


def cookie(client, name):
    return client.get_cookie(name)


def copy_session(client, app):
    """A second browser holding a copy of this client's session cookie."""
    other = app.test_client()
    other.set_cookie("session", cookie(client, "session").value)
    return other


def is_signed_in(client) -> bool:
    """/login sends signed-in users on to their dashboard."""
    return client.get("/login").status_code == 302
