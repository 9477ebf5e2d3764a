"""Group verbs: create and configure groups, apply, approve, invite, leave, remove.

Services add/flush and never commit; the request commits once. Seat rules
(the member cap and "one member per industry") are checked inside the
transaction after locking the group row (``FOR UPDATE`` on PostgreSQL; SQLite
serialises writers anyway), so two concurrent approvals cannot both take the
last seat.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, case, exists, func, select, update
from sqlalchemy.orm import aliased, lazyload

from common.audit import AuditEntry, record_audit
from common.db import read_rows, utcnow
from common.urls import external_url
from extensions import db
from groups.models import HOST_ROLES, SEAT_STATUSES, Group, Invite, Membership
from members.models import Profile, User, initials_of, normalise_email
from members.security import make_token, read_token
from outbox.services import queue_email

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
RESERVED_SLUGS = frozenset({"new", "admin", "api", "static"})
# Statuses from which someone may apply (again); the unique row is reused.
REAPPLY_STATUSES = ("left", "declined", "lapsed")


class MembershipError(Exception):
    """A join/approve/remove step that the rules refuse; ``str()`` is for people."""


# Groups -------------------------------------------------------------------

GROUP_FIELDS = (
    "name", "slug", "description", "city", "timezone", "currency", "fee_minor",
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


@lru_cache(maxsize=1)
def _hosts_statement():
    return (
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.group_id == bindparam("gid"),
            Membership.role.in_(HOST_ROLES),
            Membership.status == "active",
        )
        .order_by(_host_first(), User.name)
    )


def hosts_of(group_id: int) -> list[User]:
    return list(db.session.scalars(_hosts_statement(), {"gid": group_id}))


class HostFace(NamedTuple):
    """A host as the group page shows them."""

    id: int
    name: str
    photo_filename: str | None
    headline: str | None

    @property
    def initials(self) -> str:
        return initials_of(self.name)


@lru_cache(maxsize=1)
def _host_faces_statement():
    return (
        select(User.id, User.name, Profile.photo_filename, Profile.headline)
        .join(Membership, Membership.user_id == User.id)
        .outerjoin(Profile, Profile.user_id == User.id)
        .where(Membership.group_id == bindparam("gid"), Membership.role.in_(HOST_ROLES),
               Membership.status == "active")
        .order_by(_host_first(), User.name)
    )


def read_host_faces(group_id: int) -> tuple[HostFace, ...]:
    """The group's hosts, main host first (1 light query)."""
    return tuple(HostFace(*row) for row in read_rows(_host_faces_statement(), {"gid": group_id}))


# Seats ----------------------------------------------------------------------

def _lock_group(group: Group) -> None:
    """Serialise seat changes of one group until the transaction ends.

    A no-op UPDATE of the group row: PostgreSQL takes a row lock, SQLite the
    database write lock (``SELECT … FOR UPDATE`` would do nothing there), so a
    concurrent approval waits and then counts the seat this one took.
    """
    db.session.execute(
        update(Group).where(Group.id == group.id).values(member_cap=Group.member_cap),
        execution_options={"synchronize_session": False, "nq_group": group.id},
    )


def _check_seat(group: Group, user: User, membership_id: int | None = None) -> None:
    """Raise MembershipError when the cap is reached or the user's industry is taken."""
    _lock_group(group)
    others = and_(Membership.group_id == group.id, Membership.status.in_(SEAT_STATUSES))
    if membership_id is not None:
        others = and_(others, Membership.id != membership_id)
    taken = db.session.scalar(select(func.count(Membership.id)).where(others)) or 0
    if taken >= group.member_cap:
        raise MembershipError(_("The group is full (%(cap)d members).", cap=group.member_cap))
    if group.one_per_industry:
        industry = (user.profile.industry or "").strip().lower() if user.profile else ""
        if not industry:
            raise MembershipError(
                _("This group has one member per industry. Add your industry to your profile first.")
            )
        clash = db.session.scalar(
            select(Membership.id)
            .join(Profile, Profile.user_id == Membership.user_id)
            .where(others, Membership.user_id != user.id, func.lower(func.trim(Profile.industry)) == industry)
            .limit(1)
        )
        if clash is not None:
            raise MembershipError(
                _("This group already has a member from %(industry)s (one member per industry).",
                  industry=user.profile.industry.strip())
            )


