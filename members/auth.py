"""Register, log in/out, verify email, reset and change password or email."""
from __future__ import annotations

import json
import time
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import and_, bindparam, func, inspect, literal, null, select
from sqlalchemy.orm import aliased

from common.db import attach_loaded, read_rows
from common.hooks import user_companies_sql
from common.templating import HostedGroup
from extensions import db, limiter, login_manager
from members import services
from members.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    LoginForm,
    NewPasswordForm,
    RegisterForm,
    ResetRequestForm,
)
from members.models import Profile, User
from members.security import burn_password_check, check_password, hash_password, needs_rehash

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Cookies carry "id:session_version"; a stale version is no session.

    On a group's pages (URLs with a ``slug``) the same query also brings the
    group and the user's membership in it, for ``groups.permissions.load_group``.
    The row is read as plain columns and the objects built from it
    (``common.db.attach_loaded``): the ORM's query machinery costs more than
    the query on every request.
    """
    uid, _sep, version = user_id.partition(":")
    if not uid.isdigit() or not version.isdigit():
        return None
    slug = (request.view_args or {}).get("slug") if has_request_context() else None
    params = {"uid": int(uid)} if slug is None else {"uid": int(uid), "slug": slug}
    statement, parts = _user_statement(db.engine.dialect.name, slug is not None)
    row = read_rows(statement, params).first()
    if row is None:
        return None
    objects = [attach_loaded(model, {key: row[index] for key, index in columns}) for model, columns in parts]
    user, hosted, g.my_photo_filename = objects[0], row.hosted, row.photo_filename
    if user.session_version != int(version) or user.is_deactivated:
        return None
    # The top bar's admin links come with the user: one query for both.
    if isinstance(hosted, str):
        hosted = json.loads(hosted)
    g.hosted_groups = sorted((HostedGroup(*pair) for pair in hosted or []), key=lambda h: h.name)
    companies = json.loads(row.companies) if isinstance(row.companies, str) else row.companies
    g.sponsored_companies = tuple(sorted(((int(cid), name) for cid, name in companies or []), key=lambda c: c[1]))
    if slug is not None:
        g.preloaded_group = (slug, objects[1], objects[2])
    return user


@lru_cache(maxsize=8)
def _user_statement(dialect: str, with_group: bool = False):
    """The user's columns, the groups they host as a JSON list of [slug, name]
    and their photo's file name; ``with_group``: also the columns of the group
    with slug ``:slug`` (or NULLs) and of the user's membership in it.

    Returns the statement and, per object, its model with (attribute, column
    index) pairs."""
    from groups.models import HOST_ROLES, Group, Membership

    def aggregate_of(*columns):
        row = (func.json_build_array if dialect == "postgresql" else func.json_array)(*columns)
        return (func.json_agg if dialect == "postgresql" else func.json_group_array)(row)

    hosted = (
        select(aggregate_of(Group.slug, Group.name))
        .select_from(Membership)
        .join(Group, Group.id == Membership.group_id)
        # Plain binds, not an expanding IN: that would re-render the SQL on every execution.
        .where(Membership.user_id == User.id, Membership.role.in_([literal(r) for r in HOST_ROLES]),
               Membership.status == "active")
        .correlate(User)
        .scalar_subquery()
    )
    companies = user_companies_sql(User.id, aggregate_of)
    entities: list[tuple[Any, Any]] = [(User, User)]
    if with_group:
        entities += [(Group, aliased(Group)), (Membership, aliased(Membership))]
    columns, parts = [hosted.label("hosted"), Profile.photo_filename.label("photo_filename"),
                      (companies if companies is not None else null()).label("companies")], []
    for model, entity in entities:
        keys = [attribute.key for attribute in inspect(model).column_attrs]
        parts.append((model, tuple((key, len(columns) + n) for n, key in enumerate(keys))))
        columns += [getattr(entity, key) for key in keys]
    statement = select(*columns).outerjoin(Profile, Profile.user_id == User.id).where(User.id == bindparam("uid"))
    if with_group:
        page_group, mine = entities[1][1], entities[2][1]
        statement = (
            statement.outerjoin(page_group, page_group.slug == bindparam("slug"))
            .outerjoin(mine, and_(mine.group_id == page_group.id, mine.user_id == User.id))
        )
    return statement, tuple(parts)


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths are followed after login.

    Browsers drop tabs and newlines inside URLs and read ``\\`` as ``/``, so
    ``/\\evil.example`` or ``/<tab>/evil.example`` would leave the site:
    anything with control characters, whitespace or backslashes is refused.
    """
    if not target or len(target) > 2000:
        return None
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 or ch == "\\" for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _login_account_key() -> str:
    return "login-account:" + (request.form.get("email") or "").strip().lower()


def _failed(response) -> bool:
    # Only failed attempts count against the limits.
    return response.status_code != 302


def _start_session(user: User, remember: bool) -> None:
    session.clear()  # a new session at login (no fixation)
    login_user(user, remember=remember)
    session["auth_at"] = int(time.time())
    services.record_login(user)


