"""Delivering the outbox: claim a batch, send it over one SMTP connection, record each outcome.

Delivery is at least once, never silently lost. A batch is claimed (status SENDING, claimed_at)
in a short transaction of its own, so that several workers never take the same message: on
PostgreSQL the claim selects with FOR UPDATE SKIP LOCKED, on SQLite the BEGIN IMMEDIATE
transactions (forum.db) serialise. Each message is marked SENT in its own commit right after the
SMTP server accepted it. A worker killed in between leaves the message SENDING; once the claim
is older than CLAIM_TIMEOUT another run sends it again with the same Message-ID, so that mail
systems and readers can recognise the duplicate. SMTP errors put the message back in the queue
with a growing delay, and after MAX_ATTEMPTS it is FAILED.

Providers that limit how much may be sent get FORUM_MAIL_RATE_PER_MINUTE (0: no limit): the
worker then spaces its messages at least 60/rate seconds apart, so that no minute holds more than
the rate, and claims batches of at most PACED_BATCH_SECONDS' worth, so that rows are not held
claimed for long while it waits. The pace is kept by each worker process (starting from the last
message the outbox sent): run one worker for a rate limit to hold. Development inline delivery is
not paced.
"""

from __future__ import annotations

import base64
import dataclasses
import email.charset
import re
import smtplib
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.mime.text import MIMEText
from email.utils import formataddr, parseaddr

import flask_mail
from flask import current_app
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from forum.db import reading, utcnow
from forum.extensions import db
from forum.mail.models import OutboxMessage, OutboxStatus
from forum.mail.services import render_attachment

BATCH_SIZE = 50
# Headers the worker writes itself; stored extra headers may not replace them.
FIXED_HEADERS = {"from", "to", "subject", "date", "message-id", "content-type", "mime-version"}
CLAIM_TIMEOUT = timedelta(minutes=10)
MAX_ATTEMPTS = 8
# Minutes to wait after the 1st, 2nd, … failure; the last value repeats (about 16 hours in all).
BACKOFF_MINUTES = (1, 5, 15, 60, 180, 360)
SMTP_TIMEOUT = 30.0  # seconds; a server that stops answering must not hang the worker
INLINE_SMTP_TIMEOUT = 5.0  # the development server waits for this inside a request
ERROR_LENGTH = 500
# With a rate limit, a claimed batch takes at most about this long to send.
PACED_BATCH_SECONDS = 10

# Errors that concern one message; the connection stays usable for the rest of the batch.
# (smtplib's errors are OSErrors too: anything else of that family means the connection is gone.)
MESSAGE_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException)
# A message that cannot even be built or addressed will never be sent: it fails at once.
MALFORMED_ERRORS = (flask_mail.BadHeaderError, ValueError, AssertionError)
# type/subtype and parameters: Flask-Mail splits the content type at its one "/".
CONTENT_TYPE = re.compile(r'^[\w.+-]+/[\w.+-]+(\s*;\s*[\w.-]+=("[^"/]*"|[^;\s/"]+))*$')


@dataclass(frozen=True)
class Claimed:
    """What the sender needs of a claimed row, copied so that no transaction stays open while sending."""

    id: int
    recipient: str
    subject: str
    body_text: str
    body_html: str | None
    message_id: str
    attempts: int
    claimed_at: datetime
    # Copies of the stored attachments: {"filename", "content_type", "data"} with data as text.
    attachments: tuple[dict[str, str], ...] = ()
    # Extra headers (List-Unsubscribe, …) as stored.
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class Outcome:
    sent: int = 0
    failed: int = 0
    unreachable: list[Claimed] = field(default_factory=list)
    error: str = ""


def run(
    loop: bool = False, interval: float = 5.0, echo: Callable[[str], None] = print, batch_size: int = BATCH_SIZE
) -> int:
    """Deliver everything due, batch by batch; with loop, keep polling every interval seconds
    until interrupted (Ctrl-C). Returns the number of messages sent."""
    total = 0
    pace = _Pace.configured()
    batch_size = paced_batch_size(batch_size, pace.per_minute if pace else 0)
    try:
        while True:
            try:
                sent = _drain(batch_size, echo, pace)
            except SQLAlchemyError as error:
                if not loop:
                    raise
                db.session.rollback()  # e.g. the database restarted: try again at the next poll
                echo(f"Database error, retrying in {interval:g} s: {error}")
                sent = 0
            total += sent
            if not loop:
                return total
            if sent:
                echo(f"Sent {sent} message(s).")
            time.sleep(interval)
    except KeyboardInterrupt:
        echo("Stopped.")
    return total


