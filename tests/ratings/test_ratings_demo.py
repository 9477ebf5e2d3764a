"""The ratings demo step on a context built from the factories (and on the real seed when present)."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from common.db import utcnow
from ratings.models import Introduction, Outcome, Rating


def fake_ctx(make_user, make_group, make_member, make_meetup, make_rsvp):
    host = make_user(email="host@example.com", name="Demo Host")
    now = utcnow().replace(microsecond=0)
    group = make_group(host=host, name="Demo Group", slug="demo", season_start=(now - timedelta(days=250)).date())
    members = [make_member(group, email=f"member{i}@example.com", name=f"Member {i}") for i in range(1, 11)]
    past = []
    for months in range(7, 0, -1):
        start = now - timedelta(days=30 * months + 3)
        meetup = make_meetup(group, title=f"Meetup {8 - months}", starts_at=start, status="held", attendance_taken=True)
        for i, user in enumerate(members):
            if (i + months) % 5 != 0:  # most members attend each time
                make_rsvp(meetup, user, checked_in=True)
        past.append(meetup)
    just_ended = make_meetup(group, title="Yesterday", starts_at=now - timedelta(days=1, hours=3),
                             ends_at=now - timedelta(days=1), status="held", attendance_taken=True)
    for user in members:
        make_rsvp(just_ended, user, checked_in=True)
    return {"summary": [], "group1": group, "host": host, "members": members, "past_meetups": past,
            "just_ended": just_ended}


def test_seed_ratings_makes_a_mixed_meaningful_report(app, db, make_user, make_group, make_member, make_meetup, make_rsvp):
    from groups.seasons import current_season
    from ratings.demo import seed_ratings
    from ratings.report import value_report

    ctx = fake_ctx(make_user, make_group, make_member, make_meetup, make_rsvp)
    seed_ratings(ctx)
    db.session.commit()
    member1 = ctx["members"][0]
    assert db.session.scalars(select(Rating).where(Rating.meetup_id == ctx["just_ended"].id,
                                                   Rating.user_id == member1.id)).first() is None
    now = utcnow()
    report = value_report(ctx["group1"], current_season(ctx["group1"], now), now)
    fits = [m.fit for m in report.meetups if m.fit is not None]
    assert len(fits) >= 6 and max(fits) - min(fits) >= 0.8  # some meetups better than others
    assert report.group.deep_relationships is not None and report.group.deep_relationships >= 3
    assert report.group.outcomes >= 3 and report.group.outcomes_value_minor >= 100_000_00
    assert report.verdict.key != "not_enough_data"
    assert report.group.introductions_met >= 1
    assert db.session.scalars(select(Introduction).where(Introduction.status == "proposed")).first() is not None
    assert db.session.scalars(select(Outcome).where(Outcome.credited_user_id.is_not(None))).first() is not None
    assert any("Ratings:" in line for line in ctx["summary"])


def test_seed_ratings_without_meetups_is_a_no_op(db):
    from ratings.demo import seed_ratings

    ctx: dict[str, Any] = {"summary": []}
    seed_ratings(ctx)
    assert "skipped" in ctx["summary"][0]
