"""Invites: send an invite by email with a signed token, accept, revoke, and the open invites.

Accepting an invite joins without an application, but the seat rules of
groups.memberships still hold.
"""
from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from common.audit import record_audit
from common.db import utcnow
from common.urls import external_url
from extensions import db
from groups.memberships import admit, check_seat, find_membership
from groups.models import Group, Invite, Membership
from members.models import User, normalise_email
from members.security import make_token, read_token
from outbox.services import queue_email


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
    membership = find_membership(user.id, group.id)
    if membership is not None and membership.status in ("applied", "approved", "active"):
        if membership.status == "applied":
            check_seat(group, user, membership.id)
            admit(group, membership)
        invite_row.accepted_at = utcnow()
        db.session.flush()
        return membership
    if membership is None:
        membership = Membership(user_id=user.id, group_id=group.id, role="member", status="applied")
        db.session.add(membership)
        db.session.flush()
    check_seat(group, user, membership.id)
    membership.role = "member"
    membership.applied_at = utcnow()
    admit(group, membership)
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


def open_invites(group_id: int) -> list[Invite]:
    return list(
        db.session.scalars(
            select(Invite)
            .where(Invite.group_id == group_id)
            .order_by(Invite.created_at.desc())
            .limit(100)
        ).unique()
    )