def _admit(group: Group, membership: Membership) -> None:
    """Approved members with a fee due await payment; free groups activate at once."""
    if group.fee_minor > 0:
        membership.status = "approved"
    else:
        membership.status = "active"
        membership.joined_at = utcnow()


def _membership(user_id: int, group_id: int) -> Membership | None:
    return db.session.scalars(
        select(Membership).where(Membership.user_id == user_id, Membership.group_id == group_id)
    ).first()


# Joining ----------------------------------------------------------------------

def apply(group: Group, user: User, motivation: str = "", contribution: str = "") -> Membership:
    """Apply to the group (apply policy) or join it directly (open policy).

    Reuses a previous left/declined/lapsed row (one membership per group).
    Hosts are told about new applications by email.
    """
    membership = _membership(user.id, group.id)
    if membership is not None and membership.status == "removed":
        raise MembershipError(_("You cannot rejoin this group."))
    if membership is not None and membership.status not in REAPPLY_STATUSES:
        raise MembershipError(_("You already have a membership in this group."))
    if membership is None:
        membership = Membership(user_id=user.id, group_id=group.id, role="member")
        db.session.add(membership)
    membership.role = "member"
    membership.motivation = motivation.strip()
    membership.contribution = contribution.strip()
    membership.applied_at = utcnow()
    membership.joined_at = None
    if group.join_policy == "open":
        db.session.flush()
        _check_seat(group, user, membership.id)
        _admit(group, membership)
        record_audit("membership.joined", actor_id=user.id, group_id=group.id, target_user_id=user.id)
    else:
        # Tell applicants early when there is no way in; approval checks again.
        db.session.flush()
        _check_seat(group, user, membership.id)
        membership.status = "applied"
        _notify_hosts_of_application(group, user, membership)
    db.session.flush()
    return membership


def _notify_hosts_of_application(group: Group, applicant: User, membership: Membership) -> None:
    for host in hosts_of(group.id):
        queue_email(
            host.email,
            _("New application to %(group)s", group=group.name),
            "group_application_received",
            {
                "name": host.name,
                "applicant": applicant.name,
                "group": group.name,
                "motivation": membership.motivation,
                "contribution": membership.contribution,
                "url": external_url("group_admin.home", slug=group.slug),
            },
        )


def approve(membership: Membership, actor: User) -> Membership:
    """Approve an application: awaiting payment when there is a fee, else active."""
    if membership.status != "applied":
        raise MembershipError(_("Only pending applications can be approved."))
    group = membership.group
    _check_seat(group, membership.user, membership.id)
    _admit(group, membership)
    record_audit("membership.approved", actor_id=actor.id, group_id=group.id,
                 target_user_id=membership.user_id, status=membership.status)
    queue_email(
        membership.user.email,
        _("Welcome to %(group)s", group=group.name),
        "group_application_approved",
        {
            "name": membership.user.name,
            "group": group.name,
            "awaiting_payment": membership.status == "approved",
            "url": external_url("groups.show", slug=group.slug),
        },
    )
    db.session.flush()
    return membership


def decline(membership: Membership, actor: User) -> Membership:
    if membership.status != "applied":
        raise MembershipError(_("Only pending applications can be declined."))
    membership.status = "declined"
    group = membership.group
    record_audit("membership.declined", actor_id=actor.id, group_id=group.id, target_user_id=membership.user_id)
    queue_email(
        membership.user.email,
        _("Your application to %(group)s", group=group.name),
        "group_application_declined",
        {"name": membership.user.name, "group": group.name,
         "url": external_url("groups.index")},
    )
    db.session.flush()
    return membership


