"""Links in emails: BASE_URL wins over the request's Host header (no reset-link poisoning)."""
from typing import Any

from tests.conftest import outbox_messages


def test_reset_link_uses_base_url_not_a_forged_host(app, client, make_user, monkeypatch):
    user = make_user(email="victim@example.com")
    monkeypatch.setitem(app.config, "BASE_URL", "https://nq.example.com")
    import re

    html = client.get("/reset-password", base_url="http://evil.example").get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "the reset page has no CSRF token"
    token = match.group(1)
    response = client.post("/reset-password", data={"email": user.email, "csrf_token": token},
                           base_url="http://evil.example")
    assert response.status_code == 200
    (message,) = outbox_messages(user.email)
    assert message.context["url"].startswith("https://nq.example.com/reset-password/")


def test_links_from_flask_tick_use_base_url(app, monkeypatch):
    from common.urls import external_url

    monkeypatch.setitem(app.config, "BASE_URL", "https://nq.example.com")
    with app.app_context():
        assert external_url("groups.show", slug="x") == "https://nq.example.com/groups/x"
    monkeypatch.setitem(app.config, "BASE_URL", None)
    with app.app_context():
        assert external_url("groups.show", slug="x") == "http://127.0.0.1:5000/groups/x"


def test_kept_template_links_are_flasks_links(app):
    """Templates' url_for is remembered per worker; it must give what Flask gives."""
    from flask import url_for

    from common.templating import _URLS, template_url_for

    cases: list[tuple[str, dict[str, Any]]] = [
        ("groups.show", {"slug": "circle-1"}),
        ("groups.show", {"slug": "circle-2"}),
        ("meetups.detail", {"slug": "circle-1", "meetup_id": 7}),
        ("groups.index", {"page": 2}),
        ("groups.index", {"page": True}),  # equal to 1 as a key, a different link
        ("groups.index", {"page": 1}),
        ("static", {"filename": "css/nq.css"}),
        ("groups.show", {"slug": "circle-1", "_anchor": "members"}),
        ("groups.show", {"slug": "circle-1", "_external": True}),
    ]
    with app.test_request_context("/", base_url="http://nq.test/sub"):
        for _round in range(2):  # the second round comes from the kept links
            for endpoint, values in cases:
                assert template_url_for(endpoint, **values) == url_for(endpoint, **values), (endpoint, values)
        assert template_url_for("groups.show", slug="circle-1").startswith("/sub/")
        assert any(key[2] == "groups.show" for key in _URLS)
    with app.test_request_context("/"):  # another mount point: its own links
        assert template_url_for("groups.show", slug="circle-1") == "/groups/circle-1"
