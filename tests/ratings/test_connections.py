"""Clicks become connections only when mutual; deep relationships; introductions; outcomes."""
from __future__ import annotations

from sqlalchemy import select

from ratings.models import Introduction, Outcome
from tests.conftest import csrf_token, outbox_messages
from tests.ratings.ratings_fixtures import *  # noqa: F403
from tests.ratings.ratings_fixtures import count_queries, rate_as


def test_mutual_click_is_a_connection_both_see_with_contact_details(client, auth, scenario):
    anna, bo, cecilie = scenario.members[:3]
    rate_as(scenario.meetups[0], anna, clicks=[bo, cecilie])
    rate_as(scenario.meetups[0], bo, clicks=[anna])
    auth.login(anna)
    page = client.get("/connections").get_data(as_text=True)
    assert "Bo Berg" in page and "bo@example.com" in page and "+45 1234 5678" in page
    assert "September meetup" in page  # how it started
    assert "Cecilie Dahl" not in page  # one-sided: not a connection
    auth.logout()
    auth.login(cecilie)
    page = client.get("/connections").get_data(as_text=True)
    assert "Anna Andersen" not in page  # Cecilie never learns Anna clicked her
    assert "No connections yet" in page


def test_connection_renewed_at_two_meetups_is_deep(client, auth, scenario):
    from ratings.connections import connection_counts

    anna, bo, dan = scenario.members[0], scenario.members[1], scenario.members[3]
    for meetup in scenario.meetups:
        rate_as(meetup, anna, clicks=[bo])
        rate_as(meetup, bo, clicks=[anna])
    rate_as(scenario.just_ended, anna, clicks=[dan])
    rate_as(scenario.just_ended, dan, clicks=[anna])
    assert connection_counts(anna.id) == (2, 1)
    auth.login(anna)
    page = client.get("/connections").get_data(as_text=True)
    assert page.count("Deep relationship") >= 1
    assert page.index("Bo Berg") < page.index("Dan Eriksen")  # deep ones first


def test_saved_rating_tells_about_a_new_mutual_connection(client, auth, scenario):
    anna, bo = scenario.members[:2]
    rate_as(scenario.just_ended, bo, clicks=[anna])
    auth.login(anna)
    url = f"/groups/{scenario.group.slug}/meetups/{scenario.just_ended.id}/rate"
    client.post(url, data={
        "csrf_token": csrf_token(client, url), "fit": "4", "chemistry": "4", "worth_time": "yes",
        "gave_help": "no", "got_help": "no", "renewal_intent": "yes", "clicked": [str(bo.id)],
    })
    page = client.get(url).get_data(as_text=True)
    assert "You and Bo Berg both want to follow up." in page


def test_connections_page_query_count_is_constant(client, auth, scenario):
    anna = scenario.members[0]
    auth.login(anna)
    rate_as(scenario.meetups[0], anna, clicks=[scenario.members[1]])
    rate_as(scenario.meetups[0], scenario.members[1], clicks=[anna])
    with count_queries() as few:
        client.get("/connections")
    for other in scenario.members[2:]:
        rate_as(scenario.meetups[0], other, clicks=[anna])
        rate_as(scenario.meetups[1], other, clicks=[anna])
    rate_as(scenario.meetups[0], anna, clicks=scenario.members[1:])
    rate_as(scenario.meetups[1], anna, clicks=scenario.members[2:])
    with count_queries() as many:
        page = client.get("/connections").get_data(as_text=True)
    assert "Eva Fog" in page
    assert len(many) == len(few)


# --------------------------------------------------------------------------- introductions

def test_introduction_double_opt_in(client, auth, db, scenario):
    anna, bo = scenario.members[:2]
    auth.login(scenario.host)
    url = f"/groups/{scenario.group.slug}/introductions/new"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "member_a_id": anna.id,
                                      "member_b_id": bo.id, "reason": "Both sell to hospitals"})
    assert response.status_code == 302
    assert {m.to_email for m in outbox_messages() if m.template == "introduction_proposed"} == {anna.email, bo.email}
    intro = db.session.scalars(select(Introduction)).one()
    auth.logout()

    auth.login(anna)
    page = client.get("/connections").get_data(as_text=True)
    assert "Both sell to hospitals" in page and "bo@example.com" not in page
    client.post(f"/introductions/{intro.id}/respond", data={"csrf_token": csrf_token(client, "/connections"), "answer": "accept"})
    db.session.refresh(intro)
    assert intro.status == "proposed" and intro.accepted_a and not intro.accepted_b
    assert "bo@example.com" not in client.get("/connections").get_data(as_text=True)
    auth.logout()

    auth.login(bo)
    client.post(f"/introductions/{intro.id}/respond", data={"csrf_token": csrf_token(client, "/connections"), "answer": "accept"})
    db.session.refresh(intro)
    assert intro.status == "accepted"
    assert {m.to_email for m in outbox_messages() if m.template == "introduction_accepted"} == {anna.email, bo.email}
    page = client.get("/connections").get_data(as_text=True)
    assert "anna@example.com" in page
    client.post(f"/introductions/{intro.id}/met", data={"csrf_token": csrf_token(client, "/connections")})
    db.session.refresh(intro)
    assert intro.status == "met" and intro.met_at is not None


