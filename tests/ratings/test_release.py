"""Anonymity against subtraction (issue 12): a meetup's ratings count only once
its rating window closes, so reading the report, waiting for one member to
rate, and reading it again teaches nothing.

Setup (see ``scenario``): September and October have closed windows and four
raters each; November ended two hours ago, its 7-day window is open, and two
members have rated it. Then Cecilie rates November with extreme scores, a
click and a comment.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from freezegun import freeze_time

from common.db import utcnow
from tests.ratings.ratings_fixtures import *  # noqa: F403
from tests.ratings.ratings_fixtures import rate_as

NOVEMBER_COMMENT = "Unique-November-remark-4410"


@pytest.fixture
def rated(scenario, db):
    anna, bo, cecilie, dan, eva = scenario.members
    for meetup in scenario.meetups:
        for member, score in ((anna, 5), (bo, 4), (dan, 3), (eva, 4)):
            rate_as(meetup, member, fit=score, chemistry=score, clicks=[bo] if member is anna else [anna])
    november = scenario.just_ended
    rate_as(november, anna, fit=4, chemistry=4, comment="Fine evening")
    rate_as(november, bo, fit=4, chemistry=4, comment="Good talk")
    return scenario


def _late_rating(s):
    anna, _bo, cecilie = s.members[:3]
    rate_as(s.just_ended, cecilie, fit=1, chemistry=1, worth_time=False, gave_help=True, got_help=True,
            renewal="no", comment=NOVEMBER_COMMENT, clicks=[anna], now=utcnow())


def _surfaces(client, auth, s) -> dict[str, str]:
    """Everything a host and a member read of the season's figures."""
    slug = s.group.slug
    seen = {}
    auth.login(s.host)
    page = client.get(f"/groups/{slug}/value").get_data(as_text=True)
    # The host may follow live response counts, to nudge members: they are all it shows of open meetups.
    seen["host value page"] = re.sub(r'<span class="open-ratings__count">.*?</span>', "", page)
    seen["host csv"] = client.get(f"/groups/{slug}/value.csv").get_data(as_text=True)
    home = client.get(f"/groups/{slug}/admin").get_data(as_text=True)
    tile = home.index('aria-labelledby="admin-value-title"')
    seen["host admin home value tile"] = home[tile:home.index("</section>", tile)]
    auth.logout()
    auth.login(s.members[3])
    seen["member value page"] = client.get(f"/groups/{slug}/value").get_data(as_text=True)
    seen["member me view"] = client.get(f"/groups/{slug}/value?view=me").get_data(as_text=True)
    auth.logout()
    return seen


def _csrf_free(text: str) -> str:
    return re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "", text)


def test_reading_before_and_after_one_member_rates_shows_the_same_figures(client, auth, db, rated):
    with freeze_time(utcnow()):
        before = _surfaces(client, auth, rated)
        _late_rating(rated)
        after = _surfaces(client, auth, rated)
    for surface in before:
        assert _csrf_free(after[surface]) == _csrf_free(before[surface]), f"{surface} changed while rating is open"
    assert NOVEMBER_COMMENT not in "".join(after.values())


def test_the_host_sees_live_response_counts_of_an_open_meetup(client, auth, db, rated):
    auth.login(rated.host)
    page = client.get(f"/groups/{rated.group.slug}/value").get_data(as_text=True)
    assert "Still open for rating" in page and "November meetup" in page
    assert "2 of 6 have rated so far" in page
    _late_rating(rated)
    page = client.get(f"/groups/{rated.group.slug}/value").get_data(as_text=True)
    assert "3 of 6 have rated so far" in page
    auth.logout()
    auth.login(rated.members[3])
    page = client.get(f"/groups/{rated.group.slug}/value").get_data(as_text=True)
    assert "Still open for rating" in page and "have rated so far" not in page


def test_the_meetup_counts_once_its_window_closes(client, auth, db, rated):
    auth.login(rated.host)
    url = f"/groups/{rated.group.slug}/value.csv"
    open_csv = client.get(url).get_data(as_text=True)
    _late_rating(rated)
    with freeze_time(rated.just_ended.ends_at + timedelta(days=7, minutes=1)):
        closed_csv = client.get(url).get_data(as_text=True)
        page = client.get(f"/groups/{rated.group.slug}/value").get_data(as_text=True)
    assert "November meetup" not in open_csv and "November meetup" in closed_csv
    assert "group,ratings,8," in open_csv.replace("\r", "") and "group,ratings,11," in closed_csv.replace("\r", "")
    assert NOVEMBER_COMMENT in page and "Still open for rating" not in page
