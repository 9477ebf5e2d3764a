"""Member portal: dashboard, profile and photo, member pages, account and privacy."""
from __future__ import annotations

import json
from typing import NamedTuple

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from markupsafe import Markup

from common.db import utcnow
from common.sections import rendered_sections
from common.templating import render
from extensions import db
from groups import directory as group_directory
from groups import pages as group_pages
from members import services
from members.forms import PURPOSE_LABELS, DeleteAccountForm, PhotoForm, ProfileForm
from members.models import User
from members.photos import PhotoError, delete_photo, path_for, save_photo
from members.privacy import AccountDeletionRefused, delete_account, export_user, hosted_group_names
from members.security import check_password

bp = Blueprint("members", __name__)


@bp.app_template_global()
def photo_url(user: User) -> str | None:
    """The access-checked URL of a user's photo (versioned by its file name), or None."""
    profile = user.profile
    return photo_url_for(user.id, profile.photo_filename if profile is not None else None)


@bp.app_template_global()
def photo_url_for(user_id: int, photo_filename: str | None) -> str | None:
    """The same URL from plain columns (lists that load no profiles)."""
    if not photo_filename:
        return None
    return url_for("members.photo", user_id=user_id, v=photo_filename[:8])


@bp.app_template_global()
def purpose_label(purpose: str) -> str:
    return str(PURPOSE_LABELS.get(purpose, purpose))


@bp.route("/")
def dashboard():
    if not current_user.is_authenticated:
        return render_template("landing.html")
    user = current_user._get_current_object()
    viewer = group_pages.Viewer(user.id, user.name, user.email, user.is_verified)
    groups = group_pages.my_groups(user.id, user.email)
    sections = rendered_sections("dashboard", user, groups)
    body = render("members/_dashboard_body.html", group_pages.dashboard(viewer, groups, utcnow().date(), sections))
    return render("members/dashboard.html", DashboardPage(body))


class DashboardPage(NamedTuple):
    body: Markup


def _fill_profile_form(form: ProfileForm, user: User) -> None:
    profile = user.profile
    form.name.data = user.name
    form.headline.data = profile.headline
    form.industry.data = profile.industry
    form.bio.data = profile.bio
    form.purposes.data = list(profile.purposes or [])
    form.offers_tags.data = ", ".join(profile.offers_tags or [])
    form.offers_text.data = profile.offers_text
    form.seeks_tags.data = ", ".join(profile.seeks_tags or [])
    form.seeks_text.data = profile.seeks_text
    form.linkedin_url.data = profile.linkedin_url
    form.phone.data = profile.phone
    if profile.company is not None:
        form.company_name.data = profile.company.name
        form.company_vat.data = profile.company.vat_number
        form.company_billing_email.data = profile.company.billing_email


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile_edit():
    user = db.session.get_one(User, current_user.id)
    form = ProfileForm()
    if form.validate_on_submit():
        profile = user.profile
        user.name = form.name.data.strip()
        profile.headline = (form.headline.data or "").strip()
        profile.industry = (form.industry.data or "").strip()
        profile.bio = (form.bio.data or "").strip()
        profile.purposes = [p for p in form.purposes.data or [] if p in dict(form.purposes.choices)]
        profile.offers_tags = form.offers_tag_list
        profile.offers_text = (form.offers_text.data or "").strip()
        profile.seeks_tags = form.seeks_tag_list
        profile.seeks_text = (form.seeks_text.data or "").strip()
        profile.linkedin_url = (form.linkedin_url.data or "").strip()
        profile.phone = (form.phone.data or "").strip()
        company = services.find_or_create_company(
            form.company_name.data or "", form.company_vat.data or "", form.company_billing_email.data or ""
        )
        profile.company = company
        profile.updated_at = utcnow()
        db.session.commit()
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("members.profile_edit"))
    if not form.is_submitted():
        _fill_profile_form(form, user)
    return render_template("members/profile_edit.html", form=form, photo_form=PhotoForm(), user=user)


@bp.route("/profile/photo", methods=["POST"])
@login_required
def photo_upload():
    user = db.session.get_one(User, current_user.id)
    form = PhotoForm()
    if form.validate_on_submit() and form.photo.data:
        try:
            filename = save_photo(form.photo.data.stream, current_app.config["PHOTO_MAX_BYTES"])
        except PhotoError as exc:
            form.photo.errors = [str(exc)]
        else:
            old = user.profile.photo_filename
            user.profile.photo_filename = filename
            db.session.commit()
            delete_photo(old)
            flash(_("Your photo is updated."), "success")
            return redirect(url_for("members.profile_edit"))
    elif not form.photo.errors and not form.csrf_token.errors:
        form.photo.errors = [_("Choose an image file.")]
    profile_form = ProfileForm(formdata=None)
    _fill_profile_form(profile_form, user)
    return render_template("members/profile_edit.html", form=profile_form, photo_form=form, user=user), 400


@bp.route("/profile/photo/delete", methods=["POST"])
@login_required
def photo_delete():
    form = PhotoForm()
    if not form.validate_on_submit():
        abort(400)
    user = db.session.get_one(User, current_user.id)
    old = user.profile.photo_filename
    user.profile.photo_filename = None
    db.session.commit()
    delete_photo(old)
    flash(_("Your photo is removed."), "success")
    return redirect(url_for("members.profile_edit"))


@bp.route("/members/<int:user_id>/photo")
@login_required
def photo(user_id: int):
    if not group_directory.can_view_member(current_user, user_id):
        abort(404)
    user = db.session.get(User, user_id)
    if user is None or user.profile is None or not user.profile.photo_filename:
        abort(404)
    path = path_for(user.profile.photo_filename)
    if path is None or not path.is_file():
        abort(404)
    response = send_file(path, mimetype="image/jpeg", max_age=86400, conditional=True)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


@bp.route("/members/<int:user_id>")
@login_required
def member(user_id: int):
    if not group_directory.can_view_member(current_user, user_id):
        abort(404)
    person = db.session.get(User, user_id)
    if person is None or person.is_deactivated:
        abort(404)
    shared = group_directory.shared_groups(current_user.id, person.id)
    return render_template("members/show.html", person=person, shared=shared)


@bp.route("/account")
@login_required
def account():
    return render_template(
        "members/account.html",
        delete_form=DeleteAccountForm(),
        hosted=hosted_group_names(current_user),
    )


@bp.route("/account/export")
@login_required
def export():
    data = export_user(db.session.get_one(User, current_user.id))
    body = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    stamp = utcnow().strftime("%Y%m%d")
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="nq-my-data-{stamp}.json"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/account/delete", methods=["POST"])
@login_required
def delete():
    form = DeleteAccountForm()
    user = db.session.get_one(User, current_user.id)
    if form.validate_on_submit():
        if not check_password(user.password_hash, form.current_password.data):
            form.current_password.errors = [_("That is not your current password.")]
        else:
            try:
                delete_account(user)
            except AccountDeletionRefused as exc:
                db.session.rollback()
                flash(str(exc), "error")
                return redirect(url_for("members.account"))
            db.session.commit()
            logout_user()
            flash(_("Your account is deleted. Thank you for having been part of NQ."), "success")
            return redirect(url_for("members.dashboard"))
    return render_template(
        "members/account.html", delete_form=form, hosted=hosted_group_names(user),
    ), 400