def test_introduction_met_plus_one_meetup_is_deep(db, scenario):
    from common.db import utcnow
    from ratings.connections import connection_counts

    anna, bo = scenario.members[:2]
    rate_as(scenario.meetups[0], anna, clicks=[bo])
    rate_as(scenario.meetups[0], bo, clicks=[anna])
    assert connection_counts(anna.id) == (1, 0)
    db.session.add(Introduction(group_id=scenario.group.id, introducer_id=scenario.host.id,
                                member_a_id=anna.id, member_b_id=bo.id, status="met",
                                accepted_a=True, accepted_b=True, met_at=utcnow()))
    db.session.commit()
    assert connection_counts(anna.id) == (1, 1)


def test_stranger_cannot_answer_someone_elses_introduction(client, auth, db, scenario):
    anna, bo, cecilie = scenario.members[:3]
    intro = Introduction(group_id=scenario.group.id, introducer_id=scenario.host.id,
                         member_a_id=anna.id, member_b_id=bo.id, reason="x")
    db.session.add(intro)
    db.session.commit()
    auth.login(cecilie)
    token = csrf_token(client, "/connections")
    assert client.post(f"/introductions/{intro.id}/respond", data={"csrf_token": token, "answer": "accept"}).status_code == 404
    assert client.post(f"/introductions/{intro.id}/met", data={"csrf_token": token}).status_code == 404
    db.session.refresh(intro)
    assert not intro.accepted_a and not intro.accepted_b and intro.status == "proposed"


def test_introduction_of_an_outsider_is_a_form_error(client, auth, db, scenario):
    auth.login(scenario.host)
    url = f"/groups/{scenario.group.slug}/introductions/new"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "member_a_id": scenario.members[0].id,
                                      "member_b_id": scenario.outsider.id, "reason": "x"})
    assert response.status_code == 200
    assert db.session.scalars(select(Introduction)).first() is None


# --------------------------------------------------------------------------- outcomes

def test_outcome_with_value_credits_a_member_who_is_notified(client, auth, db, scenario):
    anna, bo = scenario.members[:2]
    auth.login(anna)
    url = f"/groups/{scenario.group.slug}/outcomes/new"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "kind": "deal", "value": "12500.50",
                                      "credited_user_id": bo.id, "introduction_id": 0, "note": "Thanks for <b>the lead</b>"})
    assert response.status_code == 302
    outcome = db.session.scalars(select(Outcome)).one()
    assert (outcome.value_minor, outcome.currency, outcome.credited_user_id) == (1_250_050, "DKK", bo.id)
    [message] = [m for m in outbox_messages() if m.template == "outcome_credited"]
    assert message.to_email == bo.email and message.context["from_name"] == "Anna Andersen"


def test_outcome_crediting_an_outsider_or_negative_value_is_refused(client, auth, db, scenario):
    auth.login(scenario.members[0])
    url = f"/groups/{scenario.group.slug}/outcomes/new"
    for data in ({"kind": "deal", "credited_user_id": scenario.outsider.id},
                 {"kind": "deal", "value": "-5", "credited_user_id": 0},
                 {"kind": "bribe", "credited_user_id": 0}):
        response = client.post(url, data={"csrf_token": csrf_token(client, url), "introduction_id": 0, **data})
        assert response.status_code == 200
    assert db.session.scalars(select(Outcome)).first() is None


def test_outsider_cannot_report_an_outcome_in_the_group(client, auth, scenario):
    auth.login(scenario.outsider)
    assert client.get(f"/groups/{scenario.group.slug}/outcomes/new").status_code == 403


# --------------------------------------------------------------------------- sections

def test_dashboard_rate_card_and_connections_card(client, auth, db, scenario):
    anna, bo = scenario.members[:2]
    auth.login(anna)
    page = client.get("/").get_data(as_text=True)
    assert "dash-rate-title" in page
    assert f"/meetups/{scenario.just_ended.id}/rate" in page
    rate_as(scenario.just_ended, anna, clicks=[bo])
    rate_as(scenario.just_ended, bo, clicks=[anna])
    rate_as(scenario.meetups[1], anna)
    page = client.get("/").get_data(as_text=True)
    assert f"/meetups/{scenario.just_ended.id}/rate" not in page
    assert "dash-conn-title" in page and "1 connection<" in page


def test_meetup_page_and_admin_home_sections(client, auth, scenario):
    auth.login(scenario.members[0])
    page = client.get(f"/groups/{scenario.group.slug}/meetups/{scenario.just_ended.id}").get_data(as_text=True)
    assert "Rate this meetup" in page
    auth.logout()
    auth.login(scenario.host)
    page = client.get(f"/groups/{scenario.group.slug}/admin").get_data(as_text=True)
    assert "Rating response rate" in page and "Not enough data" in page
