"""Host admin pages of a group: overview, members, applications, invites, audit log, settings.

Every view loads the group with ``load_group(slug, require="host")`` first.
"""
from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from common.formatting import fmt_relative
from common.sections import rendered_sections
from common.templating import render
from common.web import page_arg
from extensions import db, limiter
from groups import audit_log, invitations, memberships, pages, services
from groups.forms import ConfirmForm, GroupForm, InviteForm
from groups.memberships import MembershipError
from groups.models import Invite, Membership
from groups.pages import GroupAt, open_applications
from groups.permissions import load_group
from meetups.attendance import absence_flags

bp = Blueprint("group_admin", __name__)

# The host sub-navigation: (endpoint, label); tabs of areas not built yet are skipped.
ADMIN_TABS = (
    ("group_admin.home", _l("Overview")),
    ("group_admin.members", _l("Members")),
    ("meetups_admin.index", _l("Meetups")),
    ("meetups_admin.attendance_home", _l("Attendance")),
    ("billing_admin.payments", _l("Payments")),
    ("ratings.value", _l("Value")),
    ("group_admin.settings", _l("Settings")),
)
# Pages that belong under a tab (so the tab stays marked on sub-pages).
TAB_OF = {
    "group_admin.invites": "group_admin.members",
    "group_admin.audit": "group_admin.home",
    **{f"meetups_admin.{e}": "meetups_admin.index" for e in ("new", "season", "detail", "edit", "message")},
    **{f"meetups_admin.{e}": "meetups_admin.attendance_home" for e in ("attendance", "checkin_code", "history")},
    **{f"billing_admin.{e}": "billing_admin.payments" for e in ("payments_csv", "payment_detail", "settings")},
    "ratings.introduction_new": "ratings.value",
}

MEMBER_VIEWS = {
    "current": ("active", "approved", "lapsed"),
    "applied": ("applied",),
    "former": ("left", "removed", "declined"),
}


@bp.record_once
def _admin_globals(state) -> None:
    state.app.jinja_env.globals["admin_tabs"] = ADMIN_TABS


@bp.app_template_global()
def has_endpoint(endpoint: str) -> bool:
    return endpoint in current_app.view_functions


class AdminHead(NamedTuple):
    slug: str
    name: str
    tab: str | None


class AdminPage(NamedTuple):
    """A host admin page kept whole: its group, body and open tab."""

    group: GroupAt
    body: Markup
    admin_tab: str | None


def admin_tab() -> str | None:
    """The tab this request's page belongs under."""
    return TAB_OF.get(request.endpoint or "", request.endpoint)


@bp.app_template_global()
def admin_head(slug: str, name: str, tab: str | None) -> Markup:
    """The admin pages' heading and tabs (kept per group name and tab)."""
    return render("groups/admin/_head.html", AdminHead(slug, name, tab))


@bp.app_context_processor
def _admin_helpers() -> dict:
    return {"admin_tab": admin_tab() if has_request_context() else None}


def _membership_in(group_id: int, membership_id: int) -> Membership:
    membership = db.session.scalars(
        select(Membership).where(Membership.id == membership_id, Membership.group_id == group_id)
    ).first()
    if membership is None:
        abort(404)
    return membership


def _require_post_form() -> None:
    if not ConfirmForm().validate_on_submit():
        abort(400)


def _back(default: str, slug: str):
    target = request.form.get("next", "")
    if target in ("home", "members", "applied"):
        if target == "applied":
            return redirect(url_for("group_admin.members", slug=slug, show="applied"))
        return redirect(url_for(f"group_admin.{target}", slug=slug))
    return redirect(url_for(default, slug=slug))


@bp.route("/groups/<slug>/admin")
def home(slug: str):
    group, membership = load_group(slug, require="host")
    at = pages.group_at(group)
    body = render("groups/admin/_home_body.html",
                pages.admin_home(at, rendered_sections("admin_home", group), fmt_relative))
    return render("groups/admin/home.html", AdminPage(at, body, admin_tab()))


@bp.route("/groups/<slug>/admin/members")
def members(slug: str):
    group, membership = load_group(slug, require="host")
    show = request.args.get("show", "current")
    if show not in MEMBER_VIEWS:
        show = "current"
    if show == "applied":
        rows = []
        applications = [(a, fmt_relative(a.applied_at)) for a in open_applications(group.id)]
    else:
        rows = memberships.memberships_of_group(group.id, MEMBER_VIEWS[show])
        applications = []
    counts = services.group_counts(group.id)
    # The group's absence rule flags members who miss too many meetups.
    absences = absence_flags(group) if show == "current" else {}
    return render_template(
        "groups/admin/members.html", group=group, membership=membership, rows=rows, show=show, counts=counts,
        absences=absences, applications=applications,
    )