def leave(membership: Membership) -> Membership:
    """The member leaves (or withdraws an application). The host must hand over first."""
    if membership.role == "host":
        raise MembershipError(_("You host this group. Appoint another host before you leave."))
    if membership.status in ("left", "removed", "declined"):
        raise MembershipError(_("You are not a member of this group."))
    membership.status = "left"
    membership.role = "member"
    record_audit("membership.left", actor_id=membership.user_id, group_id=membership.group_id,
                 target_user_id=membership.user_id)
    db.session.flush()
    return membership


def remove(membership: Membership, actor: User, actor_membership: Membership | None) -> Membership:
    """A host removes a member (co-hosts only by the host); audited."""
    if membership.role == "host":
        raise MembershipError(_("The host cannot be removed."))
    if membership.role == "co-host" and not _is_main_host(actor, actor_membership):
        raise MembershipError(_("Only the host can remove a co-host."))
    if membership.status in ("left", "removed", "declined"):
        raise MembershipError(_("This person is not a member."))
    previous = membership.status
    membership.status = "removed"
    membership.role = "member"
    record_audit("membership.removed", actor_id=actor.id, group_id=membership.group_id,
                 target_user_id=membership.user_id, previous_status=previous)
    db.session.flush()
    return membership


def _is_main_host(actor: User, actor_membership: Membership | None) -> bool:
    return bool(getattr(actor, "is_admin", False)) or (
        actor_membership is not None and actor_membership.role == "host" and actor_membership.status == "active"
    )


def set_role(membership: Membership, role: str, actor: User, actor_membership: Membership | None) -> Membership:
    """The host appoints or removes a co-host (active members only); audited."""
    if role not in ("co-host", "member"):
        raise MembershipError(_("Unknown role."))
    if not _is_main_host(actor, actor_membership):
        raise MembershipError(_("Only the host can appoint co-hosts."))
    if membership.role == "host":
        raise MembershipError(_("The host's role cannot be changed here."))
    if membership.status != "active":
        raise MembershipError(_("Only active members can be co-hosts."))
    if membership.role != role:
        previous = membership.role
        membership.role = role
        record_audit("membership.role_changed", actor_id=actor.id, group_id=membership.group_id,
                     target_user_id=membership.user_id, role=role, previous_role=previous)
    db.session.flush()
    return membership


# Invites ----------------------------------------------------------------------

def invite_token(invite: Invite) -> str:
    return make_token("invite", {"iid": invite.id, "email": invite.email})


def invite_token_for(invite_id: int, email: str) -> str:
    return make_token("invite", {"iid": invite_id, "email": email})


def invite(group: Group, email: str, actor: User) -> Invite:
    """Invite an address by email with a signed link (valid 30 days, single use)."""
    email = normalise_email(email)
    existing = db.session.scalars(
        select(Invite).where(
            Invite.group_id == group.id, Invite.email == email,
            Invite.accepted_at.is_(None), Invite.revoked_at.is_(None),
        )
    ).first()
    invite_row = existing or Invite(group_id=group.id, email=email, invited_by_id=actor.id)
    if existing is None:
        db.session.add(invite_row)
        db.session.flush()
    else:
        invite_row.created_at = utcnow()  # a resend restarts the clock
    record_audit("invite.sent", actor_id=actor.id, group_id=group.id, email=email)
    queue_email(
        email,
        _("%(host)s invites you to %(group)s", host=actor.name, group=group.name),
        "group_invite",
        {
            "host": actor.name,
            "group": group.name,
            "city": group.city,
            "description": group.description[:600],
            "url": external_url("groups.invite_accept", token=invite_token(invite_row)),
        },
    )
    db.session.flush()
    return invite_row


def invite_from_token(token: str) -> Invite | None:
    """The open invite a token points at; None when invalid, expired, used or revoked."""
    payload = read_token("invite", token, current_app.config["TOKEN_MAX_AGE_INVITE"])
    if payload is None:
        return None
    invite_row = db.session.get(Invite, payload.get("iid"))
    if (
        invite_row is None
        or invite_row.email != payload.get("email")
        or invite_row.accepted_at is not None
        or invite_row.revoked_at is not None
    ):
        return None
    return invite_row


