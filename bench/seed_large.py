"""`flask seed-large`: a realistic, deterministic large data set, bulk-inserted.

50 groups × 125 members (6,250 members with profiles), a season of 12
monthly meetups per group (10 held, 2 upcoming), RSVPs and attendance,
≥ 50,000 ratings with clicks (mutual ones forming connections and deep
relationships), introductions and outcomes. Seeded random: the same data
every time. Rows get explicit ids and go in with executemany, in chunks.
"""
from __future__ import annotations

import json
import random
from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import click
from flask import Flask, url_for
from sqlalchemy import func, insert, select, text

from common.db import utcnow
from common.versions import EVERY_GROUP
from extensions import db
from groups.models import Group, Membership
from meetups.models import RSVP, Meetup
from members.models import Company, Profile, User
from members.security import hash_password
from ratings.models import Click, Introduction, Outcome, Rating

PASSWORD = "networking-demo"  # noqa: S105 (bench accounts, like the demo)
GROUPS = 50
MEMBERS_PER_GROUP = 125
PAST_MEETUPS = 10
UPCOMING_MEETUPS = 2
CHUNK = 5000

FIRST = ["Anna", "Mads", "Sofie", "Frederik", "Ida", "Lars", "Maja", "Jonas", "Emma", "Mikkel",
         "Clara", "Rasmus", "Freja", "Oliver", "Laura", "Kasper", "Julie", "Anders", "Nanna", "Søren"]
LAST = ["Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
        "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Poulsen"]
INDUSTRIES = ["Software", "Finance", "Law", "Energy", "Logistics", "Retail", "Health", "Construction",
              "Consulting", "Media", "Manufacturing", "Real estate", "Food", "Education", "Design"]
TAGS = ["cloud migration", "board experience", "export to Germany", "hiring engineers", "ESG reporting",
        "pricing", "public tenders", "fundraising", "B2B sales", "data protection", "supply chain",
        "leadership", "marketing automation", "M&A", "customer success", "legal contracts"]
CITIES = ["Copenhagen", "Aarhus", "Odense", "Aalborg", "Esbjerg", "Kolding", "Vejle", "Roskilde"]
PURPOSES = ["sales", "partners", "learning", "lobbying", "career", "other"]


def _chunks(rows: list[dict], size: int = CHUNK) -> Iterable[list[dict]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _bulk(model, rows: list[dict]) -> None:
    for chunk in _chunks(rows):
        db.session.execute(insert(model.__table__).execution_options(nq_group=EVERY_GROUP), chunk)


def _fix_sequences(models) -> None:
    """Explicit ids bypass PostgreSQL sequences; move them past the data."""
    if db.engine.dialect.name != "postgresql":
        return
    for model in models:
        table = model.__table__.name
        db.session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "  # noqa: S608 (table names are ours)
            f"COALESCE((SELECT MAX(id) FROM \"{table}\"), 1))"
        ))


