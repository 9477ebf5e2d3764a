"""Group verbs: create and configure groups (settings, slugs), and the group counts and lists.

Services add/flush and never commit; the request commits once. Memberships
live in groups.memberships, invites in groups.invitations.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import bindparam, case, func, select

from common.audit import record_audit
from common.db import read_rows, utcnow
from extensions import db
from groups.models import SEAT_STATUSES, Group, Membership
from members.models import User

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
RESERVED_SLUGS = frozenset({"new", "admin", "api", "static"})


# Groups -------------------------------------------------------------------

GROUP_FIELDS = (
    "name", "slug", "description", "city", "timezone", "currency", "fee_minor", "vat_rate_bp", "fee_includes_vat",
    "season_start", "season_end", "member_cap", "visibility", "join_policy", "one_per_industry",
)


def slugify(text: str) -> str:
    """'Copenhagen Growth Circle' → 'copenhagen-growth-circle' (ASCII, ≤ 60 chars)."""
    text = text.replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    text = text.replace("Æ", "Ae").replace("Ø", "Oe").replace("Å", "Aa")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:60].strip("-") or "group"


def slug_taken(slug: str, exclude_group_id: int | None = None) -> bool:
    query = select(Group.id).where(Group.slug == slug)
    if exclude_group_id is not None:
        query = query.where(Group.id != exclude_group_id)
    return db.session.scalar(query.limit(1)) is not None


def unique_slug(name: str) -> str:
    base = slugify(name)
    if base in RESERVED_SLUGS:
        base = f"{base}-group"
    slug, n = base, 2
    while slug_taken(slug):
        slug, n = f"{base}-{n}", n + 1
    return slug


def create_group(host: User, **fields: Any) -> Group:
    """Create a group; its creator becomes the active host."""
    values = {key: fields[key] for key in GROUP_FIELDS if key in fields and fields[key] is not None}
    if not values.get("slug"):
        values["slug"] = unique_slug(values["name"])
    group = Group(**values)
    db.session.add(group)
    db.session.flush()
    db.session.add(
        Membership(user_id=host.id, group_id=group.id, role="host", status="active", joined_at=utcnow())
    )
    record_audit("group.created", actor_id=host.id, group_id=group.id, name=group.name)
    db.session.flush()
    return group


def update_group(group: Group, actor: User, **fields: Any) -> list[str]:
    """Copy the given settings onto the group; returns the names that changed (audited)."""
    changed = []
    for key in GROUP_FIELDS:
        if key not in fields:
            continue
        value = fields[key]
        if key == "slug" and not value:
            continue
        if getattr(group, key) != value:
            setattr(group, key, value)
            changed.append(key)
    if changed:
        record_audit("group.settings_changed", actor_id=actor.id, group_id=group.id, fields=changed)
    db.session.flush()
    return changed


class GroupCounts(NamedTuple):
    active: int = 0
    seats: int = 0
    applied: int = 0
    approved: int = 0


# Statements on the main pages are built once, with bind parameters: building
# a SELECT costs more than SQLite takes to run it.
@lru_cache(maxsize=1)
def _counts_statement():
    return select(
        func.count(case((Membership.status == "active", 1))),
        func.count(case((Membership.status.in_(SEAT_STATUSES), 1))),
        func.count(case((Membership.status == "applied", 1))),
        func.count(case((Membership.status == "approved", 1))),
    ).where(Membership.group_id == bindparam("gid"))


def group_counts(group_id: int) -> GroupCounts:
    """Active members, seats taken (cap), pending applications, awaiting payment — one query."""
    return GroupCounts(*read_rows(_counts_statement(), {"gid": group_id}).one())


def public_groups_page(page: int, per_page: int = 12):
    """Public groups with their active and seat counts, newest first (two queries)."""
    active = func.count(case((Membership.status == "active", 1)))
    seats = func.count(case((Membership.status.in_(SEAT_STATUSES), 1)))
    query = (
        select(Group, active.label("active"), seats.label("seats"))
        .outerjoin(Membership, Membership.group_id == Group.id)
        .where(Group.visibility == "public")
        .group_by(Group.id)
        .order_by(Group.created_at.desc(), Group.id.desc())
    )
    total = db.session.scalar(select(func.count(Group.id)).where(Group.visibility == "public")) or 0
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return rows, total
