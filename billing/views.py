"""Member pages: pay the season fee, return from checkout, payments and invoices."""
from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

import billing.reconcile  # noqa: F401  (registers the stale-checkout tick task)
import billing.renewals  # noqa: F401  (registers the renewal tick task)
import billing.sections  # noqa: F401  (registers dashboard and admin-home sections)
from billing import pdf
from billing.fees import billing_settings, joining_terms, quote, season_due
from billing.forms import CheckoutForm
from billing.invoices import invoice_by_number
from billing.models import GroupBilling, Invoice, Payment, PaymentSeat, Refund
from billing.providers import available_providers, get_provider
from billing.providers.base import ProviderError
from billing.providers.stripe import expire_session, payment_for_session, sync_session
from billing.services import (
    CheckoutRequest,
    SeatAlreadyHeld,
    company_colleagues,
    holding_payment,
    payments_of_user,
    seats_of,
    take_free_seats,
)
from common.db import utcnow
from common.web import CSP
from extensions import db
from groups.models import Group, Membership
from groups.permissions import can_manage, load_group, membership_of

bp = Blueprint("billing", __name__)


@bp.after_request
def _checkout_form_action(response: Response) -> Response:
    """Let checkout forms post/redirect to a non-standard Stripe host (``STRIPE_API_BASE``, tests)."""
    base = current_app.config.get("STRIPE_API_BASE")
    if base and "Content-Security-Policy" not in response.headers:
        parts = urlsplit(base)
        origin = f"{parts.scheme}://{parts.netloc}"
        response.headers["Content-Security-Policy"] = CSP.replace(
            "form-action 'self'", f"form-action 'self' {origin}")
    return response

def _provider_choices() -> list[tuple[str, str]]:
    labels = {"stripe": _("Card or MobilePay"), "invoice": _("Invoice (bank transfer)")}
    return [(name, labels[name]) for name in available_providers()]


# Others who may see a payment, its invoice and its receipt: areas above billing
# register a check (sponsors: the paying company's sponsors).
PAYMENT_VIEWERS: list[Callable[[Payment, int], bool]] = []


def payment_viewer(check: Callable[[Payment, int], bool]) -> Callable[[Payment, int], bool]:
    PAYMENT_VIEWERS.append(check)
    return check


def _can_see_payment(payment: Payment, seats: list[PaymentSeat]) -> bool:
    if payment.user_id == current_user.id or any(s.user_id == current_user.id for s in seats):
        return True
    if any(check(payment, current_user.id) for check in PAYMENT_VIEWERS):
        return True
    if current_user.is_admin:
        return True
    if payment.group_id is None:
        return False
    return can_manage(membership_of(current_user.id, payment.group_id), current_user)


