"""Renewals and lapse, run by ``flask tick`` (idempotent; safe every minute).

- Renewal invitations go out 30, 7 and 1 days before the last day of the
  current season (``groups.seasons``) to active members paid through it but
  not yet for the next season; each reminder is
  queued once (outbox dedupe key). A reminder whose day passed while tick
  was not running is not sent late — only the most urgent one due is.
- Lapse: ``grace_days`` (default 14) into a season, active members whose
  paid-through date is before that season's last day become "lapsed": their data
  and history stay, member-only pages are closed until they pay.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update

from billing.fees import billing_settings, joined_in_renewal_window, quote
from billing.models import GroupBilling
from billing.services import external_url
from common.audit import record_audit
from common.tick import tick_task
from extensions import db
from groups.models import HOST_ROLES, Group, Membership
from groups.seasons import current_season, local_date, season_after
from outbox.services import queue_email

REMINDER_DAYS = (30, 7, 1)


def due_reminder(days_left: int) -> int | None:
    """The reminder (30, 7 or 1) due with ``days_left`` days to the season's last day."""
    due = [d for d in REMINDER_DAYS if 0 <= days_left <= d]
    return min(due) if due else None


def _members(group: Group) -> list[Membership]:
    return list(db.session.scalars(
        select(Membership).where(
            Membership.group_id == group.id, Membership.status == "active",
            Membership.role.notin_(HOST_ROLES), Membership.paid_through.is_not(None),
        )
    ))


@tick_task
def send_renewal_invitations(now: datetime) -> int:
    """Queue the due renewal invitation of each member; returns how many were queued."""
    queued = 0
    groups = list(db.session.scalars(select(Group).where(Group.fee_minor > 0)))
    for group in groups:
        season = current_season(group, now)
        reminder = due_reminder((season.last_day - local_date(group, now)).days)
        if reminder is None:
            continue
        upcoming = season_after(group, season)
        price = quote(group)
        for membership in _members(group):
            paid_through = membership.paid_through
            if paid_through is None or paid_through >= upcoming.last_day or paid_through < season.last_day:
                continue
            if joined_in_renewal_window(group, membership, season):
                continue  # they have just paid: the next season's fee is asked when it begins
            message = queue_email(
                membership.user.email,
                _("Renew your %(group)s membership", group=group.name),
                "renewal_invitation",
                {
                    "name": membership.user.name, "group": group.name, "days": reminder,
                    "season_end": season.last_day.isoformat(),
                    "next_start": upcoming.start.isoformat(), "next_end": upcoming.last_day.isoformat(),
                    "amount_minor": price.total_minor, "currency": group.currency,
                    "url": external_url("billing.pay", slug=group.slug),
                },
                dedupe_key=f"renewal:{membership.id}:{season.last_day.isoformat()}:{reminder}",
            )
            queued += message is not None
    return queued


def lapse_date(season_start: date, grace_days: int) -> date:
    return season_start + timedelta(days=grace_days)


@tick_task
def lapse_unpaid_memberships(now: datetime) -> int:
    """Lapse active members unpaid for the current season after its grace period."""
    lapsed = 0
    groups = list(db.session.scalars(select(Group).where(Group.fee_minor > 0)))
    settings = {row.group_id: row for row in db.session.scalars(select(GroupBilling))}
    for group in groups:
        season = current_season(group, now)
        grace = billing_settings(group, settings.get(group.id)).grace_days
        if local_date(group, now) < lapse_date(season.start, grace):
            continue
        targets = [m for m in _members(group)
                   if m.paid_through is not None and m.paid_through < season.last_day]
        for membership in targets:
            result = db.session.execute(
                update(Membership)
                .where(Membership.id == membership.id, Membership.status == "active")
                .values(status="lapsed")
                .execution_options(synchronize_session=False, nq_group=group.id)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                continue
            lapsed += 1
            record_audit("membership.lapse", actor_id=None, group_id=group.id,
                         target_user_id=membership.user_id, season_start=season.start.isoformat())
            queue_email(
                membership.user.email,
                _("Your %(group)s membership has lapsed", group=group.name),
                "renewal_lapsed",
                {"name": membership.user.name, "group": group.name,
                 "url": external_url("billing.pay", slug=group.slug)},
                dedupe_key=f"lapsed:{membership.id}:{season.start.isoformat()}",
            )
    return lapsed
