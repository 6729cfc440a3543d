"""Sending at a provider's rate: FORUM_MAIL_RATE_PER_MINUTE spaces the worker's messages so that no
minute holds more than the rate, claims batches sized to it, and still sends each batch over one
SMTP connection. Against a real SMTP server (aiosmtpd on loopback); the rates are high (600 a
minute: one message every 0.1 s) to keep the tests short."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import select, update

from forum import config
from forum.db import utcnow
from forum.extensions import db
from forum.mail import worker
from forum.mail.models import OutboxMessage, OutboxStatus
from forum.mail.services import enqueue


def queue(count: int) -> list[str]:
    ids = [
        enqueue(recipient=f"person{n}@example.org", subject=f"Meddelande {n}", body_text="Hej!").message_id
        for n in range(count)
    ]
    db.session.commit()
    return ids


def received_ids(smtp_server) -> list[str]:
    return sorted(message["Message-ID"] for message in smtp_server.messages)


def test_the_setting_is_declared_with_no_limit_by_default():
    assert config.load_settings({})["FORUM_MAIL_RATE_PER_MINUTE"] == 0
    assert config.load_settings({"FORUM_MAIL_RATE_PER_MINUTE": "600"})["FORUM_MAIL_RATE_PER_MINUTE"] == 600


def test_without_a_limit_the_worker_does_not_wait(app, smtp_server):
    ids = queue(12)

    started = time.monotonic()
    assert worker.run() == 12
    elapsed = time.monotonic() - started

    assert elapsed < 1.0
    assert received_ids(smtp_server) == sorted(ids)


def test_the_rate_spaces_the_messages_over_one_connection(app, smtp_server):
    app.config["FORUM_MAIL_RATE_PER_MINUTE"] = 600  # one every 0.1 s
    ids = queue(12)

    started = time.monotonic()
    assert worker.run() == 12
    elapsed = time.monotonic() - started

    # 12 messages at 0.1 s apart: at least 1.1 s from the first to the last.
    assert elapsed >= 1.1
    assert elapsed < 5.0
    assert received_ids(smtp_server) == sorted(ids)
    assert smtp_server.connections == 1


def test_the_pace_holds_across_batches(app, smtp_server):
    app.config["FORUM_MAIL_RATE_PER_MINUTE"] = 600
    ids = queue(12)

    started = time.monotonic()
    assert worker.run(batch_size=5) == 12
    elapsed = time.monotonic() - started

    assert elapsed >= 1.1
    assert received_ids(smtp_server) == sorted(ids)
    assert smtp_server.connections == 3  # 5 + 5 + 2, one connection each


def test_a_new_run_keeps_the_spacing_from_the_last_message_sent(app, smtp_server):
    app.config["FORUM_MAIL_RATE_PER_MINUTE"] = 120  # one every 0.5 s
    queue(1)
    worker.run()
    queue(1)

    started = time.monotonic()
    assert worker.run() == 1
    elapsed = time.monotonic() - started

    assert elapsed >= 0.3  # the first run's message went out a moment ago
    assert len(smtp_server.messages) == 2


def test_a_message_sent_long_ago_does_not_slow_the_next_run(app, smtp_server):
    app.config["FORUM_MAIL_RATE_PER_MINUTE"] = 60
    queue(1)
    worker.run()
    db.session.execute(update(OutboxMessage).values(sent_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    queue(1)

    started = time.monotonic()
    assert worker.run() == 1
    assert time.monotonic() - started < 0.5


def test_claimed_batches_are_sized_to_the_rate():
    # No more than PACED_BATCH_SECONDS (10 s) of sending is claimed at once.
    assert worker.paced_batch_size(50, 0) == 50
    assert worker.paced_batch_size(50, 600) == 50
    assert worker.paced_batch_size(50, 60) == 10
    assert worker.paced_batch_size(50, 3) == 1


def test_a_slow_rate_claims_only_a_small_batch(app, smtp_server):
    # With the server down a run claims one batch, fails to connect and stops: the messages it
    # tried (attempts = 1) are the batch it claimed. At 60 a minute that is 10 seconds' worth.
    app.config["FORUM_MAIL_RATE_PER_MINUTE"] = 60
    queue(12)
    smtp_server.stop()

    assert worker.run() == 0

    db.session.expire_all()
    attempts = sorted(db.session.scalars(select(OutboxMessage.attempts)))
    assert attempts == [0] * 2 + [1] * 10
    assert set(db.session.scalars(select(OutboxMessage.status))) == {OutboxStatus.QUEUED}
