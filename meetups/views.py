"""Member meetup pages: details and RSVP, self check-in, my meetups, calendar feed.

Every view loads in the order load → check access → act; services never
commit, the view commits once and redirects (PRG).
"""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import and_, bindparam, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import lazyload

from common.cache import earliest, kept, kept_for_page, kept_objects, page_key
from common.db import read_rows, utcnow
from common.formatting import fmt_relative
from common.sections import KeptSection, dashboard_section, group_page_section, rendered_sections
from common.templating import render_kept, render_keyed, render_page
from common.tick import tick_task
from extensions import db
from groups import services as group_services
from groups.models import Group, Membership
from groups.permissions import can_manage, can_see_members, load_group
from groups.services import Face
from meetups import services
from meetups.calendar import feed_meetups, meetup_ics, user_feed
from meetups.forms import SelfCheckInForm
from meetups.models import RSVP, Meetup
from members.models import Profile, User, new_calendar_token

bp = Blueprint("meetups", __name__)

GOING_SHOWN = 60


def load_meetup(slug: str, meetup_id: int, require=None) -> tuple[Group, Membership | None, Meetup]:
    """The group (404/403 as ``load_group``) and its meetup (404 if not in the group)."""
    group, membership = load_group(slug, require=require)
    meetup = db.session.scalars(
        select(Meetup).where(Meetup.id == meetup_id, Meetup.group_id == group.id)
    ).first()
    if meetup is None:
        abort(404)
    return group, membership, meetup


def _my_rsvp(meetup_id: int) -> RSVP | None:
    if not current_user.is_authenticated:
        return None
    return db.session.scalars(
        select(RSVP).where(RSVP.meetup_id == meetup_id, RSVP.user_id == current_user.id)
    ).first()


@lru_cache(maxsize=1)
def _detail_statement():
    """The meetup of the group, with the user's RSVP if any."""
    return (
        select(Meetup, RSVP)
        .outerjoin(RSVP, and_(RSVP.meetup_id == Meetup.id, RSVP.user_id == bindparam("uid")))
        .where(Meetup.id == bindparam("mid"), Meetup.group_id == bindparam("gid"))
        # The group is already loaded in this request: no join for it.
        .options(lazyload(Meetup.group))
    )


@lru_cache(maxsize=2)
def _faces_statement(went: bool):
    """Who is going (or, once attendance is taken, who went), first by name."""
    shown = RSVP.checked_in_at.is_not(None) if went else RSVP.response == "going"
    return (
        select(User.id, User.name, Profile.photo_filename)
        .join(RSVP, RSVP.user_id == User.id)
        .outerjoin(Profile, Profile.user_id == User.id)
        .where(RSVP.meetup_id == bindparam("mid"), shown)
        .order_by(User.name)
        .limit(GOING_SHOWN)
    )


