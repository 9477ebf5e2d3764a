"""The dashboard in every phase of the March meetup's day × every kind of viewer
(QUALITY.md 29): its upcoming meetups, the rating card, the pay card and the
host's links follow the clock, and no markup shows as text."""
from __future__ import annotations

import pytest

from tests.clock import (
    assert_no_escaped_markup,
    at,
    build_circle,
    cells,
    look,
    main,
    meetup_rows,
    table,
    walk_the_day,
)

# Letters: M the March meetup in "Your next meetups" (until it ends), L the
# April one, R the card "Rate March meetup" (those who went, while the window
# is open), F the pay card "Renew … Pay membership" (members who paid this
# season, from 12 March, 30 days before it ends; hosts never pay),
# H the host's "Host admin" and "Review" (Anna's application), Y Anna's own
# "Your application … is with the host", E "You're not in a group yet".
#               week_before checkin_before during just_after rating closed
DASHBOARD = table("""
    anonymous   | .   | .   | .   | .   | .   | .
    outsider    | E   | E   | E   | E   | E   | E
    applicant   | YE  | YE  | YE  | YE  | YE  | YE
    going       | ML  | ML  | ML  | LR  | LRF | LF
    not_going   | ML  | ML  | ML  | L   | LF  | LF
    waitlisted  | ML  | ML  | ML  | L   | L   | L
    checked_in  | -   | ML  | ML  | LR  | LR  | L
    host        | MLH | MLH | MLH | LRH | LRH | LH
""")
# The viewer's answer on the March meetup's row.
ANSWER = {"going": "Going", "not_going": "Not going", "waitlisted": "Waitlisted", "checked_in": "Going",
          "host": "Going"}


@pytest.fixture
def circle(db, make_user, make_group, make_member, make_meetup, make_rsvp):
    return build_circle(db, make_user, make_group, make_member, make_meetup, make_rsvp)


def found_actions(html: str, circle) -> str:
    body, slug = main(html), circle["slug"]
    rows = meetup_rows(html)
    found = {
        "M": circle["march_path"] in rows,
        "L": circle["april_path"] in rows,
        "R": f'href="{circle["march_path"]}/rate"' in body and "Rate March meetup" in body,
        "F": f'href="/groups/{slug}/pay"' in body and "Renew Copenhagen Sales Leaders for" in body,
        "H": f'href="/groups/{slug}/admin"' in body and "Host admin" in body and ">Review</a>" in body,
        "Y": "Your application to Copenhagen Sales Leaders is with the host." in body,
        "E": "You're not in a group yet" in body,
    }
    if not found["H"]:  # no half of the host's links either
        assert f'href="/groups/{slug}/admin' not in body
    return "".join(sorted(letter for letter, shown in found.items() if shown))


def check_dashboard(response, circle, viewer: str, phase: str, expected: str) -> None:
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert_no_escaped_markup(html)
    assert found_actions(html, circle) == "".join(sorted(expected))
    if viewer == "anonymous":
        assert "Hello," not in html and 'href="/login"' in html
        return
    first_name = circle["people"][viewer].name.split()[0]
    assert f"Hello, {first_name}" in main(html)
    rows = meetup_rows(html)
    if "M" in expected:
        assert f">{ANSWER[viewer]}</span>" in rows[circle["march_path"]]
    if "L" in expected:
        assert "Not answered" in rows[circle["april_path"]]


@pytest.mark.parametrize(("viewer", "phase", "expected"), cells(DASHBOARD))
def test_dashboard(client, auth, db, circle, viewer, phase, expected):
    with at(phase):
        response = look(client, auth, db, circle, viewer, "/")
        check_dashboard(response, circle, viewer, phase, expected)
        if "R" in expected:  # the card's link leads to a form the viewer may fill in
            assert client.get(f"{circle['march_path']}/rate").status_code == 200
        if "F" in expected:  # and the pay card's to the checkout
            assert client.get(f"/groups/{circle['slug']}/pay").status_code == 200


@pytest.mark.parametrize("ticked", [True, False], ids=["ticked", "not_ticked"])
def test_one_worker_through_the_day(app, db, circle, ticked):
    """The whole day in one worker, caches kept: each phase shows what its cells show."""
    walk_the_day(app, db, circle, DASHBOARD, "/",
                 lambda response, viewer, phase, expected: check_dashboard(response, circle, viewer, phase, expected),
                 ticked=ticked)
