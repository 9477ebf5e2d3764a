"""Health check and uploaded files."""
from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text

from extensions import db

bp = Blueprint("common", __name__)


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 (any database failure means "not healthy")
        db.session.rollback()
        return jsonify(status="unavailable"), 503
    return jsonify(status="ok")
