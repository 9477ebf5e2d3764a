"""Fixtures: one schema per run, emptied after each test; factories; auth helper.

The suite runs on SQLite (a file, so that threads and a live server share it)
or on PostgreSQL when DATABASE_URL is set.
"""
from __future__ import annotations

import contextvars
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import delete

_TMP = tempfile.mkdtemp(prefix="nq-test-")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_TMP}/test.sqlite3")

from app import create_app  # noqa: E402
from config import TestConfig, database_url  # noqa: E402
from extensions import db as _db  # noqa: E402
from extensions import limiter  # noqa: E402

PASSWORD = "correct horse battery staple"


class IsolatedClient(FlaskClient):
    """A test client whose every request runs as in production: in its own
    application context, so with its own ``g`` (no ``current_user`` leaking
    from one client or request to the next) and its own database session.

    The test's own session is committed first, so what the test prepared is
    what the request sees; objects the test holds are expired by that commit
    and reload what the request wrote.
    """

    def open(self, *args: Any, **kwargs: Any):
        if not has_app_context():  # a redirect being followed: already isolated
            return super().open(*args, **kwargs)
        _db.session.commit()
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def app():
    class _Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url("")
        MAIL_DIR = os.path.join(_TMP, "mail")
        UPLOAD_DIR = os.path.join(_TMP, "uploads")
        SERVER_NAME = None

    application = create_app(_Config)
    application.test_client_class = IsolatedClient
    with application.app_context():
        _db.drop_all()
        _db.create_all()
    yield application
    with application.app_context():
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean(app) -> Iterator[None]:
    ctx = app.app_context()
    ctx.push()
    yield
    _db.session.rollback()
    from common import cache
    from common.versions import EVERY_GROUP

    for table in reversed(_db.metadata.sorted_tables):
        _db.session.execute(delete(table).execution_options(nq_group=EVERY_GROUP))
    _db.session.commit()
    _db.session.remove()
    limiter.reset()
    cache.clear()  # kept values outlive a test's rows; ids restart on SQLite
    ctx.pop()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


_counter = iter(range(1, 10_000_000))


@pytest.fixture
def make_user(db) -> Callable[..., Any]:
    """make_user(**overrides) → a verified User with a profile, committed."""
    from members.services import create_user

    def factory(**overrides: Any):
        n = next(_counter)
        email = overrides.pop("email", f"user{n}@example.com")
        name = overrides.pop("name", f"Test User {n}")
        password = overrides.pop("password", PASSWORD)
        verified = overrides.pop("is_verified", True)
        user = create_user(email, password, name, verified=verified)
        for key, value in overrides.items():
            if hasattr(user.profile, key) and not hasattr(user, key):
                setattr(user.profile, key, value)
            else:
                setattr(user, key, value)
        db.session.commit()
        return user

    return factory


@pytest.fixture
def make_group(db, make_user) -> Callable[..., Any]:
    """make_group(host=None, **overrides) → a Group with an active host membership."""
    from groups.models import Group, Membership

    def factory(host=None, **overrides: Any):
        n = next(_counter)
        host = host or make_user()
        group = Group(
            name=overrides.pop("name", f"Group {n}"),
            slug=overrides.pop("slug", f"group-{n}"),
            **{"fee_minor": 800000, "member_cap": 20, **overrides},
        )
        db.session.add(group)
        db.session.flush()
        db.session.add(Membership(user_id=host.id, group_id=group.id, role="host", status="active"))
        db.session.commit()
        return group

    return factory


@pytest.fixture
def make_member(db, make_user) -> Callable[..., Any]:
    """make_member(group, user=None, role="member", status="active") → the User."""
    from common.db import utcnow
    from groups.models import Membership

    def factory(group, user=None, role: str = "member", status: str = "active", **overrides: Any):
        user = user or make_user(**overrides)
        db.session.add(
            Membership(user_id=user.id, group_id=group.id, role=role, status=status,
                       joined_at=utcnow() if status == "active" else None)
        )
        db.session.commit()
        return user

    return factory


class AuthActions:
    def __init__(self, client) -> None:
        self._client = client

    def login(self, user_or_email, password: str = PASSWORD, follow: bool = False):
        email = getattr(user_or_email, "email", user_or_email)
        return self._client.post(
            "/login",
            data={"email": email, "password": password, "csrf_token": csrf_token(self._client, "/login")},
            follow_redirects=follow,
        )

    def logout(self):
        return self._client.post("/logout", data={"csrf_token": csrf_token(self._client, "/")})


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)


_CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path: str) -> str:
    """The CSRF token of the form served at ``path`` (GET)."""
    html = client.get(path).get_data(as_text=True)
    match = _CSRF_RE.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def outbox_messages(to: str | None = None) -> list:
    from sqlalchemy import select

    from outbox.models import OutboxMessage

    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if to:
        query = query.where(OutboxMessage.to_email == to)
    return list(_db.session.scalars(query))


# Meetup fixtures, used by the groups, meetups and ratings tests (keep their signatures stable).
@pytest.fixture
def make_meetup(db) -> Callable[..., Any]:
    """make_meetup(group, **overrides) → a committed Meetup.

    Defaults: "Monthly meetup", starts in 7 days for 2.5 hours, status
    "scheduled", no capacity. ``starts_at`` may be given alone (``ends_at``
    follows 2.5 hours later). Pass ``status="held", attendance_taken=True``
    and a past ``starts_at`` for a held meetup.
    """
    from common.db import utcnow
    from meetups.models import Meetup

    def factory(group, **overrides: Any):
        starts_at = overrides.pop("starts_at", utcnow().replace(microsecond=0) + timedelta(days=7))
        ends_at = overrides.pop("ends_at", starts_at + timedelta(hours=2, minutes=30))
        meetup = Meetup(
            group_id=group.id,
            title=overrides.pop("title", "Monthly meetup"),
            starts_at=starts_at,
            ends_at=ends_at,
            **{"place": "Kødbyens Kantine", "status": "scheduled", "checkin_code": "K7M4PQ",
               "going_count": 0, **overrides},
        )
        db.session.add(meetup)
        db.session.commit()
        return meetup

    return factory


@pytest.fixture
def make_rsvp(db) -> Callable[..., Any]:
    """make_rsvp(meetup, user, response="going", checked_in=False, **overrides) → RSVP.

    Keeps ``meetup.going_count`` in step for "going" (without a capacity check:
    use ``meetups.rsvp.rsvp`` when the capacity matters).
    """
    from common.db import utcnow
    from meetups.models import RSVP

    def factory(meetup, user, response: str = "going", checked_in: bool = False, **overrides: Any):
        now = utcnow()
        rsvp = RSVP(
            meetup_id=meetup.id,
            user_id=user.id,
            response=response,
            waitlisted_at=now if response == "waitlisted" else None,
            checked_in_at=(meetup.starts_at + timedelta(minutes=5)) if checked_in else None,
            **overrides,
        )
        db.session.add(rsvp)
        if response == "going":
            meetup.going_count += 1
        db.session.commit()
        return rsvp

    return factory
