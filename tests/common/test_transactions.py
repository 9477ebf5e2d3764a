"""Transactions per request: a GET reads without BEGIN/COMMIT round trips on
PostgreSQL, and whatever a request writes is still all or nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import event, func, select, text

from extensions import csrf
from extensions import db as _db
from outbox.models import OutboxMessage


@pytest.fixture
def probe_app(app):
    """A fresh app with routes that read, write, and write then fail."""
    from app import create_app

    application = create_app({**app.config, "PROPAGATE_EXCEPTIONS": False, "TESTING": False})

    def two_messages():
        for n in (1, 2):
            _db.session.add(OutboxMessage(to_email=f"probe{n}@example.com", template="emails/probe"))
            _db.session.flush()

    @application.route("/_probe/read")
    def read():
        return str(_db.session.scalar(text("SELECT 41")) + 1)

    @application.route("/_probe/write", methods=["GET", "POST"])
    def write():
        two_messages()
        _db.session.commit()
        return "written"

    @application.route("/_probe/write-then-fail", methods=["GET", "POST"])
    def write_then_fail():
        two_messages()
        raise RuntimeError("the request fails after writing")

    for view in (write, write_then_fail):
        csrf.exempt(view)  # a probe, not a form
    modes = []
    with application.app_context():
        engine = _db.engine
        event.listen(engine, "before_cursor_execute",
                     lambda conn, cursor, statement, *args: modes.append(
                         (statement.split()[0].upper(), getattr(cursor.connection, "autocommit", None))))
    application.extensions["probe_modes"] = modes
    yield application
    with application.app_context():
        _db.engine.dispose()


def _messages(db) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(OutboxMessage.id)))


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_request_that_fails_after_writing_keeps_nothing(probe_app, db, method):
    client = probe_app.test_client()
    response = getattr(client, method)("/_probe/write-then-fail")
    assert response.status_code == 500
    assert _messages(db) == 0


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_request_that_writes_keeps_it(probe_app, db, method):
    client = probe_app.test_client()
    response = getattr(client, method)("/_probe/write")
    assert response.status_code == 200
    assert _messages(db) == 2


def test_on_postgresql_a_get_reads_in_autocommit_and_writes_in_a_transaction(probe_app, app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("autocommit reads are a PostgreSQL matter (the CI runs this on it)")
    modes = probe_app.extensions["probe_modes"]
    client = probe_app.test_client()
    assert client.get("/_probe/read").get_data(as_text=True) == "42"
    assert modes == [("SELECT", True)]  # no BEGIN and no COMMIT around it
    modes.clear()
    client.get("/_probe/write")
    assert [autocommit for _statement, autocommit in modes] == [False, False]
    modes.clear()
    client.post("/_probe/write")  # the connection from the GET is back to transactions
    assert {autocommit for _statement, autocommit in modes} == {False}
