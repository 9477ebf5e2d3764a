"""The meetup page in every phase of its day × every kind of viewer (QUALITY.md 29).

Each cell is its own test (the per-worker caches are emptied between tests),
on a clock frozen at the phase, after the minute tick has run as it would
have in production. One more test walks the whole day in one worker, caches
kept, as production does.
"""
from __future__ import annotations

import re

import pytest

from tests.clock import (
    END,
    PHASE_NAMES,
    PHASES,
    assert_no_escaped_markup,
    at,
    build_circle,
    cells,
    look,
    main,
    table,
    walk_the_day,
)

# Letters: G "I'm going" / "Join the waitlist" form, N "I can't come" / "Leave
# the waitlist" form, C the self check-in form, R "Rate this meetup",
# A the host's "Manage" and "Take attendance". Answers close at the start;
# check-in is open from an hour before the start until an hour after the end
# (for anyone in the group not yet checked in: walk-ins may check in); rating
# is open for 14 days from the end to those who went (said "going": no
# attendance was taken). The meetup is full (3 seats), so G joins the waitlist.
# Carl checked in 45 minutes before the start: his row starts after that.
#               week_before checkin_before during just_after rating closed
MEETUP_PAGE = table("""
    anonymous   | .  | .   | .  | .   | .  | .
    outsider    | .  | .   | .  | .   | .  | .
    applicant   | .  | .   | .  | .   | .  | .
    going       | N  | NC  | C  | CR  | R  | .
    not_going   | G  | GC  | C  | C   | .  | .
    waitlisted  | N  | NC  | C  | C   | .  | .
    checked_in  | -  | N   | .  | R   | R  | .
    host        | NA | NCA | CA | CRA | RA | A
""")
OUTSIDERS = ("anonymous", "outsider", "applicant")

# What the page says about the viewer's own answer: before the end, after it.
SEAT, NOT_TAKEN = "You have a seat. See you there!", "Attendance was not taken for this meetup."
STANDING = {
    "going": ({SEAT}, {NOT_TAKEN}),
    "not_going": ({"Not going</span>"}, {NOT_TAKEN}),
    "waitlisted": ({"You are number 1 on the waitlist."}, {NOT_TAKEN}),
    "checked_in": ({"You are checked in (", SEAT}, {"You were there — checked in at"}),
    "host": ({SEAT}, {NOT_TAKEN}),
}
ALL_STANDINGS = set().union(*(texts for pair in STANDING.values() for texts in pair))
PUBLIC_ONLY = "Members of Copenhagen Sales Leaders see the place"


@pytest.fixture
def circle(db, make_user, make_group, make_member, make_meetup, make_rsvp):
    return build_circle(db, make_user, make_group, make_member, make_meetup, make_rsvp)


def found_actions(html: str, circle) -> str:
    """The letters of the actions the page's body offers."""
    body, path = main(html), circle["march_path"]
    admin = f"/groups/{circle['slug']}/admin/meetups/{circle['march'].id}"
    found = {
        "G": '<input type="hidden" name="response" value="going">' in body,
        "N": '<input type="hidden" name="response" value="not_going">' in body,
        "C": f'action="{path}/check-in"' in body,
        "R": f'href="{path}/rate"' in body,
        "A": f'href="{admin}/attendance"' in body and "Take attendance" in body,
    }
    assert (f'href="{admin}"' in body) == found["A"]  # the host's two links come together
    return "".join(sorted(letter for letter, shown in found.items() if shown))


def check_page(response, circle, viewer: str, phase: str, expected: str) -> str:
    """What every cell holds; returns the page's HTML."""
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert_no_escaped_markup(html)
    assert found_actions(html, circle) == "".join(sorted(expected))
    body = main(html)
    assert "<h1>March meetup</h1>" in body and "Tue 10 Mar 2026, 17:00–19:30" in body  # in Copenhagen
    said = {text for text in ALL_STANDINGS if text in body}
    if viewer in OUTSIDERS:  # a public group: title and date only
        assert PUBLIC_ONLY in body and not said
        assert "Kødbyens Kantine" not in body and "Gustav Going" not in body
        return html
    assert PUBLIC_ONLY not in body and "Kødbyens Kantine" in body
    assert said == STANDING[viewer][PHASES[phase] >= END]
    if PHASES[phase] < END:
        assert "Who's going" in body and "Gustav Going" in body
    else:
        assert "Who went" in body
    return html


@pytest.mark.parametrize(("viewer", "phase", "expected"), cells(MEETUP_PAGE))
def test_meetup_page(client, auth, db, circle, viewer, phase, expected):
    path = circle["march_path"]
    with at(phase):
        html = check_page(look(client, auth, db, circle, viewer, path), circle, viewer, phase, expected)
        if "R" in expected:  # the link leads to a form the viewer may fill in
            rate = client.get(f"{path}/rate")
            assert rate.status_code == 200 and 'name="fit"' in rate.get_data(as_text=True)
        if "C" in expected:  # the form checks the viewer in
            form = main(html)[main(html).index(f'action="{path}/check-in"'):]
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)
            assert token
            checked = client.post(f"{path}/check-in", data={"csrf_token": token.group(1), "code": "K7M4PQ"})
            assert checked.status_code == 302
            again = client.get(path)
            assert "C" not in found_actions(again.get_data(as_text=True), circle)
            assert_no_escaped_markup(again.get_data(as_text=True))


@pytest.mark.parametrize("ticked", [True, False], ids=["ticked", "not_ticked"])
def test_one_worker_through_the_day(app, db, circle, ticked):
    """The whole day in one worker, caches kept: each phase shows what its cells show."""
    walk_the_day(app, db, circle, MEETUP_PAGE, circle["march_path"],
                 lambda response, viewer, phase, expected: check_page(response, circle, viewer, phase, expected),
                 ticked=ticked)



@pytest.mark.parametrize("phase", PHASE_NAMES)
@pytest.mark.parametrize("viewer", ["anonymous", "outsider"])
def test_invite_only_meetup_is_404_to_outsiders_in_every_phase(client, auth, db, circle, viewer, phase):
    circle["group"].visibility = "invite"
    db.session.commit()
    with at(phase):
        assert look(client, auth, db, circle, viewer, circle["march_path"]).status_code == 404
