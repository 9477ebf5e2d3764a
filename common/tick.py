"""Periodic work run by `flask tick` (cron, every minute; safe to run often).

Areas register tasks with ``@tick_task``; each task queues what is due
(reminders, rating requests, renewals) idempotently — dedupe keys on the
outbox make a second run a no-op — and returns how many things it did.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from extensions import db

log = logging.getLogger(__name__)

TickTask = Callable[[datetime], int]
_TASKS: list[tuple[str, TickTask]] = []


def tick_task(func: TickTask) -> TickTask:
    _TASKS.append((f"{func.__module__}.{func.__name__}", func))
    return func


def run_tick(now: datetime) -> dict[str, int]:
    """Run every registered task (each in its own transaction), then the outbox."""
    from outbox.sender import send_due

    results: dict[str, int] = {}
    for name, task in _TASKS:
        try:
            results[name] = task(now)
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("tick task %s failed", name)
            results[name] = -1
    sent, failed = send_due(now=now)
    results["outbox.sent"] = sent
    results["outbox.failed"] = failed
    return results
