"""Host meetup pages: list, create/edit/cancel, season schedule, RSVPs, attendance, messages.

Every view first calls ``load_group(slug, require="host")`` (404, then 403).
"""
from __future__ import annotations

from datetime import time
from typing import NamedTuple

import segno
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import func, select

from common.db import utcnow
from common.formatting import fmt_relative
from common.sections import admin_home_section
from common.templating import render
from extensions import db
from groups.models import Group
from groups.pages import group_at
from groups.permissions import load_group
from meetups import attendance as meetup_attendance
from meetups import pages, reminders, rsvp, services
from meetups.forms import AbsenceRuleForm, AnnouncementForm, MeetupForm, SeasonForm, WalkInForm
from meetups.models import RSVP, Meetup
from meetups.permissions import load_meetup
from meetups.schedule import expand_season, utc_to_local

bp = Blueprint("meetups_admin", __name__)

PAST_SHOWN = 24


def _require_csrf() -> None:
    if not FlaskForm().validate_on_submit():
        abort(400)


@bp.route("/groups/<slug>/admin/meetups")
def index(slug: str):
    group, membership = load_group(slug, require="host")
    now = utcnow()
    upcoming = list(db.session.scalars(
        select(Meetup).where(Meetup.group_id == group.id, Meetup.ends_at > now).order_by(Meetup.starts_at)
    ))
    past = list(db.session.scalars(
        select(Meetup).where(Meetup.group_id == group.id, Meetup.ends_at <= now)
        .order_by(Meetup.starts_at.desc()).limit(PAST_SHOWN)
    ))
    ids = [m.id for m in upcoming + past]
    counts: dict[int, dict[str, int]] = {}
    if ids:
        for meetup_id, response, checked, n in db.session.execute(
            select(RSVP.meetup_id, RSVP.response, RSVP.checked_in_at.is_not(None), func.count())
            .where(RSVP.meetup_id.in_(ids))
            .group_by(RSVP.meetup_id, RSVP.response, RSVP.checked_in_at.is_not(None))
        ).all():
            bucket = counts.setdefault(meetup_id, {"going": 0, "waitlisted": 0, "not_going": 0, "attended": 0})
            bucket[response] = bucket.get(response, 0) + n
            if checked:
                bucket["attended"] += n
    return render_template("meetups/admin/index.html", group=group, membership=membership,
                           upcoming=upcoming, past=past, counts=counts)


@bp.route("/groups/<slug>/admin/meetups/new", methods=["GET", "POST"])
def new(slug: str):
    group, membership = load_group(slug, require="host")
    form = MeetupForm()
    if form.validate_on_submit():
        meetup = services.create_meetup(group, form.to_data(group.timezone), actor_id=current_user.id)
        db.session.commit()
        flash(_("Meetup created. Members can now answer."), "success")
        return redirect(url_for("meetups_admin.detail", slug=group.slug, meetup_id=meetup.id))
    return render_template("meetups/admin/form.html", group=group, membership=membership, form=form,
                           meetup=None), 422 if form.errors else 200


@bp.route("/groups/<slug>/admin/meetups/<int:meetup_id>/edit", methods=["GET", "POST"])
def edit(slug: str, meetup_id: int):
    group, membership, meetup = load_meetup(slug, meetup_id, require="host")
    form = MeetupForm(obj=meetup if request.method == "GET" else None)
    if request.method == "GET":
        form.starts_at.data = utc_to_local(meetup.starts_at, group.timezone)
        form.ends_at.data = utc_to_local(meetup.ends_at, group.timezone)
        form.rsvp_deadline.data = (
            utc_to_local(meetup.rsvp_deadline, group.timezone) if meetup.rsvp_deadline else None
        )
    if form.validate_on_submit():
        promoted = services.update_meetup(meetup, form.to_data(group.timezone), actor_id=current_user.id)
        db.session.commit()
        flash(_("Meetup saved."), "success")
        if promoted:
            flash(_("%(num)d waitlisted member(s) got a seat and were emailed.", num=promoted), "info")
        return redirect(url_for("meetups_admin.detail", slug=group.slug, meetup_id=meetup.id))
    return render_template("meetups/admin/form.html", group=group, membership=membership, form=form,
                           meetup=meetup), 422 if form.errors else 200