@bp.route("/groups/<slug>/pay", methods=["GET", "POST"])
@login_required
def pay(slug: str) -> ResponseReturnValue:
    """Choose who pays (me / my company, colleagues' seats) and how, then go to checkout."""
    group, membership = load_group(slug)
    if membership is None:
        abort(403)
    season = season_due(group, membership, utcnow())
    if season is None:
        flash(_("There is nothing to pay for %(group)s right now.", group=group.name), "info")
        return redirect(url_for("billing.payments"))
    holder = holding_payment(membership.id, season)
    if holder is not None and holder.status != "pending":
        flash(_("Your membership for this season is already paid."), "info")
        return redirect(url_for("billing.payments"))

    settings = billing_settings(group, db.session.get(GroupBilling, group.id))
    colleagues = company_colleagues(group, current_user, season)
    form = CheckoutForm()
    form.provider.choices = _provider_choices()
    form.colleagues.choices = [(m.id, m.user.name) for m in colleagues]
    if request.method == "GET":
        company = current_user.profile.company if current_user.profile else None
        if company is not None:
            form.company_name.data = company.name
            form.company_vat.data = company.vat_number
            form.company_email.data = company.billing_email
            form.company_address.data = company.address
        form.provider.data = form.provider.choices[0][0]

    if holder is not None and request.method == "POST" and form.validate_on_submit():
        return _resume_or_explain(holder, slug)  # a double click: the same checkout again
    if holder is None and form.validate_on_submit():
        chosen = {m.id: m for m in colleagues}
        seats = [membership] + [chosen[i] for i in (form.colleagues.data or []) if i in chosen]
        req = CheckoutRequest(
            group=group, payer=current_user._get_current_object(), memberships=seats, season=season,
            provider=form.provider.data or "invoice", payer_kind=form.payer_kind.data or "self",
            company={
                "name": (form.company_name.data or "").strip(), "vat": (form.company_vat.data or "").strip(),
                "email": (form.company_email.data or "").strip(),
                "address": (form.company_address.data or "").strip(),
                "ean": (form.company_ean.data or "").strip(),
            },
            po_reference=(form.po_reference.data or "").strip(),
        )
        joining = joining_terms(group, settings, seats, season, utcnow())
        if joining is not None and joining.rule == "free":
            try:
                payment = take_free_seats(req, utcnow())
            except SeatAlreadyHeld:
                db.session.rollback()
                return _resume_or_explain(holding_payment(membership.id, season), slug)
            db.session.commit()
            flash(_("Welcome: your seat is free until the next season."), "success")
            return redirect(url_for("billing.done", payment_id=payment.id))
        try:
            provider = get_provider(req.provider)
            payment = provider.prepare(req)
            target = provider.start(payment)
        except SeatAlreadyHeld:
            db.session.rollback()
            return _resume_or_explain(holding_payment(membership.id, season), slug)
        except ProviderError:
            db.session.rollback()
            flash(_("The payment service did not answer. Nothing was charged; please try again."), "error")
            return redirect(url_for("billing.pay", slug=slug))
        db.session.commit()
        return redirect(target)

    price = quote(group, 1, joining_terms(group, settings, [membership], season, utcnow()))
    return render_template(
        "billing/pay.html", group=group, membership=membership, season=season, settings=settings,
        price=price, form=form, colleagues=colleagues, pending=holder, step=1,
    ), 422 if form.errors else 200


def _resume_or_explain(holder: Payment | None, slug: str) -> ResponseReturnValue:
    """A double click or a second tab: continue the same open payment."""
    if holder is not None and holder.status == "pending" and holder.user_id == current_user.id:
        try:
            target = get_provider(holder.provider).resume(holder)
        except (ProviderError, LookupError):
            target = None
        db.session.commit()
        if target:
            return redirect(target)
    db.session.commit()
    flash(_("A payment for one of these seats is already under way or done."), "warning")
    return redirect(url_for("billing.pay", slug=slug))


@bp.post("/groups/<slug>/pay/<int:payment_id>/resume")
@login_required
def resume(slug: str, payment_id: int) -> ResponseReturnValue:
    """Continue an open checkout (same session, never a second one)."""
    load_group(slug)
    payment = db.session.get(Payment, payment_id)
    if payment is None or payment.user_id != current_user.id:
        abort(404)
    return _resume_or_explain(payment, slug)


@bp.post("/groups/<slug>/pay/<int:payment_id>/abandon")
@login_required
def abandon(slug: str, payment_id: int) -> ResponseReturnValue:
    """Give up an open card checkout to pay another way."""
    load_group(slug)
    payment = db.session.get(Payment, payment_id)
    if payment is None or payment.user_id != current_user.id:
        abort(404)
    if payment.provider != "stripe" or payment.status != "pending":
        flash(_("This payment cannot be cancelled here."), "warning")
        return redirect(url_for("billing.pay", slug=slug))
    try:
        expire_session(payment)
    except ProviderError:
        db.session.rollback()
        flash(_("The payment service did not answer; please try again."), "error")
        return redirect(url_for("billing.pay", slug=slug))
    db.session.commit()
    if payment.status == "paid":
        flash(_("That checkout was already paid."), "success")
        return redirect(url_for("billing.done", payment_id=payment.id))
    flash(_("The card checkout was cancelled. Nothing was charged."), "success")
    return redirect(url_for("billing.pay", slug=slug))