def deliver_due(limit: int | None = None) -> int:
    """Claim what is due now (at most limit) and send it over one SMTP connection; returns the number sent.

    With a rate limit, at most one paced batch (see paced_batch_size) is claimed, and sent at the rate.
    """
    pace = _Pace.configured()
    if pace is not None:
        limit = paced_batch_size(limit or BATCH_SIZE, pace.per_minute)
    return _deliver(_claim(limit), pace=pace).sent


def deliver_inline(message_ids: Iterable[str]) -> int:
    """Development delivery right after a request's commit, of the messages it queued (by Message-ID).

    When the mail server cannot be reached the messages are written to the log and stay queued,
    untouched, for `flask outbox send`; nothing is raised into the request.
    """
    batch = _claim(None, list(message_ids))
    outcome = _deliver(batch, timeout=INLINE_SMTP_TIMEOUT, retry_unreachable_later=True)
    for claimed in outcome.unreachable:
        current_app.logger.warning(
            "Mail server %s:%s not reachable (%s); message %s stays queued for `flask outbox send`.",
            current_app.config.get("MAIL_SERVER"),
            current_app.config.get("MAIL_PORT"),
            outcome.error,
            claimed.message_id,
        )
        if current_app.config.get("FORUM_MAIL_PRINT_UNSENT"):
            # Development (make run): show the message, links included, on the console.
            print(f"To: {claimed.recipient}\nSubject: {claimed.subject}\n\n{claimed.body_text}\n", flush=True)  # noqa: T201
    return outcome.sent


