"""Security baseline (QUALITY.md 8, 11, 12, 13, 17), proven by walking app.url_map.

New endpoints are covered automatically: the walks below visit every rule,
filling ``<slug>`` with a real group's slug, ids with real rows of that group,
and tokens with garbage. Only the explicit allowlists say what is public.
"""
from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from extensions import db as _db
from tests.common.conftest import XSS_MARKERS, url_values
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


# Deny by default (QUALITY 8) ---------------------------------------------------


def test_anonymous_visitors_are_sent_to_login_on_every_non_public_endpoint(app, client, world):
    token = valid_token(client)
    before = snapshot()
    problems = []
    for rule in rules(app):
        path = url(app, rule, url_values(rule, world))
        for method in methods(rule):
            if method == "POST" and rule.endpoint in SESSION_ENDING:
                continue
            response = request(client, method, path, token)
            where = f"{method} {path} ({rule.endpoint})"
            assert response.status_code < 500, f"{where} → {response.status_code}"
            assert_escaped(response, where)
            if rule.endpoint.split(".")[0] in CSRF_EXEMPT_BLUEPRINTS:
                ok = 400 <= response.status_code < 500  # unsigned webhook
            elif is_token_endpoint(rule):
                ok = response.status_code in (302, 400, 403, 404, 410)
            elif rule.endpoint in PUBLIC_ENDPOINTS:
                ok = response.status_code in (200, 302) or (method == "POST" and response.status_code in (400, 405))
            else:
                ok = goes_to_login(response) or response.status_code == 404
            if not ok:
                problems.append(f"{where} → {response.status_code} {response.headers.get('Location', '')}")
    assert not problems, "\n".join(problems)
    assert_same_state(before, snapshot())


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_an_invite_only_group_is_invisible_to_outsiders(app, client, db, make_user, world, who):
    """Every page of an invite-only group: 404 (or the login page), never its content."""
    world.b.group.visibility = "invite"
    db.session.commit()
    if who == "outsider":
        sign_in(client, make_user())
    problems = []
    for rule in rules(app):
        if "slug" not in rule.arguments or "GET" not in rule.methods:
            continue
        path = url(app, rule, url_values(rule, world, slug_side="b"))
        response = client.get(path)
        if not (response.status_code == 404 or (who == "anonymous" and goes_to_login(response))):
            problems.append(f"GET {path} ({rule.endpoint}) → {response.status_code}")
    assert not problems, "\n".join(problems)


def test_the_public_allowlist_is_really_open(app, client, world):
    for endpoint, path in [("members.dashboard", "/"), ("groups.index", "/groups"),
                           ("groups.show", f"/groups/{world.a.group.slug}"), ("auth.login", "/login"),
                           ("auth.register", "/register"), ("auth.reset_request", "/reset-password")]:
        assert client.get(path).status_code == 200, endpoint


def _host_walk(app, client, world, slug_side, id_side, only_with_ids=False):
    token = valid_token(client)
    before = snapshot()
    problems, visited = [], 0
    for rule in rules(app):
        if not is_host_endpoint(rule):
            continue
        if only_with_ids and not any(a != "slug" for a in rule.arguments):
            continue
        path = url(app, rule, url_values(rule, world, slug_side=slug_side, id_side=id_side))
        for method in methods(rule):
            visited += 1
            response = request(client, method, path, token)
            if response.status_code not in (403, 404):
                problems.append(f"{method} {path} ({rule.endpoint}) → {response.status_code}")
    assert not problems, "\n".join(problems)
    assert_same_state(before, snapshot())
    return visited


def test_a_plain_member_gets_403_or_404_on_every_host_endpoint(app, client, world):
    sign_in(client, world.a.member)
    assert _host_walk(app, client, world, "a", "a") > 0


def test_an_applicant_gets_403_or_404_on_every_host_endpoint(app, client, db, world):
    from groups.models import Membership

    applicant = db.session.get(Membership, world.a.applicant_membership_id).user
    sign_in(client, applicant)
    _host_walk(app, client, world, "a", "a")


