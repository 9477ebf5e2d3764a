"""Helpers shared by the foundation's tests (members and groups)."""
from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from extensions import db


@contextmanager
def count_queries() -> Iterator[list[str]]:
    """Collect every SQL statement the engine executes inside the block."""
    statements: list[str] = []

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)


def png_bytes(width: int = 300, height: int = 200, color: str = "red") -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format="PNG")
    return buffer.getvalue()


def post_form(client, path: str, data: dict, *, form_page: str | None = None, **kwargs):
    """POST with the CSRF token taken from ``form_page`` (default: the path itself)."""
    from tests.conftest import csrf_token

    token = csrf_token(client, form_page or path)
    return client.post(path, data={**data, "csrf_token": token}, **kwargs)
