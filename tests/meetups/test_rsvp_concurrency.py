"""QUALITY.md 23: 20 parallel sessions racing for the last 5 seats.

Runs on whatever DATABASE_URL points at: the file SQLite of tests/conftest.py
by default, PostgreSQL in CI. Each thread has its own app context, hence its
own session and connection; a barrier releases them together.
"""
from __future__ import annotations

import threading

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from meetups.models import RSVP, Meetup
from meetups.rsvp import rsvp
from members.models import User

RACERS = 20
SEATS_LEFT = 5
CAPACITY = 12


def test_twenty_sessions_race_for_the_last_five_seats(app, db, make_group, make_member, make_meetup):
    group = make_group()
    early = [make_member(group) for _ in range(CAPACITY - SEATS_LEFT)]
    racers = [make_member(group) for _ in range(RACERS)]
    meetup = make_meetup(group, capacity=CAPACITY)
    for user in early:
        rsvp(meetup, user, "going")
    db.session.commit()
    meetup_id = meetup.id
    racer_ids = [user.id for user in racers]
    db.session.remove()

    barrier = threading.Barrier(RACERS)
    results: dict[int, str] = {}
    errors: list[BaseException] = []

    def race(user_id: int) -> None:
        with app.app_context():
            try:
                session = db.session
                target = session.get(Meetup, meetup_id)
                user = session.get(User, user_id)
                session.commit()  # end the read transaction before the race
                barrier.wait(timeout=30)
                for _attempt in range(10):
                    try:
                        results[user_id] = rsvp(target, user, "going").response
                        session.commit()
                        return
                    except OperationalError:  # SQLite "database is locked": try again
                        session.rollback()
                        target = session.get(Meetup, meetup_id)
                        user = session.get(User, user_id)
                raise AssertionError("gave up after 10 attempts")
            except BaseException as exc:  # noqa: BLE001 - reported to the main thread
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=race, args=(uid,)) for uid in racer_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert len(results) == RACERS

    going = db.session.scalar(
        select(func.count(RSVP.id)).where(RSVP.meetup_id == meetup_id, RSVP.response == "going",
                                          RSVP.user_id.in_(racer_ids))
    )
    waitlisted = db.session.scalar(
        select(func.count(RSVP.id)).where(RSVP.meetup_id == meetup_id, RSVP.response == "waitlisted")
    )
    count = db.session.scalar(select(Meetup.going_count).where(Meetup.id == meetup_id))
    total_going = db.session.scalar(
        select(func.count(RSVP.id)).where(RSVP.meetup_id == meetup_id, RSVP.response == "going")
    )
    assert going == SEATS_LEFT
    assert waitlisted == RACERS - SEATS_LEFT
    assert count == total_going == CAPACITY
    assert sorted(results.values()).count("going") == SEATS_LEFT
