"""Deny by default (QUALITY.md 8): walks of every rule as anonymous visitors,
outsiders, members, applicants and hosts of another group (helpers: url_walk.py)."""
from __future__ import annotations

import pytest

from tests.common.conftest import url_values
from tests.common.url_walk import (
    CSRF_EXEMPT_BLUEPRINTS,
    PUBLIC_ENDPOINTS,
    SESSION_ENDING,
    assert_escaped,
    assert_same_state,
    goes_to_login,
    is_host_endpoint,
    is_token_endpoint,
    methods,
    request,
    rules,
    sign_in,
    snapshot,
    url,
    valid_token,
)


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
