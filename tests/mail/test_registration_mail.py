"""E-mail to registrants, end to end: registered through the service, delivered by the outbox worker
to a real SMTP server (aiosmtpd on loopback), read as the registrant's mail program would."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller
from icalendar import Calendar
from sqlalchemy import select, update

from forum.db import utcnow
from forum.extensions import db
from forum.mail import worker
from forum.mail.models import OutboxMessage, OutboxStatus
from forum.programme.models import ProgrammeItem, ProgrammeItemKind
from forum.registration import services
from forum.registration.models import RegistrationStatus
from tests import factories
from tests.smtp import HOST, SMTPServer, _Handler

ROOT = Path(__file__).resolve().parents[2]
STARTS = datetime(2027, 3, 25, 8, 0, tzinfo=UTC)  # 9.00 in Stockholm
LINK = re.compile(r"http://localhost/r/[A-Za-z0-9_-]{43}")


# --- set-up --------------------------------------------------------------------------------------


def halland_event(**fields):
    values = {
        "slug": "temamote-halland",
        "title": "Temamöte om långsiktig beredskap",
        "starts_at": STARTS,
        "ends_at": STARTS + timedelta(hours=6, minutes=30),
        "venue_name": "Hallandsgården",
        "venue_address": "Storgatan 1",
        "venue_city": "Halmstad",
        "venue_directions": "Buss 1 till Stora torget.",
        "contact_email": "halland@example.org",
        "registration_opens_at": None,
        "registration_closes_at": None,
    }
    values.update(fields)
    return factories.event(**values)


def workshop(event, title: str, hours_in: int, capacity: int | None = None) -> ProgrammeItem:
    item = ProgrammeItem(
        event=event,
        title=title,
        kind=ProgrammeItemKind.WORKSHOP,
        starts_at=STARTS + timedelta(hours=hours_in),
        ends_at=STARTS + timedelta(hours=hours_in + 1),
        requires_signup=True,
        capacity=capacity,
    )
    db.session.add(item)
    db.session.flush()
    return item


def register(event, first_name="Anna", email=None, language="sv", **details):
    outcome = services.register(
        event,
        services.Details(
            first_name=first_name,
            last_name=details.pop("last_name", "Andersson"),
            email=email or f"{first_name.lower()}@example.org",
            **details,
        ),
        language=language,
    )
    db.session.commit()
    return outcome.registration


def deliver() -> int:
    sent = worker.deliver_due()
    db.session.expire_all()
    return sent


def text_of(received: EmailMessage) -> str:
    return received.get_body(preferencelist=("plain",)).get_content()


def html_of(received: EmailMessage) -> str:
    return received.get_body(preferencelist=("html",)).get_content()


def calendars(received: EmailMessage) -> list[tuple[str, str, Calendar]]:
    """(filename, the content type's method, parsed calendar) of each .ics attachment."""
    found = []
    for part in received.iter_attachments():
        if part.get_content_type() == "text/calendar":
            data = part.get_payload(decode=True).decode(part.get_content_charset() or "ascii")
            found.append((part.get_filename(), part.get_param("method"), Calendar.from_ical(data)))
    return found


def outbox() -> list[SimpleNamespace]:
    """Copies of the outbox rows, read in a transaction that is closed again at once: an open one
    would hold SQLite's write lock (BEGIN IMMEDIATE) against the worker processes."""
    db.session.expire_all()
    columns = [column.key for column in OutboxMessage.__table__.columns]
    messages = [
        SimpleNamespace(**{key: getattr(message, key) for key in columns})
        for message in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
    ]
    db.session.commit()
    return messages


# --- what the registrant receives ----------------------------------------------------------------


def test_the_confirmation_arrives_with_the_personal_link_and_the_event_as_ics(app, client, smtp_server):
    event = halland_event(capacity=20)
    registration = register(event, language="en")

    assert deliver() == 1

    [received] = smtp_server.messages
    [stored] = outbox()
    assert stored.purpose == "registration.confirmation"
    assert received["Subject"] == "Confirmation: Temamöte om långsiktig beredskap"
    assert received["To"] == "anna@example.org"
    assert received["From"] == "Forum <forum@example.org>"
    assert received["Date"] is not None and received["Date"].datetime is not None
    assert received.get_all("Message-ID") == [stored.message_id]
    assert received.get_content_type() == "multipart/mixed"
    assert [part.get_content_type() for part in received.iter_parts()] == [
        "multipart/alternative",
        "text/calendar",
        "application/pdf",  # the ticket (issue 6)
    ]

    text = text_of(received)
    assert text.startswith("Hello Anna,")
    assert "Welcome! Your place at Temamöte om långsiktig beredskap is confirmed." in text
    assert "25 March 2027, 09:00–15:30" in text
    assert "Hallandsgården, Storgatan 1, Halmstad" in text
    assert "Buss 1 till Stora torget." in text
    assert "halland@example.org" in text
    [link] = set(LINK.findall(text))
    assert link in html_of(received)
    assert f"{link}/calendar.ics" in text
    assert "change your details" in text

    # The link is the registration's own: it opens it.
    page = client.get(link.removeprefix("http://localhost"))
    assert page.status_code == 200
    assert "Temamöte om långsiktig beredskap" in page.get_data(as_text=True)
    assert services.find_by_token(link.rsplit("/", 1)[1]).id == registration.id

    [(filename, method, calendar)] = calendars(received)
    assert filename == "temamote-halland.ics"
    assert method == "PUBLISH"
    [entry] = calendar.walk("VEVENT")
    assert str(entry["SUMMARY"]) == "Temamöte om långsiktig beredskap"
    assert entry["DTSTART"].dt == STARTS
    assert str(entry["UID"]) == f"event-{event.id}@localhost"


def test_a_swedish_registration_gets_swedish_mail_with_times_in_the_events_zone(app, smtp_server):
    event = halland_event(timezone="Europe/Helsinki")
    register(event, first_name="Åsa", email="asa@example.org", language="sv")

    deliver()

    [received] = smtp_server.messages
    assert received["Subject"] == "Bekräftelse: Temamöte om långsiktig beredskap"
    text = text_of(received)
    assert text.startswith("Hej Åsa,")
    assert "25 mars 2027, kl. 10.00–16.30" in text  # Helsinki is an hour ahead of Stockholm
    assert "Din personliga länk:" in text


def test_the_subject_is_encoded_and_the_body_is_utf8(app, recording_smtp):
    smtp_server = recording_smtp
    register(halland_event(), first_name="Zoë", email="zoe@example.org", language="sv")
    deliver()

    [raw] = smtp_server.raw
    headers = raw.split(b"\r\n\r\n", 1)[0]
    headers.decode("ascii")  # non-ASCII headers are encoded words
    assert b"=?utf-8?" in headers.lower()
    assert b"\r\nFrom: Forum <forum@example.org>\r\n" in headers
    [received] = smtp_server.messages
    assert received["Subject"] == "Bekräftelse: Temamöte om långsiktig beredskap"
    assert received["Message-ID"].endswith("@example.org>")  # the sender's domain
    for part in received.walk():
        if part.get_content_maintype() == "text":
            assert part.get_content_charset() == "utf-8"


def test_long_paragraphs_are_sent_in_lines_smtp_servers_accept(app, recording_smtp):
    directions = "Från stationen går du längs ån mot slottet och sedan över bron. " * 30  # about 2000 characters
    register(halland_event(venue_directions=directions), first_name="Zoë", email="zoe@example.org")

    assert deliver() == 1

    [raw] = recording_smtp.raw
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78
    [received] = recording_smtp.messages
    assert directions.strip() in text_of(received)
    assert directions.strip() in html_of(received)


def test_workshops_are_listed_with_their_status(app, smtp_server):
    event = halland_event()
    water = workshop(event, "Workshop: Vatten", 1, capacity=1)
    heat = workshop(event, "Workshop: Värme", 3)
    register(event, first_name="Anna", workshop_ids=[water.id])
    register(event, first_name="Bertil", workshop_ids=[water.id, heat.id], language="en")

    deliver()

    text = text_of(smtp_server.to("bertil@example.org")[0])
    assert "Workshop: Vatten, 25 March 2027, 10:00–11:00: you are on the waiting list" in text
    assert "Workshop: Värme, 25 March 2027, 12:00–13:00: you have a place" in text


def test_the_waiting_list_notice_gives_the_position_and_no_calendar(app, smtp_server):
    event = halland_event(capacity=1)
    register(event, first_name="Anna")
    register(event, first_name="Bertil", language="en")
    register(event, first_name="Cecilia")

    deliver()

    bertil = smtp_server.to("bertil@example.org")[0]
    assert bertil["Subject"] == "Waiting list: Temamöte om långsiktig beredskap"
    assert "you are number 1 on the waiting list" in text_of(bertil)
    assert LINK.search(text_of(bertil))
    assert calendars(bertil) == []
    cecilia = smtp_server.to("cecilia@example.org")[0]
    assert "står på väntelistan som nummer 2" in text_of(cecilia)


def test_a_cancellation_promotes_the_first_waiting_and_both_are_told(app, smtp_server):
    event = halland_event(capacity=1)
    anna = register(event, first_name="Anna", language="en")
    register(event, first_name="Bertil", language="en")
    deliver()
    smtp_server.messages.clear()
    smtp_server.envelopes.clear()

    services.cancel(anna)
    db.session.commit()
    deliver()

    [receipt] = smtp_server.to("anna@example.org")
    assert receipt["Subject"] == "Cancellation: Temamöte om långsiktig beredskap"
    assert "is cancelled" in text_of(receipt)
    assert not LINK.search(text_of(receipt)), "a cancelled registration's mail carries no personal link"
    assert calendars(receipt) == []
    [promotion] = smtp_server.to("bertil@example.org")
    assert promotion["Subject"] == "You have a place: Temamöte om långsiktig beredskap"
    assert "Your place is now confirmed." in text_of(promotion)
    [(_, _, calendar)] = calendars(promotion)
    assert calendar.walk("VEVENT")[0]["DTSTART"].dt == STARTS


def test_approval_and_decline(app, smtp_server):
    event = halland_event(capacity=1, requires_approval=True)
    anna = register(event, first_name="Anna", language="en")
    bertil = register(event, first_name="Bertil", language="en")
    cecilia = register(event, first_name="Cecilia", language="en")
    organiser = factories.user(roles={event: "organiser"})
    deliver()
    pending = smtp_server.to("anna@example.org")[0]
    assert pending["Subject"] == "Registration received: Temamöte om långsiktig beredskap"
    assert "reviews the registrations" in text_of(pending)
    assert calendars(pending) == []

    services.approve(anna, by=organiser)
    services.approve(bertil, by=organiser)  # full by now: the waiting list
    services.decline(cecilia, by=organiser)
    db.session.commit()
    deliver()

    seat = smtp_server.to("anna@example.org")[-1]
    assert seat["Subject"] == "Registration approved: Temamöte om långsiktig beredskap"
    assert "your place is confirmed" in text_of(seat)
    assert len(calendars(seat)) == 1
    queue = smtp_server.to("bertil@example.org")[-1]
    assert queue["Subject"] == "Registration approved: Temamöte om långsiktig beredskap"
    assert "you are number 1 on the waiting list" in text_of(queue)
    assert calendars(queue) == []
    declined = smtp_server.to("cecilia@example.org")[-1]
    assert declined["Subject"] == "Registration declined: Temamöte om långsiktig beredskap"
    assert "could not accept your registration" in text_of(declined)
    assert not LINK.search(text_of(declined))


def test_the_same_email_again_gets_the_same_link_again(app, smtp_server):
    event = halland_event()
    register(event, first_name="Anna", email="anna@example.org", language="en")
    register(event, first_name="Anna", email="ANNA@example.org", language="sv")

    deliver()

    confirmation, again = smtp_server.to("anna@example.org")
    assert again["Subject"] == "Your registration link: Temamöte om långsiktig beredskap"
    assert "Your registration is unchanged" in text_of(again)
    assert LINK.findall(text_of(again))[0] == LINK.findall(text_of(confirmation))[0]
    assert calendars(again) == []
    assert [m.purpose for m in outbox()] == ["registration.confirmation", "registration.link"]


def test_a_seat_in_a_workshop_from_its_waiting_list(app, smtp_server):
    event = halland_event()
    water = workshop(event, "Workshop: Vatten", 1, capacity=1)
    anna = register(event, first_name="Anna", workshop_ids=[water.id])
    register(event, first_name="Bertil", workshop_ids=[water.id], language="en")
    deliver()

    services.update(anna, services.Details(first_name="Anna", last_name="Andersson", email="anna@example.org"))
    db.session.commit()
    deliver()

    seat = smtp_server.to("bertil@example.org")[-1]
    assert seat["Subject"] == "A place in Workshop: Vatten: Temamöte om långsiktig beredskap"
    assert "You now have a place in Workshop: Vatten (25 March 2027, 10:00–11:00)" in text_of(seat)


def test_names_and_titles_are_text_in_the_html(app, smtp_server):
    event = halland_event(title="Möte <script>alert(1)</script> & mer")
    register(event, first_name="<b>Zoë</b>", email="zoe@example.org")

    deliver()

    [received] = smtp_server.messages
    html = html_of(received)
    assert "<b>Zoë</b>" not in html and "&lt;b&gt;Zoë&lt;/b&gt;" in html
    assert "<script>" not in html
    assert text_of(received).startswith("Hej <b>Zoë</b>,")


# --- delivery: the server down, the worker killed -----------------------------------------------


def test_with_the_server_down_registration_succeeds_and_each_message_arrives_once_later(app, smtp_server):
    smtp_server.stop()
    event = halland_event(capacity=2)
    people = [register(event, first_name=name) for name in ("Anna", "Bertil", "Cecilia")]
    assert [p.status for p in people] == [
        RegistrationStatus.CONFIRMED,
        RegistrationStatus.CONFIRMED,
        RegistrationStatus.WAITING,
    ]

    down = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert "3 message(s) not delivered, will retry later" in down.output
    assert {m.status for m in outbox()} == {OutboxStatus.QUEUED}

    # Back up, and the backoff has passed.
    smtp_server.start()
    db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    first = app.test_cli_runner().invoke(args=["outbox", "send"])
    again = app.test_cli_runner().invoke(args=["outbox", "send"])

    assert "Sent 3 message(s)." in first.output
    assert "Sent 0 message(s)." in again.output
    stored = outbox()
    assert {m.status for m in stored} == {OutboxStatus.SENT}
    assert sorted(m["Message-ID"] for m in smtp_server.messages) == sorted(m.message_id for m in stored)
    assert sum(len(calendars(m)) for m in smtp_server.messages) == 2  # the two confirmations


class RecordingSMTPServer(SMTPServer):
    """The test SMTP server, keeping also the raw bytes of each message (`raw`)."""

    handler = None  # set below: the handler class

    def __init__(self) -> None:
        super().__init__()
        self.raw: list[bytes] = []

    def start(self) -> RecordingSMTPServer:
        self._controller = Controller(self.handler(self), hostname=HOST, port=self.port)
        self._controller.start()
        return self


class _RecordingHandler(_Handler):
    async def handle_DATA(self, server, session, envelope):
        self.server.raw.append(envelope.original_content or envelope.content)
        return await super().handle_DATA(server, session, envelope)


RecordingSMTPServer.handler = _RecordingHandler


class StallingSMTPServer(RecordingSMTPServer):
    """Accepts the first `accept` messages, then holds the next one unanswered (as a server that
    hangs mid-transfer) until released; the held message is then refused, never stored."""

    def __init__(self, accept: int) -> None:
        super().__init__()
        self.accept = accept
        self.stalled = threading.Event()
        self.released = threading.Event()

    def stop(self) -> None:
        self.released.set()
        super().stop()


class _StallingHandler(_RecordingHandler):
    async def handle_DATA(self, server, session, envelope):
        if len(self.server.messages) >= self.server.accept and not self.server.released.is_set():
            self.server.stalled.set()
            while not self.server.released.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 Try again later"
        return await super().handle_DATA(server, session, envelope)


StallingSMTPServer.handler = _StallingHandler


def flask_outbox(port: int, database_url: str, *args: str, **popen) -> subprocess.Popen:
    """`flask --app app outbox send …` as its own process, with the test's database and mail server."""
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        MAIL_SERVER=HOST,
        MAIL_PORT=str(port),
        MAIL_DEFAULT_SENDER="Forum <forum@example.org>",
        FORUM_SECRET_KEY="test-secret-key-not-for-production",
        FORUM_BASE_URL="http://localhost",
    )
    env.pop("FLASK_APP", None)
    command = [sys.executable, "-m", "flask", "--app", "app", "outbox", "send", *args]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **popen
    )


