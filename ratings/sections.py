"""What ratings add to other pages (the dashboard's rating and connections
cards, the meetup page's rate button, the host home's value tile), the
rating-request tick and the GDPR hooks: each registers with ``common/``."""
from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from markupsafe import Markup

from common.cache import read_model
from common.db import utcnow
from common.formatting import fmt_relative
from common.sections import admin_home_section, dashboard_section, meetup_page_section
from common.templating import render
from common.tick import tick_task
from groups.models import Group, Membership
from groups.pages import GroupAt, MyGroups, group_at
from groups.seasons import current_season
from members.privacy import export_section, on_delete_account
from ratings.connections import connection_summary
from ratings.figures import GroupFigures, Verdict
from ratings.privacy import export_member_data, forget_member
from ratings.rating_requests import RateableMeetup, queue_rating_requests, rateable_now, rateable_rows
from ratings.report import value_report
from ratings.services import rating_of, window_end


class RateCard(NamedTuple):
    rate_meetups: tuple[RateableMeetup, ...]
    ended_relative: tuple[str, ...]


@dashboard_section(order=15)
def dashboard_rate_card(user, groups: MyGroups) -> Markup | None:
    """Meetups waiting for my rating."""
    now = utcnow()
    rows = rateable_rows(user.id, groups.memberships, now.date()) if groups.memberships else ()
    waiting = tuple(m for m, rated in rateable_now(rows, now) if not rated)
    if not waiting:
        return None
    return render("ratings/_dashboard_rate.html", RateCard(waiting, tuple(fmt_relative(m.ends_at) for m in waiting)))


class ConnectionsCard(NamedTuple):
    connection_total: int
    deep_total: int
    pending_intros: int


@read_model
def connections_card(user_id: int, memberships: tuple) -> ConnectionsCard:
    """My connections, deep relationships and introductions waiting for me (1 query)."""
    summary = connection_summary(user_id)
    return ConnectionsCard(summary.connections, summary.deep, summary.awaiting)


@dashboard_section(order=40)
def dashboard_connections_card(user, groups: MyGroups) -> Markup | None:
    card = connections_card(user.id, groups.memberships)
    if not card.connection_total and not card.pending_intros:
        return None
    return render("ratings/_dashboard_connections.html", card)


class RateButton(NamedTuple):
    meetup_id: int
    group_slug: str
    tz: str
    rated: bool
    closes: datetime


@read_model
def rated_by(group: GroupAt, meetup_id: int, user_id: int) -> bool:
    return rating_of(meetup_id, user_id) is not None


@meetup_page_section(order=30)
def meetup_rate_button(group: Group, meetup, membership: Membership | None, rsvp) -> Markup | None:
    """'Rate this meetup' for attendees while the window is open."""
    if rsvp is None or membership is None:
        return None
    at = group_at(group)
    closes = window_end(meetup.ends_at, at.rating_window_days)
    if not (meetup.ends_at <= utcnow() < closes) or meetup.status == "cancelled":
        return None
    attended = rsvp.checked_in_at is not None if meetup.attendance_taken else rsvp.response == "going"
    if not attended:
        return None
    rated = rated_by(at, meetup.id, membership.user_id)
    return render("ratings/_meetup_section.html", RateButton(meetup.id, at.slug, at.timezone, rated, closes))


class ValueTile(NamedTuple):
    value_group: GroupAt
    season_label: str
    verdict: Verdict
    figures: GroupFigures


@admin_home_section(order=30)
def admin_value_tile(group: Group) -> Markup:
    """The current season's verdict and rating response rate."""
    now = utcnow()
    season = current_season(group, now)
    report = value_report(group, season, now)
    return render("ratings/_admin_section.html", ValueTile(group_at(group), season.label, report.verdict, report.group))


# --------------------------------------------------------------------------- tick

@tick_task
def rating_requests(now) -> int:
    """Rating requests when a meetup ends, one reminder 3 days later (deduped)."""
    return queue_rating_requests(now)


# --------------------------------------------------------------------------- GDPR

@export_section("ratings")
def export_ratings(user) -> dict:
    """My ratings, clicks, outcomes and introductions, for the data export."""
    return export_member_data(user.id)


@on_delete_account
def forget_ratings(user) -> None:
    forget_member(user.id)
