"""Host pages: payments per member and season, invoices, refunds, waivers, CSV, billing settings."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from billing import exports
from billing.fees import billing_settings
from billing.forms import BillingSettingsForm, RefundForm
from billing.models import PAID_STATUSES, GroupBilling, Invoice, Payment, PaymentSeat, Refund
from billing.providers import get_provider
from billing.providers.base import ProviderError
from billing.services import BillingError, SeatAlreadyHeld, mark_invoice_paid, record_refund, waive_fee
from common.audit import record_audit
from common.db import utcnow
from extensions import db
from groups.models import HOST_ROLES, Group, Membership
from groups.permissions import load_group
from groups.seasons import Season, current_season, season_after, season_by_key, season_of

bp = Blueprint("billing_admin", __name__)


# How far back the payments page goes (bookkeeping is kept 5 years; a margin over that).
PAST_SEASONS = 10


def _season_from_args(group: Group) -> Season:
    """``?season=<key>`` (the start year): the next season, the current one or one of the past ten.

    Links from before the key was the start year name a season by its start date."""
    season = current_season(group, utcnow())
    raw = request.args.get("season", "")
    if not raw:
        return season
    if raw.isascii() and raw.isdigit():
        key = int(raw)
    else:
        try:
            key = season_of(group, date.fromisoformat(raw)).key
        except ValueError:
            abort(400)
    if not season.key - PAST_SEASONS <= key <= season.key + 1:
        abort(404)
    return season_by_key(group, key)


@dataclass
class SeasonTotals:
    paid_minor: int = 0
    refunded_minor: int = 0
    pending_minor: int = 0
    paid_count: int = 0
    pending_count: int = 0
    waived_count: int = 0
    disputed_count: int = 0

    @property
    def net_minor(self) -> int:
        return self.paid_minor - self.refunded_minor


def season_payments(group: Group, season: Season) -> list[Payment]:
    return list(db.session.scalars(
        select(Payment)
        .where(Payment.group_id == group.id, Payment.season_start == season.start)
        .options(selectinload(Payment.seats), selectinload(Payment.invoice))
        .order_by(Payment.created_at.desc(), Payment.id.desc())
    ))


def totals_of(payments: list[Payment]) -> SeasonTotals:
    """Season totals: paid (incl. later refunded), refunded, net, outstanding."""
    totals = SeasonTotals()
    for p in payments:
        if p.status in PAID_STATUSES:
            totals.paid_minor += p.amount_minor
            totals.refunded_minor += p.refunded_minor
            totals.paid_count += 1
        elif p.status == "pending":
            totals.pending_minor += p.amount_minor
            totals.pending_count += 1
        elif p.status == "waived":
            totals.waived_count += 1
        if p.disputed_at is not None:
            totals.disputed_count += 1
    return totals


@bp.get("/groups/<slug>/admin/payments")
def payments(slug: str) -> ResponseReturnValue:
    """Per member status for the season, outstanding invoices, all payments, totals."""
    group, _m = load_group(slug, require="host")
    season = _season_from_args(group)
    rows = season_payments(group, season)
    members = list(db.session.scalars(
        select(Membership)
        .where(Membership.group_id == group.id, Membership.role.notin_(HOST_ROLES),
               Membership.status.in_(("approved", "active", "lapsed")))
    ))
    members.sort(key=lambda m: m.user.name.lower())
    by_membership: dict[int, Payment] = {}
    for p in sorted(rows, key=lambda p: p.id):
        for seat in p.seats:
            if seat.membership_id is None:
                continue
            current = by_membership.get(seat.membership_id)
            if current is None or seat.hold_key is not None or current.status in ("expired", "failed"):
                by_membership[seat.membership_id] = p
    outstanding = list(db.session.scalars(
        select(Payment)
        .where(Payment.group_id == group.id, Payment.provider == "invoice", Payment.status == "pending",
               Payment.invoice.has())
        .options(selectinload(Payment.seats), selectinload(Payment.invoice))
        .order_by(Payment.created_at)
    ))
    this_season = current_season(group, utcnow())
    seasons = [season_after(group, this_season), this_season,
               *(season_by_key(group, this_season.key - n) for n in (1, 2))]
    return render_template(
        "billing/admin/payments.html", group=group, season=season, seasons=seasons, payments=rows,
        members=members, by_membership=by_membership, outstanding=outstanding, totals=totals_of(rows),
        today=utcnow().date(), settings_saved=db.session.get(GroupBilling, group.id) is not None,
    )


@bp.get("/groups/<slug>/admin/payments.csv")
def payments_csv(slug: str) -> ResponseReturnValue:
    group, _m = load_group(slug, require="host")
    season = _season_from_args(group)
    body = exports.payments_csv(season_payments(group, season))
    filename = f"payments-{group.slug}-{season.start.isoformat()}.csv"
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _payment_of(group: Group, payment_id: int) -> Payment:
    payment = db.session.get(Payment, payment_id)
    if payment is None or payment.group_id != group.id:
        abort(404)
    return payment


@bp.get("/groups/<slug>/admin/payments/<int:payment_id>")
def payment_detail(slug: str, payment_id: int) -> ResponseReturnValue:
    group, _m = load_group(slug, require="host")
    payment = _payment_of(group, payment_id)
    seats = list(db.session.scalars(select(PaymentSeat).where(PaymentSeat.payment_id == payment.id)))
    refunds = list(db.session.scalars(select(Refund).where(Refund.payment_id == payment.id).order_by(Refund.id)))
    form = RefundForm()
    if request.method == "GET" and payment.refundable_minor:
        form.amount.data = Decimal(payment.refundable_minor) / 100
    return render_template("billing/admin/payment.html", group=group, payment=payment, seats=seats,
                           refunds=refunds, form=form, invoice=_invoice(payment.id))


def _invoice(payment_id: int) -> Invoice | None:
    return db.session.scalars(select(Invoice).where(Invoice.payment_id == payment_id)).first()


@bp.post("/groups/<slug>/admin/payments/<int:payment_id>/mark-paid")
def mark_paid(slug: str, payment_id: int) -> ResponseReturnValue:
    group, _m = load_group(slug, require="host")
    payment = _payment_of(group, payment_id)
    try:
        done = mark_invoice_paid(payment, actor=current_user._get_current_object())
    except BillingError as exc:
        flash(str(exc), "error")
        return redirect(url_for("billing_admin.payments", slug=slug))
    db.session.commit()
    if done:
        flash(_("Marked as paid. The membership is active."), "success")
    else:
        flash(_("This payment was already settled; nothing changed."), "info")
    return redirect(url_for("billing_admin.payments", slug=slug, season=payment.season.key))


@bp.post("/groups/<slug>/admin/payments/<int:payment_id>/refund")
def refund(slug: str, payment_id: int) -> ResponseReturnValue:
    """Refund this payment (fully or partly) through its provider; booked on this payment only."""
    group, _m = load_group(slug, require="host")
    payment = _payment_of(group, payment_id)
    form = RefundForm()
    if not form.validate_on_submit():
        for error in form.amount.errors or [_("Please check the amount.")]:
            flash(str(error), "error")
        return redirect(url_for("billing_admin.payment_detail", slug=slug, payment_id=payment.id))
    amount_minor = int((form.amount.data or Decimal(0)) * 100)
    try:
        row = record_refund(payment, amount_minor, actor_id=current_user.id, reason=form.reason.data or "")
        row.provider_refund_id = get_provider(payment.provider).refund(payment, row)
        record_audit("payment.refund", actor_id=current_user.id, group_id=group.id,
                     target_user_id=payment.user_id, payment_id=payment.id, amount_minor=amount_minor)
    except BillingError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("billing_admin.payment_detail", slug=slug, payment_id=payment_id))
    except (ProviderError, LookupError):
        db.session.rollback()
        flash(_("The payment service refused the refund; nothing was changed."), "error")
        return redirect(url_for("billing_admin.payment_detail", slug=slug, payment_id=payment_id))
    db.session.commit()
    flash(_("Refund recorded."), "success")
    return redirect(url_for("billing_admin.payment_detail", slug=slug, payment_id=payment_id))


@bp.post("/groups/<slug>/admin/payments/waive/<int:membership_id>")
def waive(slug: str, membership_id: int) -> ResponseReturnValue:
    """Complimentary seat for the season (audited)."""
    group, _m = load_group(slug, require="host")
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.group_id != group.id or membership.role in HOST_ROLES:
        abort(404)
    season = _season_from_args(group)
    try:
        waive_fee(group, membership, season, actor=current_user._get_current_object())
    except SeatAlreadyHeld:
        db.session.rollback()
        flash(_("This member already has a payment for the season."), "warning")
        return redirect(url_for("billing_admin.payments", slug=slug, season=season.key))
    db.session.commit()
    flash(_("Fee waived for %(name)s.", name=membership.user.name), "success")
    return redirect(url_for("billing_admin.payments", slug=slug, season=season.key))


@bp.route("/groups/<slug>/admin/billing", methods=["GET", "POST"])
def settings(slug: str) -> ResponseReturnValue:
    """Seller details printed on invoices, VAT, payment terms and grace period."""
    group, _m = load_group(slug, require="host")
    row = db.session.get(GroupBilling, group.id)
    current = billing_settings(group, row)
    form = BillingSettingsForm()
    if request.method == "GET":
        form.legal_name.data = current.legal_name
        form.cvr.data = current.cvr
        form.address.data = current.address
        form.email.data = current.email
        form.bank_account.data = current.bank_account
        form.iban.data = current.iban
        form.joining_price.data = current.joining_price or "full"
        form.payment_terms_days.data = current.payment_terms_days
        form.grace_days.data = current.grace_days
        form.included_text.data = current.included_text
    if form.validate_on_submit():
        if row is None:
            row = GroupBilling(group_id=group.id)
            db.session.add(row)
        row.legal_name = (form.legal_name.data or "").strip()
        row.cvr = (form.cvr.data or "").strip()
        row.address = (form.address.data or "").strip()
        row.email = (form.email.data or "").strip()
        row.bank_account = (form.bank_account.data or "").strip()
        row.iban = (form.iban.data or "").strip()
        row.joining_price = form.joining_price.data or "full"
        row.payment_terms_days = int(form.payment_terms_days.data or 0)
        row.grace_days = int(form.grace_days.data or 0)
        row.included_text = (form.included_text.data or "").strip()
        record_audit("billing.settings", actor_id=current_user.id, group_id=group.id)
        db.session.commit()
        flash(_("Billing settings saved."), "success")
        return redirect(url_for("billing_admin.settings", slug=slug))
    return render_template("billing/admin/settings.html", group=group, form=form), 422 if form.errors else 200
