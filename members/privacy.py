"""GDPR: export all of a member's data, and delete the account.

Other areas extend both without editing this file:

    from members.privacy import export_section, on_delete_account

    @export_section("rsvps")
    def export_rsvps(user) -> list[dict]: ...      # JSON-serialisable

    @on_delete_account
    def forget_rsvps(user) -> None: ...            # add/delete/flush, never commit

Deleting keeps the user row (other areas' rows point at it: audit entries,
payments that must be kept five years, anonymous rating aggregates) but
anonymises it: no name, no email, no password, no profile, no photo, and
every session ends.
"""
from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select

from common.db import utcnow
from common.versions import EVERY_GROUP
from extensions import db
from members.models import User, new_calendar_token
from members.photos import delete_photo
from members.security import hash_password

ExportProvider = Callable[[User], Any]
DeleteHook = Callable[[User], None]

EXPORT_SECTIONS: list[tuple[str, ExportProvider]] = []
DELETE_HOOKS: list[DeleteHook] = []

DELETED_NAME = "Deleted member"


def export_section(name: str) -> Callable[[ExportProvider], ExportProvider]:
    """Register ``func(user)`` whose result is exported under ``name``."""

    def decorator(func: ExportProvider) -> ExportProvider:
        EXPORT_SECTIONS.append((name, func))
        return func

    return decorator


def on_delete_account(func: DeleteHook) -> DeleteHook:
    """Register ``func(user)`` to remove or anonymise an area's rows of a deleted account."""
    DELETE_HOOKS.append(func)
    return func


def _iso(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def export_user(user: User) -> dict[str, Any]:
    """Everything NQ holds about the user, as JSON-serialisable data."""
    from groups.models import Invite, Membership

    profile = user.profile
    company = profile.company if profile else None
    memberships = db.session.scalars(
        select(Membership).where(Membership.user_id == user.id).order_by(Membership.applied_at)
    ).unique()
    invites = db.session.scalars(select(Invite).where(Invite.email == user.email)).unique()
    data: dict[str, Any] = {
        "exported_at": utcnow().isoformat(),
        "account": {
            "id": user.id,
            "email": user.email,
            "name": user.name,
            "locale": user.locale,
            "verified": user.is_verified,
            "created_at": _iso(user.created_at),
            "last_login_at": _iso(user.last_login_at),
        },
        "profile": {
            "headline": profile.headline,
            "industry": profile.industry,
            "bio": profile.bio,
            "purposes": list(profile.purposes or []),
            "offers_tags": list(profile.offers_tags or []),
            "offers_text": profile.offers_text,
            "seeks_tags": list(profile.seeks_tags or []),
            "seeks_text": profile.seeks_text,
            "linkedin_url": profile.linkedin_url,
            "phone": profile.phone,
            "has_photo": bool(profile.photo_filename),
            "updated_at": _iso(profile.updated_at),
        } if profile else None,
        "company": {
            "name": company.name,
            "vat_number": company.vat_number,
            "billing_email": company.billing_email,
            "address": company.address,
        } if company else None,
        "memberships": [
            {
                "group": m.group.name,
                "group_slug": m.group.slug,
                "role": m.role,
                "status": m.status,
                "motivation": m.motivation,
                "contribution": m.contribution,
                "applied_at": _iso(m.applied_at),
                "joined_at": _iso(m.joined_at),
                "paid_through": _iso(m.paid_through),
                "payer": m.payer,
            }
            for m in memberships
        ],
        "invitations_received": [
            {"group": i.group.name, "sent_at": _iso(i.created_at), "accepted_at": _iso(i.accepted_at)}
            for i in invites
        ],
    }
    for name, provider in EXPORT_SECTIONS:
        data[name] = provider(user)
    return data


class AccountDeletionRefused(Exception):
    """The account cannot be deleted yet (message is for people)."""


def hosted_group_names(user: User) -> list[str]:
    from groups.models import Group, Membership

    return list(
        db.session.scalars(
            select(Group.name)
            .join(Membership, Membership.group_id == Group.id)
            .where(Membership.user_id == user.id, Membership.role == "host", Membership.status == "active")
        )
    )


def delete_account(user: User) -> None:
    """Remove the member's personal data and end every session.

    Profile and photo are removed, memberships marked "left", invites to the
    address deleted, and the user row is anonymised (it stays, so audit
    entries, payments and anonymous aggregates keep pointing somewhere).
    Refused while the user is the host of a group.
    """
    from flask_babel import gettext as _

    from groups.models import Invite, Membership
    from outbox.models import OutboxMessage

    hosted = hosted_group_names(user)
    if hosted:
        raise AccountDeletionRefused(
            _("You host %(groups)s. Appoint another host first, then delete your account.",
              groups=", ".join(hosted))
        )
    for hook in DELETE_HOOKS:
        hook(user)

    old_email = user.email
    photo = user.profile.photo_filename if user.profile else None
    for membership in db.session.scalars(select(Membership).where(Membership.user_id == user.id)).unique():
        if membership.status not in ("left", "removed", "declined"):
            membership.status = "left"
        membership.role = "member"
        membership.motivation = ""
        membership.contribution = ""
    db.session.execute(delete(Invite).where(Invite.email == old_email).execution_options(nq_group=EVERY_GROUP))
    db.session.execute(
        delete(OutboxMessage).where(OutboxMessage.to_email == old_email, OutboxMessage.sent_at.is_(None))
    )
    profile = user.profile
    if profile is not None:
        profile.headline = ""
        profile.company_id = None
        profile.industry = ""
        profile.bio = ""
        profile.purposes = []
        profile.offers_tags = []
        profile.offers_text = ""
        profile.seeks_tags = []
        profile.seeks_text = ""
        profile.linkedin_url = ""
        profile.phone = ""
        profile.photo_filename = None
    user.email = f"deleted-{user.id}-{secrets.token_hex(4)}@deleted.invalid"
    user.name = DELETED_NAME
    user.password_hash = hash_password(secrets.token_urlsafe(32))
    user.is_verified = False
    user.is_deactivated = True
    user.is_admin = False
    user.session_version += 1
    user.calendar_token = new_calendar_token()
    db.session.flush()
    # The file goes last: if anything above failed, the photo is still there.
    delete_photo(photo)
