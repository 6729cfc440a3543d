"""Parts of the fault runs shared by tests/load/test_faults.py and bench/faults.py: the real outbox
worker (`flask outbox send --loop`) as a process of its own, and what an SMTP server must have
received for every e-mail to have been delivered exactly once."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine

from forum.db import utcnow
from forum.mail.models import OutboxMessage, OutboxStatus
from tests.live_server import ROOT, server_environment


class OutboxWorker:
    """`flask --app app outbox send --loop` against the given database and SMTP port."""

    def __init__(self, database_url: str, smtp_port: int, interval: float = 0.5) -> None:
        env = server_environment(
            database_url,
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=str(smtp_port),
            MAIL_SUPPRESS_SEND="0",
            MAIL_USE_TLS="0",
            MAIL_USE_SSL="0",
            FORUM_MAIL_RATE_PER_MINUTE="0",
        )
        if not database_url:
            env.pop("DATABASE_URL")
        for name in ("MAIL_USERNAME", "MAIL_PASSWORD"):
            env.pop(name, None)
        self._log = tempfile.NamedTemporaryFile(prefix="outbox-", suffix=".log", delete=False)  # noqa: SIM115
        self.process = subprocess.Popen(  # noqa: S603 - our own CLI, by this interpreter
            [sys.executable, "-m", "flask", "--app", "app", "outbox", "send", "--loop", "--interval", str(interval)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log(self) -> str:
        return Path(self._log.name).read_text(errors="replace")

    def stop(self) -> str:
        """Ctrl-C (the worker hands back what it has not started), and its log."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        log = self.log()
        self._log.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._log.name)
        return log


def outbox_counts(engine: Engine, event_id: int) -> dict:
    """Status → count of the event's outbox messages, and how many have been tried and failed."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(OutboxMessage.status, func.count()).where(OutboxMessage.event_id == event_id).group_by("status")
        ).all()
        failed_once = connection.scalar(
            select(func.count()).where(OutboxMessage.event_id == event_id, OutboxMessage.attempts > 0)
        )
    return {**{str(status): n for status, n in rows}, "tried_and_failed": failed_once}


def wait_for(condition, timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


def skip_backoff(engine: Engine, event_id: int) -> int:
    """Make the queued messages due now, as they are once their backoff (a minute after the first
    failure) has passed; for runs that do not wait the minute. Returns how many were moved."""
    with engine.begin() as connection:
        return connection.execute(
            update(OutboxMessage)
            .where(OutboxMessage.event_id == event_id, OutboxMessage.status == OutboxStatus.QUEUED)
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        ).rowcount


def delivered_once(engine: Engine, event_id: int, deliveries: list[tuple[str, str]]) -> dict:
    """Compare what the SMTP server received, (Message-ID, envelope recipient) pairs, with the outbox."""
    with engine.connect() as connection:
        expected = {
            (f"<{message_id.strip('<>')}>", recipient)
            for message_id, recipient in connection.execute(
                select(OutboxMessage.message_id, OutboxMessage.recipient).where(OutboxMessage.event_id == event_id)
            ).all()
        }
    received = Counter((f"<{message_id.strip('<>')}>", recipient) for message_id, recipient in deliveries)
    return {
        "queued": len(expected),
        "received": sum(received.values()),
        "missing": len(expected - set(received)),
        "duplicates": sum(count - 1 for count in received.values() if count > 1),
        "unexpected": len(set(received) - expected),
        "exactly_once": set(received) == expected and all(count == 1 for count in received.values()),
    }