def _act(slug: str, membership_id: int, action) -> object:
    group, mine = load_group(slug, require="host")
    _require_post_form()
    target = _membership_in(group.id, membership_id)
    try:
        message = action(target, mine)
    except MembershipError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _back("group_admin.members", group.slug)
    db.session.commit()
    flash(message, "success")
    return _back("group_admin.members", group.slug)


@bp.route("/groups/<slug>/admin/members/<int:membership_id>/approve", methods=["POST"])
def approve(slug: str, membership_id: int):
    def action(target: Membership, _mine):
        memberships.approve(target, current_user)
        if target.status == "approved":
            return _("%(name)s is approved and now awaits payment.", name=target.user.name)
        return _("%(name)s is now a member.", name=target.user.name)

    return _act(slug, membership_id, action)


@bp.route("/groups/<slug>/admin/members/<int:membership_id>/decline", methods=["POST"])
def decline(slug: str, membership_id: int):
    def action(target: Membership, _mine):
        memberships.decline(target, current_user)
        return _("The application of %(name)s is declined. We told them by email.", name=target.user.name)

    return _act(slug, membership_id, action)


@bp.route("/groups/<slug>/admin/members/<int:membership_id>/remove", methods=["POST"])
def remove(slug: str, membership_id: int):
    def action(target: Membership, mine):
        memberships.remove(target, current_user, mine)
        return _("%(name)s is removed from the group.", name=target.user.name)

    return _act(slug, membership_id, action)


@bp.route("/groups/<slug>/admin/members/<int:membership_id>/role", methods=["POST"])
def set_role(slug: str, membership_id: int):
    role = request.form.get("role", "")

    def action(target: Membership, mine):
        memberships.set_role(target, role, current_user, mine)
        if role == "co-host":
            return _("%(name)s is now a co-host.", name=target.user.name)
        return _("%(name)s is no longer a co-host.", name=target.user.name)

    return _act(slug, membership_id, action)


@bp.route("/groups/<slug>/admin/invites", methods=["GET", "POST"])
@limiter.limit("60 per hour", methods=["POST"])
def invites(slug: str):
    group, membership = load_group(slug, require="host")
    form = InviteForm()
    if form.validate_on_submit():
        invitations.invite(group, form.email.data, current_user)
        db.session.commit()
        flash(_("Invitation sent to %(email)s.", email=form.email.data.strip().lower()), "success")
        return redirect(url_for("group_admin.invites", slug=group.slug))
    return render_template(
        "groups/admin/invites.html",
        group=group, membership=membership, form=form, invites=invitations.open_invites(group.id),
    )


@bp.route("/groups/<slug>/admin/invites/<int:invite_id>/revoke", methods=["POST"])
def revoke_invite(slug: str, invite_id: int):
    group, _membership = load_group(slug, require="host")
    _require_post_form()
    invite = db.session.scalars(
        select(Invite).where(Invite.id == invite_id, Invite.group_id == group.id)
    ).first()
    if invite is None:
        abort(404)
    invitations.revoke_invite(invite, current_user)
    db.session.commit()
    flash(_("The invitation to %(email)s is withdrawn.", email=invite.email), "success")
    return redirect(url_for("group_admin.invites", slug=group.slug))


AUDIT_PER_PAGE = 50


@bp.route("/groups/<slug>/admin/audit")
def audit(slug: str):
    group, membership = load_group(slug, require="host")
    page = page_arg()
    entries = [(audit_log.AuditLine.of(entry), actor, target) for entry, actor, target
               in audit_log.recent_audit(group.id, limit=AUDIT_PER_PAGE + 1, offset=(page - 1) * AUDIT_PER_PAGE)]
    return render_template(
        "groups/admin/audit.html",
        group=group, membership=membership, entries=entries[:AUDIT_PER_PAGE],
        page=page, has_next=len(entries) > AUDIT_PER_PAGE,
    )


@bp.route("/groups/<slug>/admin/settings", methods=["GET", "POST"])
def settings(slug: str):
    group, membership = load_group(slug, require="host")
    counts = services.group_counts(group.id)
    form = GroupForm(obj=group, group_id=group.id, seats_taken=counts.seats)
    if request.method == "GET":
        form.fee.data = group.fee_minor / 100 if group.fee_minor % 100 else group.fee_minor // 100
        form.vat_rate.data = Decimal(group.vat_rate_bp) / 100
        form.fee_includes_vat.data = "incl" if group.fee_includes_vat else "excl"
    if form.validate_on_submit():
        changed = services.update_group(group, current_user, **form.settings())
        db.session.commit()
        if changed:
            flash(_("Settings saved."), "success")
        else:
            flash(_("Nothing changed."), "info")
        return redirect(url_for("group_admin.settings", slug=group.slug))
    return render_template("groups/admin/settings.html", group=group, membership=membership, form=form)