def accept_invite(invite_row: Invite, user: User) -> Membership:
    """Join through an invite: no application needed, but the seat rules still hold."""
    group = invite_row.group
    membership = _membership(user.id, group.id)
    if membership is not None and membership.status in ("applied", "approved", "active"):
        if membership.status == "applied":
            _check_seat(group, user, membership.id)
            _admit(group, membership)
        invite_row.accepted_at = utcnow()
        db.session.flush()
        return membership
    if membership is None:
        membership = Membership(user_id=user.id, group_id=group.id, role="member", status="applied")
        db.session.add(membership)
        db.session.flush()
    _check_seat(group, user, membership.id)
    membership.role = "member"
    membership.applied_at = utcnow()
    _admit(group, membership)
    invite_row.accepted_at = utcnow()
    record_audit("invite.accepted", actor_id=user.id, group_id=group.id, target_user_id=user.id,
                 email=invite_row.email)
    db.session.flush()
    return membership


def revoke_invite(invite_row: Invite, actor: User) -> None:
    if invite_row.accepted_at is None and invite_row.revoked_at is None:
        invite_row.revoked_at = utcnow()
        record_audit("invite.revoked", actor_id=actor.id, group_id=invite_row.group_id, email=invite_row.email)
    db.session.flush()


# Lists for pages (constant number of queries) ---------------------------------

def memberships_of_group(group_id: int, statuses: tuple[str, ...] | None = None) -> list[Membership]:
    """Memberships with user, profile and company loaded in one query."""
    query = select(Membership).where(Membership.group_id == group_id)
    if statuses:
        query = query.where(Membership.status.in_(statuses))
    query = query.join(User, User.id == Membership.user_id).order_by(_host_first(), User.name)
    return list(db.session.scalars(query).unique())


def _host_first():
    return case((Membership.role == "host", 0), (Membership.role == "co-host", 1), else_=2)


class Face(NamedTuple):
    """Just enough of a member to draw an avatar."""

    id: int
    name: str
    photo_filename: str | None

    @property
    def initials(self) -> str:
        return initials_of(self.name)


def member_preview(group_id: int, limit: int = 12) -> list[Face]:
    """The first active members by name — the group page's row of faces (1 light query)."""
    return [Face(*row) for row in read_rows(_preview_statement(), {"gid": group_id, "limit": limit})]


@lru_cache(maxsize=1)
def _preview_statement():
    return (
        select(User.id, User.name, Profile.photo_filename)
        .join(Membership, Membership.user_id == User.id)
        .outerjoin(Profile, Profile.user_id == User.id)
        .where(Membership.group_id == bindparam("gid"), Membership.status == "active")
        .order_by(User.name)
        .limit(bindparam("limit"))
    )


def directory(group_id: int, tag: str = "", search: str = "") -> list[Membership]:
    """Active members for the directory; tag filters offers or seeks, search matches names."""
    query = (
        select(Membership)
        .join(User, User.id == Membership.user_id)
        .where(Membership.group_id == group_id, Membership.status == "active")
        .order_by(User.name)
    )
    search = search.strip()
    if search:
        escaped = search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(func.lower(User.name).like(f"%{escaped}%", escape="\\"))
    members = list(db.session.scalars(query).unique())
    tag = tag.strip().lower()
    if tag:
        members = [
            m for m in members
            if tag in (m.user.profile.offers_tags or []) or tag in (m.user.profile.seeks_tags or [])
        ]
    return members


