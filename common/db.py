"""Column types and helpers shared by every area's models."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """The current time, timezone-aware UTC (the only kind of time NQ stores)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored as UTC and always read back timezone-aware.

    SQLite keeps no offset, so values are normalised to UTC on the way in and
    tagged as UTC on the way out; PostgreSQL uses ``timestamptz``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def init_read_only_commit(app, db) -> None:
    """End a request that wrote nothing with COMMIT instead of ROLLBACK.

    psycopg forgets every prepared statement on ROLLBACK, so PostgreSQL would
    plan each query afresh on every request, and planning costs several times
    more than running NQ's indexed lookups. A transaction that only read has
    nothing to undo: committing it is the same for the data and keeps the
    plans. A request that wrote anything, or failed, still ends in a rollback.
    Objects stay loaded: the commit expires nothing.
    """
    from sqlalchemy import event

    def note_writes(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip()[:6].upper() != "SELECT":
            conn.info["nq_wrote"] = True

    def forget_writes(conn):
        conn.info["nq_wrote"] = False

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", note_writes)
        event.listen(db.engine, "begin", forget_writes)

    @app.after_request
    def commit_reads(response):
        session = db.session()
        if not session.in_transaction() or session.new or session.dirty or session.deleted:
            return response
        if session.connection().info.get("nq_wrote", True):
            return response
        expire, session.expire_on_commit = session.expire_on_commit, False
        try:
            session.commit()
        finally:
            session.expire_on_commit = expire
        return response


def read_rows(statement, params: dict | None = None):
    """Run a SELECT of plain columns on the session's connection (same transaction).

    It skips the ORM's result machinery, which for a column query costs as
    much again as SQLite takes to answer it. Pending changes are flushed
    first, as ``session.execute`` would.
    """
    from extensions import db

    session = db.session()
    if session.new or session.dirty or session.deleted:
        session.flush()
    return session.connection().execute(statement, params or {})
