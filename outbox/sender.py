"""Send due outbox messages over SMTP (or into instance/mail/ without a server)."""
from __future__ import annotations

import logging
import smtplib
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from flask import current_app, render_template
from sqlalchemy import select

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
        email.add_attachment(
            attachment["content"].encode(),
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


def send_due(limit: int = 100) -> tuple[int, int]:
    """Send messages whose time has come; returns (sent, failed attempts).

    Rows are claimed with ``FOR UPDATE SKIP LOCKED`` (ignored on SQLite), so
    several ``flask tick`` processes never send the same message twice.
    Each message commits on its own: one bad address never blocks the rest.
    """
    sent = failed = 0
    max_attempts = current_app.config["OUTBOX_MAX_ATTEMPTS"]
    for _ in range(limit):
        now = utcnow()
        message = db.session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.sent_at.is_(None),
                OutboxMessage.failed_at.is_(None),
                OutboxMessage.send_after <= now,
            )
            .order_by(OutboxMessage.send_after, OutboxMessage.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if message is None:
            break
        message.attempts += 1
        try:
            _deliver(build_message(message), message.id)
        except (OSError, smtplib.SMTPException) as exc:
            failed += 1
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if message.attempts >= max_attempts:
                message.failed_at = now
                log.error("outbox message %s failed for good: %s", message.id, exc)
            else:
                message.send_after = now + backoff(message.attempts)
                log.warning("outbox message %s attempt %s failed: %s", message.id, message.attempts, exc)
            db.session.commit()
            if not current_app.config.get("MAIL_SERVER"):
                continue
            # The server is down: stop this tick, the backoff retries later.
            break
        message.sent_at = now
        db.session.commit()
        sent += 1
    return sent, failed
