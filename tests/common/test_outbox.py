"""The outbox against a real SMTP server (aiosmtpd): delivery, retry with backoff,
nothing lost, no double sends (QUALITY.md 25)."""
from __future__ import annotations

import json
import socket
import threading
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from common.db import utcnow
from outbox.models import OutboxMessage
from outbox.sender import backoff, send_due
from outbox.services import queue_email

ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(app, monkeypatch):
    """A real SMTP server on a free port; the app is configured to use it."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    yield inbox
    controller.stop()


@pytest.fixture
def dead_server(app, monkeypatch):
    """The app points at a port where no mail server listens."""
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())


def queue(n: int = 1, **kwargs) -> list[int]:
    ids = []
    for i in range(n):
        message = queue_email(f"to{i}@example.com", f"Hello {i}", "email_change_notice",
                              {"name": f"Member {i}", "new_email": f"new{i}@example.com"}, **kwargs)
        assert message is not None  # no dedupe key repeats here
        ids.append(message)
    from extensions import db

    db.session.commit()
    return [m.id for m in ids]


def rows(db) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def tick(runner) -> dict:
    result = runner.invoke(args=["tick"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])


def test_tick_sends_html_text_and_attachments(db, runner, smtp_server):
    queue_email("ada@example.com", "Your meetup", "email_change_notice",
                {"name": "Ada", "new_email": "ada@new.example"},
                attachments=[{"filename": "meetup.ics", "content_type": "text/calendar", "content": ICS}])
    db.session.commit()
    assert tick(runner)["outbox.sent"] == 1
    [email] = smtp_server.messages
    assert email["To"] == "ada@example.com"
    assert email["Subject"] == "Your meetup"
    assert "Ada" in email.get_body(("plain",)).get_content()
    html = email.get_body(("html",)).get_content()
    assert "<html" in html and "ada@new.example" in html
    [attachment] = list(email.iter_attachments())
    assert attachment.get_filename() == "meetup.ics"
    assert attachment.get_content_type() == "text/calendar"
    assert "BEGIN:VCALENDAR" in attachment.get_content()
    [row] = rows(db)
    assert row.sent_at is not None and row.attempts == 1
    assert tick(runner)["outbox.sent"] == 0  # sent once only


def test_server_down_keeps_messages_and_retries_with_backoff(app, db, dead_server, monkeypatch):
    ids = queue(3)
    now = utcnow()
    sent, failed = send_due(now=now)
    assert (sent, failed) == (0, 1)  # stops at the first failure instead of failing them all
    first, *rest = rows(db)
    assert first.attempts == 1 and first.sent_at is None and first.failed_at is None
    assert "Connection" in first.last_error or "refused" in first.last_error.lower()
    assert first.send_after >= now + backoff(1) - timedelta(seconds=1)
    assert all(r.attempts == 0 for r in rest)
    # Still down a minute later: the failed one waits longer, the others are tried.
    sent, failed = send_due(now=now + timedelta(seconds=30))
    assert (sent, failed) == (0, 1)
    assert {r.id: r.attempts for r in rows(db)} == {ids[0]: 1, ids[1]: 1, ids[2]: 0}


def test_messages_queued_during_an_outage_are_all_sent_later_exactly_once(app, db, monkeypatch):
    ids = queue(3)
    dead_port = free_port()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", dead_port)
    now = utcnow()
    for minute in range(0, 4):
        send_due(now=now + timedelta(minutes=minute))
    assert all(r.sent_at is None for r in rows(db))
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        monkeypatch.setitem(app.config, "MAIL_PORT", port)
        later = now + timedelta(hours=1)
        assert send_due(now=later) == (3, 0)
        assert send_due(now=later + timedelta(hours=1)) == (0, 0)
    finally:
        controller.stop()
    assert sorted(m["To"] for m in inbox.messages) == [f"to{i}@example.com" for i in range(3)]
    assert [r.id for r in rows(db) if r.sent_at is not None] == ids


def test_backoff_doubles_and_gives_up_after_max_attempts(app, db, dead_server, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 4)
    [message_id] = queue(1)
    now = utcnow()
    waits = []
    for _ in range(4):
        row = rows(db)[0]
        assert row.failed_at is None
        now = row.send_after  # the earliest moment the sender tries again
        assert send_due(now=now) == (0, 1)
        waits.append(rows(db)[0].send_after - now)
    assert waits[:3] == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    row = rows(db)[0]
    assert row.attempts == 4 and row.failed_at is not None and row.sent_at is None
    assert send_due(now=now + timedelta(days=1)) == (0, 0)  # given up: not retried forever


def test_send_after_is_respected(db, smtp_server):
    later = utcnow() + timedelta(hours=2)
    queue(1, send_after=later)
    assert send_due() == (0, 0)
    assert send_due(now=later + timedelta(seconds=1)) == (1, 0)
    assert len(smtp_server.messages) == 1


def test_dedupe_key_queues_once_ever(db, smtp_server):
    assert queue_email("a@example.com", "Reminder", "email_change_notice", {"name": "A", "new_email": "x"},
                       dedupe_key="reminder:1:2") is not None
    db.session.commit()
    assert queue_email("a@example.com", "Reminder", "email_change_notice", {"name": "A", "new_email": "x"},
                       dedupe_key="reminder:1:2") is None
    db.session.commit()
    assert send_due() == (1, 0)
    assert queue_email("a@example.com", "Reminder", "email_change_notice", {"name": "A", "new_email": "x"},
                       dedupe_key="reminder:1:2") is None
    db.session.commit()
    assert len(rows(db)) == 1 and len(smtp_server.messages) == 1


def test_email_is_queued_in_the_actions_transaction(db):
    queue_email("a@example.com", "Hello", "email_change_notice", {"name": "A", "new_email": "x"})
    db.session.rollback()  # the action failed: its email goes with it
    assert rows(db) == []


def test_without_mail_server_messages_are_written_as_eml_files(app, db, runner, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    monkeypatch.setitem(app.config, "MAIL_DIR", str(tmp_path / "mail"))
    [message_id] = queue(1)
    assert tick(runner)["outbox.sent"] == 1
    files = list(Path(tmp_path / "mail").glob("*.eml"))
    assert [f.name for f in files] == [f"{message_id:08d}.eml"]
    email = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert email["To"] == "to0@example.com" and email["Subject"] == "Hello 0"
    assert rows(db)[0].sent_at is not None


def test_a_message_that_cannot_be_rendered_does_not_block_the_others(db, smtp_server):
    queue_email("broken@example.com", "Broken", "no_such_template", {})
    queue(2)
    assert send_due() == (2, 1)
    broken = rows(db)[0]
    assert broken.failed_at is not None and "no_such_template" in broken.last_error
    assert sorted(m["To"] for m in smtp_server.messages) == ["to0@example.com", "to1@example.com"]


def test_concurrent_senders_never_send_a_message_twice(app, db, smtp_server):
    """Four `flask tick` processes at once (threads with their own sessions):
    each message reaches the server exactly once."""
    ids = queue(24)
    start = threading.Barrier(4)
    results, errors = [], []

    def sender() -> None:
        try:
            with app.app_context():
                start.wait()
                results.append(send_due())
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    recipients = [m["To"] for m in smtp_server.messages]
    assert len(recipients) == len(set(recipients)) == 24
    assert sum(sent for sent, _failed in results) == 24
    assert all(r.sent_at is not None and r.attempts == 1 for r in rows(db))
    assert sorted(r.id for r in rows(db)) == ids
