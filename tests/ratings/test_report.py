"""The season's reads (ratings/report.py) against the database."""
from __future__ import annotations

from datetime import timedelta

from common.db import utcnow
from groups.seasons import current_season
from ratings.report import season_input
from tests.ratings.ratings_fixtures import *  # noqa: F403
from tests.ratings.ratings_fixtures import rate_as


def _renewal(scenario):
    return season_input(scenario.group, current_season(scenario.group, utcnow()), utcnow()).renewal


def test_renewal_counts_each_members_answer_at_the_latest_meetup_they_rated(db, scenario):
    scenario.group.rating_window_days = 30  # the two windows overlap
    september, october = scenario.meetups
    anna, bo = scenario.members[:2]
    # Anna rates October first ("no"), then September ("yes"): October is her latest meetup.
    rate_as(october, anna, renewal="no", now=october.ends_at + timedelta(hours=1))
    rate_as(september, anna, renewal="yes", now=october.ends_at + timedelta(hours=2))
    rate_as(september, bo, renewal="unsure", now=september.ends_at + timedelta(hours=1))
    assert _renewal(scenario) == {"no": 1, "unsure": 1}
    rate_as(scenario.just_ended, bo, renewal="yes")
    assert _renewal(scenario) == {"no": 1, "yes": 1}


def test_renewal_counts_a_member_once_when_two_meetups_start_together(db, scenario, make_meetup, make_rsvp):
    september = scenario.meetups[0]
    twin = make_meetup(scenario.group, title="September, second room", starts_at=september.starts_at,
                       ends_at=september.ends_at, status="held", attendance_taken=True)
    anna = scenario.members[0]
    make_rsvp(twin, anna, checked_in=True)
    rate_as(september, anna, renewal="no")
    rate_as(twin, anna, renewal="yes")
    assert _renewal(scenario) == {"yes": 1}
