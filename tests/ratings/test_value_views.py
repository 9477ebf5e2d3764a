"""The value report page and CSV: figures, verdict, chart, access, query counts."""
from __future__ import annotations

import re
from datetime import timedelta

from common.db import utcnow
from ratings.models import Introduction, Outcome
from tests.ratings.ratings_fixtures import *  # noqa: F403
from tests.ratings.ratings_fixtures import count_queries, rate_as


def fill(scenario, raters=4):
    """Ratings at the September meetup by `raters` members; all 5 rate October (mixed)."""
    anna, bo, cecilie, dan, eva = scenario.members
    sept, octo = scenario.meetups
    scores = [(5, 4), (4, 4), (4, 3), (3, 5), (4, 4)]
    for user, (fit, chem) in list(zip(scenario.members, scores, strict=True))[:raters]:
        rate_as(sept, user, fit=fit, chemistry=chem, comment=f"Comment from {user.name.split()[0].lower()} =x")
    for user in scenario.members:
        rate_as(octo, user, fit=2, chemistry=2, renewal="unsure", comment="")
    rate_as(sept, anna, fit=5, chemistry=4, clicks=[bo], comment="Zebra comment")
    rate_as(sept, bo, fit=4, chemistry=4, clicks=[anna])
    rate_as(octo, anna, fit=2, chemistry=2, clicks=[bo], renewal="yes")
    rate_as(octo, bo, fit=2, chemistry=2, clicks=[anna], renewal="yes")