def group_tags(members: list[Membership]) -> list[str]:
    """Tags used by the given members, most common first."""
    counts: dict[str, int] = {}
    for m in members:
        for tag in (m.user.profile.offers_tags or []) + (m.user.profile.seeks_tags or []):
            counts[tag] = counts.get(tag, 0) + 1
    return [tag for tag, _n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


def my_memberships(user_id: int) -> list[Membership]:
    """The user's current and pending memberships with their groups (one query)."""
    return list(db.session.scalars(_my_memberships_statement(), {"uid": user_id}).unique())


def my_active_group_ids(user_id: int) -> set[int]:
    return {m.group_id for m in my_memberships(user_id) if m.status == "active"}


@lru_cache(maxsize=1)
def _my_memberships_statement():
    return (
        select(Membership)
        .where(Membership.user_id == bindparam("uid"),
               Membership.status.in_(("applied", "approved", "active", "lapsed")))
        .order_by(Membership.applied_at.desc())
        # The user is the one asking: already in the identity map.
        .options(lazyload(Membership.user))
    )


def pending_counts_for_host(user_id: int) -> dict[int, int]:
    """group id → pending applications, for groups the user hosts (one query)."""
    me = aliased(Membership)
    rows = db.session.execute(
        select(Membership.group_id, func.count(Membership.id))
        .join(me, and_(me.group_id == Membership.group_id, me.user_id == user_id))
        .where(me.role.in_(HOST_ROLES), me.status == "active", Membership.status == "applied")
        .group_by(Membership.group_id)
    ).all()
    return {group_id: count for group_id, count in rows}


@lru_cache(maxsize=1)
def _recent_audit_statement():
    actor = aliased(User)
    target = aliased(User)
    return (
        select(AuditEntry, actor.name, target.name)
        .outerjoin(actor, actor.id == AuditEntry.actor_id)
        .outerjoin(target, target.id == AuditEntry.target_user_id)
        .where(AuditEntry.group_id == bindparam("gid"))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


class AuditLine(NamedTuple):
    """An audit entry as the lists show it."""

    created_at: datetime
    action: str
    email: str | None
    role: str | None
    fields: tuple[str, ...]

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditLine:
        detail = entry.detail or {}
        return cls(entry.created_at, entry.action, detail.get("email"), detail.get("role"),
                   tuple(detail.get("fields") or ()))


def recent_audit_rows(group_id: int, limit: int = 10) -> tuple[tuple[AuditLine, str | None, str | None], ...]:
    """``recent_audit`` as plain values."""
    return tuple((AuditLine.of(entry), actor, target) for entry, actor, target in recent_audit(group_id, limit))


def recent_audit(group_id: int, limit: int = 10, offset: int = 0) -> list[tuple[AuditEntry, str | None, str | None]]:
    """The group's audit entries, newest first, with actor and target names (one query)."""
    return list(db.session.execute(_recent_audit_statement(), {"gid": group_id, "limit": limit, "offset": offset}))


def open_invites(group_id: int) -> list[Invite]:
    return list(
        db.session.scalars(
            select(Invite)
            .where(Invite.group_id == group_id)
            .order_by(Invite.created_at.desc())
            .limit(100)
        ).unique()
    )


# Who may see whom ----------------------------------------------------------------

def can_view_member(viewer: User | None, target_id: int) -> bool:
    """Self, members sharing an active group, hosts reviewing an applicant, platform admins."""
    if viewer is None or not viewer.is_authenticated:
        return False
    if viewer.id == target_id or viewer.is_admin:
        return True
    mine = aliased(Membership)
    theirs = aliased(Membership)
    shared = (
        select(mine.id)
        .join(theirs, theirs.group_id == mine.group_id)
        .where(
            mine.user_id == viewer.id,
            mine.status == "active",
            theirs.user_id == target_id,
            (theirs.status == "active")
            | (mine.role.in_(HOST_ROLES) & theirs.status.in_(("applied", "approved"))),
        )
    )
    return bool(db.session.scalar(select(exists(shared))))


def shared_groups(viewer_id: int, target_id: int) -> list[Group]:
    """Groups where both users are active members (one query)."""
    mine = aliased(Membership)
    theirs = aliased(Membership)
    return list(
        db.session.scalars(
            select(Group)
            .join(mine, and_(mine.group_id == Group.id, mine.user_id == viewer_id, mine.status == "active"))
            .join(theirs, and_(theirs.group_id == Group.id, theirs.user_id == target_id, theirs.status == "active"))
            .order_by(Group.name)
        )
    )
