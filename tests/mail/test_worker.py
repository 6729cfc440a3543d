"""The outbox worker against a real SMTP server (aiosmtpd on loopback)."""

from __future__ import annotations

import threading
from datetime import timedelta

from forum.db import utcnow
from forum.extensions import db
from forum.mail import worker
from forum.mail.models import OutboxMessage, OutboxStatus
from forum.mail.services import enqueue


def queue(recipient="anna@example.org", subject="Din anmälan är mottagen", **fields) -> OutboxMessage:
    message = enqueue(
        recipient=recipient,
        subject=subject,
        body_text=fields.pop("body_text", "Hej Anna!\n\nVälkommen till temamötet."),
        body_html=fields.pop("body_html", "<p>Hej Anna!</p><p>Välkommen till <b>temamötet</b>.</p>"),
    )
    for name, value in fields.items():
        setattr(message, name, value)
    db.session.commit()
    return message


def reload(message: OutboxMessage) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, message.id)


def parts(received) -> tuple[str, str]:
    text = received.get_body(preferencelist=("plain",)).get_content()
    html = received.get_body(preferencelist=("html",)).get_content()
    return text, html


def test_a_queued_message_is_delivered_once_with_its_parts_and_message_id(app, smtp_server):
    message = queue()

    assert worker.deliver_due() == 1

    [received] = smtp_server.messages
    assert received["Subject"] == "Din anmälan är mottagen"
    assert received["To"] == "anna@example.org"
    assert received["From"] == "Forum <forum@example.org>"
    assert received.get_all("Message-ID") == [message.message_id]
    text, html = parts(received)
    assert "Välkommen till temamötet." in text
    assert "<b>temamötet</b>" in html
    assert smtp_server.envelopes == [("forum@example.org", ["anna@example.org"])]
    stored = reload(message)
    assert stored.status == OutboxStatus.SENT
    assert stored.sent_at is not None
    assert stored.claimed_at is None

    assert worker.deliver_due() == 0
    assert worker.run() == 0
    assert len(smtp_server.messages) == 1


def test_a_message_without_html_is_plain_text(app, smtp_server):
    queue(body_html=None, body_text="Bara text.")
    worker.deliver_due()
    [received] = smtp_server.messages
    assert received.get_content_type() == "text/plain"
    assert received.get_content().strip() == "Bara text."


def test_a_batch_goes_over_one_smtp_connection(app, smtp_server):
    messages = [queue(recipient=f"person{n}@example.org") for n in range(5)]

    assert worker.deliver_due() == 5

    assert smtp_server.connections == 1
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(m.recipient for m in messages)


def test_run_works_through_the_queue_in_batches(app, smtp_server):
    for n in range(7):
        queue(recipient=f"person{n}@example.org")

    assert worker.run(batch_size=3) == 7

    assert len(smtp_server.messages) == 7
    assert smtp_server.connections == 3  # 3 + 3 + 1


def test_server_down_keeps_the_message_queued_and_it_is_delivered_once_when_back(app, smtp_server):
    message = queue()
    smtp_server.stop()
    before = utcnow()

    assert worker.deliver_due() == 0

    stored = reload(message)
    assert stored.status == OutboxStatus.QUEUED
    assert stored.attempts == 1
    assert "refused" in stored.last_error.lower()
    assert stored.next_attempt_at >= before + timedelta(minutes=1)
    assert stored.claimed_at is None

    smtp_server.start()
    assert worker.deliver_due() == 0, "not before its next attempt"
    assert smtp_server.messages == []

    stored.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert worker.deliver_due() == 1
    assert worker.deliver_due() == 0
    [received] = smtp_server.messages
    assert received["Message-ID"] == message.message_id
    assert reload(message).status == OutboxStatus.SENT


def test_backoff_grows_and_is_capped():
    waits = [worker.backoff(n) for n in range(1, 10)]
    assert waits == sorted(waits)
    assert waits[0] == timedelta(minutes=1)
    assert waits[-1] == waits[-2]


def test_a_message_fails_after_the_last_attempt(app, smtp_server):
    message = queue(attempts=worker.MAX_ATTEMPTS - 2)
    smtp_server.stop()

    worker.deliver_due()
    assert reload(message).status == OutboxStatus.QUEUED

    stored = reload(message)
    stored.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    worker.deliver_due()

    stored = reload(message)
    assert stored.status == OutboxStatus.FAILED
    assert stored.attempts == worker.MAX_ATTEMPTS
    assert stored.last_error
    smtp_server.start()
    stored.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert worker.deliver_due() == 0
    assert smtp_server.messages == []


