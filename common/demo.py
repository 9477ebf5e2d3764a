"""The demo seed of DESIGN.md ("The demo seed"), built area by area."""
from __future__ import annotations

from sqlalchemy import select

from extensions import db
from members.models import User

DEMO_PASSWORD = "networking-demo"  # noqa: S105 (documented demo password)


class DemoRefused(Exception):
    pass


def seed_demo() -> list[str]:
    """Create the demo data in the current transaction; returns summary lines."""
    if db.session.scalar(select(User.id).limit(1)) is not None:
        raise DemoRefused("The database already has users; seed-demo runs only on a new database.")
    from groups.demo import seed_foundation

    ctx = seed_foundation(DEMO_PASSWORD)
    for step in _later_steps():
        step(ctx)
    db.session.flush()
    return ctx.get("summary", [])


def _later_steps():
    """Seed steps of later areas (meetups, ratings, payments) in order."""
    steps = []
    try:
        from meetups.demo import seed_meetups

        steps.append(seed_meetups)
    except ImportError:
        pass
    try:
        from ratings.demo import seed_ratings

        steps.append(seed_ratings)
    except ImportError:
        pass
    try:
        from billing.demo import seed_payments

        steps.append(seed_payments)
    except ImportError:
        pass
    return steps