@bp.route("/groups/<slug>/meetups/<int:meetup_id>")
def detail(slug: str, meetup_id: int):
    """Details for members; title and date only for everyone else (public groups)."""
    group, membership = load_group(slug)
    user_id = current_user.id if current_user.is_authenticated else -1
    params = {"uid": user_id, "mid": meetup_id, "gid": group.id}
    found = kept_objects(("meetup", group.id, group.data_version, meetup_id, user_id),
                         lambda: db.session.execute(_detail_statement(), params).all(), Meetup, RSVP)
    if not found:
        abort(404)
    meetup, rsvp = found[0]
    now = utcnow()
    is_member = can_see_members(membership) or (current_user.is_authenticated and current_user.is_admin)
    context = {"group": group, "membership": membership, "meetup": meetup, "is_member": is_member,
               "starts_relative": fmt_relative(meetup.starts_at)}
    if is_member:
        # After the meetup, "who went" is who was checked in (when attendance was taken).
        went = meetup.ends_at <= now and meetup.attendance_taken
        going = kept(("meetup_faces", group.id, group.data_version, meetup.id, went), lambda: tuple(
            Face(*row) for row in read_rows(_faces_statement(went), {"mid": meetup.id})))
        waitlist_position = None
        if rsvp is not None and rsvp.response == "waitlisted":
            waitlist_position = db.session.scalar(
                select(db.func.count(RSVP.id)).where(
                    RSVP.meetup_id == meetup.id, RSVP.response == "waitlisted",
                    RSVP.waitlisted_at <= rsvp.waitlisted_at,
                )
            )
        context.update(
            rsvp=rsvp,
            going=going,
            waitlist_position=waitlist_position,
            rsvp_open=services.rsvp_open(meetup, now),
            is_past=meetup.ends_at <= now,
            shown_count=len(going) if went else meetup.going_count,
            checkin_open=services.checkin_open(meetup, now) and not (rsvp and rsvp.checked_in_at),
            is_host=can_manage(membership, current_user),
            sections=rendered_sections("meetup_page", meetup, membership, rsvp),
        )
    if context.get("checkin_open"):  # a form of its own (WTForms, its own token): the page is drawn for this request
        context["checkin_form"] = SelfCheckInForm()
        body = Markup(render_template("meetups/_detail_body.html", **context))  # noqa: S704 (autoescaped template output)
        return render_template("meetups/detail.html", group=group, meetup=meetup, body=body)
    # Everything the body shows besides the group's data: the clock's verdicts and the viewer's answer.
    key = ("meetup", group.id, group.data_version, meetup.id, rsvp and (rsvp.response, rsvp.checked_in_at),
           *(context.get(name) for name in ("is_member", "starts_relative", "waitlist_position", "rsvp_open",
                                            "is_past", "shown_count", "is_host", "sections")))
    body = render_keyed("meetups/_detail_body.html", key, lambda: context)
    return render_page("meetups/detail.html", (group.id, group.data_version, meetup.id, body),
                       group=group, meetup=meetup, body=body)


@bp.route("/groups/<slug>/meetups/<int:meetup_id>/rsvp", methods=["POST"])
@login_required
def rsvp(slug: str, meetup_id: int):
    group, membership, meetup = load_meetup(slug, meetup_id, require="member")
    response = request.form.get("response", "")
    if response not in ("going", "not_going"):
        abort(400)
    try:
        row = services.rsvp(meetup, current_user, response)
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
            services.self_check_in(meetup, current_user, form.code.data)
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
                           open=services.checkin_open(meetup)), status


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
    return services.queue_reminders(now)


@tick_task
def meetups_held(now) -> int:
    """Scheduled meetups that have ended become "held"."""
    return services.mark_held(now)


# Sections on shared pages -----------------------------------------------------

class ListedMeetup(NamedTuple):
    """A meetup as lists show it (plain columns: no object to build)."""

    id: int
    group_id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    status: str
    place: str | None


LISTED_COLUMNS = (Meetup.id, Meetup.group_id, Meetup.title, Meetup.starts_at, Meetup.ends_at, Meetup.status,
                  Meetup.place)


def _first_end(rows) -> datetime | None:
    """Lists of meetups that have not ended hold until the first of them ends."""
    return earliest(meetup.ends_at for meetup, _response in rows)


@lru_cache(maxsize=1)
def _group_upcoming_statement():
    return (
        select(*LISTED_COLUMNS, RSVP.response)
        .outerjoin(RSVP, and_(RSVP.meetup_id == Meetup.id, RSVP.user_id == bindparam("viewer")))
        .where(Meetup.group_id == bindparam("gid"),
               Meetup.ends_at > bindparam("now", type_=Meetup.ends_at.type), Meetup.status != "held")
        .order_by(Meetup.starts_at)
        .limit(4)
    )