@bp.route("/groups/<slug>/admin/meetups/<int:meetup_id>/cancel", methods=["POST"])
def cancel(slug: str, meetup_id: int):
    group, membership, meetup = load_meetup(slug, meetup_id, require="host")
    _require_csrf()
    try:
        notified = services.cancel_meetup(meetup, actor_id=current_user.id)
        db.session.commit()
    except services.MeetupError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_("Meetup cancelled. %(num)d member(s) who said yes are being emailed.", num=notified), "success")
    return redirect(url_for("meetups_admin.detail", slug=group.slug, meetup_id=meetup.id))


@bp.route("/groups/<slug>/admin/meetups/season", methods=["GET", "POST"])
def season(slug: str):
    """Schedule a season from one rule: preview first, then save."""
    group, membership = load_group(slug, require="host")
    form = SeasonForm()
    if request.method == "GET":
        today = utcnow().date()
        form.first_month.data = form.first_month.data or today.replace(day=1)
        last_year, last_month = (today.year + 1, today.month - 1) if today.month > 1 else (today.year, 12)
        form.last_month.data = form.last_month.data or today.replace(year=last_year, month=last_month, day=1)
        form.start_time.data = form.start_time.data or time(17, 0)
        form.end_time.data = form.end_time.data or time(19, 30)
    preview = None
    if form.validate_on_submit():
        rule = form.to_rule(group.timezone)
        if request.form.get("action") == "save":
            meetups = services.schedule_season(group, rule, form.to_template(), actor_id=current_user.id)
            db.session.commit()
            flash(_("%(num)d meetups scheduled. Edit each one to add speakers and agendas.", num=len(meetups)),
                  "success")
            return redirect(url_for("meetups_admin.index", slug=group.slug))
        preview = expand_season(rule)
    status = 422 if form.errors else 200
    return render_template("meetups/admin/season.html", group=group, membership=membership, form=form,
                           preview=preview), status


@bp.route("/groups/<slug>/admin/meetups/<int:meetup_id>")
def detail(slug: str, meetup_id: int):
    """RSVPs of one meetup: going, waitlist in order, not going, not answered."""
    group, membership, meetup = load_meetup(slug, meetup_id, require="host")
    return render_template(
        "meetups/admin/detail.html", group=group, membership=membership, meetup=meetup,
        lists=rsvp.rsvp_lists(meetup), unanswered=rsvp.unanswered_members(meetup),
        cancel_form=FlaskForm(),
    )


@bp.route("/groups/<slug>/admin/attendance")
def attendance_home(slug: str):
    """Jump to the meetup happening now, else the most recent one, else the next one."""
    group, membership = load_group(slug, require="host")
    now = utcnow()
    base = select(Meetup.id).where(Meetup.group_id == group.id, Meetup.status != "cancelled")
    meetup_id = (
        db.session.scalar(base.where(Meetup.starts_at <= now + meetup_attendance.CHECKIN_BEFORE)
                          .order_by(Meetup.starts_at.desc()).limit(1))
        or db.session.scalar(base.order_by(Meetup.starts_at).limit(1))
    )
    if meetup_id is None:
        return render_template("meetups/admin/attendance_empty.html", group=group, membership=membership)
    return redirect(url_for("meetups_admin.attendance", slug=group.slug, meetup_id=meetup_id))


class Attendee(NamedTuple):
    """What one line of the check-in list shows: the line is a pure function of it."""

    slug: str
    meetup_id: int
    user_id: int
    name: str
    email: str
    initials: str
    present: bool
    walk_in: bool
    response: str | None
    search: str