def wait_for(condition, process: subprocess.Popen, timeout: float = 30.0) -> None:
    """Until condition() holds; fails with the process's output if it ends or time runs out first."""
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            output, _ = process.communicate()
            raise AssertionError(f"the worker did not get there; its output:\n{output}")
        time.sleep(0.05)


@pytest.fixture
def recording_smtp(app):
    server = RecordingSMTPServer().start()
    server.configure(app)
    yield server
    server.stop()


@pytest.fixture
def stalling_smtp(app):
    server = StallingSMTPServer(accept=3).start()
    server.configure(app)
    yield server
    server.stop()


def test_a_worker_killed_mid_batch_delivers_no_message_twice(app, database_url, stalling_smtp):
    event = halland_event(capacity=4)
    for name in ("Anna", "Bertil", "Cecilia", "David", "Eva", "Filip"):
        register(event, first_name=name)  # four confirmations with .ics, two waiting-list notices
    register(event, first_name="Anna")  # and the link again
    queued = outbox()
    assert len(queued) == 7
    assert sum(1 for m in queued if m.attachments) == 4

    process = flask_outbox(stalling_smtp.port, database_url, "--loop", "--interval", "0.2")
    try:
        wait_for(stalling_smtp.stalled.is_set, process)  # three accepted and marked sent; the fourth hangs
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    stalling_smtp.released.set()

    stored = outbox()
    assert [m.status for m in stored].count(OutboxStatus.SENT) == 3
    assert [m.status for m in stored].count(OutboxStatus.SENDING) == 4  # claimed by the dead worker
    assert len(stalling_smtp.messages) == 3

    # Restarted at once: the dead worker's claims are still fresh, so nothing is sent twice.
    restarted = flask_outbox(stalling_smtp.port, database_url)
    output, _ = restarted.communicate(timeout=60)
    assert "Sent 0 message(s)." in output, output
    assert len(stalling_smtp.messages) == 3

    # Once the claims have expired, the next run sends what the dead worker had not.
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.SENDING)
        .values(claimed_at=utcnow() - worker.CLAIM_TIMEOUT - timedelta(seconds=1))
    )
    db.session.commit()
    later = flask_outbox(stalling_smtp.port, database_url)
    output, _ = later.communicate(timeout=60)
    assert "Sent 4 message(s)." in output, output

    stored = outbox()
    assert {m.status for m in stored} == {OutboxStatus.SENT}
    received = sorted(m["Message-ID"] for m in stalling_smtp.messages)
    assert received == sorted(m.message_id for m in stored), "every message exactly once"
    with_calendar = [m for m in stalling_smtp.messages if calendars(m)]
    assert len(with_calendar) == 4
    assert all(str(calendars(m)[0][2].walk("VEVENT")[0]["SUMMARY"]) == event.title for m in with_calendar)


def test_an_attachment_that_cannot_be_sent_fails_at_once_and_the_rest_go(app, smtp_server):
    from forum.mail.services import enqueue

    broken = enqueue(
        recipient="anna@example.org",
        subject="Trasig bilaga",
        body_text="Hej!",
        attachments=[{"filename": "x.ics", "content_type": "text/calendar/extra", "data": "BEGIN:VCALENDAR"}],
    )
    db.session.commit()
    register(halland_event(), first_name="Bertil")

    assert deliver() == 1

    assert [m["To"] for m in smtp_server.messages] == ["bertil@example.org"]
    [stored] = [m for m in outbox() if m.id == broken.id]
    assert stored.status == OutboxStatus.FAILED
    assert "Attachment not usable" in stored.last_error
    with pytest.raises(ValueError):
        enqueue(recipient="anna@example.org", subject="Utan data", body_text="", attachments=[{"filename": "x"}])
