"""Membership verbs: apply, approve, decline, leave, remove, roles, and the seat checks.

Services add/flush and never commit; the request commits once. Seat rules
(the member cap and "one member per industry") are checked inside the
transaction after locking the group row (``FOR UPDATE`` on PostgreSQL; SQLite
serialises writers anyway), so two concurrent approvals cannot both take the
last seat.
"""
from __future__ import annotations

from functools import lru_cache

from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, func, select, update
from sqlalchemy.orm import aliased, lazyload

from common.audit import record_audit
from common.db import utcnow
from common.urls import external_url
from extensions import db
from groups.directory import host_first, hosts_of
from groups.models import HOST_ROLES, SEAT_STATUSES, Group, Membership
from members.models import Profile, User
from outbox.services import queue_email

# Statuses from which someone may apply (again); the unique row is reused.
REAPPLY_STATUSES = ("left", "declined", "lapsed")


class MembershipError(Exception):
    """A join/approve/remove step that the rules refuse; ``str()`` is for people."""


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


def check_seat(group: Group, user: User, membership_id: int | None = None) -> None:
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


def admit(group: Group, membership: Membership) -> None:
    """Approved members with a fee due await payment; free groups activate at once."""
    if group.fee_minor > 0:
        membership.status = "approved"
    else:
        membership.status = "active"
        membership.joined_at = utcnow()


def find_membership(user_id: int, group_id: int) -> Membership | None:
    return db.session.scalars(
        select(Membership).where(Membership.user_id == user_id, Membership.group_id == group_id)
    ).first()


# Joining ----------------------------------------------------------------------


def apply(group: Group, user: User, motivation: str = "", contribution: str = "") -> Membership:
    """Apply to the group (apply policy) or join it directly (open policy).

    Reuses a previous left/declined/lapsed row (one membership per group).
    Hosts are told about new applications by email.
    """
    membership = find_membership(user.id, group.id)
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
        check_seat(group, user, membership.id)
        admit(group, membership)
        record_audit("membership.joined", actor_id=user.id, group_id=group.id, target_user_id=user.id)
    else:
        # Tell applicants early when there is no way in; approval checks again.
        db.session.flush()
        check_seat(group, user, membership.id)
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
    check_seat(group, membership.user, membership.id)
    admit(group, membership)
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


# Lists for pages (constant number of queries) ---------------------------------


def memberships_of_group(group_id: int, statuses: tuple[str, ...] | None = None) -> list[Membership]:
    """Memberships with user, profile and company loaded in one query."""
    query = select(Membership).where(Membership.group_id == group_id)
    if statuses:
        query = query.where(Membership.status.in_(statuses))
    query = query.join(User, User.id == Membership.user_id).order_by(host_first(), User.name)
    return list(db.session.scalars(query).unique())


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
