"""The value report's kept figures are never older than their inputs."""
from __future__ import annotations

from datetime import timedelta

from common.db import utcnow
from groups.seasons import current_season
from ratings import report
from ratings.report import value_report
from tests.ratings.ratings_fixtures import rate_as, scenario  # noqa: F401 (fixture)


def _report(group, now=None):
    """The report as read once the latest meetup's rating window has closed (or at ``now``)."""
    now = now or utcnow() + timedelta(days=8)
    return value_report(group, current_season(group, now), now)


def test_new_ratings_and_checkins_change_the_cached_report(scenario, db, make_rsvp, monkeypatch):  # noqa: F811
    group, members, meetup = scenario.group, scenario.members, scenario.just_ended
    reads = []
    season_input = report.season_input

    def counted(*args):
        reads.append(1)
        return season_input(*args)

    monkeypatch.setattr(report, "season_input", counted)
    for member in members[:3]:
        rate_as(meetup, member, fit=5, chemistry=5)
    first = _report(group)
    assert _report(group) is not first and len(reads) == 1  # kept inputs, a fresh report object
    figures = {m.meetup_id: m for m in first.meetups}
    assert figures[meetup.id].raters == 3

    rate_as(meetup, members[3], fit=1, chemistry=1)
    second = {m.meetup_id: m for m in _report(group).meetups}
    assert second[meetup.id].raters == 4
    assert second[meetup.id].fit < figures[meetup.id].fit

    # An edited rating (same count, same ids) still changes the figures.
    rate_as(meetup, members[3], fit=5, chemistry=5)
    third = {m.meetup_id: m for m in _report(group).meetups}
    assert third[meetup.id].fit == 5


def test_cached_host_comments_follow_new_and_edited_comments(app, scenario, db):  # noqa: F811
    from ratings.report import host_comments

    group, members, meetup = scenario.group, scenario.members, scenario.just_ended
    for member in members[:3]:
        rate_as(meetup, member, comment=f"Good talk from {member.name.split()[0]}")

    def comments():
        with app.test_request_context():  # as on the value page: the report's fingerprint is reused
            return dict(host_comments(group, _report(group))).get(meetup.id)

    assert comments() == ["Good talk from Anna", "Good talk from Bo", "Good talk from Cecilie"]
    rate_as(meetup, members[3], comment="Too long")
    assert "Too long" in comments()
    rate_as(meetup, members[0], comment="Changed my mind")
    assert "Changed my mind" in comments() and "Good talk from Anna" not in comments()
