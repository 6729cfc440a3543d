"""A thousand messages: queued by one organiser's message (one transaction), delivered by the worker
to a real SMTP server on loopback over one connection per batch, each recipient receiving exactly one.
(bench/mail.py measures the rates with 5,000.)"""

from __future__ import annotations

import time
from collections import Counter

from sqlalchemy import func, select

from forum.extensions import db
from forum.mail import broadcast, worker
from forum.mail.models import OutboxMessage, OutboxStatus
from tests import factories
from tests.mail.crowd import confirmed_crowd

COUNT = 1000


def test_a_thousand_messages_are_delivered_once_each(app, smtp_server):
    event = factories.event(title="Regionalt forum i Skåne")
    organiser = factories.user(roles={event: "organiser"})
    confirmed_crowd(event, COUNT)
    db.session.commit()
    started = time.monotonic()

    queued = broadcast.send(
        event, "confirmed", broadcast.Draft("Välkommen i morgon", "Dörrarna öppnar 8.30."), by=organiser
    )
    queued_in = time.monotonic() - started
    sent = worker.run()
    elapsed = time.monotonic() - started

    assert queued == COUNT
    assert sent == COUNT
    assert elapsed < 30, f"{COUNT} messages took {elapsed:.1f} s"
    assert queued_in < 5, f"queueing took {queued_in:.1f} s"
    # Each recipient exactly one message, each Message-ID exactly once, every row marked sent.
    recipients = Counter(address for _, rcpt in smtp_server.envelopes for address in rcpt)
    assert recipients == Counter({f"crowd{n}@example.org": 1 for n in range(COUNT)})
    message_ids = Counter(message["Message-ID"] for message in smtp_server.messages)
    assert set(message_ids.values()) == {1}
    stored = set(db.session.scalars(select(OutboxMessage.message_id)))
    assert set(message_ids) == stored
    assert db.session.scalar(select(func.count()).where(OutboxMessage.status != OutboxStatus.SENT)) == 0
    assert smtp_server.connections == COUNT // worker.BATCH_SIZE
    # Greeted by name: the copies are each recipient's own.
    first = next(m for m in smtp_server.messages if m["To"] == "crowd7@example.org")
    assert first.get_body(preferencelist=("plain",)).get_content().startswith("Hej Åsa7,")
