"""Meetups part of the demo seed (DESIGN.md "The demo seed"; BRIEF's contract).

Adds to group 1 a past season of monthly meetups (Danish venues, speakers,
agendas) with RSVPs and varying attendance, a meetup that ended yesterday
(attended by member1 and most others, attendance taken, not rated), and
upcoming meetups — the next one full with a waitlist. Group 2 gets a few too.
Times are relative to ``utcnow()`` and local 17:00 in the group's timezone.
Only flushes; the caller commits.

Sets ``ctx["past_meetups"]`` (held meetups of group 1, oldest first, *not*
including ``just_ended``), ``ctx["just_ended"]`` and ``ctx["upcoming"]``
(group 1, soonest first), plus ``ctx["group2_meetups"]``.
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from common.db import utcnow
from common.demo import demo_step
from extensions import db
from meetups.models import RSVP, Meetup
from meetups.schedule import local_to_utc
from meetups.services import new_checkin_code

VENUES = [
    ("Kødbyens Kantine", "Slagterboderne 2, 1716 København V", "https://maps.google.com/?q=Slagterboderne+2+København"),
    ("BLOX", "Bryghuspladsen 8, 1473 København K", "https://maps.google.com/?q=Bryghuspladsen+8+København"),
    ("The Silo, 17th floor", "Klubiensvej 1, 2150 Nordhavn", "https://maps.google.com/?q=Klubiensvej+1+Nordhavn"),
    ("Copenhagen Business School", "Solbjerg Plads 3, 2000 Frederiksberg", "https://maps.google.com/?q=Solbjerg+Plads+3"),
    ("Restaurant Kanalen", "Wilders Plads 2, 1403 København K", "https://maps.google.com/?q=Wilders+Plads+2"),
    ("Tivoli Congress Center", "Arni Magnussons Gade 2, 1577 København V", "https://maps.google.com/?q=Arni+Magnussons+Gade+2"),
    ("Nordhavn Kontorfællesskab", "Helsinkigade 20, 2150 Nordhavn", "https://maps.google.com/?q=Helsinkigade+20"),
]
TALKS = [
    ("Pricing for growth", "Karen Munk, CFO at Trustpilot",
     "17:00 Welcome and coffee\n17:20 Talk: Pricing when you double every year\n18:00 Member challenge\n18:45 Dinner"),
    ("Winning public tenders", "Henrik Lykke, former procurement chief, Region Hovedstaden",
     "17:00 Welcome\n17:20 Talk: What the evaluation committee actually reads\n18:00 Round table\n18:45 Dinner"),
    ("AI without the hype", "Nanna Brix, Head of AI, Danske Bank",
     "17:00 Welcome\n17:20 Talk: Three AI projects that paid back in a year\n18:00 Member challenge\n18:45 Dinner"),
    ("Hiring in a tight market", "Jesper Thorsen, Partner, Mercuri Urval",
     "17:00 Welcome\n17:20 Talk: Where the good people are hiding\n18:00 Pairs: one ask, one offer\n18:45 Dinner"),
    ("CSRD in practice", "Line Bech, Sustainability Director, Ørsted",
     "17:00 Welcome\n17:20 Talk: Our first CSRD report, warts and all\n18:00 Round table\n18:45 Dinner"),
    ("Selling into Germany", "Thomas Weber, Managing Director, AHK Dänemark",
     "17:00 Welcome\n17:20 Talk: The German Mittelstand buys differently\n18:00 Member challenge\n18:45 Dinner"),
    ("Boards that help", "Birgitte Nørby, professional board member",
     "17:00 Welcome\n17:20 Talk: What a good board does in a growth company\n18:00 Round table\n18:45 Dinner"),
    ("One ask, one offer", "Mette Lindholm, host",
     "17:00 Welcome\n17:15 What the group brought us so far\n17:45 Everyone: one ask, one offer\n18:30 Dinner"),
    ("Founder-led sales", "Christian Dalsgaard, CEO, Lunar",
     "17:00 Welcome\n17:20 Talk: When the founder must stop selling\n18:00 Member challenge\n18:45 Dinner"),
    ("Exporting to the Nordics", "Sara Lindqvist, Business Sweden",
     "17:00 Welcome\n17:20 Talk: Sweden and Norway are not Denmark\n18:00 Round table\n18:45 Dinner"),
]
# How many of the 11 (host + 10 members) show up, per past meetup (oldest first).
TURNOUT = [9, 6, 8, 5, 10, 7]


def _tuesday_on_or_before(day: date) -> date:
    """Meetups fall on a Tuesday, like the group's rule says (2nd Tuesday-ish)."""
    return day - timedelta(days=(day.weekday() - 1) % 7)


