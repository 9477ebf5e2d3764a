"""Blueprint 'ratings': rate a meetup, connections, introductions, outcomes, value report.

Every view: load → check access → act (service) → commit once → redirect.
"""
from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import or_, select

from common.cache import read_model
from common.db import utcnow
from common.formatting import locale_code
from common.spreadsheet import to_csv
from common.templating import render
from common.urls import external_url
from extensions import db, login_manager
from groups.admin import admin_tab
from groups.models import Group, Membership
from groups.pages import GroupAt, group_at, season_choices
from groups.permissions import can_manage, load_group
from groups.seasons import Season, current_season, season_by_key
from meetups.permissions import load_meetup
from members.models import User
from outbox.services import queue_email
from ratings import introductions as intro_services
from ratings import (
    sections,  # noqa: F401  (registers the dashboard, meetup page and admin-home sections)
    services,
)
from ratings.charts import fit_chemistry_chart
from ratings.connections import connections_of, mutual_targets
from ratings.figures import MeetupFigures, ValueReport
from ratings.forms import OUTCOME_KIND_LABELS, IntroductionForm, OutcomeForm, RatingForm
from ratings.models import Introduction, Outcome
from ratings.rating_requests import read_rating_token
from ratings.report import host_comments, value_report
from ratings.value import csv_rows

bp = Blueprint("ratings", __name__)


# --------------------------------------------------------------------------- rate

@bp.route("/groups/<slug>/meetups/<int:meetup_id>/rate", methods=["GET", "POST"])
def rate(slug: str, meetup_id: int):
    """The rating form, for a signed-in attendee or for the holder of a signed link.

    A signed link (``?t=``) identifies the rater for this one form only; it
    never signs them in.
    """
    now = utcnow()
    token = request.args.get("t")
    if token:
        group, _membership, meetup = load_meetup(slug, meetup_id, require="link")
        rater_id = read_rating_token(token, meetup, now)
        if rater_id is None:
            return render_template("ratings/link_expired.html", group=group, meetup=meetup), 410
        rater = db.session.get(User, rater_id)
        if rater is None or rater.is_deactivated:
            return render_template("ratings/link_expired.html", group=group, meetup=meetup), 410
    else:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        group, _membership, meetup = load_meetup(slug, meetup_id)
        rater = current_user
    try:
        services.check_can_rate(meetup, rater.id, now)
    except services.RatingRefused as refused:
        return render_template("ratings/refused.html", group=group, meetup=meetup, reason=str(refused)), 403

    existing = services.rating_of(meetup.id, rater.id)
    previous_clicks = services.clicks_of(meetup.id, rater.id)
    others = [a for a in services.attendees(meetup) if a.user.id != rater.id]
    form = RatingForm()
    form.clicked.choices = [(a.user.id, a.user.name) for a in others]
    if request.method == "GET" and existing is not None:
        form.fit.data = existing.fit
        form.chemistry.data = existing.chemistry
        form.worth_time.data = "yes" if existing.worth_time else "no"
        form.gave_help.data = "yes" if existing.gave_help else "no"
        form.got_help.data = "yes" if existing.got_help else "no"
        form.renewal_intent.data = existing.renewal_intent
        form.comment.data = existing.comment
        form.clicked.data = sorted(previous_clicks)
    action = url_for("ratings.rate", slug=slug, meetup_id=meetup.id, t=token) if token else None
    if form.validate_on_submit():
        try:
            services.record_rating(
                meetup, rater.id,
                fit=form.fit.data, chemistry=form.chemistry.data,
                worth_time=form.worth_time.data == "yes",
                gave_help=form.gave_help.data == "yes", got_help=form.got_help.data == "yes",
                renewal_intent=form.renewal_intent.data, comment=form.comment.data or "",
                clicked=set(form.clicked.data or []), now=now,
            )
        except services.RatingRefused as refused:
            db.session.rollback()
            form.clicked.errors = [str(refused)]
        else:
            db.session.commit()
            flash(_("Thank you — your rating is saved. You can change it until the window closes."), "success")
            return redirect(url_for("ratings.rate", slug=slug, meetup_id=meetup.id, t=token, saved=1))
    mutual = mutual_targets(meetup.id, rater.id) if existing is not None else set()
    return render_template(
        "ratings/rate.html",
        group=group, meetup=meetup, form=form, rater=rater, others=others,
        existing=existing, mutual=[a.user for a in others if a.user.id in mutual],
        closes=services.window_closes(meetup), action=action, via_link=bool(token),
        purposes=(rater.profile.purposes if rater.profile else []),
    )


# --------------------------------------------------------------------------- connections

