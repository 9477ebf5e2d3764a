"""The error pages leak nothing (QUALITY.md 17): the generic 500 with its rollback
and request id, outside request ids, and the 404 and 403 pages."""
from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import select

from tests.common.url_walk import sign_in


def test_500_page_is_generic_rolls_back_and_logs_the_request_id(app, db, error_app, caplog):
    from members.models import User

    caplog.set_level(logging.ERROR)
    response = error_app.test_client().get("/_test/boom", headers={"X-Request-Id": "req-abc.123"})
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    for leak in ("Traceback", "RuntimeError", "SELECT", "password_hash", app.config["SECRET_KEY"],
                 "sqlite", "postgresql", 'File "', ".py"):
        assert leak not in html, leak
    assert "Something went wrong" in html
    assert response.headers["X-Request-Id"] == "req-abc.123"
    assert "req-abc.123" in html  # the reference a user can quote
    db.session.expire_all()
    assert db.session.scalar(select(User).where(User.email == "written-before-the-crash@example.com")) is None
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR and "req-abc.123" in r.getMessage()]
    assert logged and logged[0].exc_info, "the error was not logged with its request id and traceback"


def test_500_for_json_callers_is_generic_too(error_app):
    response = error_app.test_client().get("/_test/boom", headers={"Accept": "application/json"})
    assert response.status_code == 500
    assert response.get_json() == {"error": "Internal Server Error", "status": 500}


@pytest.mark.parametrize("evil", ["x%0aFAKE LOG LINE", "a" * 65, "<script>", "id with spaces", "a;b"])
def test_request_ids_from_outside_are_only_kept_when_harmless(client, evil):
    response = client.get("/healthz", headers={"X-Request-Id": evil})
    assert response.headers["X-Request-Id"] != evil
    assert re.fullmatch(r"[0-9a-f]{16}", response.headers["X-Request-Id"])


def test_404_and_403_pages_leak_nothing(app, client, world):
    sign_in(client, world.a.member)
    for path, code in ((f"/groups/{world.a.group.slug}/admin", 403), ("/groups/no-such-group", 404)):
        response = client.get(path)
        assert response.status_code in (code, 404)
        html = response.get_data(as_text=True)
        assert "Traceback" not in html and "werkzeug" not in html.lower()

