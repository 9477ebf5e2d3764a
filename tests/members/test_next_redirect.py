"""?next= stays on the site (QUALITY.md 7), after login and when already signed in."""
from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest

from tests.members.helpers import login

EVIL_NEXT = [
    "https://evil.example/",
    "http://evil.example",
    "//evil.example",
    "///evil.example",
    "////evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "http:evil.example",
    "https:/evil.example",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "@evil.example",
    "%2F%2Fevil.example",
    "/%09/evil.example",
    "https://localhost@evil.example",
]


def _browser_target(location: str) -> str:
    """Where a browser goes for this Location (WHATWG: tabs/newlines dropped, \\ read as /)."""
    cleaned = re.sub(r"[\t\n\r]", "", location).strip(" \x00-\x1f").replace("\\", "/")
    return urlsplit(urljoin("http://localhost/login", cleaned)).netloc


@pytest.mark.parametrize("evil", EVIL_NEXT)
def test_next_never_leaves_the_site(client, make_user, evil):
    from urllib.parse import quote

    make_user(email="next@example.com")
    response = login(client, "next@example.com", path="/login?next=" + quote(evil, safe=""))
    assert response.status_code == 302
    assert _browser_target(response.headers["Location"]) in ("", "localhost")


@pytest.mark.parametrize("good", ["/account", "/groups?page=2", "/account/password"])
def test_next_within_the_site_is_followed(client, make_user, good):
    from urllib.parse import quote

    make_user(email="next@example.com")
    response = login(client, "next@example.com", path="/login?next=" + quote(good, safe=""))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(good)


def test_next_is_followed_when_already_signed_in_only_within_the_site(client, make_user):
    make_user(email="next@example.com")
    login(client, "next@example.com")
    response = client.get("/login?next=//evil.example")
    assert response.status_code == 302
    assert _browser_target(response.headers["Location"]) in ("", "localhost")


def test_pages_that_need_login_send_anonymous_users_to_login_and_back(client, make_user):
    make_user(email="back@example.com")
    response = client.get("/account")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert urlsplit(location).path == "/login"
    followed = login(client, "back@example.com", path=location[location.index("/login"):])
    assert followed.headers["Location"].endswith("/account")
