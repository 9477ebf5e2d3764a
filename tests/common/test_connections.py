"""The connection pool: an idle connection that died is replaced before use;
one just handed back is used without a round trip to check it."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text


def _app(app, idle_seconds: float):
    from app import create_app

    return create_app({**app.config, "DB_IDLE_PING_SECONDS": idle_seconds})


def _backend_pid(application) -> int:
    from extensions import db

    with application.app_context():
        with db.engine.connect() as conn:
            return conn.execute(text("SELECT pg_backend_pid()")).scalar_one()


@pytest.fixture
def postgres_only(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("a server-side disconnect needs PostgreSQL (the CI runs this on it)")


def _kill(app, pid: int) -> None:
    killer = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with killer.begin() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    killer.dispose()


def test_an_idle_connection_killed_by_the_server_is_replaced(app, postgres_only):
    application = _app(app, idle_seconds=0)
    from extensions import db

    first = _backend_pid(application)
    _kill(app, first)
    second = _backend_pid(application)  # would raise OperationalError without the check
    assert second != first
    with application.app_context():
        db.engine.dispose()


@pytest.mark.parametrize(("idle_seconds", "pings"), [(60, 0), (0, 2)])
def test_only_a_connection_idle_for_long_is_pinged(app, monkeypatch, idle_seconds, pings):
    from extensions import db

    application = _app(app, idle_seconds=idle_seconds)
    with application.app_context():
        calls = []
        real_ping = db.engine.dialect.do_ping

        def counted_ping(conn):
            calls.append(conn)
            return real_ping(conn)

        monkeypatch.setattr(db.engine.dialect, "do_ping", counted_ping)
        for _ in range(3):  # the first checkout opens a new connection: nothing to check
            with db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        db.engine.dispose()
    assert len(calls) == pings
