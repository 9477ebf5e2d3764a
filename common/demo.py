"""The demo seed of DESIGN.md ("The demo seed"), built area by area.

Each area registers its step with ``@demo_step(order)``; a step takes the
shared context (``ctx["password"]`` is the demo password) and adds what it
made for the steps after it.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from extensions import Model, db

DEMO_PASSWORD = "networking-demo"  # noqa: S105 (documented demo password)
DemoStep = Callable[[dict[str, Any]], None]
_STEPS: list[tuple[int, DemoStep]] = []


class DemoRefused(Exception):
    pass


def demo_step(order: int) -> Callable[[DemoStep], DemoStep]:
    def register(step: DemoStep) -> DemoStep:
        if step not in (s for _o, s in _STEPS):
            _STEPS.append((order, step))
            _STEPS.sort(key=lambda item: item[0])
        return step

    return register


def seed_demo() -> list[str]:
    """Create the demo data in the current transaction; returns summary lines."""
    users = Model.metadata.tables["user"]
    if db.session.scalar(select(func.count()).select_from(users)):
        raise DemoRefused("The database already has users; seed-demo runs only on a new database.")
    ctx: dict[str, Any] = {"password": DEMO_PASSWORD}
    for _order, step in _STEPS:
        step(ctx)
    db.session.flush()
    return ctx.get("summary", [])
