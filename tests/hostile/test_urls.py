"""Hostile URLs (path and query string): NUL bytes and huge numbers are never a server error."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from tests.hostile.sweep import DIGITS_40, NUL, db_snapshot, group_url
from tests.hostile.world import World


@dataclass(frozen=True)
class UrlCase:
    name: str
    who: str | None
    url: Callable[[World], str]
    query: dict[str, str] = field(default_factory=dict)


URL_CASES = [
    UrlCase("directory-q-nul", "member", lambda w: group_url(w, "/members"), {"q": NUL}),
    UrlCase("directory-tag-nul", "member", lambda w: group_url(w, "/members"), {"tag": NUL}),
    UrlCase("attendance-q-nul", "host", lambda w: group_url(w, f"/admin/meetups/{w.now_meetup.id}/attendance"),
            {"q": NUL}),
    UrlCase("members-show-nul", "host", lambda w: group_url(w, "/admin/members"), {"show": NUL}),
    UrlCase("groups-page-40-digits", None, lambda w: "/groups", {"page": DIGITS_40}),
    UrlCase("groups-page-nul", None, lambda w: "/groups", {"page": "1\x00"}),
    UrlCase("groups-page-superscript", None, lambda w: "/groups", {"page": "²"}),
    UrlCase("groups-page-10k-digits", None, lambda w: "/groups", {"page": "9" * 10_000}),
    UrlCase("audit-page-40-digits", "host", lambda w: group_url(w, "/admin/audit"), {"page": DIGITS_40}),
    UrlCase("audit-page-superscript", "host", lambda w: group_url(w, "/admin/audit"), {"page": "²"}),
    UrlCase("value-season-40-digits", "host", lambda w: group_url(w, "/value"), {"season": DIGITS_40}),
    UrlCase("value-view-nul", "host", lambda w: group_url(w, "/value"), {"view": NUL}),
    UrlCase("payments-season-year-1", "host", lambda w: group_url(w, "/admin/payments"), {"season": "0001-01-01"}),
    UrlCase("payments-season-year-9999", "host", lambda w: group_url(w, "/admin/payments"),
            {"season": "9999-12-31"}),
    UrlCase("payments-season-nul", "host", lambda w: group_url(w, "/admin/payments"), {"season": "2030-08-01\x00"}),
    UrlCase("check-in-code-nul", "member", lambda w: group_url(w, f"/meetups/{w.now_meetup.id}/check-in"),
            {"code": NUL}),
    UrlCase("rate-token-nul", None, lambda w: group_url(w, f"/meetups/{w.past_meetup.id}/rate"), {"t": NUL}),
    UrlCase("pay-success-session-nul", "approved", lambda w: group_url(w, "/pay/success"), {"session_id": NUL}),
    UrlCase("login-next-nul", None, lambda w: "/login", {"next": "/\x00"}),
    UrlCase("group-slug-nul", None, lambda w: "/groups/a%00b"),
    UrlCase("calendar-token-nul", None, lambda w: "/calendar/a%00b.ics"),
    UrlCase("invite-token-nul", None, lambda w: "/invite/a%00b"),
    UrlCase("invoice-number-nul", "member", lambda w: "/invoices/a%00b"),
]


@pytest.mark.parametrize("case", URL_CASES, ids=[c.name for c in URL_CASES])
def test_hostile_url_is_never_a_server_error(case: UrlCase, world: World, db) -> None:
    url = case.url(world)
    if case.who is not None:
        world.auth.login(getattr(world, case.who))
    before = db_snapshot(db)
    response = world.client.get(url, query_string=case.query)
    assert response.status_code < 500, response.status_code
    if "%00" in url or any("\x00" in value for value in case.query.values()):
        assert response.status_code == 400  # a malformed request (common.web.refuse_nul_bytes_in_url)
    assert db_snapshot(db) == before