def _local(day: date, clock: time, tz: str) -> datetime:
    return local_to_utc(datetime.combine(day, clock), tz)


def _meetup(group, title: str, day: date, venue: int, talk: int, *, capacity: int | None, status: str,
            created: datetime) -> Meetup:
    place, address, map_url = VENUES[venue % len(VENUES)]
    talk_title, speaker, agenda = TALKS[talk % len(TALKS)]
    meetup = Meetup(
        group_id=group.id,
        title=f"{title}: {talk_title}" if title else talk_title,
        starts_at=_local(day, time(17, 0), group.timezone),
        ends_at=_local(day, time(19, 30), group.timezone),
        place=place, address=address, map_url=map_url, agenda=agenda, speaker=speaker,
        capacity=capacity, status=status, going_count=0, checkin_code=new_checkin_code(),
        created_at=created,
    )
    db.session.add(meetup)
    return meetup


def _answer(meetup: Meetup, user, response: str, at: datetime, checked_in: bool = False) -> RSVP:
    row = RSVP(
        meetup_id=meetup.id, user_id=user.id, response=response, responded_at=at,
        waitlisted_at=at if response == "waitlisted" else None,
        checked_in_at=meetup.starts_at + timedelta(minutes=random.randint(-10, 25)) if checked_in else None,
        walk_in=checked_in and response != "going",
    )
    if response == "going":
        meetup.going_count += 1
    db.session.add(row)
    return row


