"""Reminders through `flask tick`: 2 days before, to going and unanswered, never twice."""
from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from common.db import utcnow
from meetups.models import Meetup
from meetups.reminders import queue_reminders
from tests.conftest import outbox_messages


def test_reminders_go_to_going_and_unanswered_once_whatever_how_often_tick_runs(
    runner, db, make_group, make_member, make_meetup, make_rsvp
):
    group = make_group()
    going = make_member(group, name="Gitte Going")
    declined = make_member(group, name="Dan Declined")
    silent = make_member(group, name="Sune Silent")
    make_member(group, status="left")
    soon = make_meetup(group, title="Soon", starts_at=utcnow() + timedelta(days=1, hours=20))
    make_meetup(group, title="Later", starts_at=utcnow() + timedelta(days=9))
    make_meetup(group, title="Cancelled", starts_at=utcnow() + timedelta(days=1), status="cancelled")
    make_rsvp(soon, going, "going")
    make_rsvp(soon, declined, "not_going")

    for _ in range(3):
        result = runner.invoke(args=["tick"])
        assert result.exit_code == 0, result.output
    reminders = [m for m in outbox_messages() if m.template == "meetup_reminder"]
    host_email = next(m for m in reminders if m.to_email not in (going.email, silent.email)).to_email
    assert sorted(m.to_email for m in reminders) == sorted([going.email, silent.email, host_email])
    assert all(m.context["title"] == "Soon" for m in reminders)
    assert all(m.sent_at is not None for m in reminders)  # the same tick sent them
    by_email = {m.to_email: m for m in reminders}
    assert by_email[going.email].context["going"] is True
    assert by_email[silent.email].context["going"] is False
    assert "/meetups/" in by_email[silent.email].context["url"]
    assert not any(m.context["title"] == "Later" for m in reminders)


def test_queue_reminders_twice_queues_nothing_new(db, make_group, make_member, make_meetup):
    group = make_group()
    make_member(group)
    make_meetup(group, starts_at=utcnow() + timedelta(hours=30))
    assert queue_reminders(utcnow()) == 2  # host + member
    db.session.commit()
    assert queue_reminders(utcnow()) == 0
    assert queue_reminders(utcnow() + timedelta(hours=1)) == 0


def test_tick_marks_ended_meetups_held(runner, db, make_group, make_meetup):
    group = make_group()
    ended = make_meetup(group, starts_at=utcnow() - timedelta(hours=5))
    future = make_meetup(group)
    result = runner.invoke(args=["tick"])
    assert result.exit_code == 0
    results = json.loads(result.output.strip().splitlines()[-1])
    assert results["meetups.views.meetups_held"] == 1
    db.session.expire_all()
    assert db.session.scalar(select(Meetup.status).where(Meetup.id == ended.id)) == "held"
    assert db.session.scalar(select(Meetup.status).where(Meetup.id == future.id)) == "scheduled"