def test_a_host_of_group_a_gets_403_or_404_on_group_b_admin(app, client, world):
    sign_in(client, world.a.host)
    assert _host_walk(app, client, world, "b", "b") > 0


def test_a_host_cannot_reach_another_groups_objects_through_their_own_group(app, client, world):
    """/groups/<A>/admin/meetups/<B's meetup id> and alike: 403/404, nothing changes."""
    sign_in(client, world.a.host)
    _host_walk(app, client, world, "a", "b", only_with_ids=True)


def test_the_host_walk_reaches_the_admin_pages_of_their_own_group(app, client, world):
    """The walks above would pass on a broken app that 404s everything: the host
    of group A must get real pages on group A's admin GET endpoints."""
    sign_in(client, world.a.host)
    for endpoint, path in [("group_admin.home", f"/groups/{world.a.group.slug}/admin")]:
        response = client.get(path)
        assert response.status_code == 200, endpoint
        assert_escaped(response, path)


# GET never changes state (QUALITY 11) -------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "member", "host", "admin"])
def test_get_never_changes_state_and_never_fails(app, client, db, world, who):
    if who != "anonymous":
        user = {"member": world.a.member, "host": world.a.host, "admin": world.b.member}[who]
        if who == "admin":
            user.is_admin = True
            db.session.commit()
        sign_in(client, user)
    before = snapshot()
    failures = []
    for rule in rules(app):
        if "GET" not in rule.methods:
            continue
        path = url(app, rule, url_values(rule, world))
        response = client.get(path)
        if response.status_code >= 500:
            failures.append(f"GET {path} ({rule.endpoint}) → {response.status_code}")
        if blocked := inline_code(response):
            failures.append(f"GET {path} ({rule.endpoint}): the CSP blocks {sorted(set(blocked))}")
        assert_escaped(response, path)
    assert not failures, "\n".join(failures)
    assert_same_state(before, snapshot())


# CSRF (QUALITY 11) ---------------------------------------------------------------


def test_every_post_without_a_csrf_token_is_refused(app, client, world):
    sign_in(client, world.a.host)  # past every login check, so only the token is missing
    before = snapshot()
    problems, visited = [], 0
    for rule in rules(app):
        if "POST" not in rule.methods or rule.endpoint.split(".")[0] in CSRF_EXEMPT_BLUEPRINTS:
            continue
        visited += 1
        path = url(app, rule, url_values(rule, world))
        response = client.post(path, data={"name": "x", "email": "x@example.com"})
        if response.status_code != 400:
            problems.append(f"POST {path} ({rule.endpoint}) → {response.status_code}")
        wrong = client.post(path, data={"csrf_token": "forged." + "0" * 40})
        if wrong.status_code != 400:
            problems.append(f"POST {path} ({rule.endpoint}) with a forged token → {wrong.status_code}")
    assert visited > 5
    assert not problems, "\n".join(problems)
    assert_same_state(before, snapshot())
    assert client.get("/login").status_code == 302, "the walk signed the host out"


def test_only_webhooks_are_exempt_from_csrf(app):
    csrf = app.extensions["csrf"]
    exempt_views = {name.rsplit(".", 1)[-1] for name in csrf._exempt_views}
    exempt_blueprints = {getattr(bp, "name", bp) for bp in csrf._exempt_blueprints}
    assert exempt_blueprints <= CSRF_EXEMPT_BLUEPRINTS
    assert not exempt_views, f"views exempt from CSRF: {exempt_views}"
    assert app.config.get("WTF_CSRF_ENABLED", True)


# Headers (QUALITY 12) --------------------------------------------------------------


def _csp(response) -> dict[str, str]:
    policy = response.headers.get("Content-Security-Policy", "")
    return {part.split()[0]: part for part in (p.strip() for p in policy.split(";")) if part}


