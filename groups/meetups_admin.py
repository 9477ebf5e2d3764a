"""Blueprint 'meetups_admin' (filled in by its issue)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("meetups_admin", __name__)
