"""Outbox: every email is first a row, written in the action's transaction."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from common import versions
from common.db import UTCDateTime, utcnow
from extensions import Model


class OutboxMessage(Model):
    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_due", "sent_at", "send_after"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_email: Mapped[str] = mapped_column(String(254))
    template: Mapped[str] = mapped_column(String(80))
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Optional attachments: [{"filename", "content_type", "content"}]: text, or base64 with "encoding": "base64".
    attachments: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    # Prevents the same message being queued twice (e.g. reminders run by cron).
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    send_after: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


versions.exempt(OutboxMessage, "emails waiting to be sent; no group page shows them")
