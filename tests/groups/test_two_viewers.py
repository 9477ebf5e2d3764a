"""Two viewers never see each other's names or actions on a kept page (QUALITY.md 30).

Zebulon hosts the group and is going to the March meetup (its only seat);
Xanthippe is a member on its waitlist. Ulysses and Philippa are members alike
in everything but their names. In every phase of the meetup's day each pair
loads the main pages alternately, three rounds, so that every part one of
them made kept is offered to the other.
"""
from __future__ import annotations

import re

import pytest
from freezegun import freeze_time

from tests.clock import (
    END,
    PHASE_NAMES,
    PHASES,
    SETUP,
    START,
    assert_no_escaped_markup,
    assert_own_csrf_token,
    at,
    main,
    tick,
    topbar,
)
from tests.conftest import AuthActions
from tests.meetups.test_meetup_page_clock import ALL_STANDINGS, MEETUP_PAGE, STANDING, found_actions

# Each pairing: two viewers with distinctive names, and what they are in the
# group (role; answer to the March meetup; their row of the meetup page's matrix).
PAIRINGS = {
    # A host with the one seat and a member on the waitlist: their pages differ.
    "host_and_waitlisted": (
        {"name": "Zebulon Quark", "email": "zebulon.quark@example.com", "role": "host", "answer": "going",
         "row": "host"},
        {"name": "Xanthippe Vortex", "email": "xanthippe.vortex@example.com", "role": "member",
         "answer": "waitlisted", "row": "waitlisted"},
    ),
    # Two members alike in every way but their names: only the top bar may differ.
    "two_alike_members": (
        {"name": "Ulysses Nimbus", "email": "ulysses.nimbus@example.com", "role": "member",
         "answer": "not_going", "row": "not_going"},
        {"name": "Philippa Zephyr", "email": "philippa.zephyr@example.com", "role": "member",
         "answer": "not_going", "row": "not_going"},
    ),
}


@pytest.fixture(params=list(PAIRINGS))
def pair(request, db, make_user, make_group, make_member, make_meetup, make_rsvp):
    first, second = PAIRINGS[request.param]
    with freeze_time(SETUP):
        host = None if first["role"] == "host" else make_user(name="Henrietta Host")
        users = [make_user(name=person["name"], email=person["email"]) for person in (first, second)]
        group = make_group(host=host or users[0], name="Quark Circle")
        for person, user in zip((first, second), users, strict=True):
            if person["role"] != "host":
                make_member(group, user)
        meetup = make_meetup(group, title="March meetup", starts_at=START, ends_at=END, capacity=1,
                             checkin_code="K7M4PQ")
        for person, user in zip((first, second), users, strict=True):
            make_rsvp(meetup, user, person["answer"])
    slug = group.slug
    people = {"first": {**first, "user": users[0]}, "second": {**second, "user": users[1]}}

    def other_name_shown(page: str, who: str) -> bool:
        """May the other viewer's name show in the body of ``who``'s page?"""
        other = people["second" if who == "first" else "first"]
        if page == "group":
            return True  # members see the members' faces, everyone the hosts
        if page == "meetup":
            return other["answer"] == "going"  # members see who is going; nobody the waitlist
        if page == "admin":
            return True  # the host's page of the members
        return False  # dashboard, value report (anonymous figures)

    return {
        "people": people, "slug": slug, "march": meetup, "march_path": f"/groups/{slug}/meetups/{meetup.id}",
        "pages": {"dashboard": "/", "group": f"/groups/{slug}", "meetup": f"/groups/{slug}/meetups/{meetup.id}",
                  "admin": f"/groups/{slug}/admin", "value": f"/groups/{slug}/value"},
        "other_name_shown": other_name_shown,
    }


def check(response, pair, who: str, page: str, phase: str) -> None:
    me = pair["people"][who]
    other = pair["people"]["second" if who == "first" else "first"]
    is_host = me["role"] == "host"
    assert response.status_code == (403 if page == "admin" and not is_host else 200), (who, page)
    if response.status_code != 200:
        return
    html = response.get_data(as_text=True)
    assert_no_escaped_markup(html)
    bar, body = topbar(html), main(html)
    assert_own_csrf_token(html)
    # The top bar is the viewer's: their first name and email, their admin links only.
    assert f"<span>{me['name'].split()[0]}</span>" in bar and me["email"] in bar, (who, page)
    assert other["name"].split()[0] not in bar and other["email"] not in bar, (who, page)
    assert other["email"] not in body
    if not pair["other_name_shown"](page, who):
        assert other["name"] not in body, (who, page)
    if is_host:
        assert f'href="/groups/{pair["slug"]}/admin"' in bar
    else:  # a member: no admin link anywhere, no host action
        assert "/admin" not in html and "Take attendance" not in html and "Manage group" not in html
    if page == "dashboard":
        assert f"Hello, {me['name'].split()[0]}" in body
    if page == "meetup":
        expected = MEETUP_PAGE[me["row"]][PHASE_NAMES.index(phase)] or ""
        assert found_actions(html, pair) == "".join(sorted(expected)), (who, phase)
        said = {text for text in ALL_STANDINGS if text in body}
        assert said == STANDING[me["row"]][PHASES[phase] >= END], (who, phase)


@pytest.mark.parametrize("phase", PHASE_NAMES)
def test_two_viewers_never_see_each_others_names_or_actions(app, db, pair, phase):
    clients = {who: app.test_client() for who in pair["people"]}
    with at(phase):
        tick(db)
        for who, client in clients.items():
            assert AuthActions(client).login(pair["people"][who]["user"]).status_code == 302
        for _round in range(3):
            for page, path in pair["pages"].items():
                for who, client in clients.items():
                    check(client.get(path), pair, who, page, phase)


def test_each_of_two_alike_members_answers_with_their_own_token(app, db, make_user, make_group, make_member,
                                                                make_meetup):
    """Members who have not answered share the meetup page's kept body; the
    "I'm going" form of each works with their own session."""
    with freeze_time(SETUP):
        group = make_group(name="Quark Circle")
        first, second = make_member(group, name="Ulysses Nimbus"), make_member(group, name="Philippa Zephyr")
        meetup = make_meetup(group, starts_at=START, ends_at=END)
    path = f"/groups/{group.slug}/meetups/{meetup.id}"
    with at("week_before"):
        clients = {person.name: app.test_client() for person in (first, second)}
        for person in (first, second):  # signing in writes (last sign-in): both before either looks
            assert AuthActions(clients[person.name]).login(person).status_code == 302
        forms = {}
        for name, client in clients.items():  # both look before either answers
            html = client.get(path).get_data(as_text=True)
            form = re.search(r'action="([^"]+/rsvp)">\s*<input type="hidden" name="csrf_token" value="([^"]+)">'
                             r'\s*<input type="hidden" name="response" value="going">', html)
            assert form, "the 'I'm going' form is on the page"
            forms[name] = (form.group(1), form.group(2))
        for name, (action, token) in forms.items():
            answered = clients[name].post(action, data={"csrf_token": token, "response": "going"})
            assert answered.status_code == 302, name  # not a CSRF failure (400)
            assert "You have a seat" in clients[name].get(path).get_data(as_text=True), name
