"""The audit log: who did what to which event, and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.db import UTCDateTime, utcnow
from forum.extensions import db


class AuditLog(db.Model):
    """Written by services for every state change an organiser makes. Redacted on erasure, never deleted."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Who acted; NULL for the system (CLI, worker) or an anonymous attendee.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"), index=True)
    # Dotted verb, e.g. "event.published", "room.created", "user.password_changed".
    action: Mapped[str] = mapped_column(String(80))
    target_type: Mapped[str] = mapped_column(String(40), default="")
    target_id: Mapped[int | None] = mapped_column()
    # What changed; never passwords or tokens.
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    user = relationship("User")
    event = relationship("Event")
