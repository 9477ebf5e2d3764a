"""Ratings, clicks, connections, introductions and outcomes (issue 4 fills this in)."""
from __future__ import annotations
