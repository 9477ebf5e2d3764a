"""Helpers shared by the foundation's tests (members and groups)."""
from __future__ import annotations

import io

from tests.helpers import count_queries  # noqa: F401 (re-exported)


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