@group_page_section(order=20)
def group_upcoming_meetups(group: Group, membership: Membership | None):
    """Next meetups of the group: details for members, title and date for the public."""
    is_member = can_see_members(membership)
    viewer_id = membership.user_id if is_member else -1
    rows = kept(
        ("group_upcoming", group.id, group.data_version, viewer_id),
        lambda: tuple((ListedMeetup(*row[:-1]), row.response) for row in read_rows(
            _group_upcoming_statement(), {"viewer": viewer_id, "gid": group.id, "now": utcnow()})),
        until=_first_end,
    )
    is_host = can_manage(membership)
    # The version names the group's data; the rows (with this viewer's answers)
    # and their "in 3 days" texts are the rest of what the section shows.
    starts = tuple(fmt_relative(meetup.starts_at) for meetup, _response in rows)
    return KeptSection(
        "meetups/_group_section.html",
        ("group_meetups", group.id, group.data_version, rows, starts, is_member, is_host),
        lambda: {
            "meetups": [meetup for meetup, _response in rows], "is_member": is_member, "is_host": is_host,
            "responses": {meetup.id: response for meetup, response in rows if response}, "section_group": group,
        },
    )


@lru_cache(maxsize=1)
def _upcoming_statement():
    uid = bindparam("uid")
    return (
        select(*LISTED_COLUMNS, RSVP.response)
        .join(Membership, and_(Membership.group_id == Meetup.group_id, Membership.user_id == uid))
        .outerjoin(RSVP, and_(RSVP.meetup_id == Meetup.id, RSVP.user_id == uid))
        .where(
            Membership.status == "active",
            Meetup.ends_at > bindparam("now", type_=Meetup.ends_at.type),
            Meetup.status != "held",
        )
        .order_by(Meetup.starts_at)
    )


@dashboard_section(order=20)
def dashboard_upcoming_meetups(user):
    """My next meetups across my groups, with my answer (one query).

    The query reads every meetup of mine that has yet to end; the first five
    that have not ended *now* are shown. On the dashboard the rows are kept
    per the versions of my groups: time only ever removes rows from them."""
    now = utcnow()
    if not group_services.my_active_group_ids(user.id):
        return None
    rows = kept_for_page(f"upcoming:{user.id}", lambda: tuple(
        (ListedMeetup(*row[:-1]), row.response) for row in read_rows(_upcoming_statement(), {"uid": user.id, "now": now})))
    rows = tuple((meetup, response) for meetup, response in rows if meetup.ends_at > now)[:5]

    def context():
        groups = {m.group_id: m.group for m in group_services.my_memberships(user.id) if m.status == "active"}
        return {"meetup_rows": rows, "meetup_groups": groups}

    key = page_key()
    if key is None:
        return "meetups/_dashboard_section.html", context()
    # The page key names the groups' versions (names, slugs, time zones); the
    # rows and their "in 3 days" texts are the rest of what the section shows.
    starts = tuple(fmt_relative(meetup.starts_at) for meetup, _response in rows)
    return KeptSection("meetups/_dashboard_section.html", ("dashboard_meetups", *key, rows, starts), context)


class MeetupRow(NamedTuple):
    """What one row of a meetup list shows: the row is a pure function of it."""

    url: str
    title: str
    starts_at: datetime
    ends_at: datetime
    status: str
    tz: str | None
    relative: str  # 'in 3 days' for a scheduled meetup, else ""
    group_name: str | None
    place: str | None
    show_response: bool
    response: str | None


@bp.app_template_global()
def meetup_row(meetup, group, url: str, response: str | None = None, show_response: bool = False,
               show_group: bool = False, show_place: bool = True) -> Markup:
    """One meetup in a list (dashboard, group page, my meetups), drawn once per worker per content."""
    from common.formatting import fmt_relative

    row = MeetupRow(
        url, meetup.title, meetup.starts_at, meetup.ends_at, meetup.status, group.timezone,
        fmt_relative(meetup.starts_at) if meetup.status == "scheduled" else "",
        group.name if show_group else None, meetup.place if show_place else None,
        show_response, response if show_response else None,
    )
    return render_kept("meetups/_meetup_row.html", row=row)


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
