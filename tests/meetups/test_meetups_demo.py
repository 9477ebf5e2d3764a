"""The meetups step of the demo seed keeps the seed contract."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from common.db import utcnow
from meetups.models import RSVP, Meetup


def test_seed_meetups_contract(db):
    from groups.demo import seed_foundation
    from meetups.demo import seed_meetups

    ctx = seed_foundation("networking-demo")
    seed_meetups(ctx)
    db.session.commit()
    now = utcnow()
    group1, member1 = ctx["group1"], ctx["members"][0]

    past = ctx["past_meetups"]
    assert len(past) >= 6
    assert [m.starts_at for m in past] == sorted(m.starts_at for m in past)
    for meetup in past:
        assert meetup.group_id == group1.id and meetup.status == "held" and meetup.attendance_taken
        assert meetup.place and meetup.speaker and meetup.agenda
    turnouts = {
        db.session.scalar(select(func.count(RSVP.id)).where(RSVP.meetup_id == m.id, RSVP.checked_in_at.is_not(None)))
        for m in past
    }
    assert len(turnouts) >= 3  # attendance varies

    just_ended = ctx["just_ended"]
    assert just_ended not in past
    assert now - timedelta(hours=36) < just_ended.ends_at < now
    attended = set(db.session.scalars(
        select(RSVP.user_id).where(RSVP.meetup_id == just_ended.id, RSVP.checked_in_at.is_not(None))
    ))
    assert member1.id in attended and len(attended) >= 7

    upcoming = ctx["upcoming"]
    assert len(upcoming) >= 2 and all(m.starts_at > now for m in upcoming)
    first = upcoming[0]
    assert first.capacity and first.going_count == first.capacity
    assert db.session.scalar(
        select(func.count(RSVP.id)).where(RSVP.meetup_id == first.id, RSVP.response == "waitlisted")
    ) >= 1
    assert db.session.scalar(select(func.count(Meetup.id)).where(Meetup.group_id == ctx["group2"].id)) >= 2

    # Seats are consistent everywhere.
    for meetup in db.session.scalars(select(Meetup)):
        going = db.session.scalar(
            select(func.count(RSVP.id)).where(RSVP.meetup_id == meetup.id, RSVP.response == "going")
        )
        assert meetup.going_count == going
        assert meetup.capacity is None or going <= meetup.capacity


def test_seed_meetups_with_a_minimal_fake_ctx(db, make_group, make_member, make_user):
    from meetups.demo import seed_meetups

    host = make_user()
    group1, group2 = make_group(host=host), make_group()
    members = [make_member(group1) for _ in range(10)]
    ctx = {"group1": group1, "group2": group2, "host": host, "members": members, "users": {}, "summary": []}
    seed_meetups(ctx)
    db.session.commit()
    assert len(ctx["past_meetups"]) == 6 and ctx["just_ended"] and len(ctx["upcoming"]) == 3
    assert ctx["summary"]