def value_url(s, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/groups/{s.group.slug}/value" + (f"?{query}" if query else "")


def test_host_sees_verdict_chart_table_and_unattributed_comments(client, auth, scenario):
    fill(scenario)
    auth.login(scenario.host)
    response = client.get(value_url(scenario))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Is this group worth the fee?" in page
    assert re.search(r"verdict-badge--(worth|borderline|not_worth)", page)
    # Thresholds written on the page.
    assert "fit ≥ 3.5 and chemistry ≥ 3.5" in page and "renewal “yes” below 30 %" in page
    # Accessible SVG chart + table fallback.
    assert '<svg' in page and 'role="img"' in page and '<title id="chart-title">' in page and '<desc id="chart-desc">' in page
    assert "September meetup" in page and "October meetup" in page
    assert page.count("How is this computed?") >= 10
    # Comments: unattributed, ordered by text, names absent.
    comments = page.split('id="sec-comments"')[1]
    assert comments.index("Comment from cecilie") < comments.index("Comment from dan") < comments.index("Zebra comment")
    for member in scenario.members:
        assert member.name not in comments
    # No member's name anywhere on the host's report.
    for member in scenario.members:
        assert member.name not in page


def test_member_sees_group_figures_but_no_comments(client, auth, scenario):
    fill(scenario)
    auth.login(scenario.members[2])
    page = client.get(value_url(scenario)).get_data(as_text=True)
    assert "Average fit" in page
    assert "Comment from" not in page and "Zebra" not in page


def test_me_view_puts_my_numbers_next_to_the_groups(client, auth, db, scenario):
    fill(scenario)
    anna = scenario.members[0]
    db.session.add(Outcome(group_id=scenario.group.id, user_id=anna.id, kind="deal", value_minor=2_500_000, currency="DKK"))
    db.session.commit()
    auth.login(anna)
    page = client.get(value_url(scenario, view="me")).get_data(as_text=True)
    assert "Your own numbers are shown only to you" in page
    assert page.count("figure__me") >= 8
    assert "25,000" in page.split("Their total value")[1].split("</div>")[1]


def test_withheld_meetup_shows_not_enough_ratings(client, auth, scenario):
    sept = scenario.meetups[0]
    rate_as(sept, scenario.members[3], fit=1, chemistry=1)
    rate_as(sept, scenario.members[4], fit=2, chemistry=2)
    for user in scenario.members[:3]:
        rate_as(scenario.meetups[1], user)
    auth.login(scenario.host)
    page = client.get(value_url(scenario)).get_data(as_text=True)
    match = re.search(r"September meetup</span>(.*?)</tr>", page, re.S)
    assert match, "no row for the September meetup"
    row = match.group(1)
    assert row.count("not enough ratings") == 3  # fit, chemistry, worth my time


def test_not_enough_data_when_fewer_than_three_raters(client, auth, scenario):
    rate_as(scenario.meetups[0], scenario.members[0], fit=1, chemistry=1, renewal="no")
    rate_as(scenario.meetups[0], scenario.members[1], fit=2, chemistry=1, renewal="no")
    auth.login(scenario.host)
    page = client.get(value_url(scenario)).get_data(as_text=True)
    assert "verdict-badge--not_enough_data" in page
    assert "1.5" not in page


def test_verdict_thresholds_follow_config(app, client, auth, scenario):
    fill(scenario)
    auth.login(scenario.host)
    app.config["VERDICT_WORTH_FIT"] = 4.9
    try:
        page = client.get(value_url(scenario)).get_data(as_text=True)
    finally:
        app.config["VERDICT_WORTH_FIT"] = 3.5
    assert "fit ≥ 4.9" in page


def test_access(client, auth, scenario):
    url = value_url(scenario)
    assert client.get(url).status_code == 302
    auth.login(scenario.outsider)
    assert client.get(url).status_code == 403
    assert client.get(url + ".csv").status_code == 403


def test_unknown_season_is_404_and_old_season_is_empty(client, auth, scenario):
    auth.login(scenario.host)
    assert client.get(value_url(scenario, season=99999)).status_code == 404
    page = client.get(value_url(scenario, season=2001)).get_data(as_text=True)
    assert "No meetups held this season yet" in page


def test_csv_export_escapes_formula_cells(client, auth, db, scenario):
    scenario.meetups[0].title = "=HYPERLINK(\"http://evil\")"
    db.session.commit()
    fill(scenario)
    auth.login(scenario.members[0])
    response = client.get(f"/groups/{scenario.group.slug}/value.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text
    assert "average fit" in text and "cost per deep relationship" in text
    assert "Comment from" not in text and "Zebra" not in text


def test_value_report_query_count_does_not_grow_with_ratings(client, auth, db, scenario, make_meetup, make_rsvp, make_member):
    auth.login(scenario.host)
    for user in scenario.members[:3]:
        rate_as(scenario.meetups[0], user, comment="first")
    with count_queries() as few:
        assert client.get(value_url(scenario)).status_code == 200
    extra = [make_member(scenario.group, name=f"Extra {i}") for i in range(6)]
    now = utcnow()
    for i in range(3):
        meetup = make_meetup(scenario.group, starts_at=now - timedelta(days=30 + i, hours=3), status="held", attendance_taken=True)
        for user in scenario.members + extra:
            make_rsvp(meetup, user, checked_in=True)
        for user in scenario.members + extra:
            rate_as(meetup, user, fit=3, chemistry=4, clicks=scenario.members[:2] if user not in scenario.members[:2] else [],
                    comment=f"c{user.id}", now=meetup.ends_at + timedelta(hours=1))
    db.session.add(Introduction(group_id=scenario.group.id, introducer_id=scenario.host.id,
                                member_a_id=extra[0].id, member_b_id=extra[1].id, status="met", met_at=now))
    db.session.add(Outcome(group_id=scenario.group.id, user_id=extra[0].id, kind="deal", value_minor=100, currency="DKK"))
    db.session.commit()
    with count_queries() as many:
        assert client.get(value_url(scenario)).status_code == 200
    assert len(many) == len(few)
    with count_queries() as csv_many:
        client.get(f"/groups/{scenario.group.slug}/value.csv")
    assert len(csv_many) <= len(many)


def test_print_styles_are_loaded(client, auth, scenario):
    auth.login(scenario.host)
    page = client.get(value_url(scenario)).get_data(as_text=True)
    assert "css/ratings.css" in page
    css = client.get("/static/css/ratings.css").get_data(as_text=True)
    assert "@media print" in css
