"""Announcements, "meetup in 2 days" reminders, and marking ended meetups held (``flask tick``)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult

from common.audit import record_audit
from common.urls import external_url
from extensions import db
from groups.models import Group, Membership
from meetups.emails import email_context
from meetups.models import RSVP, Meetup
from meetups.services import active_members_query
from members.models import User
from outbox.services import queue_email

REMINDER_LEAD = timedelta(days=2)


def announce(group: Group, subject: str, body: str, *, actor_id: int | None) -> int:
    """Email an announcement to every active member of the group (via the outbox)."""
    members = db.session.execute(
        active_members_query(group.id).with_only_columns(User.email, User.name).order_by(User.id)
    ).all()
    url = external_url("groups.show", slug=group.slug) if _has_endpoint("groups.show") else ""
    for email, name in members:
        queue_email(email, subject, "meetup_announcement",
                    {"name": name, "group_name": group.name, "body": body, "url": url})
    record_audit("group.announce", actor_id=actor_id, group_id=group.id, subject=subject, recipients=len(members))
    db.session.flush()
    return len(members)


def recent_announcements(group_id: int, limit: int = 5) -> list[dict]:
    """The group's latest announcements (from the audit log), newest first — one query."""
    from common.audit import AuditEntry

    entries = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.group_id == group_id, AuditEntry.action == "group.announce")
        .order_by(AuditEntry.created_at.desc())
        .limit(limit)
    )
    return [
        {"subject": e.detail.get("subject", ""), "recipients": e.detail.get("recipients", 0), "at": e.created_at}
        for e in entries
    ]


def _has_endpoint(endpoint: str) -> bool:
    return endpoint in current_app.view_functions


def queue_reminders(now: datetime) -> int:
    """Queue "meetup in 2 days" to members going or not yet answered; never twice.

    Covers scheduled meetups starting within the next ``REMINDER_LEAD``. The
    dedupe key (meetup, member) makes any number of runs queue each reminder once.
    """
    meetups = list(db.session.scalars(
        select(Meetup).where(
            Meetup.status == "scheduled",
            Meetup.starts_at > now,
            Meetup.starts_at <= now + REMINDER_LEAD,
        )
    ))
    if not meetups:
        return 0
    by_group: dict[int, list[Meetup]] = {}
    for meetup in meetups:
        by_group.setdefault(meetup.group_id, []).append(meetup)
    meetup_ids = [m.id for m in meetups]
    responses = {
        (meetup_id, user_id): response
        for meetup_id, user_id, response in db.session.execute(
            select(RSVP.meetup_id, RSVP.user_id, RSVP.response).where(RSVP.meetup_id.in_(meetup_ids))
        ).all()
    }
    members = db.session.execute(
        select(Membership.group_id, User.id, User.email, User.name)
        .join(User, User.id == Membership.user_id)
        .where(Membership.group_id.in_(list(by_group)), Membership.status == "active",
               User.is_deactivated.is_(False))
    ).all()
    queued = 0
    for group_id, user_id, email, name in members:
        for meetup in by_group[group_id]:
            response = responses.get((meetup.id, user_id))
            if response not in (None, "going"):
                continue
            context = {**email_context(meetup), "name": name, "going": response == "going"}
            message = queue_email(
                email, _("Reminder: %(title)s", title=meetup.title), "meetup_reminder", context,
                dedupe_key=f"meetup-reminder:{meetup.id}:{user_id}",
            )
            queued += message is not None
    db.session.flush()
    return queued


def mark_held(now: datetime) -> int:
    """Scheduled meetups that have ended become "held"."""
    ended = (Meetup.__table__.c.status == "scheduled", Meetup.__table__.c.ends_at <= now)
    groups = tuple(db.session.scalars(select(Meetup.group_id).where(*ended).distinct()))
    if not groups:
        return 0
    result = cast(CursorResult[Any], db.session.execute(
        update(Meetup.__table__).where(*ended).values(status="held").execution_options(nq_group=groups)
    ))
    return result.rowcount or 0