@bp.app_template_global()
def attendee_row(user, row, slug: str, meetup_id: int, search: str) -> Markup:
    """One person on the check-in list, drawn once per worker for what it shows
    (a long list at the door: only the people whose state changed are drawn again)."""
    attendee = Attendee(
        slug, meetup_id, user.id, user.name, user.email, user.initials,
        row is not None and row.checked_in_at is not None, bool(row is not None and row.walk_in),
        row.response if row is not None else None, search,
    )
    return render("meetups/admin/_attendee_row.html", AttendeeLine(attendee))


class AttendeeLine(NamedTuple):
    a: Attendee


@bp.route("/groups/<slug>/admin/meetups/<int:meetup_id>/attendance")
def attendance(slug: str, meetup_id: int):
    """The phone-first check-in list: search, one tap per person, walk-ins."""
    group, membership, meetup = load_meetup(slug, meetup_id, require="host")
    search = request.args.get("q", "")[:80]
    rows = meetup_attendance.attendance_rows(meetup, search)
    present = sum(1 for _user, row in rows if row is not None and row.checked_in_at is not None)
    walk_in_form = WalkInForm()
    others = [(user.id, user.name) for user, row in rows if row is None or row.response != "going"]
    walk_in_form.user_id.choices = [(0, _("Choose a member…")), *others] if not search else []
    return render_template(
        "meetups/admin/attendance.html", group=group, membership=membership, meetup=meetup,
        rows=rows, search=search, present=present, walk_in_form=walk_in_form,
        checkin_open=meetup_attendance.checkin_open(meetup),
    )


@bp.route("/groups/<slug>/admin/meetups/<int:meetup_id>/attendance/<int:user_id>", methods=["POST"])
def toggle_attendance(slug: str, meetup_id: int, user_id: int):
    """Check a member in (or undo). Answers JSON to the small JS enhancement, else redirects."""
    group, membership, meetup = load_meetup(slug, meetup_id, require="host")
    _require_csrf()
    is_member = _is_member_or_rsvp(group.id, meetup.id, user_id)
    if not is_member:
        abort(404)
    undo = request.form.get("undo") == "1"
    try:
        if undo:
            meetup_attendance.undo_check_in(meetup, user_id)
        else:
            meetup_attendance.check_in(meetup, user_id)
        db.session.commit()
    except services.MeetupError as exc:
        db.session.rollback()
        if request.accept_mimetypes.best == "application/json":
            return {"ok": False, "error": str(exc)}, 409
        flash(str(exc), "error")
        return redirect(url_for("meetups_admin.attendance", slug=group.slug, meetup_id=meetup.id))
    if request.accept_mimetypes.best == "application/json":
        present = db.session.scalar(
            select(func.count(RSVP.id)).where(RSVP.meetup_id == meetup.id, RSVP.checked_in_at.is_not(None))
        )
        return {"ok": True, "checked_in": not undo, "present": present}
    query = request.form.get("q", "")
    return redirect(url_for("meetups_admin.attendance", slug=group.slug, meetup_id=meetup.id,
                            q=query or None, _anchor=f"person-{user_id}"))


def _is_member_or_rsvp(group_id: int, meetup_id: int, user_id: int) -> bool:
    from groups.models import Membership

    member = db.session.scalar(
        select(Membership.id).where(Membership.group_id == group_id, Membership.user_id == user_id,
                                    Membership.status == "active")
    )
    if member is not None:
        return True
    return db.session.scalar(
        select(RSVP.id).where(RSVP.meetup_id == meetup_id, RSVP.user_id == user_id)
    ) is not None


@bp.route("/groups/<slug>/admin/meetups/<int:meetup_id>/walk-in", methods=["POST"])
def walk_in(slug: str, meetup_id: int):
    group, membership, meetup = load_meetup(slug, meetup_id, require="host")
    form = WalkInForm()
    rows = meetup_attendance.attendance_rows(meetup)
    form.user_id.choices = [(user.id, user.name) for user, row in rows if row is None or row.response != "going"]
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        flash(_("Choose the member who walked in."), "error")
        return redirect(url_for("meetups_admin.attendance", slug=group.slug, meetup_id=meetup.id))
    try:
        meetup_attendance.check_in(meetup, form.user_id.data)
        db.session.commit()
    except services.MeetupError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_("Walk-in checked in."), "success")
    return redirect(url_for("meetups_admin.attendance", slug=group.slug, meetup_id=meetup.id))


