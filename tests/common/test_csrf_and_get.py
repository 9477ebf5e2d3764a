"""GET never changes state, and every POST needs a CSRF token (QUALITY.md 11)."""
from __future__ import annotations

import pytest

from tests.common.conftest import url_values
from tests.common.url_walk import (
    CSRF_EXEMPT_BLUEPRINTS,
    assert_escaped,
    assert_same_state,
    inline_code,
    rules,
    sign_in,
    snapshot,
    url,
)

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
