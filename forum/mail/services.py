"""Queueing e-mail. A request never sends: it writes to the outbox in its own transaction."""

from __future__ import annotations

from email.utils import make_msgid

from flask import g, has_request_context

from forum.extensions import db
from forum.mail.models import OutboxMessage

INLINE_QUEUE = "outbox_inline_message_ids"


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
    if has_request_context():
        # For development inline delivery after the request (forum.mail.init_app); only committed rows are sent.
        g.setdefault(INLINE_QUEUE, []).append(message.message_id)
    return message
