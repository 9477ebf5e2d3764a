"""Helpers of the security walks over app.url_map (QUALITY.md 8, 11, 12, 13, 14, 17).

New endpoints are covered automatically: the walks visit every rule,
filling ``<slug>`` with a real group's slug, ids with real rows of that group
(``tests.common.conftest.url_values``), and tokens with garbage. Only the
explicit allowlists below say what is public.
"""
from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

from sqlalchemy import select

from extensions import db as _db
from tests.common.conftest import XSS_MARKERS
from tests.conftest import PASSWORD, csrf_token

# Endpoints anyone may open (GET). Everything else needs a login.
PUBLIC_ENDPOINTS = {
    "static",
    "common.healthz",
    "members.dashboard",  # the landing page when signed out
    "groups.index",
    "groups.show",
    "auth.login",
    "auth.register",
    "auth.reset_request",
    "meetups.detail",  # of a public group: title and date only, for everyone
}
# Public, but only with a valid signed token (garbage → redirect or 4xx, never a page).
TOKEN_ENDPOINTS_PARAMS = ("token", "secret")
# Not protected by CSRF (signed by the provider instead).
CSRF_EXEMPT_BLUEPRINTS = {"webhooks"}
HOST_BLUEPRINTS = {"group_admin", "meetups_admin", "billing_admin"}
# Endpoints a walk must not POST to, because doing so is their very purpose
# and would end the walk's session.
SESSION_ENDING = {"auth.logout"}


def rules(app):
    return sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))


def methods(rule) -> list[str]:
    return [m for m in ("GET", "POST") if m in rule.methods]


def is_host_endpoint(rule) -> bool:
    return rule.endpoint.split(".")[0] in HOST_BLUEPRINTS or "/admin" in rule.rule


def is_token_endpoint(rule) -> bool:
    return any(p in name for name in rule.arguments for p in TOKEN_ENDPOINTS_PARAMS)


def snapshot() -> dict[str, list]:
    """Every row of every table (the walks must leave them as they were)."""
    _db.session.expire_all()
    state = {}
    for table in _db.metadata.sorted_tables:
        rows = _db.session.execute(select(table)).all()
        state[table.name] = sorted(repr(tuple(row)) for row in rows)
    _db.session.rollback()
    return state


def assert_same_state(before, after) -> None:
    changed = {name: (len(before[name]), len(after[name])) for name in before if before[name] != after[name]}
    assert not changed, f"tables changed (rows before, after): {changed}"


def sign_in(client, user) -> None:
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, "could not sign in"


def valid_token(client) -> str:
    """A CSRF token valid for this client's session."""
    return csrf_token(client, "/login?reauth=1")


def request(client, method, path, token=None):
    if method == "GET":
        return client.get(path)
    return client.post(path, data={"csrf_token": token} if token else {})


def url(app, rule, values) -> str:
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def assert_escaped(response, where) -> None:
    if response.mimetype == "text/html":
        html = response.get_data(as_text=True)
        for marker in XSS_MARKERS:
            assert marker not in html, f"unescaped HTML payload on {where}"


def inline_code(response) -> list[str]:
    """What the CSP would block on an HTML page: inline scripts, event
    handlers, javascript: URLs and style attributes."""
    if response.mimetype != "text/html":
        return []
    finder = InlineScriptFinder()
    finder.feed(response.get_data(as_text=True))
    return finder.found


def goes_to_login(response) -> bool:
    return response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"


class InlineScriptFinder(HTMLParser):
    """Collects inline <script> blocks, event-handler attributes and javascript: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        names = dict(attrs)
        if tag == "script" and not names.get("src"):
            self.found.append("inline <script>")
        self.found += [f"{tag} {name}=" for name, _value in attrs if name.startswith("on")]
        self.found += [f"{tag} {name}=javascript:" for name, value in attrs
                       if value and value.strip().lower().startswith("javascript:")]
        self.found += [f"{tag} style=" for name, _value in attrs if name == "style"]
