"""Send due outbox messages over SMTP (or into instance/mail/ without a server)."""
from __future__ import annotations

import base64
import logging
import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any, cast

from flask import current_app, render_template
from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult

from common.db import utcnow
from extensions import db
from outbox.models import OutboxMessage

log = logging.getLogger(__name__)


def build_message(message: OutboxMessage) -> EmailMessage:
    """Render an outbox row into a MIME message (text, HTML and attachments)."""
    context = dict(message.context)
    email = EmailMessage()
    email["Subject"] = context.get("subject", "NQ")
    email["From"] = current_app.config["MAIL_FROM"]
    email["To"] = message.to_email
    email["Message-ID"] = make_msgid(idstring=f"nq-{message.id}")
    email.set_content(render_template(f"emails/{message.template}.txt", **context))
    email.add_alternative(
        render_template(f"emails/{message.template}.html", **context), subtype="html"
    )
    for attachment in message.attachments or []:
        maintype, subtype = attachment["content_type"].split("/", 1)
        content = attachment["content"]
        email.add_attachment(
            base64.b64decode(content) if attachment.get("encoding") == "base64" else content.encode(),
            maintype=maintype,
            subtype=subtype,
            filename=attachment["filename"],
        )
    return email


def _deliver(email: EmailMessage, message_id: int) -> None:
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        directory = Path(config["MAIL_DIR"])
        directory.mkdir(parents=True, exist_ok=True)
        (directory / f"{message_id:08d}.eml").write_bytes(bytes(email))
        return
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=15) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(email)


def backoff(attempts: int) -> timedelta:
    """Wait 1, 2, 4 … minutes between attempts, at most 6 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


# How long a claimed message is reserved for its sender; a sender that dies
# mid-send leaves the message to be retried after this.
CLAIM_LEASE = timedelta(minutes=10)
_CLAIM_LOST = object()


def _claim(now: datetime) -> OutboxMessage | None | object:
    """Claim the next due message for this sender, in its own short transaction.

    The claim is a conditional UPDATE (``attempts`` unchanged since we read it)
    that pushes ``send_after`` past a lease: of several concurrent senders
    exactly one wins each row, on SQLite as on PostgreSQL. On PostgreSQL the
    candidate is read with ``FOR UPDATE SKIP LOCKED`` so senders do not even
    wait for each other. Returns the message, None when nothing is due, or
    ``_CLAIM_LOST`` when another sender took the row first.
    """
    candidate = db.session.execute(
        select(OutboxMessage.id, OutboxMessage.attempts)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.failed_at.is_(None),
            OutboxMessage.send_after <= now,
        )
        .order_by(OutboxMessage.send_after, OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()
    if candidate is None:
        db.session.commit()
        return None
    # An UPDATE's result is a CursorResult (Session.execute is typed as returning any Result).
    claim = cast(CursorResult[Any], db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == candidate.id,
            OutboxMessage.attempts == candidate.attempts,
            OutboxMessage.sent_at.is_(None),
        )
        .values(attempts=candidate.attempts + 1, send_after=now + CLAIM_LEASE)
        .execution_options(synchronize_session=False)
    ))
    won = claim.rowcount
    db.session.commit()
    if won != 1:
        return _CLAIM_LOST
    return db.session.get(OutboxMessage, candidate.id)


def _record(message_id: int, **values) -> None:
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def send_due(limit: int = 100, now: datetime | None = None) -> tuple[int, int]:
    """Send messages whose time has come; returns (sent, failed attempts).

    Each message is claimed (see ``_claim``), sent outside any transaction,
    and its result recorded on its own: several ``flask tick`` processes
    never send the same message twice, and one bad message never blocks the
    rest. A failed attempt is retried with exponential backoff until
    ``OUTBOX_MAX_ATTEMPTS``; while the mail server is down, the tick stops
    early instead of failing every message in turn.
    """
    now = now or utcnow()
    sent = failed = 0
    max_attempts = current_app.config["OUTBOX_MAX_ATTEMPTS"]
    for _ in range(limit):
        message = _claim(now)
        if message is None:
            break
        if message is _CLAIM_LOST:
            continue
        assert isinstance(message, OutboxMessage)
        message_id, attempts = message.id, message.attempts
        try:
            email = build_message(message)
        except Exception as exc:  # noqa: BLE001 (a message that cannot be rendered never will be)
            log.exception("outbox message %s cannot be rendered", message_id)
            _record(message_id, failed_at=now, last_error=f"{type(exc).__name__}: {exc}"[:2000])
            failed += 1
            continue
        db.session.commit()  # no transaction stays open while we talk to the server
        try:
            _deliver(email, message_id)
        except (OSError, smtplib.SMTPException) as exc:
            failed += 1
            error = f"{type(exc).__name__}: {exc}"[:2000]
            if attempts >= max_attempts:
                _record(message_id, failed_at=now, last_error=error)
                log.error("outbox message %s failed for good: %s", message_id, exc)
            else:
                _record(message_id, send_after=now + backoff(attempts), last_error=error)
                log.warning("outbox message %s attempt %s failed: %s", message_id, attempts, exc)
            if current_app.config.get("MAIL_SERVER"):
                break  # the server is down: the backoff retries later
            continue
        _record(message_id, sent_at=now, last_error="")
        sent += 1
    return sent, failed