def paced_batch_size(batch_size: int, per_minute: int) -> int:
    """The batch to claim: with a rate (messages per minute), no more than PACED_BATCH_SECONDS' worth."""
    if per_minute <= 0:
        return batch_size
    return max(1, min(batch_size, per_minute * PACED_BATCH_SECONDS // 60))


def backoff(attempts: int) -> timedelta:
    """The wait after the given number of failed attempts."""
    return timedelta(minutes=BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1])


# --- claiming -------------------------------------------------------------------------------------


def _drain(batch_size: int, echo: Callable[[str], None], pace: _Pace | None = None) -> int:
    sent = 0
    while True:
        batch = _claim(batch_size)
        if not batch:
            return sent
        outcome = _deliver(batch, pace=pace)
        sent += outcome.sent
        if outcome.failed:
            echo(f"{outcome.failed} message(s) not delivered, will retry later: {outcome.error}")
        # A short batch means the queue is empty; nothing sent means the server is down: stop for now.
        if len(batch) < batch_size or not outcome.sent:
            return sent


def _claim(limit: int | None, message_ids: list[str] | None = None) -> list[Claimed]:
    """Mark a batch SENDING in one short transaction and return copies of it."""
    now = utcnow()
    due = or_(
        and_(OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_at < now - CLAIM_TIMEOUT),
    )
    # FOR UPDATE SKIP LOCKED lets PostgreSQL workers pass each other; SQLite ignores it (and serialises).
    query = (
        select(OutboxMessage)
        .where(due)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .with_for_update(skip_locked=True)
    )
    if message_ids is not None:
        query = query.where(OutboxMessage.message_id.in_(message_ids))
    if limit:
        query = query.limit(limit)
    batch = []
    for message in db.session.scalars(query):
        if message.status == OutboxStatus.SENDING:
            # A worker died holding it, perhaps after the server had accepted it: that counts as an attempt.
            message.attempts += 1
            message.last_error = "The claim expired: a worker stopped while sending."
            if message.attempts >= MAX_ATTEMPTS:
                message.status, message.claimed_at = OutboxStatus.FAILED, None
                continue
        message.status, message.claimed_at = OutboxStatus.SENDING, now
        batch.append(
            Claimed(
                id=message.id,
                recipient=message.recipient,
                subject=message.subject,
                body_text=message.body_text,
                body_html=message.body_html,
                message_id=message.message_id,
                attempts=message.attempts,
                claimed_at=now,
                attachments=tuple(dict(attachment) for attachment in message.attachments or ()),
                headers=tuple((message.headers or {}).items()),
            )
        )
    db.session.commit()
    return batch


# --- sending --------------------------------------------------------------------------------------


def _deliver(
    batch: list[Claimed],
    timeout: float = SMTP_TIMEOUT,
    retry_unreachable_later: bool = False,
    pace: _Pace | None = None,
) -> Outcome:
    outcome = Outcome()
    if not batch:
        return outcome
    pending = list(batch)
    try:
        with _Connection(current_app.extensions["mail"], timeout) as connection:
            while pending:
                if pace is not None:
                    pace.wait()
                claimed = pending.pop(0)
                try:
                    connection.send(_mail_message(_rendered(claimed)))
                except MESSAGE_ERRORS + MALFORMED_ERRORS as error:
                    _record_failure(claimed, error, final=isinstance(error, MALFORMED_ERRORS))
                    outcome.failed += 1
                    outcome.error = _describe(error)
                    continue
                except OSError:
                    pending.insert(0, claimed)
                    raise
                _finish(claimed, status=OutboxStatus.SENT, sent_at=utcnow())
                outcome.sent += 1
    except OSError as error:  # no connection, or it broke: every message not yet sent waits for a later run
        outcome.error = _describe(error)
        for claimed in pending:
            if retry_unreachable_later:
                _finish(claimed, status=OutboxStatus.QUEUED, last_error=outcome.error)
                outcome.unreachable.append(claimed)
            else:
                _record_failure(claimed, error)
                outcome.failed += 1
    except BaseException:
        # Ctrl-C or a bug: hand back what was not started. The one being sent stays claimed,
        # as the server may have accepted it, and is sent again after CLAIM_TIMEOUT.
        db.session.rollback()
        for claimed in pending:
            _finish(claimed, status=OutboxStatus.QUEUED)
        raise
    return outcome


class _Pace:
    """Spaces sends at least 60/per_minute seconds apart, so that no minute holds more than per_minute."""

    def __init__(self, per_minute: int, last_sent_at: datetime | None = None) -> None:
        self.per_minute = per_minute
        self.spacing = 60.0 / per_minute
        self.next_at = time.monotonic()
        if last_sent_at is not None:
            # A run started right after another one (cron, a restart) keeps the spacing from its last send.
            since = (utcnow() - last_sent_at).total_seconds()
            self.next_at += max(0.0, self.spacing - since)

    @classmethod
    def configured(cls) -> _Pace | None:
        per_minute = int(current_app.config.get("FORUM_MAIL_RATE_PER_MINUTE") or 0)
        if per_minute <= 0:
            return None
        last_sent_at = db.session.scalar(select(func.max(OutboxMessage.sent_at)))
        db.session.commit()  # end the read: no transaction stays open while waiting
        return cls(per_minute, last_sent_at)

    def wait(self) -> None:
        """Sleep until the next send is allowed, and count it as made now."""
        delay = self.next_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        self.next_at = max(self.next_at, time.monotonic()) + self.spacing


def _rendered(claimed: Claimed) -> Claimed:
    """Make the deferred attachments (a ticket PDF) now, in a read-only transaction that holds no lock."""
    if not any(attachment.get("render") for attachment in claimed.attachments):
        return claimed
    made = []
    try:
        with reading():
            for attachment in claimed.attachments:
                if attachment.get("render"):
                    payload = render_attachment(attachment)
                    attachment = {
                        "filename": attachment["filename"],
                        "content_type": attachment["content_type"],
                        "data": base64.b64encode(payload).decode("ascii"),
                        "encoding": "base64",
                    }
                made.append(attachment)
    except LookupError as error:  # what it was made from is gone: the message cannot be built
        raise ValueError(f"Attachment cannot be made: {error}") from error
    finally:
        db.session.rollback()
    return dataclasses.replace(claimed, attachments=tuple(made))


def _mail_message(claimed: Claimed) -> flask_mail.Message:
    message = _Message(
        subject=claimed.subject,
        recipients=[claimed.recipient],
        body=claimed.body_text,
        html=claimed.body_html,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
    )
    # The Message-ID fixed when queued, so that a re-send is recognisably the same message.
    # (Set here rather than through extra_headers, which would add a second Message-ID header.)
    message.msgId = claimed.message_id
    for name, value in claimed.headers:
        if name.lower() in FIXED_HEADERS or "\n" in value or "\r" in value:
            raise ValueError(f"Header not usable: {name!r}")
        message.extra_headers = {**(message.extra_headers or {}), name: value}
    for attachment in claimed.attachments:
        filename, content_type, data = (attachment.get(key) for key in ("filename", "content_type", "data"))
        if not filename or not isinstance(data, str) or not CONTENT_TYPE.match(content_type or ""):
            raise ValueError(f"Attachment not usable: {filename!r}, {content_type!r}")
        # As UTF-8 bytes: Flask-Mail base64-encodes them as they are (text would be encoded as Latin-1).
        # Binary content (a PDF) is stored as base64 text with "encoding": "base64".
        payload = base64.b64decode(data) if attachment.get("encoding") == "base64" else data.encode()
        message.attach(filename=filename, content_type=content_type, data=payload)
    return message


class _Message(flask_mail.Message):
    """Flask-Mail's message with two corrections.

    Text parts go quoted-printable instead of 8bit: 8bit text keeps its lines as written, and SMTP
    servers refuse a line over 998 bytes (a long paragraph an organiser or attendee typed). And a
    sender name in plain ASCII is written as it is, not as an encoded word.
    """

    def _mimetext(self, text: str | None, subtype: str = "plain") -> MIMEText:
        utf8 = email.charset.Charset("utf-8")
        utf8.header_encoding = email.charset.SHORTEST
        utf8.body_encoding = email.charset.QP
        return MIMEText(text or "", _subtype=subtype, _charset=utf8)

    def _message(self):
        message = super()._message()
        name, address = parseaddr(self.sender if isinstance(self.sender, str) else formataddr(self.sender))
        if name.isascii() and address.isascii():
            message.replace_header("From", formataddr((name, address)))
        return message


def _record_failure(claimed: Claimed, error: BaseException, final: bool = False) -> None:
    attempts = claimed.attempts + 1
    failed = final or attempts >= MAX_ATTEMPTS
    _finish(
        claimed,
        status=OutboxStatus.FAILED if failed else OutboxStatus.QUEUED,
        attempts=attempts,
        last_error=_describe(error),
        next_attempt_at=utcnow() + backoff(attempts),
    )


def _finish(claimed: Claimed, **values) -> None:
    """Release a claimed message with the given values, in its own commit, unless another worker took it over."""
    db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == claimed.id,
            OutboxMessage.status == OutboxStatus.SENDING,
            OutboxMessage.claimed_at == claimed.claimed_at,
        )
        .values(claimed_at=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _describe(error: BaseException) -> str:
    return (str(error) or type(error).__name__)[:ERROR_LENGTH]


class _Connection(flask_mail.Connection):
    """Flask-Mail's connection with a socket timeout and verified TLS certificates.

    Flask-Mail connects without a timeout (a silent server would hang the worker) and starts
    TLS without checking the server's certificate.
    """

    def __init__(self, state, timeout: float) -> None:
        super().__init__(state)
        self.timeout = timeout

    def configure_host(self) -> smtplib.SMTP:
        settings = self.mail
        if not settings.server:
            raise OSError("MAIL_SERVER is not set")
        # Only for TLS: loading the system's certificates costs some 20 ms, on every connection.
        context = ssl.create_default_context() if settings.use_ssl or settings.use_tls else None
        if settings.use_ssl:
            host = smtplib.SMTP_SSL(settings.server, settings.port, timeout=self.timeout, context=context)
        else:
            host = smtplib.SMTP(settings.server, settings.port, timeout=self.timeout)
        if settings.use_tls:
            host.starttls(context=context)
        if settings.username and settings.password:
            host.login(settings.username, settings.password)
        return host
