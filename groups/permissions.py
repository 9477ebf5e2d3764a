"""Load a group (or meetup) and check access: 404 first, then 403.

Every host or member page calls one of these before doing anything, in the
order load → check access → act.
"""
from __future__ import annotations

from typing import Literal

from flask import abort, current_app
from flask_login import current_user
from sqlalchemy import select

from extensions import db
from groups.models import HOST_ROLES, Group, Membership

Require = Literal[None, "member", "host"]


def membership_of(user_id: int | None, group_id: int) -> Membership | None:
    if user_id is None:
        return None
    return db.session.scalars(
        select(Membership).where(Membership.user_id == user_id, Membership.group_id == group_id)
    ).first()


def can_see_members(membership: Membership | None) -> bool:
    """Active members (hosts included) see the group's member-only pages."""
    return membership is not None and membership.status == "active"


def can_manage(membership: Membership | None, user=None) -> bool:
    """Hosts and co-hosts of the group (and platform admins) manage it."""
    if user is not None and getattr(user, "is_admin", False):
        return True
    return (
        membership is not None
        and membership.status == "active"
        and membership.role in HOST_ROLES
    )


def load_group(slug: str, require: Require = None) -> tuple[Group, Membership | None]:
    """The group by slug and the current user's membership (or None).

    - unknown slug → 404; an invite-only group is 404 to anyone not in it;
    - ``require="member"`` → anonymous users go to login, others need to be
      an active member (403);
    - ``require="host"`` → host or co-host (or platform admin), else 403.
    """
    group = db.session.scalars(select(Group).where(Group.slug == slug)).first()
    if group is None:
        abort(404)
    user_id = current_user.id if current_user.is_authenticated else None
    membership = membership_of(user_id, group.id)
    is_admin = current_user.is_authenticated and current_user.is_admin
    if not group.is_public and membership is None and not is_admin:
        abort(404)
    if require is None:
        return group, membership
    if not current_user.is_authenticated:
        abort(current_app.login_manager.unauthorized())
    if require == "member" and not (can_see_members(membership) or is_admin):
        abort(403)
    if require == "host" and not can_manage(membership, current_user):
        abort(403)
    return group, membership
