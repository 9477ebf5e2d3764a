"""The personal iCalendar feed and single-meetup files, parsed back with icalendar."""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from common.db import utcnow
from meetups import services
from meetups.rsvp import rsvp


def _events(body: bytes | str):
    cal = Calendar.from_ical(body)
    return cal, {str(e["UID"]): e for e in cal.walk("VEVENT")}


def test_feed_is_valid_icalendar_with_tz_uid_organizer_partstat_and_cancellations(
    client, db, make_group, make_member, make_meetup
):
    group = make_group(name="Aarhus Leaders")
    user = make_member(group, name="Mette Holm")
    other_group = make_group()
    # 17:00 Copenhagen in March and November: different UTC offsets, same local time.
    march = make_meetup(group, title="March meetup", starts_at=datetime(2031, 3, 11, 16, 0, tzinfo=UTC))
    november = make_meetup(group, title="November meetup", starts_at=datetime(2031, 11, 11, 16, 0, tzinfo=UTC))
    summer = make_meetup(group, title="Summer meetup", starts_at=datetime(2031, 6, 10, 15, 0, tzinfo=UTC))
    cancelled = make_meetup(group, title="Cancelled one")
    not_mine = make_meetup(other_group, title="Other group")
    rsvp(march, user, "going")
    rsvp(november, user, "not_going")
    services.cancel_meetup(cancelled, actor_id=None)
    db.session.commit()

    response = client.get(f"/calendar/{user.calendar_token}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    cal, events = _events(response.data)
    assert cal.walk("VTIMEZONE") and str(cal.walk("VTIMEZONE")[0]["TZID"]) == "Europe/Copenhagen"
    assert set(events) == {f"meetup-{m.id}@nq" for m in (march, november, summer, cancelled)}
    assert f"meetup-{not_mine.id}@nq" not in events

    tz = ZoneInfo("Europe/Copenhagen")
    for meetup in (march, november, summer):
        start = events[f"meetup-{meetup.id}@nq"].decoded("DTSTART")
        assert start.tzinfo is not None
        assert start.astimezone(tz).time() == time(17, 0)
        assert start == meetup.starts_at
    march_event = events[f"meetup-{march.id}@nq"]
    assert "mailto:" in str(march_event["ORGANIZER"])
    assert march_event["ORGANIZER"].params["CN"] == "Aarhus Leaders"
    assert march_event["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
    assert events[f"meetup-{november.id}@nq"]["ATTENDEE"].params["PARTSTAT"] == "DECLINED"
    assert events[f"meetup-{summer.id}@nq"]["ATTENDEE"].params["PARTSTAT"] == "NEEDS-ACTION"
    assert str(events[f"meetup-{cancelled.id}@nq"]["STATUS"]) == "CANCELLED"
    assert str(march_event["STATUS"]) == "CONFIRMED"

    # The UID is stable across fetches.
    _cal, again = _events(client.get(f"/calendar/{user.calendar_token}.ics").data)
    assert set(again) == set(events)


def test_wrong_or_regenerated_token_is_404(client, auth, db, make_group, make_member, make_meetup):
    from tests.conftest import csrf_token

    group = make_group()
    user = make_member(group)
    make_meetup(group)
    assert client.get("/calendar/not-a-real-token.ics").status_code == 404
    old = user.calendar_token
    auth.login(user)
    response = client.post("/meetups/calendar/regenerate", data={"csrf_token": csrf_token(client, "/meetups")})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.calendar_token != old
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{user.calendar_token}.ics").status_code == 200


def test_regenerate_needs_csrf(client, auth, db, make_user):
    user = make_user()
    old = user.calendar_token
    auth.login(user)
    assert client.post("/meetups/calendar/regenerate").status_code == 400
    db.session.refresh(user)
    assert user.calendar_token == old


def test_feed_leaves_out_groups_the_member_left(client, db, make_group, make_member, make_meetup):
    group = make_group()
    user = make_member(group, status="left")
    make_meetup(group)
    _cal, events = _events(client.get(f"/calendar/{user.calendar_token}.ics").data)
    assert events == {}


def test_single_meetup_file_for_members_only(client, auth, db, make_group, make_member, make_meetup, make_user):
    group = make_group()
    member = make_member(group)
    meetup = make_meetup(group, starts_at=utcnow() + timedelta(days=3))
    auth.login(make_user())
    assert client.get(f"/groups/{group.slug}/meetups/{meetup.id}.ics").status_code == 403
    auth.logout()
    auth.login(member)
    response = client.get(f"/groups/{group.slug}/meetups/{meetup.id}.ics")
    assert response.status_code == 200
    _cal, events = _events(response.data)
    assert list(events) == [f"meetup-{meetup.id}@nq"]
