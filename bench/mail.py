"""Sending at scale: queue 5,000 e-mails, deliver them with the real outbox worker to a real SMTP
server on loopback, and check that every recipient received exactly one.

Two batches of FORUM_BENCH_MAIL_MESSAGES (5,000) each, on SQLite in a temporary folder:
- invitations: 5,000 invitees sent their invitation (forum.invitations.sending.send_invitations,
  as the organiser's button does); skipped while that module is not there;
- message: an organiser's message to 5,000 confirmed participants (forum.mail.broadcast.send).
For each, the time to queue (one transaction; target: under 5 s) and then the worker
(forum.mail.worker.run, in this process, one SMTP connection per batch of 50, no rate limit)
delivering to aiosmtpd in a process of its own (bench/smtp_sink.py): messages per second (target:
at least 100) and whether each recipient received exactly one message, counted by Message-ID and
envelope recipient.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from tests.live_server import ROOT

MESSAGES = int(os.environ.get("FORUM_BENCH_MAIL_MESSAGES", "5000"))
TARGET_QUEUE_SECONDS = 5.0
TARGET_PER_S = 100.0
SENDER = "Forum <forum@example.org>"


class SinkProcess:
    """bench/smtp_sink.py as a subprocess; stop() returns what it received."""

    def __init__(self, folder: Path) -> None:
        self.out = folder / "received.json"
        self.process = subprocess.Popen(  # noqa: S603 - our own module, by this interpreter
            [sys.executable, "-m", "bench.smtp_sink", str(self.out)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.process.stdout.readline().split()
        if line[:1] != ["ready"]:
            self.process.kill()
            raise RuntimeError(f"the SMTP server did not start: {line}")
        self.port = int(line[1])

    def stop(self) -> dict:
        self.process.terminate()
        self.process.wait(timeout=30)
        return json.loads(self.out.read_text())


def _app(database_url: str, port: int):
    from forum import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "bench",
            "FORUM_BASE_URL": "https://forum.example.se",
            "RATELIMIT_ENABLED": False,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": port,
            "MAIL_USE_TLS": False,
            "MAIL_USE_SSL": False,
            "MAIL_USERNAME": None,
            "MAIL_PASSWORD": None,
            "MAIL_SUPPRESS_SEND": False,
            "MAIL_DEFAULT_SENDER": SENDER,
            "FORUM_MAIL_INLINE": False,
            "FORUM_MAIL_RATE_PER_MINUTE": 0,
        }
    )


def _event(slug: str, title: str):
    from forum.events.models import Event, EventKind, EventStatus, Organisation, Visibility
    from forum.extensions import db

    starts = (datetime.now(UTC) + timedelta(days=30)).replace(hour=8, minute=0, second=0, microsecond=0)
    event = Event(
        slug=slug,
        title=title,
        organisation=Organisation(name=f"Hela Sverige ska leva Halland ({slug})", contact_email="halland@example.org"),
        kind=EventKind.THEME_MEETING,
        starts_at=starts,
        ends_at=starts.replace(hour=16),
        venue_name="Stadshuset",
        venue_city="Halmstad",
        status=EventStatus.PUBLISHED,
        visibility=Visibility.PUBLIC,
        contact_email="halland@example.org",
    )
    db.session.add(event)
    db.session.flush()
    return event


def _organiser(event):
    from forum.auth.models import EventRole, Role, User
    from forum.extensions import db

    user = User(
        email=f"organiser-{event.slug}@example.org",
        name="Olle Arrangör",
        password_hash="!",  # noqa: S106 - no password: the account only signs the audit entries
        session_token="bench",  # noqa: S106
    )
    db.session.add(user)
    db.session.add(EventRole(user=user, event=event, role=Role.ORGANISER))
    db.session.flush()
    return user


def _queue_invitations() -> tuple[int, float] | None:
    try:
        from forum.invitations import sending
    except ImportError:
        return None
    from forum.extensions import db
    from forum.invitations.models import InviteeSource
    from forum.invitations.services import InviteeData, add_invitees

    event = _event("bench-invitations", "Rådsmöte om långsiktig beredskap")
    organiser = _organiser(event)
    people = [
        InviteeData(email=f"invitee{n}@example.org", first_name=f"Åsa{n}", last_name="Öberg", language="sv")
        for n in range(MESSAGES)
    ]
    invitees = add_invitees(event, people, InviteeSource.IMPORTED, by=organiser)
    db.session.commit()
    started = time.perf_counter()
    count = sending.send_invitations(event, invitees, by=organiser)
    db.session.commit()
    return count, time.perf_counter() - started


def _queue_message() -> tuple[int, float]:
    from forum.extensions import db
    from forum.mail import broadcast
    from tests.mail.crowd import confirmed_crowd

    event = _event("bench-message", "Temamöte om långsiktig beredskap")
    organiser = _organiser(event)
    confirmed_crowd(event, MESSAGES, domain="participants.example.org")
    db.session.commit()
    draft = broadcast.Draft(
        "Praktisk information inför temamötet",
        "Vi börjar med kaffe klockan 8.30 i Stadshuset.\nTa med legitimation.\n\nVälkomna!",
    )
    started = time.perf_counter()
    count = broadcast.send(event, "confirmed", draft, by=organiser)
    return count, time.perf_counter() - started


def _deliver(folder: Path, app, purpose: str) -> dict:
    """Run the worker against a fresh SMTP server and check what arrived against the outbox."""
    from forum.extensions import db, mail
    from forum.mail import worker
    from forum.mail.models import OutboxMessage, OutboxStatus

    sink = SinkProcess(folder)
    try:
        app.config["MAIL_PORT"] = sink.port
        mail.init_app(app)  # Flask-Mail copies its settings when initialised
        started = time.perf_counter()
        sent = worker.run(echo=lambda _line: None)
        elapsed = time.perf_counter() - started
    finally:
        received = sink.stop()
    expected = set(
        db.session.execute(
            select(OutboxMessage.message_id, OutboxMessage.recipient).where(OutboxMessage.purpose == purpose)
        ).all()
    )
    deliveries = Counter((message_id, recipient) for message_id, recipient in received["deliveries"])
    per_recipient = Counter(recipient for _message_id, recipient in received["deliveries"])
    not_sent = db.session.scalar(
        select(func.count()).where(OutboxMessage.purpose == purpose, OutboxMessage.status != OutboxStatus.SENT)
    )
    exactly_once = (
        set(deliveries) == expected
        and set(deliveries.values()) == {1}
        and set(per_recipient.values()) == {1}
        and len(per_recipient) == len(expected)
    )
    return {
        "delivered": sent,
        "deliver_seconds": round(elapsed, 2),
        "messages_per_s": round(sent / elapsed, 1) if elapsed else None,
        "smtp_connections": received["connections"],
        "received": len(received["deliveries"]),
        "distinct_recipients": len(per_recipient),
        "each_recipient_exactly_once": exactly_once,
        "not_marked_sent": not_sent,
        "meets_rate_target": sent / elapsed >= TARGET_PER_S if elapsed else False,
    }


def run() -> dict:
    from flask_migrate import upgrade

    from forum.extensions import db

    results: dict = {
        "messages": MESSAGES,
        "targets": {"queue_seconds": TARGET_QUEUE_SECONDS, "messages_per_s": TARGET_PER_S},
        "smtp": "aiosmtpd on 127.0.0.1 in its own process; worker in this process, batches of 50",
        "database": "SQLite",
        "cpus": os.cpu_count(),
        "load_average_before": round(os.getloadavg()[0], 2),
    }
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        app = _app(f"sqlite:///{folder / 'bench.sqlite3'}", 25)
        with app.app_context():
            upgrade()
            for label, queue, purpose in (
                ("invitations", _queue_invitations, "invitation"),
                ("message", _queue_message, "message"),
            ):
                queued = queue()
                if queued is None:
                    results[label] = {"skipped": "forum.invitations.sending is not there"}
                    continue
                count, seconds = queued
                results[label] = {
                    "queued": count,
                    "queue_seconds": round(seconds, 2),
                    "meets_queue_target": seconds < TARGET_QUEUE_SECONDS,
                    **_deliver(folder, app, purpose),
                }
            db.session.remove()
            db.engine.dispose()
    return results


if __name__ == "__main__":
    json.dump(run(), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
