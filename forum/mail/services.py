"""Queueing e-mail. A request never sends: it writes to the outbox in its own transaction."""

from __future__ import annotations

from email.utils import make_msgid

from forum.extensions import db
from forum.mail.models import OutboxMessage


def enqueue(
    *,
    recipient: str,
    subject: str,
    body_text: str,
    body_html: str | None = None,
    event=None,
    purpose: str = "",
) -> OutboxMessage:
    """Add a message to the outbox in the caller's transaction; the worker delivers it after commit."""
    message = OutboxMessage(
        recipient=recipient,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        event_id=getattr(event, "id", None),
        purpose=purpose,
        message_id=make_msgid(domain="forum.local"),
    )
    db.session.add(message)
    return message