@demo_step(order=20)
def seed_meetups(ctx: dict[str, Any]) -> None:
    """Add the demo meetups, RSVPs and attendance; see the module docstring for ctx keys."""
    random.seed(20251209)  # the same demo every time
    now = utcnow()
    group1, group2 = ctx["group1"], ctx["group2"]
    host, members = ctx["host"], ctx["members"]
    attendees = [host, *members]
    tz = group1.timezone
    today = now.astimezone(ZoneInfo(tz)).date()
    yesterday = today - timedelta(days=1)
    # Member 7 often misses meetups: the absence rule below flags them.
    if group1.absence_limit is None:
        group1.absence_limit = 3
        group1.absence_months = 6

    past: list[Meetup] = []
    for index, months_back in enumerate(range(6, 0, -1)):
        day = _tuesday_on_or_before(yesterday - relativedelta(months=months_back))
        meetup = _meetup(group1, "", day, index, index, capacity=24, status="held",
                         created=now - timedelta(days=200))
        meetup.attendance_taken = True
        past.append(meetup)
    just_ended = _meetup(group1, "", yesterday, 6, 6, capacity=24, status="held", created=now - timedelta(days=60))
    just_ended.attendance_taken = True
    upcoming = [
        _meetup(group1, "", _tuesday_on_or_before(today + timedelta(days=13)), 2, 7, capacity=8, status="scheduled",
                created=now - timedelta(days=40)),
        _meetup(group1, "", _tuesday_on_or_before(today + timedelta(days=13) + relativedelta(months=1)), 0, 8, capacity=20,
                status="scheduled", created=now - timedelta(days=40)),
        _meetup(group1, "", _tuesday_on_or_before(today + timedelta(days=13) + relativedelta(months=2)), 4, 9, capacity=None,
                status="scheduled", created=now - timedelta(days=40)),
    ]
    db.session.flush()

    for index, (meetup, shows) in enumerate(zip(past, TURNOUT, strict=True)):
        answered_at = meetup.starts_at - timedelta(days=random.randint(3, 14))
        # member1 is a regular; member7 misses most meetups (the absence rule flags them).
        order = [members[0], host] + random.sample(
            [m for m in members[1:] if m is not members[6]], len(members) - 2
        )
        order.insert(3 if index in (1, 4) else len(order), members[6])
        no_shows = 1 + index % 2
        for position, user in enumerate(order):
            if position < shows:
                _answer(meetup, user, "going", answered_at, checked_in=True)
            elif position < shows + no_shows:
                _answer(meetup, user, "going", answered_at)
            elif position % 2 == 0:
                _answer(meetup, user, "not_going", answered_at)
        db.session.flush()

    # Yesterday: member1 and most others came; member7 and member9 did not.
    answered_at = just_ended.starts_at - timedelta(days=6)
    for user in attendees:
        if user in (members[6], members[8]):
            _answer(just_ended, user, "going" if user is members[8] else "not_going", answered_at)
        else:
            _answer(just_ended, user, "going", answered_at, checked_in=True)

    # Next meetup: full (8 seats) with two on the waitlist; member1 has not answered yet.
    first = upcoming[0]
    for offset, user in enumerate([host, *members[1:8]]):
        _answer(first, user, "going", now - timedelta(days=9 - offset))
    _answer(first, members[8], "waitlisted", now - timedelta(days=2))
    _answer(first, members[9], "waitlisted", now - timedelta(days=1))
    second = upcoming[1]
    for user in (host, members[0], members[2], members[4], members[5]):
        _answer(second, user, "going", now - timedelta(days=3))
    _answer(second, members[3], "not_going", now - timedelta(days=2))

    # Group 2: two held meetups and one coming up.
    group2_people = [user for user in (ctx.get("host2"), ctx["users"].get("member11@example.com"),
                                       ctx["users"].get("member12@example.com")) if user is not None]
    group2_meetups = []
    for months_back, venue_talk in ((2, 3), (1, 5)):
        meetup = _meetup(group2, "", yesterday - relativedelta(months=months_back) - timedelta(days=3),
                         venue_talk, venue_talk, capacity=15, status="held", created=now - timedelta(days=100))
        meetup.place, meetup.address = "Navitas", "Inge Lehmanns Gade 10, 8000 Aarhus C"
        meetup.map_url = "https://maps.google.com/?q=Inge+Lehmanns+Gade+10+Aarhus"
        meetup.attendance_taken = True
        group2_meetups.append(meetup)
    next_aarhus = _meetup(group2, "", today + timedelta(days=20), 0, 2, capacity=15, status="scheduled",
                          created=now - timedelta(days=30))
    next_aarhus.place, next_aarhus.address = "Navitas", "Inge Lehmanns Gade 10, 8000 Aarhus C"
    next_aarhus.map_url = "https://maps.google.com/?q=Inge+Lehmanns+Gade+10+Aarhus"
    group2_meetups.append(next_aarhus)
    db.session.flush()
    for meetup in group2_meetups[:2]:
        for user in group2_people:
            _answer(meetup, user, "going", meetup.starts_at - timedelta(days=5), checked_in=True)
    for user in group2_people[:2]:
        _answer(next_aarhus, user, "going", now - timedelta(days=1))
    db.session.flush()

    ctx["past_meetups"] = past
    ctx["just_ended"] = just_ended
    ctx["upcoming"] = upcoming
    ctx["group2_meetups"] = group2_meetups
    ctx.setdefault("summary", []).append(
        f"Meetups: {len(past)} held + one that ended yesterday in {group1.name}, "
        f"{len(upcoming)} upcoming (the next is full with a waitlist); {len(group2_meetups)} in {group2.name}"
    )
