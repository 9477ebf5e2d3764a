"""Public group pages, creating a group, joining, leaving, and the member directory."""
from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from common.db import utcnow
from common.sections import rendered_sections
from common.templating import render
from common.web import page_arg
from extensions import db
from groups import directory as member_directory
from groups import invitations, memberships, pages, services
from groups.forms import ApplyForm, ConfirmForm, NewGroupForm
from groups.memberships import MembershipError
from groups.models import default_vat_rate_bp, seat_fee
from groups.permissions import load_group
from groups.seasons import default_season

bp = Blueprint("groups", __name__)

PER_PAGE = 12

bp.app_template_global("seat_fee")(seat_fee)


@bp.route("/groups")
def index():
    page = page_arg()
    rows, total = services.public_groups_page(page, PER_PAGE)
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    if page > pages:
        abort(404)
    return render_template("groups/index.html", rows=rows, total=total, page=page, pages=pages)


@bp.route("/groups/new", methods=["GET", "POST"])
@login_required
def create():
    if not current_user.is_verified:
        flash(_("Confirm your email address first, then you can host a group."), "warning")
        return redirect(url_for("members.dashboard"))
    form = NewGroupForm()
    if request.method == "GET":
        season = default_season(utcnow())
        form.season_start.data, form.season_end.data = season.start, season.last_day
        form.vat_rate.data = Decimal(default_vat_rate_bp(form.currency.data or "DKK")) / 100
    if form.validate_on_submit():
        group = services.create_group(current_user, **form.settings())
        db.session.commit()
        flash(_("Your group %(name)s is ready. Invite your first members.", name=group.name), "success")
        return redirect(url_for("group_admin.home", slug=group.slug))
    return render_template("groups/new.html", form=form)


@bp.route("/groups/<slug>")
def show(slug: str):
    group, membership = load_group(slug)
    at, viewer = pages.group_at(group), pages.standing(membership, current_user)
    sections = rendered_sections("group_page", group, membership)
    body = render("groups/_show_body.html", pages.group_page(at, viewer, sections))
    return render("groups/show.html", pages.GroupShell(at, body))


@bp.route("/groups/<slug>/apply", methods=["GET", "POST"])
@login_required
def apply(slug: str):
    group, membership = load_group(slug)
    if membership is not None and membership.status in ("applied", "approved", "active", "removed"):
        return redirect(url_for("groups.show", slug=group.slug))
    form = ApplyForm()
    if group.join_policy == "open":
        # Joining an open group needs no motivation, only the button (CSRF).
        form = ConfirmForm()
    if form.validate_on_submit():
        try:
            new = memberships.apply(
                group, current_user,
                motivation=getattr(form, "motivation", None) and form.motivation.data or "",
                contribution=getattr(form, "contribution", None) and form.contribution.data or "",
            )
        except MembershipError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return redirect(url_for("groups.show", slug=group.slug))
        db.session.commit()
        if new.status == "applied":
            flash(_("Thanks — your application is with the host. We will email you the answer."), "success")
        elif new.status == "approved":
            flash(_("Welcome! Your seat is reserved until you pay the season fee."), "success")
        else:
            flash(_("Welcome to %(name)s!", name=group.name), "success")
        return redirect(url_for("groups.show", slug=group.slug))
    if group.join_policy == "open":
        if request.method == "POST":
            abort(400)
        return redirect(url_for("groups.show", slug=group.slug))  # the join button lives there
    return render_template("groups/apply.html", group=group, form=form)


@bp.route("/groups/<slug>/leave", methods=["POST"])
@login_required
def leave(slug: str):
    group, membership = load_group(slug)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    if membership is None:
        abort(404)
    was_application = membership.status == "applied"
    try:
        memberships.leave(membership)
    except MembershipError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("groups.show", slug=group.slug))
    db.session.commit()
    if was_application:
        flash(_("Your application is withdrawn."), "success")
    else:
        flash(_("You left %(name)s.", name=group.name), "success")
    return redirect(url_for("members.dashboard"))


@bp.route("/groups/<slug>/members")
def directory(slug: str):
    group, membership = load_group(slug, require="member")
    tag = request.args.get("tag", "").strip()[:40]
    search = request.args.get("q", "").strip()[:80]
    everyone = member_directory.directory(group.id)
    members = [
        m for m in everyone
        if (not search or search.lower() in m.user.name.lower())
        and (not tag or tag.lower() in (m.user.profile.offers_tags or []) + (m.user.profile.seeks_tags or []))
    ]
    return render_template(
        "groups/directory.html",
        group=group,
        membership=membership,
        members=members,
        total=len(everyone),
        tags=member_directory.group_tags(everyone)[:24],
        tag=tag,
        search=search,
    )


@bp.route("/invite/<token>", methods=["GET", "POST"])
def invite_accept(token: str):
    invite = invitations.invite_from_token(token)
    if invite is None:
        return render_template("groups/invite_invalid.html"), 404
    group = invite.group
    if not current_user.is_authenticated:
        # Sign-in comes back here (?next=); a new account finds the invite on its dashboard.
        return render_template("groups/invite.html", invite=invite, group=group, form=None, token=token)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            membership = invitations.accept_invite(invite, current_user)
        except MembershipError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return redirect(url_for("groups.invite_accept", token=token))
        db.session.commit()
        if membership.status == "approved":
            flash(_("You are in! Your seat is reserved until you pay the season fee."), "success")
        else:
            flash(_("Welcome to %(name)s!", name=group.name), "success")
        return redirect(url_for("groups.show", slug=group.slug))
    return render_template("groups/invite.html", invite=invite, group=group, form=form, token=token)
