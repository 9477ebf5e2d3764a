"""Who is in a group and who may see whom: hosts, faces, the member directory, tags, shared groups."""
from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import and_, bindparam, case, exists, func, select
from sqlalchemy.orm import aliased

from common.db import read_rows
from extensions import db
from groups.models import HOST_ROLES, Group, Membership
from members.models import Profile, User, initials_of


def host_first():
    return case((Membership.role == "host", 0), (Membership.role == "co-host", 1), else_=2)


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
        .order_by(host_first(), User.name)
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
        .order_by(host_first(), User.name)
    )


def read_host_faces(group_id: int) -> tuple[HostFace, ...]:
    """The group's hosts, main host first (1 light query)."""
    return tuple(HostFace(*row) for row in read_rows(_host_faces_statement(), {"gid": group_id}))


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
