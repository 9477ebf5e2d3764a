"""Absolute URLs for emails, also outside a request (``flask tick``)."""
from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, url_for

LOCAL_BASE_URL = "http://127.0.0.1:5000"


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute URL for ``endpoint``.

    With ``BASE_URL`` configured (production), links always use it, so a
    forged Host header can never put an attacker's domain into a password
    reset or invitation email. Without it, a request's own host is used, and
    outside a request the local development address.
    """
    base = current_app.config.get("BASE_URL")
    if base:
        with current_app.test_request_context(base_url=base):
            return url_for(endpoint, _external=True, **values)
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=LOCAL_BASE_URL):
        return url_for(endpoint, _external=True, **values)
