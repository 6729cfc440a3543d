"""Badge codes: the opaque code a badge's QR holds. One active code per registration; revoked codes
stay, so that an old badge scans as revoked."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.db import LabelledEnum, UTCDateTime, enum_column, utcnow
from forum.extensions import db
from forum.registration.models import Registration

# 0-9 and A-Z only: QR alphanumeric mode, and typed the same by keyboard-wedge scanners on any layout.
CODE_LENGTH = 26  # 26 base-36 characters hold 134 bits


class BadgeStatus(LabelledEnum):
    ACTIVE = "active", _l("Giltig")
    REVOKED = "revoked", _l("Spärrad")


class BadgeCode(db.Model):
    __tablename__ = "badge_codes"
    __table_args__ = (
        # At most one active code per registration.
        Index(
            "uq_badge_codes_active_registration",
            "registration_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    # Denormalised from the registration, so that a scan finds the event without a join.
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(CODE_LENGTH), unique=True)
    status: Mapped[BadgeStatus] = mapped_column(enum_column(BadgeStatus), default=BadgeStatus.ACTIVE)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the badge was last printed (to print only those not printed yet).
    printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    registration: Mapped[Registration] = relationship()
