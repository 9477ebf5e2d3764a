"""`GET /healthz` and the CLI contract: `flask tick`, `flask seed-demo`, `flask users make-admin`."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from members.models import User
from tests.conftest import csrf_token


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


@pytest.mark.parametrize(
    "dead_url",
    [
        "sqlite:////nonexistent-directory/for/nq/health.sqlite3",
        "postgresql+psycopg://postgres@127.0.0.1:1/nq_nowhere",
    ],
)
def test_healthz_503_when_the_database_is_down(app, dead_url, caplog):
    from app import create_app

    down = create_app({**app.config, "SQLALCHEMY_DATABASE_URI": dead_url,
                       "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 3}}
                       if dead_url.startswith("postgresql") else {}})
    response = down.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] != "ok"
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    with down.app_context():
        from extensions import db

        db.engine.dispose()


def test_make_admin(runner, db, make_user):
    user = make_user(email="boss@example.com")
    result = runner.invoke(args=["users", "make-admin", "BOSS@example.com"])
    assert result.exit_code == 0, result.output
    assert "boss@example.com" in result.output
    db.session.expire_all()
    assert db.session.get(User, user.id).is_admin


def test_make_admin_unknown_email_fails(runner, db):
    result = runner.invoke(args=["users", "make-admin", "nobody@example.com"])
    assert result.exit_code != 0
    assert "No user" in result.output
    assert db.session.scalar(select(func.count(User.id)).where(User.is_admin.is_(True))) == 0


def test_tick_prints_json(runner):
    result = runner.invoke(args=["tick"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["outbox.sent"] == 0 and summary["outbox.failed"] == 0
    assert all(isinstance(v, int) for v in summary.values())


def _counts(db) -> dict[str, int]:
    db.session.expire_all()
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def test_seed_demo_creates_the_demo_logins_and_refuses_a_second_run(runner, db, client):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "networking-demo" in first.output
    for email in ("host@example.com", "member1@example.com", "member10@example.com", "host2@example.com"):
        assert db.session.scalar(select(User).where(User.email == email)) is not None, email
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": "host@example.com", "password": "networking-demo",
                                           "csrf_token": token})
    assert response.status_code == 302
    before = _counts(db)
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code != 0
    assert "already" in second.output
    assert _counts(db) == before
    quiet = runner.invoke(args=["seed-demo", "--if-new"])
    assert quiet.exit_code == 0
    assert _counts(db) == before


def test_seed_demo_never_runs_in_production(app, db, runner, monkeypatch):
    monkeypatch.setitem(app.config, "ENV_NAME", "production")
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "production" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0
