"""Member meetup pages: details and RSVP, self check-in, my meetups, calendar feed.

Every view loads in the order load → check access → act; services never
commit, the view commits once and redirects (PRG).
"""
from __future__ import annotations

from functools import lru_cache

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError, OperationalError

from common.db import utcnow
from common.formatting import fmt_relative
from common.sections import dashboard_section, group_page_section, rendered_sections
from common.templating import render
from common.tick import tick_task
from extensions import db
from groups.models import Group, Membership
from groups.pages import MyGroups, group_at, standing
from groups.permissions import can_manage, can_see_members, load_group
from meetups import attendance, pages, reminders, services
from meetups import rsvp as meetup_rsvp
from meetups.calendar import feed_meetups, meetup_ics, user_feed
from meetups.forms import SelfCheckInForm
from meetups.models import RSVP, Meetup
from meetups.permissions import load_meetup
from members.models import User, new_calendar_token
from members.privacy import export_section

bp = Blueprint("meetups", __name__)


def _my_rsvp(meetup_id: int) -> RSVP | None:
    if not current_user.is_authenticated:
        return None
    return db.session.scalars(
        select(RSVP).where(RSVP.meetup_id == meetup_id, RSVP.user_id == current_user.id)
    ).first()


@bp.route("/groups/<slug>/meetups/<int:meetup_id>")
def detail(slug: str, meetup_id: int):
    """Details for members; title and date only for everyone else (public groups)."""
    group, membership = load_group(slug)
    at, viewer = group_at(group), standing(membership, current_user)
    meetup = pages.meetup_at(at, meetup_id)
    if meetup is None:
        abort(404)
    now = utcnow()
    rsvp = pages.rsvp_at(at, meetup.id, current_user.id) if viewer.is_member and current_user.is_authenticated else None
    sections = rendered_sections("meetup_page", group, meetup, membership, rsvp) if viewer.is_member else ()
    page = pages.meetup_page(at, meetup, viewer, rsvp, now, fmt_relative(meetup.starts_at), sections)
    body = render("meetups/_detail_body.html", page)
    return render("meetups/detail.html", pages.MeetupShell(at, meetup, body))


@bp.route("/groups/<slug>/meetups/<int:meetup_id>/rsvp", methods=["POST"])
@login_required
def rsvp(slug: str, meetup_id: int):
    group, membership, meetup = load_meetup(slug, meetup_id, require="member")
    response = request.form.get("response", "")
    if response not in ("going", "not_going"):
        abort(400)
    try:
        row = meetup_rsvp.rsvp(meetup, current_user, response)
        db.session.commit()
    except services.MeetupError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    except IntegrityError:  # a double click raced itself; the first answer stands
        db.session.rollback()
        flash(_("Your answer was already saved."), "info")
    except OperationalError:  # SQLite busy for too long under a rush of answers
        db.session.rollback()
        flash(_("Many members are answering right now. Please try again."), "error")
    else:
        messages = {
            "going": _("You are going. We emailed you a calendar invitation."),
            "waitlisted": _("The meetup is full, so you are on the waitlist. "
                            "We email you as soon as a seat frees up."),
            "not_going": _("Thanks for letting us know you can't come."),
        }
        flash(messages[row.response], "success")
    return redirect(url_for("meetups.detail", slug=group.slug, meetup_id=meetup.id))


@bp.route("/groups/<slug>/meetups/<int:meetup_id>/check-in", methods=["GET", "POST"])
@login_required
def self_check_in(slug: str, meetup_id: int):
    """The QR code at the venue opens this page with the code filled in; POST checks in."""
    group, membership, meetup = load_meetup(slug, meetup_id, require="member")
    form = SelfCheckInForm()
    if request.method == "GET" and request.args.get("code"):
        form.code.data = request.args["code"][:20]
    if form.validate_on_submit():
        try:
            attendance.self_check_in(meetup, current_user, form.code.data)
            db.session.commit()
        except services.MeetupError as exc:
            db.session.rollback()
            form.code.errors = [*form.code.errors, str(exc)]
        else:
            flash(_("You are checked in. Enjoy the meetup!"), "success")
            return redirect(url_for("meetups.detail", slug=group.slug, meetup_id=meetup.id))
    status = 422 if request.method == "POST" else 200
    rsvp = _my_rsvp(meetup.id)
    return render_template("meetups/check_in.html", group=group, meetup=meetup, form=form, rsvp=rsvp,
                           open=attendance.checkin_open(meetup)), status


@bp.route("/groups/<slug>/meetups/<int:meetup_id>.ics")
@login_required
def meetup_file(slug: str, meetup_id: int):
    """"Add to calendar": this one meetup as an .ics download."""
    group, membership, meetup = load_meetup(slug, meetup_id, require="member")
    rsvp = _my_rsvp(meetup.id)
    body = meetup_ics(meetup, rsvp.response if rsvp else None, current_user,
                      url_for("meetups.detail", slug=group.slug, meetup_id=meetup.id, _external=True))
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="meetup-{meetup.id}.ics"'})


@bp.route("/meetups")
@login_required
def mine():
    """My upcoming meetups across groups, my answers, and the calendar subscription."""
    now = utcnow()
    rows = db.session.execute(
        select(Meetup, RSVP)
        .join(Membership, and_(Membership.group_id == Meetup.group_id, Membership.user_id == current_user.id))
        .outerjoin(RSVP, and_(RSVP.meetup_id == Meetup.id, RSVP.user_id == current_user.id))
        .where(Membership.status == "active", Meetup.ends_at > now)
        .order_by(Meetup.starts_at)
        .limit(50)
    ).all()
    past = db.session.execute(
        select(Meetup, RSVP)
        .join(RSVP, and_(RSVP.meetup_id == Meetup.id, RSVP.user_id == current_user.id))
        .where(Meetup.ends_at <= now, RSVP.checked_in_at.is_not(None))
        .order_by(Meetup.starts_at.desc())
        .limit(12)
    ).all()
    feed_url = url_for("meetups.calendar_feed", token=current_user.calendar_token, _external=True)
    return render_template("meetups/mine.html", rows=rows, past=past, feed_url=feed_url,
                           webcal_url="webcal://" + feed_url.split("://", 1)[1])


