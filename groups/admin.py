"""Blueprint 'group_admin' (filled in by its issue)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("group_admin", __name__)
