"""Hostile input over the url_map: payloads escaped in emails (QUALITY.md 13), junk in
every form field never a 500 (14), extra form fields never raise privileges (9).

The form-by-form sweep with valid base values is tests/hostile/.
"""
from __future__ import annotations

from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from tests.common.conftest import XSS_MARKERS, url_values
from tests.common.url_walk import (
    CSRF_EXEMPT_BLUEPRINTS,
    SESSION_ENDING,
    assert_escaped,
    is_host_endpoint,
    rules,
    sign_in,
    url,
    valid_token,
)
from tests.conftest import PASSWORD, csrf_token

# Escaping (QUALITY 13) ----------------------------------------------------------------


def test_payloads_in_names_are_escaped_in_emails(app, client, db):
    from outbox.models import OutboxMessage
    from outbox.sender import build_message

    token = csrf_token(client, "/register")
    client.post("/register", data={"name": '<script>alert("nq-xss")</script> Eve', "email": "eve@example.com",
                                   "password": PASSWORD, "csrf_token": token})
    message = db.session.scalars(select(OutboxMessage)).one()
    email = build_message(message)
    html_part, text_part = email.get_body(("html",)), email.get_body(("plain",))
    assert html_part is not None and text_part is not None
    html = html_part.get_content()
    assert "&lt;script&gt;" in html
    for marker in XSS_MARKERS:
        assert marker not in html
    text = text_part.get_content()
    assert '<script>alert("nq-xss")</script> Eve' in text  # plain text is shown as text, unchanged


# Bad input is a form error, never a 500 (QUALITY 14) ------------------------------


class FieldNames(HTMLParser):
    """Names of the form fields on a page (inputs, selects, textareas)."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def handle_starttag(self, tag, attrs) -> None:
        names = dict(attrs)
        if tag in ("input", "select", "textarea") and names.get("name") and names.get("type") != "file":
            self.names.add(names["name"])


JUNK = {
    "overlong": "x" * 100_000,
    "negative": "-1",
    "huge number": "99999999999999999999999",
    "malformed date": "2026-13-45T25:61",
    "nul byte": "abc\x00def",
    "markup": '<script>alert("nq-xss")</script>',
}
COMMON_FIELDS = {"name", "email", "title", "body", "text", "amount", "capacity", "fee", "date", "starts_at",
                 "response", "role", "status", "comment", "fit", "chemistry", "value", "reason"}


@pytest.mark.parametrize("junk", list(JUNK))
def test_junk_in_every_form_field_never_causes_a_500(app, client, world, junk):
    sign_in(client, world.a.host)
    value = JUNK[junk]
    failures = []
    for rule in rules(app):
        if "POST" not in rule.methods or rule.endpoint in SESSION_ENDING:
            continue
        if rule.endpoint.split(".")[0] in CSRF_EXEMPT_BLUEPRINTS:
            continue
        path = url(app, rule, url_values(rule, world))
        names = set(COMMON_FIELDS)
        if "GET" in rule.methods:
            page = client.get(path)
            if page.mimetype == "text/html":
                finder = FieldNames()
                finder.feed(page.get_data(as_text=True))
                names |= finder.names
        names.discard("csrf_token")
        if client.get("/login").status_code != 302:
            sign_in(client, world.a.host)  # a form (e.g. changing the email) may have signed us out
        data = {name: value for name in names}
        data["csrf_token"] = valid_token(client)
        response = client.post(path, data=data)
        if response.status_code >= 500:
            failures.append(f"POST {path} ({rule.endpoint}) with {junk} → {response.status_code}")
        assert_escaped(response, path)
    assert not failures, "\n".join(failures)


# Extra form fields are ignored (QUALITY 9) -------------------------------------------


def test_extra_form_fields_never_raise_privileges(app, client, db, world):
    """A plain member posts every form with role/status/group/admin fields added:
    nobody becomes host or admin, and nobody lands in another group."""
    from groups.models import Membership
    from members.models import User

    def privileges():
        db.session.expire_all()
        roles = sorted((m.user_id, m.group_id, m.role) for m in db.session.scalars(select(Membership))
                       if m.role != "member" or m.group_id == world.b.group.id)
        admins = sorted(u.id for u in db.session.scalars(select(User)) if u.is_admin)
        return roles, admins

    sign_in(client, world.a.member)
    before = privileges()
    extra = {"role": "host", "status": "active", "group_id": world.b.group.id, "user_id": world.b.host.id,
             "is_admin": "1", "is_verified": "1", "session_version": "99", "membership_id": world.b.applicant_membership_id}
    visited = 0
    for rule in rules(app):
        if "POST" not in rule.methods or rule.endpoint in SESSION_ENDING or is_host_endpoint(rule):
            continue
        if rule.endpoint.split(".")[0] in CSRF_EXEMPT_BLUEPRINTS:
            continue
        if client.get("/login").status_code != 302:
            sign_in(client, world.a.member)
        path = url(app, rule, url_values(rule, world))
        response = client.post(path, data={**extra, "csrf_token": valid_token(client)})
        assert response.status_code < 500, f"POST {path} ({rule.endpoint}) → {response.status_code}"
        visited += 1
    assert visited > 5
    assert privileges() == before
