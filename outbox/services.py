"""Queue email in the caller's transaction; `flask tick` sends it later."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from common.db import utcnow
from extensions import db
from outbox.models import OutboxMessage


def queue_email(
    to: str,
    subject: str,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    send_after: datetime | None = None,
    dedupe_key: str | None = None,
    attachments: list[dict[str, str]] | None = None,
) -> OutboxMessage | None:
    """Add an outbox row for ``templates/emails/<template>.txt`` (and ``.html``).

    ``context`` must be JSON-serialisable: it is rendered when the message is
    sent. With a ``dedupe_key`` the message is queued at most once, ever; the
    unique constraint backs this even under concurrent ``flask tick`` runs.
    Returns None when a message with the same key already exists.
    """
    if dedupe_key is not None:
        exists = db.session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
        )
        if exists is not None:
            return None
    message = OutboxMessage(
        to_email=to,
        template=template,
        context={"subject": subject, **(context or {})},
        send_after=send_after or utcnow(),
        dedupe_key=dedupe_key,
        attachments=attachments or [],
    )
    db.session.add(message)
    return message
