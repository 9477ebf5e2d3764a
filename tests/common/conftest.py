"""A small world for the url_map walks: two groups, their hosts, members, meetups
and invites, with HTML payloads in every name (QUALITY.md 8, 11, 13); and an
app with a route that fails, for the error pages and their headers (QUALITY.md 12, 17)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import Integer, select
from werkzeug.routing import IntegerConverter, Rule

from extensions import db as _db
from tests.conftest import PASSWORD

XSS_NAME = '<script>alert("nq-xss")</script>'
XSS_ATTR = '"><img src=x onerror=alert(1)>'
# What must never appear unescaped in an HTML response.
XSS_MARKERS = ('<script>alert("nq-xss")', "<img src=x onerror")


@dataclass
class Side:
    """One group with its host, an active member, an applicant, a meetup and an invite."""

    group: Any
    host: Any
    member: Any
    applicant_membership_id: int
    meetup_id: int
    invite_id: int
    ids: dict[str, int] = field(default_factory=dict)


@dataclass
class World:
    a: Side
    b: Side

    def side(self, name: str) -> Side:
        return self.a if name == "a" else self.b


@pytest.fixture
def world(db, make_user, make_group, make_member) -> World:
    from billing.models import Payment
    from common.db import utcnow
    from groups.models import Invite, Membership
    from meetups.models import Meetup
    from ratings.models import Introduction

    sides = []
    for letter in ("a", "b"):
        host = make_user(email=f"host-{letter}@example.com", name=f"Host {letter.upper()} {XSS_NAME}")
        group = make_group(
            host=host, name=f"Group {letter.upper()} {XSS_NAME}", slug=f"group-{letter}",
            description=f"About {XSS_ATTR}", city=XSS_NAME,
        )
        member = make_member(group, email=f"member-{letter}@example.com", name=f"Member {XSS_ATTR}",
                             headline=XSS_NAME, bio=XSS_NAME)
        applicant = make_user(email=f"applicant-{letter}@example.com", name=f"Applicant {XSS_NAME}")
        applied = Membership(user_id=applicant.id, group_id=group.id, role="member", status="applied",
                             motivation=XSS_NAME)
        ended = utcnow().replace(microsecond=0) - timedelta(days=1)
        meetup = Meetup(group_id=group.id, title=f"Meetup {XSS_NAME}", starts_at=ended - timedelta(hours=2),
                        ends_at=ended, place=XSS_ATTR, agenda=XSS_NAME, speaker=XSS_NAME, status="held",
                        going_count=0, checkin_code="K7M4PQ")
        invite = Invite(group_id=group.id, email=f"invitee-{letter}@example.com", invited_by_id=host.id)
        # Objects of the later areas, so that their id routes are walked with real rows.
        payment = Payment(group_id=group.id, group_name=group.name, season_start=date(2026, 8, 1),
                          season_end=date(2027, 6, 30), user_id=member.id, payer_name=member.name,
                          payer_email=member.email, amount_minor=800000, provider="stripe", status="pending",
                          checkout_session_id=f"cs_test_world_{letter}")
        introduction = Introduction(group_id=group.id, introducer_id=host.id, member_a_id=member.id,
                                    member_b_id=host.id, reason=XSS_NAME)
        db.session.add_all([applied, meetup, invite, payment, introduction])
        db.session.commit()
        sides.append(Side(group=group, host=host, member=member, applicant_membership_id=applied.id,
                          meetup_id=meetup.id, invite_id=invite.id))
    return World(a=sides[0], b=sides[1])


def _row_id_of_group(table_prefix: str, group_id: int) -> int | None:
    """The id of some row of the table named like ``table_prefix`` that belongs
    to the group (directly, or through a meetup or membership)."""
    tables = [t for name, t in _db.metadata.tables.items() if name.startswith(table_prefix)]
    for table in sorted(tables, key=lambda t: len(t.name)):
        if "id" not in table.c or not isinstance(table.c.id.type, Integer):
            continue
        query = select(table.c.id)
        if "group_id" in table.c:
            query = query.where(table.c.group_id == group_id)
        elif "meetup_id" in table.c:
            meetup = _db.metadata.tables["meetup"]
            query = query.where(table.c.meetup_id.in_(select(meetup.c.id).where(meetup.c.group_id == group_id)))
        found = _db.session.scalar(query.limit(1))
        if found is not None:
            return found
    return None


MISSING_ID = 987654


def url_values(rule: Rule, world: World, slug_side: str = "a", id_side: str | None = None) -> dict[str, Any]:
    """Real values for a rule's parameters: the group's slug, ids of its meetup,
    member, applicant, invite (or any row of a table named like the parameter
    that belongs to the group), garbage for tokens and other strings."""
    slug = world.side(slug_side)
    ids = world.side(id_side or slug_side)
    values: dict[str, Any] = {}
    for name in rule.arguments:
        converter = rule._converters.get(name)
        if name == "slug":
            values[name] = slug.group.slug
        elif name == "filename":
            values[name] = "css/nq.css"
        elif isinstance(converter, IntegerConverter):
            known = {
                "meetup_id": ids.meetup_id,
                "user_id": ids.member.id,
                "member_id": ids.member.id,
                "membership_id": ids.applicant_membership_id,
                "invite_id": ids.invite_id,
            }
            if name in known:
                values[name] = known[name]
            else:
                prefix = name.removesuffix("_id").removesuffix("id") or "meetup"
                values[name] = _row_id_of_group(prefix, ids.group.id) or MISSING_ID
        else:
            values[name] = f"garbage-{name}-0000"
    return values


@pytest.fixture
def error_app(app):
    """A second app on the same database with test-only routes that fail."""
    from app import create_app
    from members.services import create_user

    broken = create_app({**app.config})

    @broken.route("/_test/boom")
    def boom():
        create_user("written-before-the-crash@example.com", PASSWORD, "Half Written")
        raise RuntimeError(f"SELECT password_hash FROM user -- {broken.config['SECRET_KEY']}")

    return broken
