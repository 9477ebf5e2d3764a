"""Read models of the groups area: the group as pages show it, the viewer's
standing, the group page, the dashboard's groups and the host overview.

Each read model is a frozen value of plain data; those built by a query are
``@read_model`` functions whose arguments are their key (common.cache). A
group's data version travels inside ``GroupAt``, so a key that names the
group names the version it was read at.
"""
from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import NamedTuple

from markupsafe import Markup
from sqlalchemy import bindparam, null, select

from common.cache import read_model
from common.db import read_rows
from groups.audit_log import AuditLine, recent_audit_rows
from groups.directory import Face, HostFace, member_preview, read_host_faces
from groups.invitations import invite_token_for
from groups.memberships import pending_counts_for_host
from groups.models import Group, Invite, Membership
from groups.permissions import can_manage, can_see_members
from groups.seasons import Season, seasons_since_first_meetup
from groups.services import GroupCounts, group_counts
from members.models import Company, Profile, User, initials_of

GROUP_FIELDS = ("id", "data_version", "slug", "name", "description", "city", "timezone", "currency", "fee_minor",
                "vat_rate_bp", "fee_includes_vat",
                "season_start", "season_end", "member_cap", "visibility", "join_policy", "one_per_industry",
                "rating_window_days")


class GroupAt(NamedTuple):
    """A group as its pages show it, at one data version."""

    id: int
    data_version: int
    slug: str
    name: str
    description: str
    city: str
    timezone: str
    currency: str
    fee_minor: int
    vat_rate_bp: int
    fee_includes_vat: bool
    season_start: date | None
    season_end: date | None
    member_cap: int
    visibility: str
    join_policy: str
    one_per_industry: bool
    rating_window_days: int

    @property
    def is_public(self) -> bool:
        return self.visibility == "public"


def group_at(group: Group) -> GroupAt:
    return GroupAt(*(getattr(group, name) for name in GROUP_FIELDS))


class Standing(NamedTuple):
    """What a page shows differently for a viewer: never who they are."""

    signed_in: bool
    status: str | None = None
    role: str | None = None
    joined_at: datetime | None = None
    is_member: bool = False  # sees member-only parts (active, or a platform admin)
    is_host: bool = False


def standing(membership: Membership | None, user) -> Standing:
    signed_in = bool(getattr(user, "is_authenticated", False))
    admin = signed_in and bool(getattr(user, "is_admin", False))
    if membership is None:
        return Standing(signed_in, is_member=admin, is_host=admin)
    return Standing(signed_in, membership.status, membership.role, membership.joined_at,
                    can_see_members(membership) or admin, can_manage(membership, user if signed_in else None))


# The group page --------------------------------------------------------------

class GroupFacts(NamedTuple):
    counts: GroupCounts
    hosts: tuple[HostFace, ...]
    preview: tuple[Face, ...]


@read_model
def group_facts(group: GroupAt) -> GroupFacts:
    """Counts, hosts and the first faces of the group (3 queries)."""
    return GroupFacts(group_counts(group.id), read_host_faces(group.id), tuple(member_preview(group.id)))


class GroupPage(NamedTuple):
    group: GroupAt
    membership: Standing
    counts: GroupCounts
    hosts: tuple[HostFace, ...]
    preview: tuple[Face, ...]
    sections: tuple[Markup, ...]


def group_page(group: GroupAt, viewer: Standing, sections: tuple[Markup, ...]) -> GroupPage:
    facts = group_facts(group)
    return GroupPage(group, viewer, facts.counts, facts.hosts, facts.preview if viewer.is_member else (), sections)


@read_model
def season_choices(group: GroupAt, current: Season) -> tuple[Season, ...]:
    """The seasons a report can show: ``current`` back to the first meetup's (1 query)."""
    return seasons_since_first_meetup(group, current)


class GroupShell(NamedTuple):
    """A page of a group around its body (title, breadcrumbs)."""

    group: GroupAt
    body: Markup


# The dashboard ---------------------------------------------------------------

class MyMembership(NamedTuple):
    id: int
    group_id: int
    status: str
    role: str
    paid_through: date | None
    joined_at: datetime | None
    group: GroupAt

    @property
    def is_host(self) -> bool:
        return self.status == "active" and self.role in ("host", "co-host")


class MyInvite(NamedTuple):
    id: int
    group: GroupAt


class MyGroups(NamedTuple):
    """The groups a user is in or invited to, at their data versions: what
    the dashboard shows comes from these, so they are part of its keys."""

    memberships: tuple[MyMembership, ...]
    invites: tuple[MyInvite, ...]

    @property
    def active_group_ids(self) -> tuple[int, ...]:
        return tuple(m.group_id for m in self.memberships if m.status == "active")