def seed_large(
    seed: int = 2026,
    groups_n: int = GROUPS,
    members_per_group: int = MEMBERS_PER_GROUP,
    past_meetups: int = PAST_MEETUPS,
    upcoming_meetups: int = UPCOMING_MEETUPS,
) -> dict[str, int]:
    """Insert the data set in the current transaction; returns row counts.

    The defaults make the benchmark's large seed; tests pass small numbers to
    get the same shape at any scale.
    """
    rng = random.Random(seed)
    now = utcnow()
    password_hash = hash_password(PASSWORD)  # one hash, shared: seeding stays fast
    companies: list[dict] = []
    users: list[dict] = []
    profiles: list[dict] = []
    groups: list[dict] = []
    memberships: list[dict] = []
    meetups: list[dict] = []
    rsvps: list[dict] = []
    ratings: list[dict] = []
    clicks: list[dict] = []
    introductions: list[dict] = []
    outcomes: list[dict] = []

    for company_id in range(1, 801):
        companies.append({"id": company_id, "name": f"{rng.choice(LAST)} {rng.choice(INDUSTRIES)} ApS",
                          "vat_number": f"DK{10000000 + company_id}", "billing_email": f"billing{company_id}@example.com",
                          "address": f"Vestergade {company_id}, 1456 København K", "created_at": now})

    user_id = 0
    season_start = (now - timedelta(days=past_meetups * 30 + 20)).date()
    group_members: dict[int, list[int]] = {}
    for group_id in range(1, groups_n + 1):
        tz = "Europe/Copenhagen"
        groups.append({
            "id": group_id, "name": f"{CITIES[group_id % len(CITIES)]} Circle {group_id}", "slug": f"circle-{group_id}",
            "description": "A peer group of leaders who meet monthly to help each other grow.",
            "city": CITIES[group_id % len(CITIES)], "timezone": tz, "currency": "DKK", "fee_minor": 800000,
            "season_start": season_start, "season_end": season_start + timedelta(days=364),
            "member_cap": members_per_group + 10, "visibility": "public", "join_policy": "apply",
            "one_per_industry": False, "rating_window_days": 14, "absence_limit": 3, "absence_months": 6,
            "created_at": now,
        })
        ids = []
        for index in range(members_per_group):
            user_id += 1
            ids.append(user_id)
            first, last = rng.choice(FIRST), rng.choice(LAST)
            email = "host@bench.example.com" if (group_id, index) == (1, 0) else (
                "member@bench.example.com" if (group_id, index) == (1, 1) else f"u{user_id}@bench.example.com")
            users.append({"id": user_id, "email": email, "password_hash": password_hash, "name": f"{first} {last}",
                          "locale": "en", "is_verified": True, "is_admin": False, "is_deactivated": False,
                          "session_version": 1, "calendar_token": f"bench-cal-{user_id:06d}", "created_at": now})
            profiles.append({
                "user_id": user_id, "headline": f"{rng.choice(['CEO', 'CFO', 'Head of Sales', 'Partner', 'CTO'])} "
                                                f"in {rng.choice(INDUSTRIES).lower()}",
                "company_id": rng.randint(1, len(companies)), "industry": rng.choice(INDUSTRIES),
                "bio": "Builds companies and networks with purpose.", "purposes": rng.sample(PURPOSES, 2),
                "offers_tags": rng.sample(TAGS, 3), "offers_text": "Happy to share what worked for us.",
                "seeks_tags": rng.sample(TAGS, 2), "seeks_text": "Looking for peers who have done it before.",
                "linkedin_url": "", "phone": "", "photo_filename": None, "updated_at": now,
            })
            memberships.append({
                "id": len(memberships) + 1, "user_id": user_id, "group_id": group_id,
                "role": "host" if index == 0 else ("co-host" if index == 1 and group_id != 1 else "member"),
                "status": "active", "motivation": "", "contribution": "", "paid_through": season_start + timedelta(days=364),
                "payer": "company", "applied_at": now - timedelta(days=400), "joined_at": now - timedelta(days=390),
                "updated_at": now,
            })
        group_members[group_id] = ids

    # The bench member also belongs to a second group (a realistic dashboard).
    memberships.append({"id": len(memberships) + 1, "user_id": 2, "group_id": 2, "role": "member", "status": "active",
                        "motivation": "", "contribution": "", "paid_through": None, "payer": "self",
                        "applied_at": now, "joined_at": now, "updated_at": now})
    group_members[2].append(2)

    meetup_id = rsvp_id = rating_id = click_id = 0
    for group_id, ids in group_members.items():
        local = ZoneInfo("Europe/Copenhagen")
        buddies = {uid: rng.sample(ids, 3) for uid in ids}  # whom each member tends to click with
        for number in range(past_meetups + upcoming_meetups):
            meetup_id += 1
            held = number < past_meetups
            # Held meetups monthly from the season's start; upcoming ones from next week on.
            day = (season_start + timedelta(days=30 * number + 10) if held
                   else now.date() + timedelta(days=7 + 30 * (number - past_meetups)))
            starts = datetime.combine(day, time(17, 0), tzinfo=local).astimezone(UTC)
            meetups.append({
                "id": meetup_id, "group_id": group_id, "title": f"Meetup {number + 1}: {rng.choice(TAGS).title()}",
                "starts_at": starts, "ends_at": starts + timedelta(hours=2, minutes=30), "place": "Nordhavn Hub",
                "address": "Helsinkigade 10, 2150 Nordhavn", "map_url": "", "agenda": "Round of wins, talk, tables.",
                "speaker": f"{rng.choice(FIRST)} {rng.choice(LAST)}", "capacity": len(ids) + 10,
                "rsvp_deadline": starts - timedelta(days=1), "status": "held" if held else "scheduled",
                "going_count": 0, "checkin_code": f"{meetup_id:06d}", "attendance_taken": held,
                "created_at": now, "cancelled_at": None,
            })
            quality = rng.uniform(-1.0, 1.0)  # some meetups are better than others
            attendees = []
            going = 0
            for uid in ids:
                answer = rng.random()
                if answer < 0.9:
                    going += 1
                    rsvp_id += 1
                    attended = held and rng.random() < 0.95
                    rsvps.append({"id": rsvp_id, "meetup_id": meetup_id, "user_id": uid, "response": "going",
                                  "waitlisted_at": None, "responded_at": starts - timedelta(days=5),
                                  "checked_in_at": starts + timedelta(minutes=5) if attended else None,
                                  "walk_in": False})
                    if attended:
                        attendees.append(uid)
                elif answer < 0.95:
                    rsvp_id += 1
                    rsvps.append({"id": rsvp_id, "meetup_id": meetup_id, "user_id": uid, "response": "not_going",
                                  "waitlisted_at": None, "responded_at": starts - timedelta(days=5),
                                  "checked_in_at": None, "walk_in": False})
            meetups[-1]["going_count"] = going
            present = set(attendees)
            for uid in attendees:
                if rng.random() > 0.96:
                    continue
                rating_id += 1
                fit = min(5, max(1, round(3.4 + quality + rng.gauss(0, 0.8))))
                chemistry = min(5, max(1, round(3.3 + quality + rng.gauss(0, 0.9))))
                ratings.append({
                    "id": rating_id, "meetup_id": meetup_id, "group_id": group_id, "user_id": uid, "fit": fit,
                    "chemistry": chemistry, "worth_time": fit >= 3, "gave_help": rng.random() < 0.5,
                    "got_help": rng.random() < 0.5, "renewal_intent": rng.choices(["yes", "unsure", "no"], [6, 3, 1])[0],
                    "comment": rng.choice(["", "", "Great speaker.", "More time for tables, please."]),
                    "verified": True, "created_at": starts + timedelta(days=1), "updated_at": starts + timedelta(days=1),
                })
                for other in buddies[uid]:
                    if other != uid and other in present and rng.random() < 0.6:
                        click_id += 1
                        clicks.append({"id": click_id, "meetup_id": meetup_id, "group_id": group_id,
                                       "from_user_id": uid, "to_user_id": other, "created_at": starts + timedelta(days=1)})
        for n in range(12):
            a, b = rng.sample(ids, 2)
            status = rng.choice(["proposed", "accepted", "met", "met", "declined"])
            introductions.append({
                "id": len(introductions) + 1, "group_id": group_id, "introducer_id": ids[0], "member_a_id": a,
                "member_b_id": b, "reason": "Offers meet seeks.", "status": status,
                "accepted_a": status in ("accepted", "met"), "accepted_b": status in ("accepted", "met"),
                "created_at": now - timedelta(days=60 - n), "accepted_at": None, "met_at": None,
            })
        for uid in rng.sample(ids, len(ids) // 3):
            outcomes.append({
                "id": len(outcomes) + 1, "group_id": group_id, "user_id": uid,
                "kind": rng.choice(["deal", "partner", "job_lead", "learning", "other"]),
                "value_minor": rng.choice([None, 2500000, 10000000, 50000000]), "currency": "DKK",
                "credited_user_id": rng.choice(ids), "introduction_id": None, "note": "Thanks to the group.",
                "created_at": now - timedelta(days=rng.randint(1, 200)),
            })

    for model, rows in ((Company, companies), (User, users), (Profile, profiles), (Group, groups),
                        (Membership, memberships), (Meetup, meetups), (RSVP, rsvps), (Rating, ratings),
                        (Click, clicks), (Introduction, introductions), (Outcome, outcomes)):
        _bulk(model, rows)
    _fix_sequences([Company, User, Group, Membership, Meetup, RSVP, Rating, Click, Introduction, Outcome])
    return {"groups": len(groups), "members": len(users), "meetups": len(meetups), "rsvps": len(rsvps),
            "ratings": len(ratings), "clicks": len(clicks), "introductions": len(introductions),
            "outcomes": len(outcomes)}


def bench_targets(app: Flask) -> dict[str, str]:
    """Paths and logins for `make bench`, read from the seeded database."""
    group = db.session.scalars(select(Group).where(Group.slug == "circle-1")).one()
    meetup_id = db.session.scalar(
        select(Meetup.id).where(Meetup.group_id == group.id, Meetup.status == "scheduled").order_by(Meetup.starts_at).limit(1))
    held_id = db.session.scalar(
        select(Meetup.id).where(Meetup.group_id == group.id, Meetup.status == "held").order_by(Meetup.starts_at.desc()).limit(1))
    with app.test_request_context():
        def path(endpoint: str, **values) -> str:
            return url_for(endpoint, **values)

        return {
            "member_email": "member@bench.example.com", "host_email": "host@bench.example.com",
            "dashboard_path": path("members.dashboard"), "dashboard_role": "member",
            "group_path": path("groups.show", slug=group.slug), "group_role": "member",
            "meetup_path": path("meetups.detail", slug=group.slug, meetup_id=meetup_id), "meetup_role": "member",
            "admin_home_path": path("group_admin.home", slug=group.slug), "admin_home_role": "host",
            "attendance_path": path("meetups_admin.attendance", slug=group.slug, meetup_id=held_id),
            "attendance_role": "host",
            "value_path": path("ratings.value", slug=group.slug), "value_role": "host",
            "value_csv_path": path("ratings.value_csv", slug=group.slug), "value_csv_role": "host",
        }


def bench_actors(app: Flask, count: int = 8) -> list[dict]:
    """Signed-in people for the mixed load: in ``count`` groups spread over the
    data set, one member and the host, with their group's pages and the
    upcoming meetups whose answers are still open (the RSVP flips)."""
    now = utcnow()
    group_rows = db.session.execute(select(Group.id, Group.slug).order_by(Group.id)).all()
    chosen = [group_rows[i * len(group_rows) // count] for i in range(min(count, len(group_rows)))]
    actors = []
    with app.test_request_context():
        for group_id, slug in chosen:
            def first(role: str, group_id: int = group_id) -> tuple[int, str]:
                row = db.session.execute(
                    select(User.id, User.email).join(Membership, Membership.user_id == User.id)
                    .where(Membership.group_id == group_id, Membership.role == role, Membership.status == "active")
                    .order_by(User.id).limit(1)).one()
                return row.id, row.email

            meetup_ids = db.session.scalars(
                select(Meetup.id).where(Meetup.group_id == group_id, Meetup.status == "scheduled",
                                        Meetup.starts_at > now, Meetup.rsvp_deadline > now)
                .order_by(Meetup.starts_at).limit(2)).all()
            if not meetup_ids:
                raise click.ClickException(f"{slug} has no meetup open for answers: re-seed (make bench --rebuild)")
            member_id, member_email = first("member")
            host_id, host_email = first("host")
            actors.append({
                "group": slug, "member_id": member_id, "member_email": member_email,
                "host_id": host_id, "host_email": host_email, "meetup_ids": list(meetup_ids),
                "dashboard_path": url_for("members.dashboard"),
                "group_path": url_for("groups.show", slug=slug),
                "meetup_path": url_for("meetups.detail", slug=slug, meetup_id=meetup_ids[0]),
                "admin_home_path": url_for("group_admin.home", slug=slug),
                "rsvp_paths": [url_for("meetups.rsvp", slug=slug, meetup_id=m) for m in meetup_ids],
                "profile_path": url_for("members.profile_edit"),
            })
    return actors


def register(app: Flask) -> None:
    @app.cli.command("seed-large")
    @click.option("--if-new", is_flag=True, help="Only seed a database without users.")
    @click.option("--reset", is_flag=True, help="Drop every table first (the database is rebuilt by db upgrade).")
    @click.option("--targets", is_flag=True, help="Print the bench targets (and the mixed load's actors) as JSON and exit.")
    @click.option("--seed", default=2026, help="Random seed.")
    def seed_large_command(if_new: bool, reset: bool, targets: bool, seed: int) -> None:
        """Bulk-insert the large benchmark data set (deterministic)."""
        if targets:
            click.echo(json.dumps({**bench_targets(app), "actors": bench_actors(app)}))
            return
        if reset:
            db.drop_all()
            db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()
            click.echo("Dropped every table.")
            return
        if db.session.scalar(select(func.count()).select_from(User)):
            if if_new:
                click.echo("The database already has users; not seeding.")
                return
            raise click.ClickException("The database already has users.")
        counts = seed_large(seed)
        db.session.commit()
        # Fresh statistics, as autovacuum keeps them on a database in use: without them
        # PostgreSQL plans the bulk-loaded tables as if they were empty.
        with db.engine.connect() as connection:
            connection.execute(text("ANALYZE"))
            connection.commit()
        click.echo("created " + ", ".join(f"{value:,} {key}" for key, value in counts.items()))
