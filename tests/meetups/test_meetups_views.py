"""Meetup pages through the client: member page, RSVP, host pages, attendance, season, messages."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from common.db import utcnow
from meetups.models import RSVP, Meetup
from tests.conftest import csrf_token, outbox_messages


@pytest.fixture
def setup(make_group, make_member, make_user, make_meetup):
    host = make_user(name="Hanne Host")
    group = make_group(host=host, name="Copenhagen Sales Leaders")
    member = make_member(group, name="Mads Member")
    meetup = make_meetup(group, title="October meetup", capacity=1, speaker="Mette Holm, Novo Nordisk",
                         agenda="Talk & dinner", place="Kødbyens Kantine")
    return {"host": host, "group": group, "member": member, "meetup": meetup}


def _url(s, suffix=""):
    return f"/groups/{s['group'].slug}/meetups/{s['meetup'].id}{suffix}"


def _admin(s, suffix=""):
    return f"/groups/{s['group'].slug}/admin/meetups/{s['meetup'].id}{suffix}"


def test_public_group_shows_title_and_date_only_to_non_members(client, auth, setup, make_user):
    html = client.get(_url(setup)).get_data(as_text=True)
    assert "October meetup" in html
    assert "Kødbyens Kantine" not in html and "Mette Holm" not in html
    group_page = client.get(f"/groups/{setup['group'].slug}").get_data(as_text=True)
    assert "October meetup" in group_page and "Kødbyens Kantine" not in group_page
    auth.login(make_user())
    html = client.get(_url(setup)).get_data(as_text=True)
    assert "Kødbyens Kantine" not in html and "I&#39;m going" not in html


def test_invite_only_group_meetup_is_404_to_outsiders(client, auth, make_group, make_meetup, make_user):
    group = make_group(visibility="invite")
    meetup = make_meetup(group)
    assert client.get(f"/groups/{group.slug}/meetups/{meetup.id}").status_code == 404
    auth.login(make_user())
    assert client.get(f"/groups/{group.slug}/meetups/{meetup.id}").status_code == 404


def test_meetup_of_another_group_is_404(client, auth, setup, make_group, make_meetup):
    other = make_meetup(make_group())
    auth.login(setup["member"])
    assert client.get(f"/groups/{setup['group'].slug}/meetups/{other.id}").status_code == 404


def test_member_sees_details_and_rsvps_then_second_member_is_waitlisted(client, auth, db, setup, make_member):
    auth.login(setup["member"])
    html = client.get(_url(setup)).get_data(as_text=True)
    assert "Kødbyens Kantine" in html and "Mette Holm" in html and "Talk &amp; dinner" in html
    response = client.post(_url(setup, "/rsvp"), data={"response": "going", "csrf_token": csrf_token(client, _url(setup))})
    assert response.status_code == 302
    html = client.get(_url(setup)).get_data(as_text=True)
    assert "You are going" in html and "Mads Member" in html
    auth.logout()

    second = make_member(setup["group"], name="Sofie Second")
    auth.login(second)
    assert "Join the waitlist" in client.get(_url(setup)).get_data(as_text=True)
    client.post(_url(setup, "/rsvp"), data={"response": "going", "csrf_token": csrf_token(client, _url(setup))})
    html = client.get(_url(setup)).get_data(as_text=True)
    assert "number 1 on the waitlist" in html
    assert db.session.scalar(select(Meetup.going_count).where(Meetup.id == setup["meetup"].id)) == 1


def test_rsvp_rejects_bad_input_and_missing_csrf(client, auth, db, setup):
    auth.login(setup["member"])
    token = csrf_token(client, _url(setup))
    assert client.post(_url(setup, "/rsvp"), data={"response": "maybe", "csrf_token": token}).status_code == 400
    assert client.post(_url(setup, "/rsvp"), data={"response": "going"}).status_code == 400
    assert db.session.scalar(select(func.count(RSVP.id))) == 0


def test_extra_fields_cannot_answer_for_someone_else(client, auth, db, setup, make_member):
    other = make_member(setup["group"])
    auth.login(setup["member"])
    client.post(_url(setup, "/rsvp"), data={"response": "going", "user_id": other.id, "response_for": other.id,
                                           "csrf_token": csrf_token(client, _url(setup))})
    rows = db.session.execute(select(RSVP.user_id)).scalars().all()
    assert rows == [setup["member"].id]


def test_host_creates_edits_and_cancels_a_meetup(client, auth, db, setup, make_member):
    group = setup["group"]
    auth.login(setup["host"])
    new_url = f"/groups/{group.slug}/admin/meetups/new"
    token = csrf_token(client, new_url)
    bad = client.post(new_url, data={"csrf_token": token, "title": "", "starts_at": "2031-13-40T17:00",
                                     "ends_at": "2031-03-11T16:00", "capacity": "-3"})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "field--invalid" in html
    assert db.session.scalar(select(func.count(Meetup.id))) == 1

    response = client.post(new_url, data={
        "csrf_token": token, "title": "Spring dinner", "starts_at": "2031-03-11T17:00",
        "ends_at": "2031-03-11T19:30", "place": "Noma", "capacity": "20",
    })
    assert response.status_code == 302
    meetup = db.session.scalars(select(Meetup).where(Meetup.title == "Spring dinner")).one()
    assert meetup.starts_at.hour == 16  # 17:00 CET is 16:00 UTC
    assert len(meetup.checkin_code) == 6

    edit_url = f"/groups/{group.slug}/admin/meetups/{meetup.id}/edit"
    html = client.get(edit_url).get_data(as_text=True)
    assert 'value="2031-03-11T17:00"' in html  # shown in the group's timezone
    client.post(edit_url, data={"csrf_token": token, "title": "Spring dinner", "starts_at": "2031-11-11T17:00",
                                "ends_at": "2031-11-11T19:30", "place": "Noma", "capacity": "20"})
    db.session.refresh(meetup)
    assert meetup.starts_at.hour == 16  # November: also 17:00 local

    going = make_member(group)
    db.session.add(RSVP(meetup_id=meetup.id, user_id=going.id, response="going"))
    db.session.commit()
    response = client.post(f"/groups/{group.slug}/admin/meetups/{meetup.id}/cancel", data={"csrf_token": token})
    assert response.status_code == 302
    db.session.refresh(meetup)
    assert meetup.status == "cancelled"
    assert [m.template for m in outbox_messages(going.email)] == ["meetup_cancelled"]


def test_season_preview_then_save(client, auth, db, setup):
    group = setup["group"]
    auth.login(setup["host"])
    url = f"/groups/{group.slug}/admin/meetups/season"
    token = csrf_token(client, url)
    form = {"csrf_token": token, "title": "Monthly meetup", "first_month": "2031-08", "last_month": "2032-06",
            "ordinal": "2", "weekday": "1", "start_time": "17:00", "end_time": "19:30",
            "skip_months": ["7", "12"], "place": "Kødbyens Kantine", "capacity": "25"}
    preview = client.post(url, data={**form, "action": "preview"})
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "Preview: 10 meetups" in html and "Tue 12 Aug 2031, 17:00–19:30" in html
    assert db.session.scalar(select(func.count(Meetup.id))) == 1  # nothing saved yet
    response = client.post(url, data={**form, "action": "save"})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(Meetup.id)).where(Meetup.capacity == 25)) == 10
    bad = client.post(url, data={**form, "last_month": "2030-01", "action": "preview"})
    assert bad.status_code == 422


def test_attendance_one_tap_search_walk_in_and_json(client, auth, db, setup, make_member):
    group, meetup = setup["group"], setup["meetup"]
    ann = make_member(group, name="Anne Andersen")
    bo = make_member(group, name="Bo Berg")
    db.session.add(RSVP(meetup_id=meetup.id, user_id=ann.id, response="going"))
    meetup.going_count = 1
    db.session.commit()
    auth.login(setup["host"])
    page = _admin(setup, "/attendance")
    html = client.get(page + "?q=anne").get_data(as_text=True)
    assert "Anne Andersen" in html and "Bo Berg" not in html
    token = csrf_token(client, page)
    before = client.get(page).get_data(as_text=True)
    assert f'id="person-{ann.id}"' in before and "attendee--present" not in before
    # Each line's form carries this session's token (the lines are kept per worker, the token is not).
    match = re.search(rf'attendance/{ann.id}" data-checkin-form>\s*<input type="hidden" name="csrf_token" '
                      r'value="([^"]+)"', before)
    assert match, "Anne's line has no check-in form with a token"
    line_token = match.group(1)
    response = client.post(_admin(setup, f"/attendance/{ann.id}"), data={"csrf_token": line_token})
    assert response.status_code == 302
    after = client.get(page).get_data(as_text=True)
    assert after.count("attendee--present") == 1 and "Undo check-in of Anne Andersen" in after
    row = db.session.scalars(select(RSVP).where(RSVP.user_id == ann.id)).one()
    assert row.checked_in_at is not None and not row.walk_in
    db.session.refresh(meetup)
    assert meetup.attendance_taken
    # Walk-in: Bo never answered.
    client.post(_admin(setup, "/walk-in"), data={"csrf_token": token, "user_id": bo.id})
    bo_row = db.session.scalars(select(RSVP).where(RSVP.user_id == bo.id)).one()
    assert bo_row.walk_in and bo_row.checked_in_at is not None and bo_row.response == "not_going"
    assert db.session.scalar(select(Meetup.going_count).where(Meetup.id == meetup.id)) == 1
    # The JS enhancement: undo as JSON.
    response = client.post(_admin(setup, f"/attendance/{ann.id}"), data={"csrf_token": token, "undo": "1"},
                           headers={"Accept": "application/json"})
    assert response.json == {"ok": True, "checked_in": False, "present": 1}
    # Someone outside the group cannot be checked in.
    assert client.post(_admin(setup, "/attendance/999999"), data={"csrf_token": token}).status_code == 404
    assert client.post(_admin(setup, f"/attendance/{ann.id}")).status_code == 400


def test_self_check_in_with_the_code_during_the_window(client, auth, db, setup, make_meetup):
    group = setup["group"]
    now = utcnow()
    live = make_meetup(group, starts_at=now - timedelta(minutes=20), checkin_code="ABC234")
    later = make_meetup(group, starts_at=now + timedelta(days=5), checkin_code="XYZ789")
    auth.login(setup["member"])
    url = f"/groups/{group.slug}/meetups/{live.id}/check-in"
    html = client.get(url + "?code=ABC234").get_data(as_text=True)
    assert 'value="ABC234"' in html  # the QR link fills the code in; GET changes nothing
    assert db.session.scalar(select(func.count(RSVP.id))) == 0
    token = csrf_token(client, url)
    wrong = client.post(url, data={"csrf_token": token, "code": "WRONG1"})
    assert wrong.status_code == 422 and "not right" in wrong.get_data(as_text=True)
    assert client.post(url, data={"csrf_token": token, "code": "abc 234"}).status_code == 302
    row = db.session.scalars(select(RSVP).where(RSVP.meetup_id == live.id)).one()
    assert row.checked_in_at is not None
    too_early = client.post(f"/groups/{group.slug}/meetups/{later.id}/check-in",
                            data={"csrf_token": token, "code": "XYZ789"})
    assert too_early.status_code == 422
    assert db.session.scalar(select(func.count(RSVP.id)).where(RSVP.meetup_id == later.id)) == 0


def test_check_in_code_page_shows_code_and_qr(client, auth, setup):
    auth.login(setup["host"])
    html = client.get(_admin(setup, "/code")).get_data(as_text=True)
    assert "K7M4PQ" in html and "<svg" in html


def test_message_members_queues_one_email_per_active_member(client, auth, db, setup, make_member):
    group = setup["group"]
    make_member(group, status="left")
    auth.login(setup["host"])
    url = f"/groups/{group.slug}/admin/message"
    token = csrf_token(client, url)
    assert client.post(url, data={"csrf_token": token, "subject": "", "body": "x"}).status_code == 422
    response = client.post(url, data={"csrf_token": token, "subject": "Venue change",
                                      "body": "<script>alert(1)</script> We meet at Noma."})
    assert response.status_code == 302
    messages = [m for m in outbox_messages() if m.template == "meetup_announcement"]
    assert {m.to_email for m in messages} == {setup["host"].email, setup["member"].email}
    assert "Venue change" in client.get(url).get_data(as_text=True)  # listed as sent recently
    from outbox.sender import build_message

    email = build_message(messages[0])
    html_part = email.get_body(("html",))
    assert html_part is not None
    html = html_part.get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_absence_rule_flags_members(client, auth, db, setup, make_member, make_meetup, make_rsvp):
    group = setup["group"]
    group.absence_limit = 1
    db.session.commit()
    absent = make_member(group, name="Alma Absent")
    present = make_member(group, name="Per Present")
    for weeks in (3, 7, 11):
        held = make_meetup(group, starts_at=utcnow() - timedelta(weeks=weeks), status="held", attendance_taken=True)
        make_rsvp(held, present, checked_in=True)
    from meetups.attendance import absence_flags, attendance_history

    history = {row["user"].id: row for row in attendance_history(group)}
    assert history[absent.id]["held"] == 0  # joined after these meetups
    for m in db.session.scalars(select(__import__("groups.models", fromlist=["Membership"]).Membership)):
        m.joined_at = utcnow() - timedelta(weeks=20)
    db.session.commit()
    flags = absence_flags(group)
    assert absent.id in flags and flags[absent.id] == 3
    assert present.id not in flags
    auth.login(setup["host"])
    html = client.get(f"/groups/{group.slug}/admin/attendance/members").get_data(as_text=True)
    assert "Alma Absent" in html and "Too many absences" in html


def test_attendance_home_jumps_to_the_latest_meetup(client, auth, db, setup, make_meetup):
    group = setup["group"]
    recent = make_meetup(group, starts_at=utcnow() - timedelta(hours=1))
    auth.login(setup["host"])
    response = client.get(f"/groups/{group.slug}/admin/attendance")
    assert response.status_code == 302 and response.location.endswith(f"/meetups/{recent.id}/attendance")


def test_group_page_and_dashboard_list_upcoming_meetups(client, auth, setup):
    auth.login(setup["member"])
    html = client.get(f"/groups/{setup['group'].slug}").get_data(as_text=True)
    assert "Upcoming meetups" in html and "October meetup" in html
    html = client.get("/").get_data(as_text=True)
    assert "Your next meetups" in html and "October meetup" in html
    html = client.get("/meetups").get_data(as_text=True)
    assert "October meetup" in html and "webcal://" in html


def test_admin_home_has_the_attendance_tile(client, auth, setup, make_meetup, make_rsvp):
    held = make_meetup(setup["group"], starts_at=utcnow() - timedelta(days=30), status="held", attendance_taken=True)
    make_rsvp(held, setup["member"], checked_in=True)
    auth.login(setup["host"])
    html = client.get(f"/groups/{setup['group'].slug}/admin").get_data(as_text=True)
    assert "Meetups and attendance" in html and "<svg" in html


def test_host_sets_the_absence_rule(client, auth, db, setup):
    group = setup["group"]
    auth.login(setup["host"])
    url = f"/groups/{group.slug}/admin/attendance/members"
    token = csrf_token(client, url)
    assert client.post(url, data={"csrf_token": token, "absence_limit": "-1", "absence_months": "6"}).status_code == 422
    assert client.post(url, data={"csrf_token": token, "absence_limit": "3", "absence_months": "6"}).status_code == 302
    db.session.refresh(group)
    assert (group.absence_limit, group.absence_months) == (3, 6)
    client.post(url, data={"csrf_token": token, "absence_limit": "", "absence_months": "6"})
    db.session.refresh(group)
    assert group.absence_limit is None