@bp.route("/meetups/calendar/regenerate", methods=["POST"])
@login_required
def regenerate_calendar():
    """A new secret address for the feed; the old one stops working (404)."""
    from flask_wtf.csrf import validate_csrf
    from wtforms import ValidationError

    try:
        validate_csrf(request.form.get("csrf_token", ""))
    except ValidationError:
        abort(400)
    current_user.calendar_token = new_calendar_token()
    db.session.commit()
    flash(_("Your calendar has a new address. Subscribe again with the new link; the old one no longer works."),
          "success")
    return redirect(url_for("meetups.mine"))


@bp.route("/calendar/<token>.ics")
def calendar_feed(token: str):
    """The personal feed; no login (calendar apps can't), the secret token is the key."""
    if len(token) > 64:
        abort(404)
    user = db.session.scalars(select(User).where(User.calendar_token == token)).first()
    if user is None or user.is_deactivated:
        abort(404)
    rows = feed_meetups(user)
    body = user_feed(
        user, rows,
        lambda m: url_for("meetups.detail", slug=m.group.slug, meetup_id=m.id, _external=True),
    )
    return Response(body, mimetype="text/calendar",
                    headers={"Cache-Control": "private, max-age=300", "X-Robots-Tag": "noindex"})


# flask tick ---------------------------------------------------------------------

@tick_task
def meetup_reminders(now) -> int:
    """Reminders two days before (deduplicated, safe to run every minute)."""
    return reminders.queue_reminders(now)


@tick_task
def meetups_held(now) -> int:
    """Scheduled meetups that have ended become "held"."""
    return reminders.mark_held(now)


# Sections on shared pages -----------------------------------------------------

@group_page_section(order=20)
def group_upcoming_meetups(group: Group, membership: Membership | None) -> Markup:
    """Next meetups of the group: details for members, title and date for the public."""
    at = group_at(group)
    is_member = can_see_members(membership)
    now = utcnow()
    viewer_id = membership.user_id if membership is not None and is_member else None
    rows = pages.yet_to_end(pages.group_upcoming(at, viewer_id, now.date()), now, 4)
    return render("meetups/_group_section.html", pages.GroupMeetups(
        at, rows, tuple(fmt_relative(m.starts_at) for m in rows), is_member, can_manage(membership)))


@dashboard_section(order=20)
def dashboard_upcoming_meetups(user, groups: MyGroups) -> Markup | None:
    """My next meetups across my active groups, with my answer."""
    active = tuple(m.group for m in groups.memberships if m.status == "active")
    if not active:
        return None
    now = utcnow()
    rows = pages.yet_to_end(pages.my_upcoming(user.id, active, now.date()), now, 5)
    return render("meetups/_dashboard_section.html", pages.DashboardMeetups(
        rows, tuple(fmt_relative(m.starts_at) for m in rows), active))


@bp.app_template_global()
def meetup_row(meetup, group, url: str, relative: str = "", response: str | None = None,
               show_response: bool = False, show_group: bool = False, show_place: bool = True) -> Markup:
    """One meetup in a list (dashboard, group page, my meetups), kept per what it shows."""
    return render("meetups/_meetup_row.html", pages.MeetupLine(pages.MeetupRow(
        url, meetup.title, meetup.starts_at, meetup.ends_at, meetup.status, group.timezone,
        relative if meetup.status == "scheduled" else "", group.name if show_group else None,
        meetup.place if show_place else None, show_response, response if show_response else None,
    )))


@bp.app_template_filter("date_parts")
def date_parts(value, tz: str | None = None) -> dict[str, str]:
    """Weekday, day and month of a UTC time in ``tz`` for the calendar badge."""
    from common.formatting import locale_code

    return _date_parts(value, tz, locale_code())


@lru_cache(maxsize=1024)
def _date_parts(value, tz: str | None, locale: str) -> dict[str, str]:
    from babel.dates import format_datetime

    from common.formatting import to_local

    local = to_local(value, tz)
    return {
        "weekday": format_datetime(local, "EEE", tzinfo=local.tzinfo, locale=locale),
        "day": format_datetime(local, "d", tzinfo=local.tzinfo, locale=locale),
        "month": format_datetime(local, "MMM", tzinfo=local.tzinfo, locale=locale),
    }


# --------------------------------------------------------------------------- GDPR

@export_section("rsvps")
def export_rsvps(user) -> list[dict]:
    """My answers to meetups and my attendance, for the data export."""
    rows = db.session.execute(
        select(Meetup.title, Meetup.starts_at, Group.name, RSVP.response, RSVP.responded_at, RSVP.waitlisted_at,
               RSVP.checked_in_at, RSVP.walk_in)
        .join(Meetup, Meetup.id == RSVP.meetup_id).join(Group, Group.id == Meetup.group_id)
        .where(RSVP.user_id == user.id).order_by(Meetup.starts_at)
    ).all()
    return [
        {"meetup": title, "group": group, "starts_at": starts.isoformat(), "response": response,
         "responded_at": responded.isoformat() if responded else None,
         "waitlisted_at": waitlisted.isoformat() if waitlisted else None,
         "checked_in_at": checked.isoformat() if checked else None, "walk_in": walk_in}
        for title, starts, group, response, responded, waitlisted, checked, walk_in in rows
    ]