@bp.get("/groups/<slug>/pay/success")
@login_required
def success(slug: str) -> ResponseReturnValue:
    """Stripe's return page: re-read the session and fulfil (same path as the webhook)."""
    load_group(slug)
    session_id = request.args.get("session_id", "")
    payment = payment_for_session(session_id) if session_id else None
    if payment is None or not _can_see_payment(payment, seats_of(payment.id)):
        abort(404)
    if payment.status == "pending":
        try:
            sync_session(session_id)
            db.session.commit()
        except ProviderError:
            db.session.rollback()
    return redirect(url_for("billing.done", payment_id=payment.id))


@bp.get("/groups/<slug>/pay/cancelled/<int:payment_id>")
@login_required
def cancelled(slug: str, payment_id: int) -> ResponseReturnValue:
    group, _membership = load_group(slug)
    payment = db.session.get(Payment, payment_id)
    if payment is None or payment.user_id != current_user.id:
        abort(404)
    return render_template("billing/cancelled.html", group=group, payment=payment, step=2)


def _load_payment(payment_id: int) -> tuple[Payment, list]:
    """The payment and its seats: 404 if unknown, 403 unless the payer or a seat's member."""
    payment = db.session.get(Payment, payment_id)
    if payment is None:
        abort(404)
    seats = seats_of(payment.id)
    if not _can_see_payment(payment, seats):
        abort(403)
    return payment, seats


@bp.get("/payments/<int:payment_id>")
@login_required
def done(payment_id: int) -> ResponseReturnValue:
    """Where a checkout ends: paid, awaiting the transfer, or still processing."""
    payment, seats = _load_payment(payment_id)
    group = db.session.get(Group, payment.group_id) if payment.group_id else None
    invoice = _invoice_of(payment.id)
    return render_template("billing/done.html", payment=payment, seats=seats, group=group,
                           invoice=invoice, step=3)


def _invoice_of(payment_id: int) -> Invoice | None:
    return db.session.scalars(select(Invoice).where(Invoice.payment_id == payment_id)).first()


@bp.get("/account/payments")
@login_required
def payments() -> ResponseReturnValue:
    """My payments, receipts and invoices."""
    rows = payments_of_user(current_user.id)
    now = utcnow()
    memberships = list(db.session.scalars(
        select(Membership).where(Membership.user_id == current_user.id,
                                 Membership.status.in_(("approved", "active", "lapsed")))
    ))
    due = []
    for m in memberships:
        season = season_due(m.group, m, now)
        if season is not None:
            holder = holding_payment(m.id, season)
            if holder is None or holder.status == "pending":
                due.append((m.group, season, holder))
    return render_template("billing/payments.html", payments=rows, due=due)


@bp.get("/invoices/<number>")
@login_required
def invoice(number: str) -> ResponseReturnValue:
    """The printable invoice (payer, covered members, the group's hosts, the company's sponsors)."""
    found, payment = _load_invoice(number)
    return render_template("billing/invoice.html", invoice=found, payment=payment, standalone=False)


def _load_invoice(number: str) -> tuple[Invoice, Payment]:
    """The invoice and its payment, for who may see them: 404, then 403."""
    found = invoice_by_number(number)
    if found is None:
        abort(404)
    payment = db.session.get(Payment, found.payment_id)
    assert payment is not None
    if not _can_see_payment(payment, seats_of(payment.id)):
        abort(403)
    return found, payment


@bp.get("/invoices/<number>.pdf")
@login_required
def invoice_pdf(number: str) -> ResponseReturnValue:
    """The invoice as a PDF (who may see the invoice may download it)."""
    found, payment = _load_invoice(number)
    return Response(pdf.invoice_pdf(found, payment), mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="invoice-{found.number}.pdf"'})


@bp.get("/payments/<int:payment_id>/receipt")
@login_required
def receipt(payment_id: int) -> ResponseReturnValue:
    payment, seats = _load_payment(payment_id)
    if payment.status not in ("paid", "partially_refunded", "refunded", "waived"):
        abort(404)
    refunds = list(payment_refunds(payment.id))
    return render_template("billing/receipt.html", payment=payment, seats=seats, refunds=refunds)


def payment_refunds(payment_id: int) -> list[Refund]:
    return list(db.session.scalars(select(Refund).where(Refund.payment_id == payment_id).order_by(Refund.id)))

