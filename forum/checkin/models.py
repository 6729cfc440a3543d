"""Check-ins at the door, and the devices that scan."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, ForeignKey, Index, String, and_, literal_column, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.db import UTCDateTime, utcnow
from forum.extensions import db
from forum.registration.models import Registration


class Device(db.Model):
    """A scanning device of an event (a phone at an entrance), acting with its own token (forum.tokens,
    purpose "device"); revoked devices can no longer scan."""

    __tablename__ = "checkin_devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    link_salt: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def sql_literal(value: str):
    """One of the check-in's constant strings written into the SQL rather than bound: SQLite prepares a
    statement again at every execution when a bound value decides whether a partial index
    (uq_checkins_admitted_registration) applies. Only for the code's own constants, never input."""
    return literal_column(f"'{value}'")


# The result of a scan that admitted someone (forum.checkin.services.OK).
ADMITTED_SQL = sql_literal("ok")


def admitted(checkins=None) -> ColumnElement[bool]:
    """SQL: the check-in counts (ok and not undone); of CheckIn, or of an alias of its table."""
    columns = checkins.c if checkins is not None else CheckIn
    return and_(columns.result == ADMITTED_SQL, columns.undone_at.is_(None))


class CheckIn(db.Model):
    """One scan that admitted a person, or that was refused; every scan is kept (the log).

    A registration is checked in when it has an ok scan that is not undone; only one such can exist
    (the partial unique index), so two entrances scanning the same badge at once give one "ok".
    """

    __tablename__ = "checkins"
    __table_args__ = (
        Index(
            "uq_checkins_admitted_registration",
            "registration_id",
            unique=True,
            sqlite_where=text("result = 'ok' AND undone_at IS NULL"),
            postgresql_where=text("result = 'ok' AND undone_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    # The code as scanned (may be unknown or another event's).
    code: Mapped[str] = mapped_column(String(64), default="")
    # ok, already_checked_in, waiting_list, cancelled, revoked, unknown, wrong_event (forum.checkin.services).
    result: Mapped[str] = mapped_column(String(32))
    entrance: Mapped[str] = mapped_column(String(100), default="")
    # When the device scanned (offline scans sync later); recorded_at is when the server learnt of it.
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The device's own id for the scan: a retried request never records a second scan.
    client_scan_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("checkin_devices.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    registration: Mapped[Registration | None] = relationship()
    device: Mapped[Device | None] = relationship()
