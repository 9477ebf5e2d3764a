"""Rating a meetup: window, attendance, validation, signed links, and rating requests."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from common.db import utcnow
from ratings.models import Click, Rating
from tests.conftest import csrf_token, outbox_messages
from tests.ratings.ratings_fixtures import *  # noqa: F403
from tests.ratings.ratings_fixtures import rate_as


def rate_url(s, meetup=None, token=None):
    meetup = meetup or s.just_ended
    url = f"/groups/{s.group.slug}/meetups/{meetup.id}/rate"
    return url + (f"?t={token}" if token else "")


def form_data(client, url, **overrides):
    data = {
        "csrf_token": csrf_token(client, url), "fit": "4", "chemistry": "5", "worth_time": "yes",
        "gave_help": "yes", "got_help": "no", "renewal_intent": "yes", "comment": "",
    }
    data.update(overrides)
    return data


def for_meetup(message, meetup) -> bool:
    return message.dedupe_key.split(":")[1] == str(meetup.id)


def ratings_count(db):
    return db.session.scalar(select(func.count()).select_from(Rating))


def test_attendee_rates_with_clicks(client, auth, db, scenario):
    anna, bo = scenario.members[0], scenario.members[1]
    auth.login(anna)
    url = rate_url(scenario)
    page = client.get(url).get_data(as_text=True)
    assert "Bo Berg" in page and "Bo&#39;s headline" in page
    assert "sales, partners" in page  # the member's purposes next to fit
    assert "Anna Andersen" not in page.split("Who did you click with?")[1].split("</fieldset>")[0]
    response = client.post(url, data={**form_data(client, url), "clicked": [str(bo.id)]})
    assert response.status_code == 302
    rating = db.session.scalars(select(Rating)).one()
    assert (rating.fit, rating.chemistry, rating.worth_time, rating.gave_help, rating.got_help) == (4, 5, True, True, False)
    assert rating.verified is True
    assert db.session.scalars(select(Click.to_user_id)).all() == [bo.id]


def test_rating_is_editable_and_unique(client, auth, db, scenario):
    anna, bo, cecilie = scenario.members[:3]
    auth.login(anna)
    url = rate_url(scenario)
    client.post(url, data={**form_data(client, url), "clicked": [str(bo.id)]})
    client.post(url, data={**form_data(client, url, fit="2"), "clicked": [str(cecilie.id)]})
    assert ratings_count(db) == 1
    assert db.session.scalar(select(Rating.fit)) == 2
    assert db.session.scalars(select(Click.to_user_id)).all() == [cecilie.id]
    page = client.get(url).get_data(as_text=True)
    assert re.search(r'value="2"[^>]*checked|checked[^>]*value="2"', page)


def test_unique_constraint_backs_one_rating_per_member(db, scenario):
    from sqlalchemy.exc import IntegrityError

    rate_as(scenario.just_ended, scenario.members[0])
    db.session.add(Rating(meetup_id=scenario.just_ended.id, group_id=scenario.group.id,
                          user_id=scenario.members[0].id, fit=3, chemistry=3, worth_time=True,
                          renewal_intent="yes"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize("field,value", [
    ("fit", "0"), ("fit", "6"), ("chemistry", "-1"), ("chemistry", "abc"), ("fit", ""),
    ("renewal_intent", "maybe"), ("worth_time", "perhaps"), ("comment", "x" * 2001),
])
def test_bad_values_are_form_errors_and_store_nothing(client, auth, db, scenario, field, value):
    auth.login(scenario.members[0])
    url = rate_url(scenario)
    response = client.post(url, data=form_data(client, url, **{field: value}))
    assert response.status_code == 200
    assert 'class="error"' in response.get_data(as_text=True)
    assert ratings_count(db) == 0


def test_clicking_a_non_attendee_is_refused(client, auth, db, scenario):
    auth.login(scenario.members[0])
    url = rate_url(scenario)
    response = client.post(url, data={**form_data(client, url), "clicked": [str(scenario.outsider.id)]})
    assert response.status_code == 200
    assert ratings_count(db) == 0 and db.session.scalar(select(func.count()).select_from(Click)) == 0


def test_direct_click_on_someone_not_at_the_meetup_is_refused_by_the_service(db, scenario, make_member):
    from ratings.services import RatingRefused

    absent = make_member(scenario.group, name="Absent Member")
    with pytest.raises(RatingRefused):
        rate_as(scenario.just_ended, scenario.members[0], clicks=[absent])
    db.session.rollback()
    assert ratings_count(db) == 0


def test_non_attendee_cannot_rate(client, auth, db, scenario, make_member):
    absent = make_member(scenario.group, name="Absent Member")
    auth.login(absent)
    url = rate_url(scenario)
    assert client.get(url).status_code == 403
    response = client.post(url, data={"fit": "4", "chemistry": "4", "csrf_token": csrf_token(client, "/")})
    assert response.status_code == 403
    assert ratings_count(db) == 0


def test_going_but_not_checked_in_cannot_rate_when_attendance_was_taken(client, auth, db, scenario, make_member, make_rsvp):
    late = make_member(scenario.group, name="No Show")
    make_rsvp(scenario.just_ended, late, checked_in=False)
    auth.login(late)
    assert client.get(rate_url(scenario)).status_code == 403


def test_going_members_rate_unverified_when_no_attendance_taken(client, auth, db, scenario, make_meetup, make_rsvp):
    now = utcnow()
    meetup = make_meetup(scenario.group, starts_at=now - timedelta(hours=4), ends_at=now - timedelta(hours=1),
                         attendance_taken=False)
    make_rsvp(meetup, scenario.members[0])
    make_rsvp(meetup, scenario.members[1], response="not_going")
    auth.login(scenario.members[0])
    url = rate_url(scenario, meetup)
    assert client.post(url, data=form_data(client, url)).status_code == 302
    assert db.session.scalar(select(Rating.verified)) is False
    auth.logout()
    auth.login(scenario.members[1])
    assert client.get(url).status_code == 403


def test_cannot_rate_before_the_end_or_after_the_window(client, auth, db, scenario, make_meetup, make_rsvp):
    now = utcnow()
    running = make_meetup(scenario.group, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1))
    make_rsvp(running, scenario.members[0], checked_in=True)
    old = make_meetup(scenario.group, starts_at=now - timedelta(days=15, hours=3),
                      ends_at=now - timedelta(days=15), attendance_taken=True, status="held")
    make_rsvp(old, scenario.members[0], checked_in=True)
    auth.login(scenario.members[0])
    for meetup, words in ((running, "opens when the meetup ends"), (old, "has closed")):
        url = rate_url(scenario, meetup)
        response = client.get(url)
        assert response.status_code == 403
        assert words in response.get_data(as_text=True)
        data = {"fit": "4", "chemistry": "4", "csrf_token": csrf_token(client, "/")}
        assert client.post(url, data=data).status_code == 403
    assert ratings_count(db) == 0


def test_other_groups_meetup_id_under_this_slug_is_404(client, auth, scenario, make_meetup):
    foreign = make_meetup(scenario.outsider_group, starts_at=utcnow() - timedelta(hours=4),
                          ends_at=utcnow() - timedelta(hours=1))
    auth.login(scenario.members[0])
    assert client.get(rate_url(scenario, foreign)).status_code == 404


def test_anonymous_without_link_goes_to_login(client, scenario):
    response = client.get(rate_url(scenario))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --------------------------------------------------------------------------- signed links

def test_signed_link_opens_only_that_form_and_never_signs_in(client, db, scenario):
    from ratings.rating_requests import make_rating_token

    anna = scenario.members[0]
    token = make_rating_token(anna.id, scenario.just_ended.id)
    url = rate_url(scenario, token=token)
    page = client.get(url)
    assert page.status_code == 200
    assert "Rating as Anna Andersen" in page.get_data(as_text=True)
    response = client.post(url, data=form_data(client, url))
    assert response.status_code == 302
    assert f"t={token}" in response.headers["Location"]
    assert db.session.scalar(select(Rating.user_id)) == anna.id
    # Nothing else is granted: the session is still anonymous.
    for path in ("/connections", f"/groups/{scenario.group.slug}/value", rate_url(scenario)):
        following = client.get(path)
        assert following.status_code == 302 and "/login" in following.headers["Location"], path


def test_signed_link_for_another_meetup_or_tampered_is_refused(client, db, scenario):
    from ratings.rating_requests import make_rating_token

    anna = scenario.members[0]
    other = make_rating_token(anna.id, scenario.meetups[0].id)
    assert client.get(rate_url(scenario, token=other)).status_code == 410
    good = make_rating_token(anna.id, scenario.just_ended.id)
    assert client.get(rate_url(scenario, token=good[:-2] + "xx")).status_code == 410
    assert ratings_count(db) == 0


def test_signed_link_dies_with_the_window(client, db, scenario, make_meetup, make_rsvp):
    from ratings.rating_requests import make_rating_token

    now = utcnow()
    old = make_meetup(scenario.group, starts_at=now - timedelta(days=15, hours=3),
                      ends_at=now - timedelta(days=15), attendance_taken=True, status="held")
    make_rsvp(old, scenario.members[0], checked_in=True)
    token = make_rating_token(scenario.members[0].id, old.id)
    assert client.get(rate_url(scenario, old, token)).status_code == 410


def test_signed_link_of_a_non_attendee_is_refused(client, scenario, make_member):
    from ratings.rating_requests import make_rating_token

    absent = make_member(scenario.group, name="Absent Member")
    token = make_rating_token(absent.id, scenario.just_ended.id)
    assert client.get(rate_url(scenario, token=token)).status_code == 403


# --------------------------------------------------------------------------- rating requests

def test_tick_sends_requests_once_and_one_reminder_after_three_days(app, db, scenario):
    from ratings.rating_requests import queue_rating_requests

    meetup = scenario.just_ended
    rate_as(meetup, scenario.members[0])  # Anna has rated: nothing for her
    first = queue_rating_requests(utcnow())
    db.session.commit()
    # Everyone at the just-ended meetup who has not rated (the 10-day-old meetup's
    # attendees too: its window is still open).
    requests = [m for m in outbox_messages() if m.template == "rating_request"]
    assert {m.to_email for m in requests if for_meetup(m, meetup)} == {
        u.email for u in scenario.members[1:] + [scenario.cohost]
    }
    assert "anna@example.com" not in {m.to_email for m in requests if for_meetup(m, meetup)}
    assert first == len(requests)
    assert queue_rating_requests(utcnow()) == 0  # second run: nothing twice
    db.session.commit()
    later = meetup.ends_at + timedelta(days=3, minutes=1)
    rate_as(meetup, scenario.members[1], now=later - timedelta(hours=1))
    reminders = queue_rating_requests(later)
    db.session.commit()
    sent = [m for m in outbox_messages() if m.template == "rating_reminder" and for_meetup(m, meetup)]
    assert {m.to_email for m in sent} == {u.email for u in scenario.members[2:] + [scenario.cohost]}
    assert reminders >= len(sent)
    assert queue_rating_requests(later) == 0
    # The emailed link works for that member and that meetup.
    url = sent[0].context["url"]
    assert f"/meetups/{meetup.id}/rate?t=" in url


def test_tick_goes_to_going_members_when_no_attendance_was_taken(db, scenario, make_meetup, make_rsvp):
    from ratings.rating_requests import queue_rating_requests

    now = utcnow()
    meetup = make_meetup(scenario.group, title="Untracked", starts_at=now - timedelta(hours=4),
                         ends_at=now - timedelta(hours=1), attendance_taken=False)
    make_rsvp(meetup, scenario.members[0])
    make_rsvp(meetup, scenario.members[1], response="not_going")
    queue_rating_requests(now)
    db.session.commit()
    to = {m.to_email for m in outbox_messages() if for_meetup(m, meetup)}
    assert to == {scenario.members[0].email}


def test_tick_command_runs_the_task(runner, db, scenario):
    result = runner.invoke(args=["tick"])
    assert result.exit_code == 0
    assert any(m.template == "rating_request" for m in outbox_messages())


def test_rating_request_email_renders_escaped(app, db, scenario, make_meetup, make_rsvp):
    from outbox.sender import build_message
    from ratings.rating_requests import queue_rating_requests

    now = utcnow()
    meetup = make_meetup(scenario.group, title="<script>alert(1)</script>", starts_at=now - timedelta(hours=4),
                         ends_at=now - timedelta(hours=1), attendance_taken=False)
    make_rsvp(meetup, scenario.members[0])
    queue_rating_requests(now)
    db.session.commit()
    message = next(m for m in outbox_messages() if for_meetup(m, meetup))
    with app.test_request_context():
        html_part = build_message(message).get_body(("html",))
        assert html_part is not None
        html = html_part.get_content()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


# --------------------------------------------------------------------------- GDPR

def test_export_and_delete_account(db, scenario):
    from members.privacy import delete_account, export_user

    anna, bo, cecilie = scenario.members[:3]
    rate_as(scenario.meetups[0], anna, fit=2, comment="my words", clicks=[bo])
    rate_as(scenario.meetups[0], bo, clicks=[anna])
    rate_as(scenario.meetups[0], cecilie)
    data = export_user(anna)
    assert data["ratings"]["ratings"][0]["comment"] == "my words"
    assert data["ratings"]["clicks"][0]["clicked"] == "Bo Berg"
    delete_account(anna)
    db.session.commit()
    rating = db.session.scalars(select(Rating).where(Rating.user_id == anna.id)).one()
    assert rating.fit == 2 and rating.comment == ""  # kept only as an anonymous score
    assert db.session.scalar(select(func.count()).select_from(Click)) == 0


def test_help_questions_have_no_answer_until_the_member_picks_one(client, auth, db, scenario):
    """No pre-selected "No": a default would bias the give/get figures."""
    auth.login(scenario.members[0])
    url = rate_url(scenario)
    page = client.get(url).get_data(as_text=True)
    for name in ("gave_help", "got_help"):
        radios = re.findall(rf'<input[^>]*name="{name}"[^>]*>', page)
        assert len(radios) == 2, name
        assert not any("checked" in radio for radio in radios), name
    data = form_data(client, url)
    del data["gave_help"]
    response = client.post(url, data=data)
    assert response.status_code == 422 or "Choose yes or no." in response.get_data(as_text=True)
    assert ratings_count(db) == 0