def assert_security_headers(response, where) -> None:
    csp = _csp(response)
    assert csp, f"no CSP on {where}"
    script_src = csp.get("script-src", csp.get("default-src", ""))
    assert "'self'" in script_src and "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    assert "unsafe-inline" not in csp.get("default-src", "")
    assert csp.get("object-src") == "object-src 'none'", where
    assert csp.get("base-uri") == "base-uri 'none'", where
    assert csp.get("frame-ancestors") == "frame-ancestors 'none'", where
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    assert response.headers.get("Referrer-Policy") in ("strict-origin-when-cross-origin", "no-referrer",
                                                       "same-origin", "strict-origin"), where
    assert response.headers.get("X-Request-Id"), where


@pytest.fixture
def error_app(app):
    """A second app on the same database with test-only routes that fail."""
    from app import create_app
    from members.services import create_user

    broken = create_app({**app.config})

    @broken.route("/_test/boom")
    def boom():
        create_user("written-before-the-crash@example.com", PASSWORD, "Half Written")
        raise RuntimeError(f"SELECT password_hash FROM user -- {broken.config['SECRET_KEY']}")

    return broken


def test_security_headers_on_pages_errors_and_files(app, client, error_app, world):
    responses = {
        "landing": client.get("/"),
        "login": client.get("/login"),
        "group page": client.get(f"/groups/{world.a.group.slug}"),
        "404": client.get("/no-such-page"),
        "405": client.get("/logout"),
        "400": client.post("/login", data={}),
        "static": client.get("/static/css/nq.css"),
        "health": client.get("/healthz"),
        "500": error_app.test_client().get("/_test/boom"),
        "413": client.post("/login", data=b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1),
                           content_type="application/octet-stream"),
    }
    for _ in range(int(app.config["LOGIN_LIMIT_PER_ACCOUNT"].split()[0]) + 1):
        token = csrf_token(client, "/login")
        responses["429"] = client.post("/login", data={"email": "x@example.com", "password": "wrong guess",
                                                       "csrf_token": token})
    assert responses["429"].status_code == 429
    assert responses["413"].status_code == 413
    assert responses["404"].status_code == 404
    assert responses["405"].status_code == 405
    assert responses["400"].status_code == 400
    assert responses["500"].status_code == 500
    for where, response in responses.items():
        assert_security_headers(response, where)
        assert "Strict-Transport-Security" not in response.headers  # not in local development


def test_no_inline_scripts_or_handlers_in_pages(app, client, world):
    """The CSP forbids inline scripts, so pages must not rely on them."""
    sign_in(client, world.a.host)
    for path in ("/", "/groups", f"/groups/{world.a.group.slug}", f"/groups/{world.a.group.slug}/admin"):
        finder = InlineScriptFinder()
        finder.feed(client.get(path).get_data(as_text=True))
        assert not finder.found, (path, finder.found)


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


def test_session_cookie_flags(client, make_user):
    user = make_user()
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    session_cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in session_cookie
    assert "SameSite=Lax" in session_cookie


PRODUCTION_PROBE = """
import json, os
from app import create_app
app = create_app()
client = app.test_client()
response = client.get("/login")
print(json.dumps({"hsts": response.headers.get("Strict-Transport-Security"),
                  "cookies": response.headers.getlist("Set-Cookie"),
                  "remember_secure": app.config["REMEMBER_COOKIE_SECURE"]}))
"""


def _run_probe(tmp_path, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("NQ_", "SECRET_KEY"))}
    environment.update({"DATABASE_URL": f"sqlite:///{tmp_path}/prod.sqlite3", "MAIL_DIR": str(tmp_path), **env})
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return subprocess.run([sys.executable, "-c", PRODUCTION_PROBE], cwd=root, env=environment,
                          capture_output=True, text=True, timeout=60)


def test_production_sends_hsts_and_secure_cookies(tmp_path):
    result = _run_probe(tmp_path, NQ_ENV="production", SECRET_KEY="a-real-secret-from-the-environment")
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["hsts"] and "max-age=" in probe["hsts"]
    session_cookie = next(c for c in probe["cookies"] if c.startswith("session="))
    assert "Secure" in session_cookie and "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    assert probe["remember_secure"] is True


def test_production_refuses_the_development_secret_key(tmp_path):
    result = _run_probe(tmp_path, NQ_ENV="production")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


# The 500 page (QUALITY 17) -----------------------------------------------------------


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
