"""Public group pages, joining, and the member directory."""
from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("groups", __name__)


@bp.route("/groups")
def index():
    return render_template("groups/index.html", groups=[])


@bp.route("/groups/new", methods=["GET", "POST"])
def create():
    return render_template("groups/index.html", groups=[])
