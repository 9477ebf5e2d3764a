"""RSVP service: capacity, waitlist order, promotion emails, deadlines, state machine."""
from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlalchemy import func, select

from common.db import utcnow
from meetups import services
from meetups.models import RSVP, Meetup
from meetups.rsvp import rsvp
from tests.conftest import outbox_messages


def _state(db, meetup):
    rows = db.session.execute(
        select(RSVP.user_id, RSVP.response, RSVP.waitlisted_at).where(RSVP.meetup_id == meetup.id)
    ).all()
    return {user_id: response for user_id, response, _ in rows}


def _going_count(db, meetup_id):
    return db.session.scalar(select(Meetup.going_count).where(Meetup.id == meetup_id))


@pytest.fixture
def group_with_members(make_group, make_member):
    group = make_group()
    members = [make_member(group) for _ in range(5)]
    return group, members


def test_going_until_full_then_waitlisted_in_order(db, group_with_members, make_meetup):
    group, (a, b, c, d, e) = group_with_members
    meetup = make_meetup(group, capacity=2)
    assert rsvp(meetup, a, "going").response == "going"
    assert rsvp(meetup, b, "going").response == "going"
    assert rsvp(meetup, c, "going").response == "waitlisted"
    assert rsvp(meetup, d, "going").response == "waitlisted"
    db.session.commit()
    assert _going_count(db, meetup.id) == 2

    rsvp(meetup, a, "not_going")
    db.session.commit()
    state = _state(db, meetup)
    assert state[a.id] == "not_going"
    assert state[c.id] == "going"       # first waitlisted promoted
    assert state[d.id] == "waitlisted"  # second still waiting
    assert _going_count(db, meetup.id) == 2
    promoted = [m for m in outbox_messages(c.email) if m.template == "meetup_promoted"]
    assert len(promoted) == 1
    assert promoted[0].attachments[0]["content_type"] == "text/calendar"
    assert not [m for m in outbox_messages(d.email) if m.template == "meetup_promoted"]


def test_confirmation_email_has_ics_attachment_and_is_not_repeated(db, group_with_members, make_meetup):
    group, (a, *_rest) = group_with_members
    meetup = make_meetup(group)
    rsvp(meetup, a, "going")
    rsvp(meetup, a, "going")  # same answer again: no second email
    db.session.commit()
    confirmations = [m for m in outbox_messages(a.email) if m.template == "meetup_rsvp"]
    assert len(confirmations) == 1
    ics = confirmations[0].attachments[0]
    assert ics["filename"].endswith(".ics") and "BEGIN:VCALENDAR" in ics["content"]
    assert "PARTSTAT=ACCEPTED" in ics["content"]


def test_waitlisted_member_leaving_frees_nothing(db, group_with_members, make_meetup):
    group, (a, b, c, *_rest) = group_with_members
    meetup = make_meetup(group, capacity=1)
    rsvp(meetup, a, "going")
    rsvp(meetup, b, "going")
    rsvp(meetup, b, "not_going")
    db.session.commit()
    assert _state(db, meetup) == {a.id: "going", b.id: "not_going"}
    assert _going_count(db, meetup.id) == 1


def test_lowering_capacity_demotes_nobody_and_stops_new_seats(db, group_with_members, make_meetup):
    group, (a, b, c, d, _e) = group_with_members
    meetup = make_meetup(group, capacity=3)
    for user in (a, b, c):
        rsvp(meetup, user, "going")
    db.session.commit()
    data = services.MeetupData(title=meetup.title, starts_at=meetup.starts_at, ends_at=meetup.ends_at, capacity=1)
    services.update_meetup(meetup, data, actor_id=None)
    db.session.commit()
    assert set(_state(db, meetup).values()) == {"going"}
    assert rsvp(meetup, d, "going").response == "waitlisted"
    rsvp(meetup, a, "not_going")  # 2 going > capacity 1: no promotion
    db.session.commit()
    assert _state(db, meetup)[d.id] == "waitlisted"
    assert _going_count(db, meetup.id) == 2


def test_raising_capacity_promotes_the_waitlist(db, group_with_members, make_meetup):
    group, (a, b, c, *_rest) = group_with_members
    meetup = make_meetup(group, capacity=1)
    for user in (a, b, c):
        rsvp(meetup, user, "going")
    data = services.MeetupData(title=meetup.title, starts_at=meetup.starts_at, ends_at=meetup.ends_at, capacity=2)
    assert services.update_meetup(meetup, data, actor_id=None) == 1
    db.session.commit()
    assert _state(db, meetup) == {a.id: "going", b.id: "going", c.id: "waitlisted"}


