"""Blueprint 'sponsors': the paying company's portal, invitations to it, and
each employee's choice of what to share with their company.

Every view: load → check access (404 to anyone who does not act for the
company) → act (service) → commit once → redirect.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from billing import exports
from billing.models import Payment
from billing.views import payment_viewer
from common.db import utcnow
from extensions import db
from groups.permissions import load_group
from members.models import Company
from sponsors import (
    pages,
    sections,  # noqa: F401  (registers the dashboard card)
    services,
)
from sponsors.forms import AcceptForm, InviteSponsorForm, ShareForm

bp = Blueprint("sponsors", __name__)


@payment_viewer
def _sponsor_sees_payment(payment: Payment, user_id: int) -> bool:
    return payment.company_id is not None and services.is_sponsor(payment.company_id, user_id)


def load_company(company_id: int) -> Company:
    """The company, for one of its sponsors; 404 to anyone else (no hint that it exists)."""
    company = db.session.get(Company, company_id)
    if company is None or not services.is_sponsor(company.id, current_user.id):
        abort(404)
    return company


@bp.get("/companies")
@login_required
def companies():
    mine = services.companies_of(current_user.id)
    if len(mine) == 1:
        return redirect(url_for("sponsors.company", company_id=mine[0].id))
    return render_template("sponsors/companies.html", companies=mine)


@bp.get("/companies/<int:company_id>")
@login_required
def company(company_id: int):
    """Every group the company pays for, side by side, with a recommendation each."""
    found = load_company(company_id)
    summary = pages.company_summary(found.id, utcnow())
    return render_template("sponsors/company.html", company=found, summary=summary,
                           invite_form=InviteSponsorForm())


@bp.get("/companies/<int:company_id>/groups/<slug>")
@login_required
def group(company_id: int, slug: str):
    """One group: its verdict and figures (group-level only) and the employees' shared cards."""
    found = load_company(company_id)
    group, _membership = load_group(slug, require="link")
    side = pages.group_side(found.id, group, utcnow())
    if not side.payments:
        abort(404)
    return render_template("sponsors/group.html", company=found, side=side, group=group)


@bp.get("/companies/<int:company_id>/payments.csv")
@login_required
def payments_csv(company_id: int):
    """The company's payments and invoices, for its bookkeeping (as a host's, with the group)."""
    found = load_company(company_id)
    return Response(exports.payments_csv(pages.company_payments(found.id), with_group=True), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="nq-payments-company-{found.id}.csv"'})


@bp.route("/companies/<int:company_id>/invite", methods=["GET", "POST"])
@login_required
def invite(company_id: int):
    """Invite a colleague (the billing contact, a manager) to act for the company."""
    found = db.session.get(Company, company_id)
    if found is None or not services.may_invite(found.id, current_user.id):
        abort(404)
    form = InviteSponsorForm()
    if form.validate_on_submit():
        services.invite(found, form.email.data, current_user, utcnow())
        db.session.commit()
        flash(_("Invitation sent to %(email)s. The link works for 14 days.", email=form.email.data.strip()), "success")
        if services.is_sponsor(found.id, current_user.id):
            return redirect(url_for("sponsors.company", company_id=found.id))
        return redirect(url_for("billing.payments"))
    return render_template("sponsors/invite.html", company=found, form=form), 422 if form.errors else 200


@bp.route("/sponsor-invitations/<token>", methods=["GET", "POST"])
def invitation(token: str):
    """Open an invitation: sign in (or create an account) with its address, then accept."""
    found = services.read_invitation(token)
    if found is None:
        return render_template("sponsors/invitation_invalid.html"), 410
    form = AcceptForm()
    error = services.refusal(found, current_user) if current_user.is_authenticated else None
    if error is None and current_user.is_authenticated and form.validate_on_submit():
        services.accept(found, current_user, utcnow())
        db.session.commit()
        flash(_("You now follow %(company)s's networking groups.", company=found.company.name), "success")
        return redirect(url_for("sponsors.company", company_id=found.company_id))
    return render_template("sponsors/invitation.html", invitation=found, form=form, error=error,
                           token=token), 403 if error else 200


@bp.route("/groups/<slug>/sharing", methods=["GET", "POST"])
@login_required
def sharing(slug: str):
    """What I share with the company that pays my seat in this group (opt-in, changeable)."""
    group, membership = load_group(slug, require="member")
    company = services.paying_company_of(membership.id) if membership is not None else None
    if company is None or membership is None:
        return render_template("sponsors/sharing.html", group=group, company=None, form=None)
    share = services.share_of(membership.id, company.id)
    form = ShareForm(obj=share)
    if form.validate_on_submit():
        services.set_share(membership, company, scores=form.scores.data, relationships=form.relationships.data,
                           outcomes=form.outcomes.data)
        db.session.commit()
        flash(_("Saved. %(company)s sees what you ticked, and nothing else.", company=company.name), "success")
        return redirect(url_for("sponsors.sharing", slug=group.slug))
    return render_template("sponsors/sharing.html", group=group, company=company, form=form)
