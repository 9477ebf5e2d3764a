"""Foundation part of the demo seed: users, profiles, groups, memberships."""
from __future__ import annotations

from typing import Any


def seed_foundation(password: str) -> dict[str, Any]:
    """Create the demo users and groups; returns a context for later steps."""
    return {"summary": []}
