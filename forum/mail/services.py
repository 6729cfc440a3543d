"""Queueing e-mail, and the organiser's view of an event's outbox.

A request never sends: it writes to the outbox in its own transaction (enqueue).
"""

from __future__ import annotations

from collections.abc import Iterable
from email.utils import formataddr, make_msgid, parseaddr
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import select

from forum.db import count_by_status, utcnow
from forum.extensions import db
from forum.mail.models import OutboxMessage, OutboxStatus
from forum.pagination import Page, paginate
from forum.privacy import audit

INLINE_QUEUE = "outbox_inline_message_ids"
OUTBOX_PAGE_SIZE = 50
SUBJECT_LENGTH = OutboxMessage.__table__.c.subject.type.length
ATTACHMENT_KEYS = ("filename", "content_type", "data")


def enqueue(
    *,
    recipient: str,
    subject: str,
    body_text: str,
    body_html: str | None = None,
    event=None,
    purpose: str = "",
    attachments: Iterable[dict[str, Any]] = (),
    headers: dict[str, str] | None = None,
) -> OutboxMessage:
    """Add a message to the outbox in the caller's transaction; the worker delivers it after commit.

    attachments: dicts {"filename", "content_type", "data"} with data as text (e.g. iCalendar), and optionally
    "encoding": "base64" when data is base64 text of binary content (e.g. a PDF).
    """
    files = []
    for attachment in attachments:
        if attachment.get("render"):
            files.append(_deferred(attachment))
            continue
        missing = [key for key in ATTACHMENT_KEYS if not attachment.get(key)]
        if missing or not isinstance(attachment["data"], str):
            raise ValueError(f"An attachment needs {', '.join(ATTACHMENT_KEYS)} (data as text); missing {missing}")
        if attachment.get("encoding") not in (None, "base64"):
            raise ValueError(f"Unknown attachment encoding {attachment['encoding']!r}")
        files.append({key: attachment[key] for key in ATTACHMENT_KEYS})
        if attachment.get("encoding"):
            files[-1]["encoding"] = attachment["encoding"]
    message = OutboxMessage(
        recipient=recipient,
        subject=subject[:SUBJECT_LENGTH],
        body_text=body_text,
        body_html=body_html,
        event_id=getattr(event, "id", None),
        purpose=purpose,
        attachments=files,
        headers=dict(headers or {}),
        message_id=make_msgid(domain=_message_id_domain()),
    )
    db.session.add(message)
    if has_request_context():
        # For development inline delivery after the request (forum.mail.init_app); only committed rows are sent.
        g.setdefault(INLINE_QUEUE, []).append(message.message_id)
    return message


def _message_id_domain() -> str:
    """The sender's domain (the Message-ID names who made it), else the site's host."""
    if has_app_context():
        sender = current_app.config.get("MAIL_DEFAULT_SENDER") or ""
        address = parseaddr(sender if isinstance(sender, str) else formataddr(sender))[1]
        domain = address.rpartition("@")[2]
        if domain and domain.isascii():
            return domain
        host = urlsplit(current_app.config.get("FORUM_BASE_URL") or "").hostname
        if host and host.isascii():
            return host
    return "forum.local"


# --- the organiser's outbox page ------------------------------------------------------------------


def status_counts(event) -> dict[OutboxStatus, int]:
    """How many of the event's messages are in each status (every status present, zero or not)."""
    return count_by_status(OutboxMessage.status, OutboxMessage.event_id == event.id, OutboxStatus)


def event_messages(event, status: OutboxStatus | None = None, page: int = 1, size: int = OUTBOX_PAGE_SIZE) -> Page:
    """The event's messages, newest first, optionally of one status."""
    query = select(OutboxMessage).where(OutboxMessage.event_id == event.id)
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    query = query.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    return paginate(query, page, size)


def event_message(event, message_id: int) -> OutboxMessage | None:
    """One of the event's messages (None for another event's)."""
    return db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.event_id == event.id)
    )


def retry(event, message: OutboxMessage, *, by) -> bool:
    """Queue a failed message again, due now, with a fresh series of attempts; False if it has not failed."""
    if message.status != OutboxStatus.FAILED:
        return False
    audit.record(
        "outbox.retried",
        user=by,
        event=event,
        target=message,
        purpose=message.purpose,
        attempts=message.attempts,
        last_error=message.last_error,
    )
    message.status = OutboxStatus.QUEUED
    message.attempts = 0
    message.next_attempt_at = utcnow()
    message.claimed_at = None
    db.session.commit()
    if has_request_context():
        g.setdefault(INLINE_QUEUE, []).append(message.message_id)  # development inline delivery
    return True


# Attachments made by the worker at sending time rather than in the request (a PDF costs a request
# several milliseconds): kind → "module:function", called with the attachment's "args", returning bytes.
RENDERERS = {"ticket": "forum.badges.pdf:ticket_for_registration"}


def _deferred(attachment: dict[str, Any]) -> dict[str, Any]:
    if attachment["render"] not in RENDERERS or not attachment.get("filename") or not attachment.get("content_type"):
        raise ValueError(f"Unknown or incomplete deferred attachment {attachment!r}")
    return {key: attachment[key] for key in ("filename", "content_type", "render", "args") if key in attachment}


def render_attachment(attachment: dict[str, Any]) -> bytes:
    """The bytes of a deferred attachment (see RENDERERS)."""
    import importlib

    module, _, function = RENDERERS[attachment["render"]].partition(":")
    return getattr(importlib.import_module(module), function)(**attachment.get("args", {}))


def tidy_text(text: str) -> str:
    """A plain-text body as written by the templates, with runs of blank lines squeezed to one."""
    import re

    lines = [line if line.strip() else "" for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n") + "\n"
