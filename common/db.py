"""Column types and helpers shared by every area's models."""
from __future__ import annotations

import time
from datetime import UTC, datetime
from functools import lru_cache

from flask import request
from sqlalchemy import DateTime, event
from sqlalchemy.exc import DisconnectionError
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


def init_idle_ping(app, db) -> None:
    """Check a pooled connection before use only if it sat idle for a while.

    ``pool_pre_ping`` costs a round trip to the database on every request. A
    connection handed back moments ago by the previous request is alive; one
    that waited longer than ``DB_IDLE_PING_SECONDS`` may have been closed by
    a database restart or a firewall, so it is pinged first and, if dead,
    replaced by the pool before the request sees it.
    """
    idle_seconds = float(app.config.get("DB_IDLE_PING_SECONDS", 10))
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "checkin")
    def note_idle(dbapi_connection, record):
        record.info["nq_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def ping_if_idle(dbapi_connection, record, proxy):
        since = record.info.get("nq_idle_since")
        if since is None or time.monotonic() - since < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # noqa: BLE001 (any failure means: use another connection)
            raise DisconnectionError("idle connection is gone") from error


def init_transactions(app, db) -> None:
    """PostgreSQL: no round trips for transactions that only read.

    - A GET or HEAD request reads in autocommit mode: no BEGIN before its
      first query and no COMMIT after its last. Under READ COMMITTED each
      statement of a transaction sees its own snapshot anyway, so the reads
      see what they would have seen. The first statement that writes turns
      autocommit off before it runs: from there on the request's writes are
      one transaction, committed or rolled back as a whole.
    - Any other request that wrote nothing ends with COMMIT instead of
      ROLLBACK: psycopg forgets every prepared statement on ROLLBACK, so
      PostgreSQL would plan each query afresh on every request, and planning
      costs several times more than running NQ's indexed lookups. A
      transaction that only read has nothing to undo. A request that wrote
      anything, or failed, still ends in a rollback. Objects stay loaded: the
      commit expires nothing.
    """
    def note_writes(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip()[:6].upper() != "SELECT":
            conn.info["nq_wrote"] = True
            if cursor.connection.autocommit:  # a GET that writes: a transaction from here
                cursor.connection.autocommit = False

    def forget_writes(conn):
        conn.info["nq_wrote"] = False

    def read_in_autocommit(session, transaction, connection):
        if session.info.get("nq_reads_in_autocommit"):  # nothing has run on the connection yet
            connection.connection.dbapi_connection.autocommit = True

    def back_to_transactions(dbapi_connection, record):
        if getattr(dbapi_connection, "autocommit", False):  # the pool rolled back first: idle
            dbapi_connection.autocommit = False

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            return  # SQLite begins no transaction for a read and prepares in process
        event.listen(db.engine, "before_cursor_execute", note_writes)
        event.listen(db.engine, "begin", forget_writes)
        event.listen(db.engine, "checkin", back_to_transactions)
        event.listen(db.session, "after_begin", read_in_autocommit)

    @app.before_request
    def reads_in_autocommit():
        if request.method in ("GET", "HEAD"):
            db.session().info["nq_reads_in_autocommit"] = True

    @app.after_request
    def commit_reads(response):
        session = db.session()
        if not session.in_transaction() or session.new or session.dirty or session.deleted:
            return response
        if session.info.get("nq_reads_in_autocommit") or session.connection().info.get("nq_wrote", True):
            return response  # autocommit reads have nothing to commit; writes are the view's to commit
        expire, session.expire_on_commit = session.expire_on_commit, False
        try:
            session.commit()
        finally:
            session.expire_on_commit = expire
        return response


def attach_loaded(model, values):
    """The ORM object for a row read with ``read_rows``, as if the session had
    loaded it: persistent, in the identity map, lazy relationships working.

    ``values`` maps every column attribute of ``model`` to its value; None (an
    outer join that found nothing) gives None. An object the session already
    holds is returned as it is, so nothing the request changed is overwritten.
    """
    from sqlalchemy.orm import make_transient_to_detached
    from sqlalchemy.orm.attributes import instance_state

    from extensions import db

    mapper, primary_keys, column_keys = _mapping_of(model)
    key = mapper.identity_key_from_primary_key([values[k] for k in primary_keys])
    if key[1][0] is None:
        return None
    session = db.session()
    existing = session.identity_map.get(key)
    if existing is not None:
        return existing
    obj = mapper.class_manager.new_instance()
    # As the ORM's own loading does: loaded values go straight into the
    # instance's dict, with no change history.
    instance_state(obj).dict.update((k, values[k]) for k in column_keys)
    make_transient_to_detached(obj)
    session.add(obj)
    return obj


@lru_cache(maxsize=64)
def _mapping_of(model):
    from sqlalchemy import inspect

    mapper = inspect(model)
    return mapper, tuple(column.key for column in mapper.primary_key), tuple(a.key for a in mapper.column_attrs)


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
