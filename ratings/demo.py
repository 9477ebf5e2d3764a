"""Ratings part of the demo seed: ratings, clicks, introductions and outcomes.

Makes the demo group's report a mixed picture: some meetups better than
others, several deep relationships, a few outcomes with DKK values, and
introductions in every state. ``member1`` never rates ``ctx["just_ended"]``
(the demo contract: it is waiting for their rating). Flushes, never commits.
"""
from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from common.demo import demo_step
from extensions import db
from ratings.models import Introduction, Outcome
from ratings.services import attendees, record_rating

# Average (fit, chemistry) the members give each past meetup, in order: a mixed season.
MEETUP_QUALITY = [(3.1, 2.7), (3.9, 3.6), (2.6, 3.1), (4.3, 4.1), (3.4, 3.9), (4.4, 4.4), (3.7, 3.3), (4.0, 4.2)]
# Pairs (member numbers) who get on: they click each other at most meetups both attend.
FRIENDS = [(1, 2), (1, 4), (2, 5), (3, 4), (6, 7), (8, 10), (5, 9), (2, 6)]
COMMENTS = [
    "Great speaker, but the round-table ran too long.",
    "I met two people I will follow up with.",
    "Too little time for 1:1 conversations.",
    "The venue was hard to hear in.",
    "Best meetup so far — the mix of people was right.",
    "Would love more members from the public sector.",
]


def _score(base: float, rng: random.Random) -> int:
    return max(1, min(5, round(base + rng.uniform(-1.1, 1.1))))


@demo_step(order=30)
def seed_ratings(ctx: dict[str, Any]) -> None:
    """Add ratings, clicks, introductions and outcomes to group 1's past season."""
    past = ctx.get("past_meetups") or []
    members = ctx.get("members") or []
    group = ctx.get("group1")
    summary = ctx.setdefault("summary", [])
    if not past or not members or group is None:
        summary.append("Ratings: skipped (no past meetups to rate).")
        return
    rng = random.Random(4)  # noqa: S311 (demo data, not security)
    number = {user.id: i + 1 for i, user in enumerate(members)}
    by_number = {i + 1: user for i, user in enumerate(members)}
    friends = {frozenset(p) for p in FRIENDS}
    ratings = clicks = 0
    to_rate = list(past)
    just_ended = ctx.get("just_ended")
    if just_ended is not None:
        to_rate.append(just_ended)
    for index, meetup in enumerate(to_rate):
        is_just_ended = meetup is just_ended
        fit_base, chem_base = MEETUP_QUALITY[index % len(MEETUP_QUALITY)]
        present = [a.user for a in attendees(meetup)]
        if is_just_ended:
            # A few early raters; member1 (and most others) still have to rate it.
            raters = [u for u in present if number.get(u.id) in (3, 6, 9)]
        else:
            raters = [u for u in present if rng.random() < 0.88]
        rater_ids = {u.id for u in raters}
        for user in raters:
            mine = number.get(user.id, 0)
            picks = set()
            for other in present:
                if other.id == user.id or other.id not in rater_ids:
                    continue
                pair = frozenset((mine, number.get(other.id, 0)))
                if pair in friends and rng.random() < 0.92 or rng.random() < 0.05:
                    picks.add(other.id)
            renewal = rng.choices(["yes", "unsure", "no"], weights=[6, 3, 1])[0]
            fit = _score(fit_base, rng)
            record_rating(
                meetup, user.id,
                fit=fit, chemistry=_score(chem_base, rng),
                worth_time=fit >= 3 or rng.random() < 0.3,
                gave_help=rng.random() < 0.45, got_help=rng.random() < 0.4,
                renewal_intent=renewal,
                comment=rng.choice(COMMENTS) if rng.random() < 0.3 else "",
                clicked=picks,
                now=meetup.ends_at + timedelta(hours=rng.randint(1, 60)),
            )
            ratings += 1
            clicks += len(picks)

    host = ctx.get("host")
    first, last = past[0], past[-1]
    middle = past[len(past) // 2]

    def intro(a: int, b: int, status: str, introducer, when, reason: str) -> Introduction | None:
        if a not in by_number or b not in by_number:
            return None
        item = Introduction(
            group_id=group.id, introducer_id=introducer.id if introducer else None,
            member_a_id=by_number[a].id, member_b_id=by_number[b].id, reason=reason, status=status,
            accepted_a=status in ("accepted", "met"), accepted_b=status in ("accepted", "met"),
            created_at=when, accepted_at=when + timedelta(days=2) if status in ("accepted", "met") else None,
            met_at=when + timedelta(days=9) if status == "met" else None,
        )
        db.session.add(item)
        return item

    made = [
        intro(2, 6, "met", host, first.ends_at + timedelta(days=3),
              "Both of you sell to Nordic hospitals — compare notes on procurement."),
        intro(3, 9, "accepted", host, middle.ends_at + timedelta(days=2),
              "One of you is hiring a data lead; the other asked for exactly that introduction."),
        intro(8, 10, "met", by_number.get(1), middle.ends_at + timedelta(days=5),
              "You both mentioned wanting a partner for public tenders."),
        intro(4, 7, "declined", host, middle.ends_at + timedelta(days=6),
              "Overlapping customers in logistics."),
        intro(1, 5, "proposed", host, last.ends_at + timedelta(days=1),
              "One of you has the CFO network the other is looking for."),
    ]
    db.session.flush()
    first_intro = made[0]

    def outcome(n: int, kind: str, value_dkk: int | None, credited: int | None, note: str, when, intro_row=None):
        if n not in by_number:
            return
        db.session.add(Outcome(
            group_id=group.id, user_id=by_number[n].id, kind=kind,
            value_minor=value_dkk * 100 if value_dkk is not None else None, currency=group.currency,
            credited_user_id=by_number[credited].id if credited in by_number else None,
            introduction_id=intro_row.id if intro_row is not None else None, note=note, created_at=when,
        ))

    outcome(2, "deal", 45_000, 6, "Pilot contract with a regional hospital.", middle.ends_at + timedelta(days=20), first_intro)
    outcome(8, "partner", 120_000, 10, "Joint bid on a municipal tender.", last.ends_at + timedelta(days=2))
    outcome(4, "job_lead", None, 3, "Found our new head of sales through the group.", middle.ends_at + timedelta(days=8))
    outcome(1, "learning", 8_000, None, "Saved a consultant: the pricing workshop answered it.", first.ends_at + timedelta(days=4))
    db.session.flush()
    summary.append(
        f"Ratings: {ratings} ratings with {clicks} clicks, {sum(1 for m in made if m)} introductions, "
        "4 outcomes; member1@example.com has a meetup to rate."
    )
