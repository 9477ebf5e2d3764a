"""Small helpers shared by test modules."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import event


@contextmanager
def _listening(record: Callable[[str, object], None]) -> Iterator[None]:
    from extensions import db

    def before(conn, cursor, statement, parameters, context, executemany):
        record(statement, parameters)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


@contextmanager
def capture_queries() -> Iterator[list[tuple[str, object]]]:
    """Collect (statement, parameters) of every SQL statement issued inside the block."""
    found: list[tuple[str, object]] = []
    with _listening(lambda statement, parameters: found.append((statement, parameters))):
        yield found


@contextmanager
def count_queries() -> Iterator[list[str]]:
    """Collect the text of every SQL statement issued inside the block."""
    found: list[str] = []
    with _listening(lambda statement, _parameters: found.append(statement)):
        yield found


def page_queries(client, path: str) -> int:
    """How many queries a second GET of ``path`` issues (the first warms per-worker caches)."""
    client.get(path)
    with count_queries() as statements:
        assert client.get(path).status_code == 200
    return len(statements)
