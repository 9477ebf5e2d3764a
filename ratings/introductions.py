"""Introductions: proposed by a host or member, double opt-in, then "we met".

Contact details are shared only once both sides accepted. Services flush,
never commit.
"""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from flask_babel import gettext as _
from sqlalchemy import BindParameter, bindparam, or_, select
from sqlalchemy.orm import joinedload

from common.urls import external_url
from extensions import db
from groups.models import Group, Membership
from members.models import Profile, User
from outbox.services import queue_email
from ratings.models import Introduction


class IntroductionRefused(Exception):
    """A user-facing reason why the introduction cannot be made or changed."""


def active_member_ids(group_id: int, user_ids: set[int]) -> set[int]:
    return set(
        db.session.scalars(
            select(Membership.user_id).where(
                Membership.group_id == group_id,
                Membership.user_id.in_(user_ids),
                Membership.status == "active",
            )
        )
    )


def propose_introduction(
    group: Group, introducer: User, member_a_id: int, member_b_id: int, reason: str, now: datetime
) -> Introduction:
    """Propose that two active members meet; both are asked to accept by email."""
    if member_a_id == member_b_id:
        raise IntroductionRefused(_("Choose two different members."))
    if active_member_ids(group.id, {member_a_id, member_b_id}) != {member_a_id, member_b_id}:
        raise IntroductionRefused(_("Both people must be active members of this group."))
    open_exists = db.session.scalar(
        select(Introduction.id).where(
            Introduction.group_id == group.id,
            Introduction.status.in_(("proposed", "accepted")),
            or_(
                (Introduction.member_a_id == member_a_id) & (Introduction.member_b_id == member_b_id),
                (Introduction.member_a_id == member_b_id) & (Introduction.member_b_id == member_a_id),
            ),
        )
    )
    if open_exists:
        raise IntroductionRefused(_("These two already have an open introduction."))
    intro = Introduction(
        group_id=group.id, introducer_id=introducer.id, member_a_id=member_a_id,
        member_b_id=member_b_id, reason=reason.strip(), status="proposed", created_at=now,
    )
    db.session.add(intro)
    db.session.flush()
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_((member_a_id, member_b_id)))).unique()}
    for me_id, other_id in ((member_a_id, member_b_id), (member_b_id, member_a_id)):
        me, other = users[me_id], users[other_id]
        queue_email(
            me.email,
            _("%(introducer)s would like you to meet %(other)s", introducer=introducer.name, other=other.name),
            "introduction_proposed",
            {
                "name": me.name, "introducer": introducer.name, "other": other.name,
                "other_headline": other.profile.headline if other.profile else "",
                "reason": intro.reason, "group_name": group.name,
                "url": external_url("ratings.connections"),
            },
            dedupe_key=f"introduction-proposed:{intro.id}:{me_id}",
        )
    return intro


@lru_cache(maxsize=1)
def _pending_statement():
    uid: BindParameter[int] = bindparam("uid")
    return (
        select(Introduction)
        # Names and profiles of the people; their employers are never shown here.
        .options(*(joinedload(side).joinedload(User.profile).lazyload(Profile.company)
                   for side in (Introduction.member_a, Introduction.member_b, Introduction.introducer)))
        .where(
            Introduction.status == "proposed",
            or_(
                (Introduction.member_a_id == uid) & Introduction.accepted_a.is_(False),
                (Introduction.member_b_id == uid) & Introduction.accepted_b.is_(False),
            ),
        )
        .order_by(Introduction.created_at.desc())
    )


def pending_for(user_id: int) -> list[Introduction]:
    """Introductions waiting for this member's answer (1 query)."""
    return list(db.session.scalars(_pending_statement(), {"uid": user_id}).unique())


def _load_for(intro_id: int, user_id: int) -> Introduction:
    intro = db.session.scalars(
        select(Introduction)
        .options(joinedload(Introduction.member_a), joinedload(Introduction.member_b))
        .where(Introduction.id == intro_id)
    ).first()
    if intro is None or intro.side_of(user_id) is None:
        raise LookupError(intro_id)
    return intro


def respond(intro_id: int, user_id: int, accept: bool, now: datetime) -> Introduction:
    """Accept or decline my side; when both accepted, both get each other's details.

    Raises LookupError when the introduction is not the user's.
    """
    intro = _load_for(intro_id, user_id)
    if intro.status != "proposed":
        raise IntroductionRefused(_("This introduction was already answered."))
    side = intro.side_of(user_id)
    if not accept:
        intro.status = "declined"
        return intro
    if side == "a":
        intro.accepted_a = True
    else:
        intro.accepted_b = True
    if intro.accepted_a and intro.accepted_b:
        intro.status = "accepted"
        intro.accepted_at = now
        for me, other in ((intro.member_a, intro.member_b), (intro.member_b, intro.member_a)):
            queue_email(
                me.email,
                _("You and %(other)s both said yes", other=other.name),
                "introduction_accepted",
                {
                    "name": me.name, "other": other.name, "other_email": other.email,
                    "other_phone": other.profile.phone if other.profile else "",
                    "reason": intro.reason, "url": external_url("ratings.connections"),
                },
                dedupe_key=f"introduction-accepted:{intro.id}:{me.id}",
            )
    db.session.flush()
    return intro


def mark_met(intro_id: int, user_id: int, now: datetime) -> Introduction:
    """Either side records that the introduction led to a meeting."""
    intro = _load_for(intro_id, user_id)
    if intro.status != "accepted":
        raise IntroductionRefused(_("Only accepted introductions can be marked as met."))
    intro.status = "met"
    intro.met_at = now
    db.session.flush()
    return intro
