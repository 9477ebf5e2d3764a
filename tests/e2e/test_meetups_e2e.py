"""End to end in Chromium: host schedules a season, member RSVPs, host takes attendance on a phone."""
from __future__ import annotations

from sqlalchemy import select

from meetups.models import RSVP, Meetup
from tests.e2e.conftest import assert_no_serious_axe_violations, login


def test_season_rsvp_and_attendance_on_a_phone(browser, live_server, page, phone_page, db, make_user, make_group,
                                               make_member):
    host = make_user(email="host-e2e@example.com", name="Hanne Host")
    group = make_group(host=host, name="Odense Growth Circle", slug="odense-growth")
    member = make_member(group, email="member-e2e@example.com", name="Mads Mortensen")
    make_member(group, email="other-e2e@example.com", name="Olga Olsen")

    # 1. The host schedules a season from one rule, previews it, saves it.
    login(page, host.email)
    page.goto(f"/groups/{group.slug}/admin/meetups")
    page.click("text=Schedule a season")
    page.fill("input[name=first_month]", "2031-08")
    page.fill("input[name=last_month]", "2032-06")
    page.select_option("select[name=ordinal]", "2")
    page.select_option("select[name=weekday]", "1")
    page.fill("input[name=start_time]", "17:00")
    page.fill("input[name=end_time]", "19:30")
    page.check("input[name=skip_months][value='12']")  # July is skipped by default
    page.fill("input[name=place]", "Odense Havnekulturhus")
    page.fill("input[name=capacity]", "12")
    page.click("button[value=preview]")
    preview = page.locator(".season-preview")
    assert "Preview: 10 meetups" in preview.inner_text()
    assert "Tue 12 Aug 2031, 17:00–19:30" in preview.inner_text()
    # Across both DST changes the local time stays 17:00.
    assert "Tue 11 Nov 2031, 17:00–19:30" in preview.inner_text()
    assert "Tue 13 Apr 2032, 17:00–19:30" in preview.inner_text()
    assert "Dec 2031" not in preview.inner_text() and "Jul 2032" not in preview.inner_text()
    assert_no_serious_axe_violations(page)
    page.click("button[value=save]")
    page.wait_for_load_state()
    assert "10 meetups scheduled" in page.inner_text(".flashes")
    meetups = list(db.session.scalars(select(Meetup).where(Meetup.group_id == group.id).order_by(Meetup.starts_at)))
    assert len(meetups) == 10
    first = meetups[0]

    # 2. A member RSVPs from the group page.
    member_context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=live_server.url)
    member_page = member_context.new_page()
    login(member_page, member.email)
    member_page.goto(f"/groups/{group.slug}")
    member_page.click(f"a[href='/groups/{group.slug}/meetups/{first.id}']")
    assert "Odense Havnekulturhus" in member_page.inner_text("main")
    member_page.click("button:has-text(\"I'm going\")")
    member_page.wait_for_load_state()
    assert "You are going" in member_page.inner_text(".flashes")
    assert "Mads Mortensen" in member_page.inner_text(".going-list")
    assert_no_serious_axe_violations(member_page)
    member_context.close()
    db.session.expire_all()
    assert db.session.scalars(select(RSVP.response).where(RSVP.meetup_id == first.id)).all() == ["going"]

    # 3. The host takes attendance on a phone: search, one tap.
    login(phone_page, host.email)
    phone_page.goto(f"/groups/{group.slug}/admin/meetups/{first.id}/attendance")
    phone_page.fill("[data-attendance-search]", "mads")
    assert phone_page.locator(".attendee:visible").count() == 1
    button = phone_page.locator(f"#person-{member.id} button")
    box = button.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44  # a real tap target
    button.tap()
    phone_page.wait_for_selector(f"#person-{member.id} button[aria-pressed=true]")
    assert phone_page.inner_text("[data-present-count]") == "1"
    assert_no_serious_axe_violations(phone_page)
    phone_page.reload()
    assert "Checked in" in phone_page.inner_text(f"#person-{member.id}")
    db.session.expire_all()
    row = db.session.scalars(select(RSVP).where(RSVP.meetup_id == first.id, RSVP.user_id == member.id)).one()
    assert row.checked_in_at is not None