def is_fresh_login() -> bool:
    auth_at = session.get("auth_at")
    return isinstance(auth_at, int | float) and time.time() - auth_at < current_app.config["FRESH_LOGIN_SECONDS"]


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("members.dashboard"))
    form = RegisterForm()
    if form.validate_on_submit():
        if services.register_user(form.email.data, form.password.data, form.name.data) is None:
            hash_password(form.password.data)  # a taken email costs the same time as a new one
        db.session.commit()
        return render_template("auth/check_email.html", email=form.email.data)
    return render_template("auth/register.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"], deduct_when=_failed)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    methods=["POST"],
    key_func=_login_account_key,
    deduct_when=_failed,
)
def login():
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated and not request.args.get("reauth"):
        return redirect(next_url or url_for("members.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.find_user_by_email(form.email.data)
        if user is None:
            burn_password_check(form.password.data)
        if user is not None and not user.is_deactivated and check_password(user.password_hash, form.password.data):
            if needs_rehash(user.password_hash):  # keep hashes at today's cost
                user.password_hash = hash_password(form.password.data)
            _start_session(user, form.remember.data)
            db.session.commit()
            return redirect(next_url or url_for("members.dashboard"))
        form.password.errors = [_("That email and password do not match an account.")]
        return render_template("auth/login.html", form=form), 200
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        user = db.session.get_one(User, current_user.id)
        services.end_sessions(user)
        db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are signed out."), "success")
    return redirect(url_for("auth.login"))


def _link_works(action) -> bool:
    """Whether a link's action would succeed now (valid, unexpired, unused),
    without keeping its effect."""
    works = action() is not None
    db.session.rollback()
    return works


def _confirm_page(title: str, text: str, button: str):
    """A page whose button POSTs back: opening a link (or a mail scanner
    prefetching it) never changes anything by itself."""
    return render_template("auth/confirm_link.html", title=title, text=text, button=button)


@bp.route("/verify/<token>", methods=["GET", "POST"])
def verify(token: str):
    back = url_for("members.dashboard" if current_user.is_authenticated else "auth.login")
    if request.method == "GET":
        if not _link_works(lambda: services.verify_email(token)):
            flash(_("That confirmation link is invalid, used or expired."), "error")
            return redirect(back)
        return _confirm_page(
            _("Confirm your email"), _("One click and your address is confirmed."), _("Confirm my email")
        )
    user = services.verify_email(token)
    if user is None:
        flash(_("That confirmation link is invalid, used or expired."), "error")
        return redirect(back)
    db.session.commit()
    flash(_("Thanks, your email is confirmed."), "success")
    return redirect(back)


@bp.route("/verify/resend", methods=["POST"])
@login_required
@limiter.limit("5 per hour")
def resend_verification():
    if not current_user.is_verified:
        services.send_verification(current_user)
        db.session.commit()
    flash(_("We sent a new confirmation link to %(email)s.", email=current_user.email), "success")
    return redirect(url_for("members.dashboard"))


def _reset_account_key() -> str:
    return "reset-account:" + (request.form.get("email") or "").strip().lower()


@bp.route("/reset-password", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
# No inbox gets flooded with reset emails (the same for unknown addresses).
@limiter.limit("3 per hour", methods=["POST"], key_func=_reset_account_key)
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        return render_template("auth/check_email.html", email=form.email.data, reset=True)
    return render_template("auth/reset_request.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    user = services.user_for_reset_token(token)
    if user is None:
        flash(_("That reset link is invalid, used or expired. Ask for a new one."), "error")
        return redirect(url_for("auth.reset_request"))
    form = NewPasswordForm()
    if form.validate_on_submit():
        services.set_password(user, form.password.data)
        user.is_verified = True  # they proved they read this inbox
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("Your password is changed. Sign in with the new one."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)


def _require_fresh():
    if not is_fresh_login():
        flash(_("For your security, please sign in again first."), "info")
        return redirect(url_for("auth.login", next=request.path, reauth=1))
    return None


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    if (stale := _require_fresh()) is not None:
        return stale
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = db.session.get_one(User, current_user.id)
        if not check_password(user.password_hash, form.current_password.data):
            form.current_password.errors = [_("That is not your current password.")]
        else:
            services.set_password(user, form.password.data)
            _start_session(user, remember=False)
            db.session.commit()
            flash(_("Your password is changed. Other devices are signed out."), "success")
            return redirect(url_for("members.account"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
def change_email():
    if (stale := _require_fresh()) is not None:
        return stale
    form = ChangeEmailForm()
    if form.validate_on_submit():
        if not check_password(current_user.password_hash, form.current_password.data):
            form.current_password.errors = [_("That is not your current password.")]
        else:
            services.request_email_change(current_user, form.email.data)
            db.session.commit()
            flash(_("Check %(email)s for a link to confirm the change.", email=form.email.data), "success")
            return redirect(url_for("members.account"))
    return render_template("auth/change_email.html", form=form)


@bp.route("/account/email/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    if request.method == "GET":
        if not _link_works(lambda: services.confirm_email_change(token)):
            abort(404)
        return _confirm_page(
            _("Confirm your new email"), _("Confirm to use this address for NQ from now on."), _("Confirm")
        )
    user = services.confirm_email_change(token)
    if user is None:
        abort(404)
    db.session.commit()
    flash(_("Your email is now %(email)s.", email=user.email), "success")
    return redirect(url_for("members.account" if current_user.is_authenticated else "auth.login"))
