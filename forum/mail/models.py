"""The transactional outbox: e-mail written in the same transaction as the change it reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from forum.db import LabelledEnum, UTCDateTime, enum_column, utcnow
from forum.extensions import db


class OutboxStatus(LabelledEnum):
    QUEUED = "queued", _l("I kö")
    SENDING = "sending", _l("Skickas")
    SENT = "sent", _l("Skickat")
    FAILED = "failed", _l("Misslyckades")


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[OutboxStatus] = mapped_column(enum_column(OutboxStatus), default=OutboxStatus.QUEUED, index=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    # The Message-ID header, fixed when queued so that a retried send is recognisably the same message.
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"), index=True)
    # Why it was sent, e.g. "password_reset".
    purpose: Mapped[str] = mapped_column(String(60), default="")
    # Files sent with the message: [{"filename", "content_type", "data"}]; data is text (e.g. iCalendar).
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Extra headers, e.g. {"List-Unsubscribe": "<https://…>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}.
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # The worker does not try before this time (backoff after a failure).
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Set while a worker holds the message; a stale claim is taken over after a timeout.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