@lru_cache(maxsize=1)
def _my_groups_statement():
    group_columns = [getattr(Group, name) for name in GROUP_FIELDS]
    mine = (
        select(Membership.id, Membership.group_id, Membership.status, Membership.role, Membership.paid_through,
               Membership.joined_at, *group_columns)
        .join(Group, Group.id == Membership.group_id)
        .where(Membership.user_id == bindparam("uid"),
               Membership.status.in_(("applied", "approved", "active", "lapsed")))
    )
    invited = (
        select(Invite.id, Invite.group_id, null(), null(), null(), null(), *group_columns)
        .join(Group, Group.id == Invite.group_id)
        .where(Invite.email == bindparam("email"), Invite.accepted_at.is_(None), Invite.revoked_at.is_(None))
    )
    return mine.union_all(invited)


def my_groups(user_id: int, email: str) -> MyGroups:
    """One query per request: it says which versions the dashboard's parts are read at."""
    memberships: list[MyMembership] = []
    invites: list[MyInvite] = []
    for row in read_rows(_my_groups_statement(), {"uid": user_id, "email": email}):
        group = GroupAt(*row[6:])
        if row[2] is None:
            invites.append(MyInvite(row[0], group))
        else:
            memberships.append(MyMembership(row[0], row[1], row[2], row[3], row[4], row[5], group))
    memberships.sort(key=lambda m: m.id, reverse=True)
    invites.sort(key=lambda i: i.id)
    return MyGroups(tuple(memberships), tuple(invites))


class Viewer(NamedTuple):
    """The signed-in user as their own dashboard shows them."""

    id: int
    name: str
    email: str
    is_verified: bool


class InviteLink(NamedTuple):
    group: GroupAt
    token: str


class Dashboard(NamedTuple):
    user: Viewer
    memberships: tuple[MyMembership, ...]
    invite_links: tuple[InviteLink, ...]
    pending_for_host: tuple[tuple[int, int], ...]
    sections: tuple[Markup, ...]


@read_model
def pending_applications(user_id: int, hosted: tuple[GroupAt, ...]) -> tuple[tuple[int, int], ...]:
    """(group id, applications waiting) for the groups the user hosts."""
    return tuple(sorted(pending_counts_for_host(user_id).items())) if hosted else ()


@read_model
def invite_links(invites: tuple[MyInvite, ...], email: str, today: date) -> tuple[InviteLink, ...]:
    """Signed links to the invitations (signed anew each day: a token carries its time)."""
    return tuple(InviteLink(invite.group, invite_token_for(invite.id, email)) for invite in invites)


def dashboard(user: Viewer, groups: MyGroups, today: date, sections: tuple[Markup, ...]) -> Dashboard:
    hosted = tuple(m.group for m in groups.memberships if m.is_host)
    links = invite_links(groups.invites, user.email, today) if groups.invites else ()
    return Dashboard(user, groups.memberships, links, pending_applications(user.id, hosted), sections)


# The host overview -----------------------------------------------------------

class Application(NamedTuple):
    """An open application as the host's lists show it."""

    id: int
    user_id: int
    name: str
    photo_filename: str | None
    headline: str
    company: str | None
    industry: str
    purposes: tuple[str, ...]
    motivation: str
    contribution: str
    applied_at: datetime

    @property
    def initials(self) -> str:
        return initials_of(self.name)



@lru_cache(maxsize=1)
def _applications_statement():
    return (
        select(Membership.id, Membership.user_id, User.name, Profile.photo_filename, Profile.headline,
               Company.name, Profile.industry, Profile.purposes, Membership.motivation,
               Membership.contribution, Membership.applied_at)
        .join(User, User.id == Membership.user_id)
        .outerjoin(Profile, Profile.user_id == User.id)
        .outerjoin(Company, Company.id == Profile.company_id)
        .where(Membership.group_id == bindparam("gid"), Membership.status == "applied")
        .order_by(User.name, Membership.id)
    )


def open_applications(group_id: int) -> tuple[Application, ...]:
    """The group's open applications, by name (1 query)."""
    return tuple(
        Application(mid, uid, name, photo, headline or "", company, industry or "", tuple(purposes or ()),
                    motivation or "", contribution or "", applied_at)
        for mid, uid, name, photo, headline, company, industry, purposes, motivation, contribution, applied_at
        in read_rows(_applications_statement(), {"gid": group_id})
    )


class AdminHome(NamedTuple):
    group: GroupAt
    counts: GroupCounts
    applications: tuple[tuple[Application, str], ...]  # with when each came in ('2 days ago')
    audit: tuple[tuple[AuditLine, str | None, str | None], ...]
    sections: tuple[Markup, ...]


class _AdminFacts(NamedTuple):
    counts: GroupCounts
    applications: tuple[Application, ...]
    audit: tuple[tuple[AuditLine, str | None, str | None], ...]


@read_model
def admin_facts(group: GroupAt) -> _AdminFacts:
    """Counts, open applications and the latest audit lines (3 queries)."""
    return _AdminFacts(group_counts(group.id), open_applications(group.id), recent_audit_rows(group.id, limit=8))


def admin_home(group: GroupAt, sections: tuple[Markup, ...], relative) -> AdminHome:
    """``relative``: the clock's words for a time ('2 days ago')."""
    facts = admin_facts(group)
    applications = tuple((application, relative(application.applied_at)) for application in facts.applications)
    return AdminHome(group, facts.counts, applications, facts.audit, sections)