@bp.route("/connections")
@login_required
def connections():
    """My connections and deep relationships, how each started, and pending introductions."""
    mine = connections_of(current_user.id)
    pending = intro_services.pending_for(current_user.id)
    open_intros = list(
        db.session.scalars(
            select(Introduction).where(
                or_(Introduction.member_a_id == current_user.id, Introduction.member_b_id == current_user.id),
                Introduction.status == "proposed",
            )
        )
    )
    waiting = [i for i in open_intros if i not in pending]
    return render_template(
        "ratings/connections.html",
        connections=mine, pending=pending, waiting_count=len(waiting),
        deep_count=sum(1 for c in mine if c.is_deep),
    )


@bp.route("/introductions/<int:intro_id>/respond", methods=["POST"])
@login_required
def introduction_respond(intro_id: int):
    accept = request.form.get("answer") == "accept"
    if request.form.get("answer") not in ("accept", "decline"):
        abort(400)
    try:
        intro = intro_services.respond(intro_id, current_user.id, accept, utcnow())
    except LookupError:
        abort(404)
    except intro_services.IntroductionRefused as refused:
        flash(str(refused), "warning")
        return redirect(url_for("ratings.connections"))
    db.session.commit()
    if not accept:
        flash(_("Introduction declined. Nobody else is told why."), "info")
    elif intro.status == "accepted":
        flash(_("You both said yes — contact details are now shared."), "success")
    else:
        flash(_("Thanks — we'll share contact details once the other side accepts too."), "success")
    return redirect(url_for("ratings.connections"))


@bp.route("/introductions/<int:intro_id>/met", methods=["POST"])
@login_required
def introduction_met(intro_id: int):
    try:
        intro_services.mark_met(intro_id, current_user.id, utcnow())
    except LookupError:
        abort(404)
    except intro_services.IntroductionRefused as refused:
        flash(str(refused), "warning")
        return redirect(url_for("ratings.connections"))
    db.session.commit()
    flash(_("Great — the meeting is recorded."), "success")
    return redirect(url_for("ratings.connections"))


def _member_choices(group_id: int, exclude: int | None = None) -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(User.id, User.name)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.group_id == group_id, Membership.status == "active")
        .order_by(User.name)
    ).all()
    return [(uid, name) for uid, name in rows if uid != exclude]


@bp.route("/groups/<slug>/introductions/new", methods=["GET", "POST"])
@login_required
def introduction_new(slug: str):
    """Propose an introduction between two members (double opt-in)."""
    group, membership = load_group(slug, require="member")
    form = IntroductionForm()
    choices = [(0, _("Choose a member"))] + _member_choices(group.id, exclude=current_user.id)
    form.member_a_id.choices = choices
    form.member_b_id.choices = choices
    if form.validate_on_submit():
        try:
            intro_services.propose_introduction(
                group, current_user, form.member_a_id.data, form.member_b_id.data,
                form.reason.data, utcnow(),
            )
        except intro_services.IntroductionRefused as refused:
            form.member_b_id.errors = [str(refused)]
        else:
            db.session.commit()
            flash(_("Introduction proposed. Both get an email and accept on their Connections page."), "success")
            return redirect(url_for("ratings.value", slug=group.slug))
    return render_template(
        "ratings/introduction_new.html", group=group, form=form,
        is_host=can_manage(membership, current_user), admin_layout=True,
    )


# --------------------------------------------------------------------------- outcomes

@bp.route("/groups/<slug>/outcomes/new", methods=["GET", "POST"])
@login_required
def outcome_new(slug: str):
    """Report what the group brought me; optionally thank a member (they are notified)."""
    group, membership = load_group(slug, require="member")
    form = OutcomeForm()
    form.credited_user_id.choices = [(0, _("— nobody in particular —"))] + _member_choices(
        group.id, exclude=current_user.id
    )
    intros = db.session.execute(
        select(Introduction.id, Introduction.member_a_id, Introduction.member_b_id, User.name)
        .join(User, User.id == Introduction.introducer_id, isouter=True)
        .where(
            Introduction.group_id == group.id,
            Introduction.status.in_(("accepted", "met")),
            or_(Introduction.member_a_id == current_user.id, Introduction.member_b_id == current_user.id),
        )
    ).all()
    names = dict(_member_choices(group.id))
    form.introduction_id.choices = [(0, _("— no —"))] + [
        (iid, _("%(other)s, introduced by %(introducer)s",
                other=names.get(b if a == current_user.id else a, "?"), introducer=introducer or "?"))
        for iid, a, b, introducer in intros
    ]
    if form.validate_on_submit():
        value_minor = None
        if form.value.data is not None:
            value_minor = int((Decimal(form.value.data) * 100).to_integral_value())
        outcome = Outcome(
            group_id=group.id, user_id=current_user.id, kind=form.kind.data,
            value_minor=value_minor, currency=group.currency,
            credited_user_id=form.credited_user_id.data or None,
            introduction_id=form.introduction_id.data or None,
            note=(form.note.data or "").strip(), created_at=utcnow(),
        )
        db.session.add(outcome)
        db.session.flush()
        if outcome.credited_user_id:
            credited = db.session.get(User, outcome.credited_user_id)
            if credited is not None:
                queue_email(
                    credited.email,
                    _("%(name)s thanked you in %(group)s", name=current_user.name, group=group.name),
                    "outcome_credited",
                    {
                        "name": credited.name, "from_name": current_user.name, "group_name": group.name,
                        "kind": str(OUTCOME_KIND_LABELS.get(outcome.kind, outcome.kind)),
                        "note": outcome.note,
                        "url": external_url("ratings.value", slug=group.slug, view="me"),
                    },
                    dedupe_key=f"outcome-credited:{outcome.id}",
                )
        db.session.commit()
        flash(_("Thank you — the outcome counts in the group's value report."), "success")
        return redirect(url_for("ratings.value", slug=group.slug, view="me"))
    return render_template("ratings/outcome_new.html", group=group, form=form)


