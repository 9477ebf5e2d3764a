"""Member portal: dashboard, account and profile."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

bp = Blueprint("members", __name__)


@bp.route("/")
def dashboard():
    if not current_user.is_authenticated:
        return render_template("landing.html")
    return render_template("members/dashboard.html")


@bp.route("/account")
@login_required
def account():
    return render_template("members/dashboard.html")


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile_edit():
    return render_template("members/dashboard.html")
