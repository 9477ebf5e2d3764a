"""The group page in every phase of the March meetup's day × every kind of viewer
(QUALITY.md 29): its upcoming meetups, the renewal card and each viewer's
actions follow the clock, and no markup shows as text."""
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

# Letters: M the March meetup in "Upcoming meetups" (until it ends), L the
# April one, P their place (members only), J "Sign in to apply" / "Apply to
# join", X "Withdraw application", V "Leave the group", F the card "Renew your
# membership" (members who paid this season, from 12 March), H the host's
# "Manage group" and "Manage meetups".
#               week_before checkin_before during just_after rating closed
GROUP_PAGE = table("""
    anonymous   | MLJ  | MLJ  | MLJ  | LJ  | LJ   | LJ
    outsider    | MLJ  | MLJ  | MLJ  | LJ  | LJ   | LJ
    applicant   | MLX  | MLX  | MLX  | LX  | LX   | LX
    going       | MLPV | MLPV | MLPV | LPV | LPVF | LPVF
    not_going   | MLPV | MLPV | MLPV | LPV | LPVF | LPVF
    waitlisted  | MLPV | MLPV | MLPV | LPV | LPV  | LPV
    checked_in  | -    | MLPV | MLPV | LPV | LPV  | LPV
    host        | MLPH | MLPH | MLPH | LPH | LPH  | LPH
""")
MEMBERS = ("going", "not_going", "waitlisted", "checked_in", "host")
# The viewer's answer on the March meetup's row (members only).
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
        "P": bool(rows) and all("Kødbyens Kantine" in row for row in rows.values()),
        "J": "Sign in to apply" in body or f'href="/groups/{slug}/apply"' in body,
        "X": "Withdraw application" in body,
        "V": "Leave the group" in body,
        "F": "Renew your membership" in body and f'href="/groups/{slug}/pay"' in body,
        "H": f'href="/groups/{slug}/admin"' in body and f'href="/groups/{slug}/admin/meetups"' in body,
    }
    if not found["P"]:
        assert "Kødbyens Kantine" not in body
    if not found["H"]:
        assert f'href="/groups/{slug}/admin' not in body
    return "".join(sorted(letter for letter, shown in found.items() if shown))


def check_group_page(response, circle, viewer: str, phase: str, expected: str) -> None:
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert_no_escaped_markup(html)
    assert found_actions(html, circle) == "".join(sorted(expected))
    body = main(html)
    assert "<h1>Copenhagen Sales Leaders</h1>" in body
    rows = meetup_rows(html)
    if viewer in MEMBERS:
        if "M" in expected:
            assert f">{ANSWER[viewer]}</span>" in rows[circle["march_path"]]
        assert "Not answered" in rows[circle["april_path"]]
        assert "Open the directory" in body
    else:
        assert "Not answered" not in body and "Open the directory" not in body


@pytest.mark.parametrize(("viewer", "phase", "expected"), cells(GROUP_PAGE))
def test_group_page(client, auth, db, circle, viewer, phase, expected):
    with at(phase):
        response = look(client, auth, db, circle, viewer, f"/groups/{circle['slug']}")
        check_group_page(response, circle, viewer, phase, expected)
        if "F" in expected:  # the renewal card leads to the checkout
            assert client.get(f"/groups/{circle['slug']}/pay").status_code == 200


@pytest.mark.parametrize("ticked", [True, False], ids=["ticked", "not_ticked"])
def test_one_worker_through_the_day(app, db, circle, ticked):
    """The whole day in one worker, caches kept: each phase shows what its cells show."""
    walk_the_day(app, db, circle, GROUP_PAGE, f"/groups/{circle['slug']}",
                 lambda response, viewer, phase, expected: check_group_page(response, circle, viewer, phase, expected),
                 ticked=ticked)


@pytest.mark.parametrize("phase", ["week_before", "during", "rating"])
@pytest.mark.parametrize("viewer", ["anonymous", "outsider"])
def test_invite_only_group_is_404_to_outsiders(client, auth, db, circle, viewer, phase):
    circle["group"].visibility = "invite"
    db.session.commit()
    with at(phase):
        assert look(client, auth, db, circle, viewer, f"/groups/{circle['slug']}").status_code == 404