def test_a_refused_recipient_does_not_hold_up_the_rest_of_the_batch(app, smtp_server):
    smtp_server.refused.add("nobody@example.org")
    refused = queue(recipient="nobody@example.org")
    accepted = queue(recipient="anna@example.org")

    assert worker.deliver_due() == 1

    assert [m["To"] for m in smtp_server.messages] == ["anna@example.org"]
    assert smtp_server.connections == 1
    assert reload(accepted).status == OutboxStatus.SENT
    stored = reload(refused)
    assert stored.status == OutboxStatus.QUEUED
    assert stored.attempts == 1
    assert "No such mailbox" in stored.last_error


def test_a_message_that_cannot_be_built_fails_at_once(app, smtp_server):
    broken = queue(subject="Rad ett\nBcc: spam@example.org")
    good = queue()

    assert worker.deliver_due() == 1

    assert reload(broken).status == OutboxStatus.FAILED
    assert reload(good).status == OutboxStatus.SENT
    assert all("spam@example.org" not in str(m) for m in smtp_server.messages)


def test_a_message_stuck_in_sending_with_an_old_claim_is_sent_again_with_the_same_message_id(app, smtp_server):
    # A worker was killed after claiming it.
    message = queue(status=OutboxStatus.SENDING, claimed_at=utcnow() - worker.CLAIM_TIMEOUT - timedelta(minutes=1))

    assert worker.deliver_due() == 1

    [received] = smtp_server.messages
    assert received["Message-ID"] == message.message_id
    stored = reload(message)
    assert stored.status == OutboxStatus.SENT
    assert stored.attempts == 1


def test_a_message_with_a_fresh_claim_is_left_to_its_worker(app, smtp_server):
    message = queue(status=OutboxStatus.SENDING, claimed_at=utcnow() - timedelta(minutes=2))

    assert worker.deliver_due() == 0

    assert smtp_server.messages == []
    assert reload(message).status == OutboxStatus.SENDING


def test_a_message_whose_worker_keeps_dying_fails_in_the_end(app, smtp_server):
    stale = utcnow() - worker.CLAIM_TIMEOUT - timedelta(minutes=1)
    message = queue(status=OutboxStatus.SENDING, claimed_at=stale, attempts=worker.MAX_ATTEMPTS - 1)

    assert worker.deliver_due() == 0

    assert reload(message).status == OutboxStatus.FAILED
    assert smtp_server.messages == []


def test_messages_not_yet_due_wait(app, smtp_server):
    queue(next_attempt_at=utcnow() + timedelta(minutes=5))
    assert worker.deliver_due() == 0
    assert smtp_server.messages == []


def test_workers_running_together_send_each_message_once(app, smtp_server):
    messages = [queue(recipient=f"person{n}@example.org") for n in range(30)]
    db.session.commit()
    totals: list[int] = []
    errors: list[BaseException] = []

    def work():
        try:
            with app.app_context():
                totals.append(worker.run(batch_size=4))
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=work, daemon=True) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert sum(totals) == 30
    received_ids = sorted(m["Message-ID"] for m in smtp_server.messages)
    assert received_ids == sorted(m.message_id for m in messages)


def test_cli_outbox_send_prints_the_count(app, smtp_server):
    queue()
    queue(recipient="bertil@example.org")

    result = app.test_cli_runner().invoke(args=["outbox", "send"])

    assert result.exit_code == 0, result.output
    assert "Sent 2 message(s)." in result.output
    assert len(smtp_server.messages) == 2

    again = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert "Sent 0 message(s)." in again.output
    assert len(smtp_server.messages) == 2


def test_cli_reports_an_unreachable_server(app, smtp_server):
    message = queue()
    smtp_server.stop()

    result = app.test_cli_runner().invoke(args=["outbox", "send"])

    assert result.exit_code == 0, result.output
    assert "1 message(s) not delivered, will retry later" in result.output
    assert "Sent 0 message(s)." in result.output
    assert reload(message).status == OutboxStatus.QUEUED
