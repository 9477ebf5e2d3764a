"""The group's audit log as the host pages list it."""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import bindparam, select
from sqlalchemy.orm import aliased

from common.audit import AuditEntry
from extensions import db
from members.models import User


@lru_cache(maxsize=1)
def _recent_audit_statement():
    actor = aliased(User)
    target = aliased(User)
    return (
        select(AuditEntry, actor.name, target.name)
        .outerjoin(actor, actor.id == AuditEntry.actor_id)
        .outerjoin(target, target.id == AuditEntry.target_user_id)
        .where(AuditEntry.group_id == bindparam("gid"))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


class AuditLine(NamedTuple):
    """An audit entry as the lists show it."""

    created_at: datetime
    action: str
    email: str | None
    role: str | None
    fields: tuple[str, ...]

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditLine:
        detail = entry.detail or {}
        return cls(entry.created_at, entry.action, detail.get("email"), detail.get("role"),
                   tuple(detail.get("fields") or ()))


def recent_audit_rows(group_id: int, limit: int = 10) -> tuple[tuple[AuditLine, str | None, str | None], ...]:
    """``recent_audit`` as plain values."""
    return tuple((AuditLine.of(entry), actor, target) for entry, actor, target in recent_audit(group_id, limit))


def recent_audit(group_id: int, limit: int = 10, offset: int = 0) -> list[tuple[AuditEntry, str | None, str | None]]:
    """The group's audit entries, newest first, with actor and target names (one query)."""
    return list(db.session.execute(_recent_audit_statement(), {"gid": group_id, "limit": limit, "offset": offset}))
