"""Load a group (or meetup) and check access: 404 first, then 403.

Every host or member page calls one of these before doing anything, in the
order load → check access → act.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Literal

from flask import abort, g
from flask_login import current_user
from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import lazyload

from extensions import db, login_manager
from groups.models import HOST_ROLES, Group, Membership

# "link": the caller checks a signed link instead (the rating link); no membership is read.
Require = Literal[None, "member", "host", "link"]


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


@lru_cache(maxsize=1)
def _group_statement():
    """The group by slug with the user's membership in it, in one query."""
    return (
        select(Group, Membership)
        .outerjoin(Membership, and_(Membership.group_id == Group.id, Membership.user_id == bindparam("uid")))
        .where(Group.slug == bindparam("slug"))
        # Both ends of the membership are in the identity map already.
        .options(lazyload(Membership.user), lazyload(Membership.group))
    )


def load_group(slug: str, require: Require = None) -> tuple[Group, Membership | None]:
    """The group by slug and the current user's membership (or None).

    - unknown slug → 404; an invite-only group is 404 to anyone not in it;
    - ``require="member"`` → anonymous users go to login, others need to be
      an active member (403);
    - ``require="host"`` → host or co-host (or platform admin), else 403;
    - ``require="link"`` → only the 404 for an unknown slug: the caller has a
      signed link to check, made for one member (membership is None).
    """
    user_id = current_user.id if current_user.is_authenticated else None
    # Brought with the signed-in user (members.auth.load_user); used once, so
    # that a second look within the request sees what the request changed.
    preloaded = g.pop("preloaded_group", None)
    if preloaded is not None and preloaded[0] == slug:
        group, membership = preloaded[1], preloaded[2]
    else:
        row = db.session.execute(_group_statement(), {"slug": slug, "uid": user_id}).first()
        group, membership = row if row is not None else (None, None)
    if group is None:
        abort(404)
    if require == "link":
        return group, None
    is_admin = current_user.is_authenticated and current_user.is_admin
    if not group.is_public and membership is None and not is_admin:
        abort(404)
    if require is None:
        return group, membership
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    if require == "member" and not (can_see_members(membership) or is_admin):
        abort(403)
    if require == "host" and not can_manage(membership, current_user):
        abort(403)
    return group, membership