@bp.route("/groups/<slug>/admin/meetups/<int:meetup_id>/code")
def checkin_code(slug: str, meetup_id: int):
    """The self check-in code and QR, big, for a screen at the venue."""
    group, membership, meetup = load_meetup(slug, meetup_id, require="host")
    if not meetup.checkin_code:
        meetup_attendance.regenerate_checkin_code(meetup)
        db.session.commit()
    url = url_for("meetups.self_check_in", slug=group.slug, meetup_id=meetup.id, code=meetup.checkin_code,
                  _external=True)
    qr = segno.make(url, error="m")
    # segno writes the SVG itself and escapes the title.
    svg = Markup(qr.svg_inline(scale=6, border=2, omitsize=True, title=_("QR code for self check-in")))  # noqa: S704
    return render_template("meetups/admin/code.html", group=group, membership=membership, meetup=meetup,
                           qr_svg=svg, checkin_url=url, form=FlaskForm(),
                           checkin_open=meetup_attendance.checkin_open(meetup))


@bp.route("/groups/<slug>/admin/meetups/<int:meetup_id>/code", methods=["POST"])
def new_checkin_code(slug: str, meetup_id: int):
    group, membership, meetup = load_meetup(slug, meetup_id, require="host")
    _require_csrf()
    meetup_attendance.regenerate_checkin_code(meetup)
    db.session.commit()
    flash(_("New check-in code made; the old one no longer works."), "success")
    return redirect(url_for("meetups_admin.checkin_code", slug=group.slug, meetup_id=meetup.id))


@bp.route("/groups/<slug>/admin/attendance/members", methods=["GET", "POST"])
def history(slug: str):
    """Attendance history per member, with the group's absence rule (set here) and its flags."""
    group, membership = load_group(slug, require="host")
    form = AbsenceRuleForm(obj=group if request.method == "GET" else None)
    if form.validate_on_submit():
        meetup_attendance.set_absence_rule(group, form.absence_limit.data, form.absence_months.data,
                                  actor_id=current_user.id)
        db.session.commit()
        flash(_("Absence rule saved."), "success")
        return redirect(url_for("meetups_admin.history", slug=group.slug))
    rows = meetup_attendance.attendance_history(group)
    return render_template("meetups/admin/history.html", group=group, membership=membership, rows=rows,
                           flagged=sum(1 for row in rows if row["flagged"]), form=form), 422 if form.errors else 200


@bp.route("/groups/<slug>/admin/message", methods=["GET", "POST"])
def message(slug: str):
    """An announcement by email to every active member (queued in the outbox)."""
    group, membership = load_group(slug, require="host")
    form = AnnouncementForm()
    recipients = db.session.scalar(
        select(func.count()).select_from(services.active_members_query(group.id).subquery())
    )
    if form.validate_on_submit():
        sent = reminders.announce(group, form.subject.data.strip(), form.body.data.strip(),
                                 actor_id=current_user.id)
        db.session.commit()
        flash(_("Your message is queued for %(num)d members and goes out within a minute.", num=sent), "success")
        return redirect(url_for("meetups_admin.message", slug=group.slug))
    recent = reminders.recent_announcements(group.id)
    return render_template("meetups/admin/message.html", group=group, membership=membership, form=form,
                           recipients=recipients, recent=recent), 422 if form.errors else 200


# Host overview tile -------------------------------------------------------------

@admin_home_section(order=20)
def attendance_tile(group: Group) -> Markup:
    """Next meetup and attendance over the season as a small bar chart (one query)."""
    at = group_at(group)
    series, next_meetup = pages.attendance_overview(at, pages.settled_at(at, utcnow()))
    starts = fmt_relative(next_meetup.starts_at) if next_meetup is not None else None
    return render("meetups/_admin_tile.html", pages.AttendanceTile(at, series, next_meetup, starts))
