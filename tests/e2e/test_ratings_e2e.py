"""End to end: emailed rating link on a phone, a mutual click, both see the connection;
the host sees the value report's chart and verdict but no individual ratings."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from common.db import utcnow
from tests.conftest import outbox_messages
from tests.e2e.conftest import assert_no_serious_axe_violations, login
from tests.ratings.ratings_fixtures import rate_as


@pytest.fixture
def rated_group(make_user, make_group, make_member, make_meetup, make_rsvp):
    host = make_user(email="e2e-host@example.com", name="Helle Host")
    group = make_group(host=host, name="E2E Founders", slug="e2e-founders")
    anna = make_member(group, email="e2e-anna@example.com", name="Anna Andersen", headline="CFO, Nordlys", purposes=["partners"])
    bo = make_member(group, email="e2e-bo@example.com", name="Bo Berg", headline="Founder, Havn Robotics", phone="+45 2222 3333")
    cecilie = make_member(group, email="e2e-cecilie@example.com", name="Cecilie Dahl")
    dan = make_member(group, email="e2e-dan@example.com", name="Dan Eriksen")
    now = utcnow().replace(microsecond=0)
    meetup = make_meetup(group, title="November meetup", starts_at=now - timedelta(hours=5),
                         ends_at=now - timedelta(hours=2), status="held", attendance_taken=True)
    for user in (anna, bo, cecilie, dan):
        make_rsvp(meetup, user, checked_in=True)
    rate_as(meetup, bo, fit=5, chemistry=4, clicks=[anna], comment="Bo's private remark 4471")
    rate_as(meetup, cecilie, fit=2, chemistry=3)
    return {"host": host, "group": group, "anna": anna, "bo": bo, "meetup": meetup}


def test_rate_from_email_on_phone_then_both_see_connection_and_host_sees_report(
    app, db, browser, live_server, phone_page, page, rated_group
):
    from ratings.rating_requests import queue_rating_requests

    group, anna = rated_group["group"], rated_group["anna"]
    queue_rating_requests(utcnow())
    db.session.commit()
    [request] = [m for m in outbox_messages(to=anna.email) if m.template == "rating_request"]
    link = urlsplit(request.context["url"])

    # Anna follows the emailed link on her phone, without signing in.
    phone_page.goto(f"{link.path}?{link.query}")
    assert "Rating as Anna Andersen" in phone_page.inner_text("main")
    assert "partners" in phone_page.inner_text("main")  # her purpose, next to fit
    phone_page.click("label[for='fit-3']")
    phone_page.click("label[for='chemistry-4']")
    phone_page.click("label[for='worth_time-0']")
    phone_page.click("label[for='gave_help-0']")
    phone_page.click("label[for='got_help-1']")
    phone_page.click("label[for='renewal_intent-0']")
    card = phone_page.locator("label.click-card", has_text="Bo Berg")
    assert card.bounding_box()["height"] >= 44  # a big tap target
    card.click()
    assert phone_page.locator("label.click-card", has_text="Bo Berg").locator("input").is_checked()
    phone_page.click("button[type=submit]")
    phone_page.wait_for_load_state()
    main = phone_page.inner_text("main")
    assert "your rating is saved" in main
    assert "You and Bo Berg both want to follow up." in main
    assert_no_serious_axe_violations(phone_page)
    # The link signed her in to nothing else.
    phone_page.goto("/connections")
    assert "/login" in phone_page.url

    # Signed in, both see the connection with each other's contact details.
    login(phone_page, anna.email)
    phone_page.goto("/connections")
    text = phone_page.inner_text("main")
    assert "Bo Berg" in text and "e2e-bo@example.com" in text and "+45 2222 3333" in text
    context = browser.new_context(base_url=live_server.url)
    bo_page = context.new_page()
    login(bo_page, rated_group["bo"].email)
    bo_page.goto("/connections")
    assert "Anna Andersen" in bo_page.inner_text("main") and "e2e-anna@example.com" in bo_page.inner_text("main")
    context.close()

    # The rating window closes (a one-day window, the meetup a day further back):
    # only then do the meetup's ratings count in the report.
    meetup = rated_group["meetup"]
    group.rating_window_days = 1
    meetup.starts_at -= timedelta(days=1)
    meetup.ends_at -= timedelta(days=1)
    db.session.commit()
    # The host sees the chart and the verdict, but no one's individual rating.
    login(page, rated_group["host"].email)
    page.goto(f"/groups/{group.slug}/value")
    assert page.locator(".chart--wide svg[role=img] title").count() == 1
    assert page.locator(".chart--wide svg").is_visible()
    assert page.locator(".verdict-badge").is_visible()
    body = page.inner_text("main")
    for name in ("Anna Andersen", "Bo Berg", "Cecilie Dahl", "Dan Eriksen"):
        assert name not in body
    assert "Bo's private remark 4471" in body  # 3 raters: shown, without a name
    assert_no_serious_axe_violations(page)
    page.emulate_media(media="print")
    assert not page.locator(".topbar").is_visible()
    assert page.locator(".chart--wide svg").is_visible()
