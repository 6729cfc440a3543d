"""THE production recipe, followed by a test: a throw-away PostgreSQL database created and migrated
with `flask db upgrade`, the demo loaded with `flask demo`, gunicorn started with the web unit's
command (deploy/gunicorn.conf.py), the e-mail worker started with the outbox unit's command as a
process of its own, delivering to a real SMTP server (aiosmtpd) on loopback, the limiter on Redis
when it answers on 127.0.0.1:6379 — and journey 1 (tests/e2e/journeys.py) completed in headless
Chromium against it; then the purge unit's command runs on the same database, and the worker stops
on systemd's SIGINT.

Runs when TEST_DATABASE_URL is set (CI's PostgreSQL run), otherwise it is skipped.
"""

from __future__ import annotations

import contextlib
import secrets
import shlex
import signal
import socket
import subprocess
import time

import icalendar
import pytest
from sqlalchemy import and_, func, or_, select

from forum import create_app
from forum.extensions import db
from forum.registration.models import Registration
from tests.e2e import journeys
from tests.e2e.browser import chromium, require_chromium
from tests.production.recipe import (
    BIN,
    INSTALLED,
    ROOT,
    TEST_DATABASE_URL,
    Gunicorn,
    Process,
    at_newest_migration,
    environment,
    flask,
    throwaway_postgres,
    unit,
)
from tests.smtp import SMTPServer, free_port

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not TEST_DATABASE_URL, reason="the recipe runs on PostgreSQL: set TEST_DATABASE_URL"),
]

ATTENDEE = "asa.oberg@varberg.example.org"


def unit_command(name: str) -> list[str]:
    """A unit's ExecStart, run from this checkout instead of /srv/forum."""
    command = shlex.split(unit(name)["Service"]["ExecStart"])
    return [part.replace(INSTALLED, str(ROOT)) for part in command]


def redis_answers() -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as connection:
        connection.sendall(b"PING\r\n")
        return connection.recv(16).startswith(b"+PONG")
    return False


def fix_halland_date(app) -> None:
    """The organiser fixes the Halland meeting's preliminary date, which opens its registration form
    with the workshops (journeys.open_halland_registration, as tests/e2e/test_journeys.py does)."""
    with app.app_context():
        journeys.open_halland_registration()
        db.session.remove()
        db.engine.dispose()


class Mailbox:
    """deliver_and_fetch for the journeys: the worker process delivers; this waits until the outbox
    holds nothing due (the worker polls every few seconds) and returns what the SMTP server received."""

    def __init__(self, app, smtp: SMTPServer, worker: Process, timeout: float = 20) -> None:
        self.app, self.smtp, self.worker, self.timeout = app, smtp, worker, timeout

    def waiting(self) -> int:
        from forum.db import utcnow
        from forum.mail.models import OutboxMessage, OutboxStatus

        with self.app.app_context():
            due = or_(
                OutboxMessage.status == OutboxStatus.SENDING,
                and_(OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.next_attempt_at <= utcnow()),
            )
            count = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(due))
            db.session.remove()
            return count

    def __call__(self) -> list:
        deadline = time.monotonic() + self.timeout
        while self.waiting():
            assert self.worker.alive(), f"the outbox worker stopped:\n{self.worker.log()}"
            if time.monotonic() > deadline:
                raise AssertionError(f"the worker did not deliver the outbox in {self.timeout} s:\n{self.worker.log()}")
            time.sleep(0.2)
        return list(self.smtp.messages)


def test_the_production_recipe_serves_journey_one(tmp_path):
    require_chromium()
    smtp = SMTPServer().start()
    with throwaway_postgres("forum_recipe") as database_url, contextlib.ExitStack() as stack:
        stack.callback(smtp.stop)
        port = free_port()
        settings = {
            "FORUM_BIND": f"127.0.0.1:{port}",
            "FORUM_BASE_URL": f"http://127.0.0.1:{port}",
            "FORUM_WORKERS": "2",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(smtp.port),
        }
        if redis_answers():  # as in production: rate limits shared by every worker and server
            settings["FORUM_RATELIMIT_STORAGE_URI"] = "redis://127.0.0.1:6379/0"
            settings["FORUM_RATELIMIT_KEY_PREFIX"] = f"forum-recipe-{secrets.token_hex(4)}"
        env = environment(database_url, **settings)

        # Install: migrate. Then start the worker and gunicorn, each with its systemd unit's command,
        # and load the demo data (whose queued e-mails the demo discards) while they boot.
        flask("db", "upgrade", env=env)
        assert at_newest_migration(database_url)
        worker = Process(unit_command("forum-outbox.service"), env)
        stack.callback(worker.close)
        web = unit_command("forum-web.service")
        assert web[0] == str(BIN / "gunicorn")
        server = stack.enter_context(Gunicorn(env, command=web, wait=False))
        flask("demo", env=env)
        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "x", "TESTING": True})
        stack.callback(lambda: _dispose(app))
        fix_halland_date(app)
        server.wait_until_ready()
        assert server.port == port
        mailbox = Mailbox(app, smtp, worker)

        with chromium(
            locale="sv-SE", viewport=journeys.PHONE, is_mobile=True, has_touch=True, accept_downloads=True
        ) as context:
            found = journeys.journey_one(context.new_page(), server.url, mailbox, email=ATTENDEE)

        # What the attendee received and downloaded, served and delivered by the production setup.
        assert "Tack!" in found["thanks"]
        assert "Din plats på Temamöte om långsiktig beredskap i Halland är bekräftad" in found["confirmation"]
        assert f"http://127.0.0.1:{port}/r/" in found["confirmation"], "links carry FORUM_BASE_URL"
        assert "ticket.pdf" in found["confirmation_attachments"]
        after = found["personal_after"]
        assert "Workshop: Värme och energi" in after and "Workshop: Vatten" not in after
        calendar = icalendar.Calendar.from_ical(found["calendar"])
        summaries = sorted(str(entry["SUMMARY"]) for entry in calendar.walk("VEVENT"))
        assert summaries == [journeys.HALLAND_TITLE, "Workshop: Omsorg och vardagsstöd", "Workshop: Värme och energi"]
        assert found["ticket"].startswith(b"%PDF")

        # Every message the journey caused went out once, through the worker process.
        mailbox()
        confirmations = [m for m in smtp.messages if (m["Subject"] or "").startswith("Bekräftelse")]
        assert len(confirmations) == 1
        ids = [m["Message-ID"] for m in smtp.messages]
        assert len(ids) == len(set(ids)), "no message delivered twice"
        assert "Sent" in worker.log()

        # The access log shows the personal link's path without its token.
        token = found["personal_path"].rsplit("/", 1)[1]
        log = server.log()
        assert '"GET /r/… HTTP/1.1" 200' in log
        assert token not in log and ATTENDEE not in log

        # The daily purge (its unit's command) runs on the same database and keeps today's attendee.
        purge = subprocess.run(
            unit_command("forum-purge.service"), cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )
        assert purge.returncode == 0, purge.stdout + purge.stderr
        assert "event(s)." in purge.stdout
        with app.app_context():
            assert db.session.scalar(select(Registration.first_name).where(Registration.email == ATTENDEE)) == "Åsa"
            db.session.remove()

        # systemd stops the worker with SIGINT (KillSignal): it finishes and exits cleanly.
        assert worker.stop(signal.SIGINT) == 0, worker.log()
        assert "Stopped." in worker.log()
        server.close()  # before the database is dropped


def _dispose(app) -> None:
    with app.app_context():
        db.engine.dispose()