# --------------------------------------------------------------------------- value report

def _season_arg(group: Group, seasons: list[Season]) -> Season:
    key = request.args.get("season", type=int)
    if key is None:
        return seasons[0]
    if not 1900 < key < 3000:
        abort(404)
    return season_by_key(group, key)


class ValueBody(NamedTuple):
    """What the value report's body shows; its HTML is kept under this value."""

    group: GroupAt
    report: ValueReport
    view: str  # "group" or "me"
    seasons: tuple[Season, ...]
    chart: Markup
    chart_narrow: Markup
    comments: tuple[tuple[MeetupFigures, tuple[str, ...]], ...]
    is_host: bool
    is_member: bool
    outcome_labels: tuple[tuple[str, str], ...]


class ValueShell(NamedTuple):
    group: GroupAt
    body: Markup
    admin_layout: bool
    admin_tab: str | None


@read_model
def season_charts(
    meetups: tuple[MeetupFigures, ...], season_label: str, min_raters: int, tz: str, locale: str,
) -> tuple[Markup, Markup]:
    """The fit and chemistry chart, wide and narrow, in ``locale``."""
    args = {
        "title": _("Fit and chemistry per meetup, %(season)s", season=season_label),
        "desc": _("Average fit and chemistry (1 to 5) of each meetup of the season; "
                  "meetups with fewer than %(n)d ratings are left out.", n=min_raters),
        "fit_label": _("Fit"), "chemistry_label": _("Chemistry"),
        "withheld_label": _("not enough ratings"), "tz": tz,
    }
    return (fit_chemistry_chart(meetups, **args),
            fit_chemistry_chart(meetups, width=360, font=15, id_prefix="chart-narrow", **args))


@bp.route("/groups/<slug>/value")
@login_required
def value(slug: str):
    """Is this group worth the fee? Group view for members and hosts; "me" view for members."""
    group, membership = load_group(slug, require="member")
    now = utcnow()
    at = group_at(group)
    seasons = season_choices(at, current_season(at, now))
    season = _season_arg(group, list(seasons))
    is_host = can_manage(membership, current_user)
    is_member = membership is not None and membership.status == "active"
    view = request.args.get("view", "group")
    if view not in ("group", "me") or (view == "me" and not is_member):
        view = "group"
    report = value_report(group, season, now, me=membership if view == "me" else None)
    comments = host_comments(group, report) if is_host and view == "group" else []
    titles = {m.meetup_id: m for m in report.meetups}
    chart, chart_narrow = season_charts(report.meetups, report.season.label, report.thresholds.min_raters, at.timezone, locale_code())
    body = render("ratings/_value_body.html", ValueBody(
        at, report, view, seasons, chart, chart_narrow,
        tuple((titles[m], tuple(texts)) for m, texts in comments), is_host, is_member,
        tuple((kind, str(label)) for kind, label in OUTCOME_KIND_LABELS.items()),
    ))
    return render("ratings/value.html", ValueShell(at, body, is_host, admin_tab() if is_host else None))


@bp.route("/groups/<slug>/value.csv")
@login_required
def value_csv(slug: str):
    """The group figures of the season as CSV (no comments, nothing per member)."""
    group, _membership = load_group(slug, require="member")
    now = utcnow()
    season = _season_arg(group, list(season_choices(group_at(group), current_season(group, now))))
    report = value_report(group, season, now)
    body = to_csv(csv_rows(report, group.name))
    filename = f"nq-value-{group.slug}-{season.key}.csv"
    return Response(
        body, mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
