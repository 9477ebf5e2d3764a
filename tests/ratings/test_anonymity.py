"""Anonymity matrix: role × page/export/email × what must never appear.

Setup: Anna rates the September meetup (4 raters) with a unique comment and the
October meetup (only 2 raters) with another unique comment and scores that
would average to 1.5; Anna clicks Cecilie (one-sided) and Bo clicks Anna back
(a real connection between Anna and Bo only).

Roles: host, co-host, member (Cecilie: the target of Anna's private click),
another group's member, anonymous. Surfaces: value page (group and "me"
views), CSV, meetup page, connections, dashboard, host admin home, and every
email addressed to the role. Forbidden: the withheld meetup's comment; the
shown meetup's comment tied to a name (or shown at all to non-hosts); Anna's
click target; the withheld meetup's scores.
"""
from __future__ import annotations

import re

import pytest

from ratings.rating_requests import queue_rating_requests
from tests.ratings.ratings_fixtures import *  # noqa: F403
from tests.ratings.ratings_fixtures import rate_as

ROLES = ["host", "co-host", "member", "other group's member", "anonymous"]
SURFACES = ["value", "value-me", "csv", "meetup", "connections", "dashboard", "admin-home", "emails"]

SEPT_COMMENT = "Unique-September-remark-7731"
OCT_COMMENT = "Unique-October-remark-9902"


@pytest.fixture
def anon(scenario, db, client, auth):
    from common.db import utcnow

    anna, bo, cecilie, dan, eva = scenario.members
    sept, octo = scenario.meetups
    rate_as(sept, anna, fit=5, chemistry=5, comment=SEPT_COMMENT, clicks=[cecilie, bo])
    rate_as(sept, bo, fit=4, chemistry=3, clicks=[anna])
    rate_as(sept, cecilie, fit=3, chemistry=4)
    rate_as(sept, dan, fit=4, chemistry=4)
    rate_as(octo, anna, fit=1, chemistry=1, comment=OCT_COMMENT, clicks=[cecilie])
    rate_as(octo, eva, fit=2, chemistry=2)
    # Emails: rating requests for the just-ended meetup, a thank-you from Bo to Cecilie.
    queue_rating_requests(utcnow())
    db.session.commit()
    return scenario


def _user_for(role, s):
    return {
        "host": s.host, "co-host": s.cohost, "member": s.members[2],
        "other group's member": s.outsider, "anonymous": None,
    }[role]


def _surface(client, app, s, surface, user) -> tuple[int | None, str]:
    from outbox.sender import build_message
    from tests.conftest import outbox_messages

    slug = s.group.slug
    paths = {
        "value": f"/groups/{slug}/value",
        "value-me": f"/groups/{slug}/value?view=me",
        "csv": f"/groups/{slug}/value.csv",
        "meetup": f"/groups/{slug}/meetups/{s.meetups[0].id}",
        "connections": "/connections",
        "dashboard": "/",
        "admin-home": f"/groups/{slug}/admin",
    }
    if surface == "emails":
        if user is None:
            return None, ""
        bodies: list[str] = []
        with app.test_request_context():
            for message in outbox_messages(to=user.email):
                email = build_message(message)
                bodies.extend(part.get_content() for part in email.walk() if part.get_content_maintype() == "text")
        return None, "\n".join(bodies)
    response = client.get(paths[surface])
    return response.status_code, response.get_data(as_text=True)


@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize("role", ROLES)
def test_anonymity_matrix(app, client, auth, anon, role, surface):
    s = anon
    anna, bo, cecilie = s.members[:3]
    user = _user_for(role, s)
    if user is not None:
        auth.login(user)
    status, body = _surface(client, app, s, surface, user)
    if status is not None:
        assert status in (200, 302, 403, 404), status
    if role == "anonymous" and status is not None:
        # Only the landing page and the public meetup page (title and date) answer.
        assert status in (302, 404) or surface in ("dashboard", "meetup")

    # 1. A comment from a meetup with fewer than 3 raters never appears.
    assert OCT_COMMENT not in body
    # 2. A comment is seen only by hosts, only on the value page, never next to a name.
    if SEPT_COMMENT in body:
        assert role in ("host", "co-host") and surface == "value"
        section = body.split('id="sec-comments"')[1].split("</section>")[0]
        for member in s.members:
            assert member.name not in section
            assert member.email not in section
    # 3. Anna's one-sided click on Cecilie is visible to nobody but Anna.
    #    None of these roles is connected with Anna, so her name has no place on
    #    their connections page, dashboard, emails or report.
    if surface in ("connections", "dashboard", "emails", "value", "value-me", "csv"):
        assert anna.name not in body, "a click or connection leaked"
    if surface in ("value", "value-me", "csv"):
        for member in s.members:  # no per-member rows or names in the report
            assert member.name not in body
    # 4. The withheld meetup's scores never appear; its row says so.
    if surface in ("value", "value-me") and status == 200:
        match = re.search(r"October meetup</span>(.*?)</tr>", body, re.S)
        assert match, "no row for the October meetup"
        row = match.group(1)
        assert "not enough ratings" in row
        assert "1.5" not in row
    if surface == "csv" and status == 200:
        row = next(line for line in body.splitlines() if "October meetup" in line)
        assert row.count("withheld") == 3 and "1.5" not in row


def test_matrix_size():
    """The matrix above: 5 roles × 8 surfaces, each checking 4 kinds of leak."""
    assert len(ROLES) * len(SURFACES) == 40


def test_member_sees_all_of_their_own(client, auth, anon):
    """The promise's other half: Anna sees her own scores in the "me" view."""
    auth.login(anon.members[0])
    page = client.get(f"/groups/{anon.group.slug}/value?view=me").get_data(as_text=True)
    assert "You: <strong>3.0</strong>" in page  # (5 + 1) / 2 own fit
