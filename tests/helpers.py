"""Small helpers shared by test modules."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event


@contextmanager
def capture_queries() -> Iterator[list[tuple[str, object]]]:
    """Collect (statement, parameters) of every SQL statement issued inside the block."""
    from extensions import db

    statements: list[tuple[str, object]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