def test_answers_close_at_the_deadline_and_for_cancelled_meetups(db, group_with_members, make_meetup):
    group, (a, b, *_rest) = group_with_members
    meetup = make_meetup(group, rsvp_deadline=utcnow() - timedelta(minutes=1))
    with pytest.raises(services.MeetupError):
        rsvp(meetup, a, "going")
    cancelled = make_meetup(group, status="cancelled")
    with pytest.raises(services.MeetupError):
        rsvp(cancelled, b, "going")
    started = make_meetup(group, starts_at=utcnow() - timedelta(minutes=5))
    with pytest.raises(services.MeetupError):
        rsvp(started, b, "going")
    assert db.session.scalar(select(func.count(RSVP.id))) == 0


def test_cancel_notifies_everyone_who_said_yes(db, group_with_members, make_meetup):
    group, (a, b, c, d, _e) = group_with_members
    meetup = make_meetup(group, capacity=2)
    rsvp(meetup, a, "going")
    rsvp(meetup, b, "going")
    rsvp(meetup, c, "going")      # waitlisted
    rsvp(meetup, d, "not_going")
    db.session.commit()
    assert services.cancel_meetup(meetup, actor_id=None) == 3
    db.session.commit()
    notified = {m.to_email for m in outbox_messages() if m.template == "meetup_cancelled"}
    assert notified == {a.email, b.email, c.email}
    with pytest.raises(services.MeetupError):
        services.cancel_meetup(meetup, actor_id=None)


class RSVPMachine(RuleBasedStateMachine):
    """Random answers and capacity changes; the invariants must always hold."""

    ctx: ClassVar[dict[str, Any]]  # db, group, make_meetup and users: set by the test before it runs

    def __init__(self) -> None:
        super().__init__()
        self.order: list[int] = []  # expected waitlist order (user ids)

    @initialize(capacity=st.integers(min_value=1, max_value=4))
    def setup(self, capacity):
        ctx = self.ctx
        self.meetup = ctx["make_meetup"](ctx["group"], capacity=capacity)

    @rule(index=st.integers(min_value=0, max_value=6), response=st.sampled_from(["going", "not_going"]))
    def answer(self, index, response):
        db, user = self.ctx["db"], self.ctx["users"][index]
        before = _state(db, self.meetup).get(user.id)
        full = self._going() >= (self.meetup.capacity or 10**6)
        row = rsvp(self.meetup, user, response)
        db.session.commit()
        if response == "going" and before in (None, "not_going"):
            expected = "waitlisted" if full else "going"
            assert row.response == expected
            if expected == "waitlisted":
                self.order.append(user.id)
        if response == "going" and before in ("going", "waitlisted"):
            assert row.response == before  # no change, no jumping the queue
        if response == "not_going":
            assert row.response == "not_going"
            if user.id in self.order:
                self.order.remove(user.id)
        self._sync_order()

    @precondition(lambda self: hasattr(self, "meetup"))
    @rule(capacity=st.integers(min_value=1, max_value=6))
    def change_capacity(self, capacity):
        db, m = self.ctx["db"], self.meetup
        data = services.MeetupData(title=m.title, starts_at=m.starts_at, ends_at=m.ends_at, capacity=capacity)
        services.update_meetup(m, data, actor_id=None)
        db.session.commit()
        self._sync_order()

    def _sync_order(self):
        # Promotions take people from the head of the queue, in order.
        waiting = self._waitlist()
        promoted = [uid for uid in self.order if uid not in waiting]
        state = _state(self.ctx["db"], self.meetup)
        for uid in promoted:
            assert state[uid] in ("going", "not_going")
        self.order = [uid for uid in self.order if uid in waiting]
        assert self.order == waiting, "waitlist order must be first come, first served"

    def _going(self):
        return sum(1 for r in _state(self.ctx["db"], self.meetup).values() if r == "going")

    def _waitlist(self):
        db = self.ctx["db"]
        return list(db.session.scalars(
            select(RSVP.user_id).where(RSVP.meetup_id == self.meetup.id, RSVP.response == "waitlisted")
            .order_by(RSVP.waitlisted_at, RSVP.id)
        ))

    @invariant()
    def going_count_matches_rows(self):
        if hasattr(self, "meetup"):
            assert _going_count(self.ctx["db"], self.meetup.id) == self._going()

    @invariant()
    def no_free_seat_while_someone_waits(self):
        if hasattr(self, "meetup") and self._waitlist():
            db = self.ctx["db"]
            capacity = db.session.scalar(select(Meetup.capacity).where(Meetup.id == self.meetup.id))
            assert self._going() >= capacity


def test_rsvp_state_machine(db, make_group, make_member, make_meetup):
    group = make_group()
    RSVPMachine.ctx = {
        "db": db, "group": group, "make_meetup": make_meetup,
        "users": [make_member(group) for _ in range(7)],
    }
    RSVPMachine.TestCase.settings = settings(
        max_examples=25, stateful_step_count=25, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    RSVPMachine.TestCase().runTest()
