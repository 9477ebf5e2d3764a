"""Sponsors: who acts for a company, inviting them, and employees' shares.

Services take plain arguments and never read ``request``; the caller commits.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import exists, select

from billing.models import Payment, PaymentSeat
from common.urls import external_url
from extensions import db
from groups.models import HOST_ROLES, Membership
from members.models import Company, User
from members.security import make_token, read_token
from outbox.services import queue_email
from sponsors.models import Share, Sponsor, SponsorInvitation

INVITATION_DAYS = 14
_SALT = "sponsor-invitation"


class InvitationRefused(Exception):
    """Why an invitation cannot be accepted (a user-facing message)."""


def companies_of(user_id: int) -> list[Company]:
    """The companies the user acts for, by name."""
    return list(db.session.scalars(
        select(Company).join(Sponsor, Sponsor.company_id == Company.id)
        .where(Sponsor.user_id == user_id).order_by(Company.name, Company.id)
    ))


def is_sponsor(company_id: int, user_id: int) -> bool:
    return bool(db.session.scalar(select(exists().where(Sponsor.company_id == company_id,
                                                       Sponsor.user_id == user_id))))


def may_invite(company_id: int, user_id: int) -> bool:
    """Sponsors, whoever paid for the company, and hosts of a group it pays for may invite."""
    if is_sponsor(company_id, user_id):
        return True
    paid = exists().where(Payment.company_id == company_id, Payment.user_id == user_id)
    hosts = exists().where(
        Payment.company_id == company_id, Membership.group_id == Payment.group_id,
        Membership.user_id == user_id, Membership.role.in_(HOST_ROLES), Membership.status == "active",
    )
    return bool(db.session.scalar(select(paid | hosts)))


def invitation_token(invitation: SponsorInvitation) -> str:
    return make_token(_SALT, {"id": invitation.id, "email": invitation.email})


def invite(company: Company, email: str, inviter: User, now: datetime) -> SponsorInvitation:
    """Email ``email`` a signed link, valid for 14 days, to act for ``company``."""
    email = email.strip().lower()
    invitation = SponsorInvitation(company_id=company.id, email=email, invited_by_id=inviter.id, created_at=now)
    db.session.add(invitation)
    db.session.flush()
    queue_email(
        email, _("%(name)s invites you to follow %(company)s's networking groups on NQ",
                 name=inviter.name, company=company.name),
        "sponsor_invitation",
        {"inviter": inviter.name, "company": company.name, "days": INVITATION_DAYS,
         "url": external_url("sponsors.invitation", token=invitation_token(invitation))},
        dedupe_key=f"sponsor-invitation:{invitation.id}",
    )
    return invitation


def read_invitation(token: str) -> SponsorInvitation | None:
    """The open invitation a valid, unexpired token names; None otherwise."""
    payload = read_token(_SALT, token, max_age=INVITATION_DAYS * 24 * 3600)
    if payload is None or not isinstance(payload.get("id"), int):
        return None
    invitation = db.session.get(SponsorInvitation, payload["id"])
    if invitation is None or invitation.email != payload.get("email"):
        return None
    return invitation


def refusal(invitation: SponsorInvitation, user: User) -> str | None:
    """Why ``user`` may not accept the invitation (a user-facing message), or None."""
    if invitation.accepted_at is not None:
        return _("This invitation has already been used.")
    if user.email.lower() != invitation.email:
        return _("This invitation is for %(email)s. Sign in with that address to accept it.", email=invitation.email)
    return None


def accept(invitation: SponsorInvitation, user: User, now: datetime) -> Sponsor:
    """Make ``user`` a sponsor of the invitation's company (once)."""
    refused = refusal(invitation, user)
    if refused is not None:
        raise InvitationRefused(refused)
    invitation.accepted_at = now
    sponsor = db.session.scalars(select(Sponsor).where(
        Sponsor.company_id == invitation.company_id, Sponsor.user_id == user.id)).first()
    if sponsor is None:
        sponsor = Sponsor(company_id=invitation.company_id, user_id=user.id,
                          invited_by_id=invitation.invited_by_id, created_at=now)
        db.session.add(sponsor)
    db.session.flush()
    return sponsor


# --------------------------------------------------------------------------- shares

def paying_company_of(membership_id: int) -> Company | None:
    """The company whose payment holds or last paid this membership's seat."""
    return db.session.scalars(
        select(Company).join(Payment, Payment.company_id == Company.id)
        .join(PaymentSeat, PaymentSeat.payment_id == Payment.id)
        .where(PaymentSeat.membership_id == membership_id, Payment.status.in_(("paid", "partially_refunded", "pending")))
        .order_by(Payment.season_start.desc(), Payment.id.desc())
        .limit(1)
    ).first()


def share_of(membership_id: int, company_id: int) -> Share | None:
    """The member's share with this company (a share with another company counts for nothing)."""
    share = db.session.get(Share, membership_id)
    return share if share is not None and share.company_id == company_id else None


def set_share(membership: Membership, company: Company, *, scores: bool, relationships: bool,
              outcomes: bool) -> Share:
    share = db.session.get(Share, membership.id)
    if share is None:
        share = Share(membership_id=membership.id)
        db.session.add(share)
    share.company_id = company.id
    share.scores, share.relationships, share.outcomes = scores, relationships, outcomes
    db.session.flush()
    return share
