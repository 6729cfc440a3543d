"""Invitees of an event, the event's invitation text, and uploaded lists waiting for confirmation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.db import LabelledEnum, UTCDateTime, enum_column, utcnow
from forum.events.models import Event
from forum.extensions import db
from forum.mail.models import OutboxMessage, OutboxStatus
from forum.registration.models import EMAIL_LENGTH, NAME_LENGTH, ORGANISATION_LENGTH, Registration

ROLE_LENGTH = 120
DECLINE_REASON_LENGTH = 500
DEFAULT_MAX_REMINDERS = 2


class InviteeSource(LabelledEnum):
    MANUAL = "manual", _l("Tillagd för hand")
    PASTED = "pasted", _l("Inklistrad lista")
    IMPORTED = "imported", _l("Importerad fil")
    INTEREST = "interest", _l("Intresseanmälan")
    NETWORK = "network", _l("Tidigare evenemang")


class InvitationState(LabelledEnum):
    """What the organiser sees per invitee; derived, not stored (see Invitee.state)."""

    NOT_SENT = "not_sent", _l("Inte skickad")
    QUEUED = "queued", _l("I kö")
    SENT = "sent", _l("Skickad")
    FAILED = "failed", _l("Misslyckades")
    OPENED = "opened", _l("Öppnad")
    REGISTERED = "registered", _l("Anmäld")
    DECLINED = "declined", _l("Tackade nej")


class Invitee(db.Model):
    __tablename__ = "invitees"
    __table_args__ = (UniqueConstraint("event_id", "email_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    first_name: Mapped[str] = mapped_column(String(NAME_LENGTH), default="")
    last_name: Mapped[str] = mapped_column(String(NAME_LENGTH), default="")
    email: Mapped[str] = mapped_column(String(EMAIL_LENGTH))
    # Case-folded e-mail: one invitation per address and event.
    email_key: Mapped[str] = mapped_column(String(EMAIL_LENGTH))
    organisation: Mapped[str] = mapped_column(String(ORGANISATION_LENGTH), default="")
    # Their role or title, e.g. "Beredskapssamordnare".
    role: Mapped[str] = mapped_column(String(ROLE_LENGTH), default="")
    # The language of their invitation and of the pages the link opens ("sv" or "en").
    language: Mapped[str] = mapped_column(String(5), default="sv")
    source: Mapped[InviteeSource] = mapped_column(enum_column(InviteeSource), default=InviteeSource.MANUAL)
    # The personal link /i/<token>: HMAC of this salt (forum.tokens); only the token's SHA-256 is stored.
    link_salt: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The last invitation or reminder queued for them; its outbox status is their delivery state.
    message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id", ondelete="SET NULL"))
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    last_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # First time the personal link was opened (no tracking pixels: only the link itself counts).
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decline_reason: Mapped[str] = mapped_column(String(DECLINE_REASON_LENGTH), default="")
    # The registration made with this invitation: a token registers one person.
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="SET NULL"), unique=True
    )
    # When the invitee's data was anonymised (retention or erasure).
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship()
    message: Mapped[OutboxMessage | None] = relationship()
    registration: Mapped[Registration | None] = relationship()

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def state(self) -> InvitationState:
        if self.registration_id is not None:
            return InvitationState.REGISTERED
        if self.declined_at is not None:
            return InvitationState.DECLINED
        if self.opened_at is not None:
            return InvitationState.OPENED
        if self.message is None:
            return InvitationState.NOT_SENT
        return {
            OutboxStatus.QUEUED: InvitationState.QUEUED,
            OutboxStatus.SENDING: InvitationState.QUEUED,
            OutboxStatus.SENT: InvitationState.SENT,
            OutboxStatus.FAILED: InvitationState.FAILED,
        }[self.message.status]

    @property
    def has_answered(self) -> bool:
        return self.registration_id is not None or self.declined_at is not None


class InvitationText(db.Model):
    """The event's invitation e-mail, in Swedish and English, with placeholders (forum.invitations.texts)."""

    __tablename__ = "invitation_texts"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), unique=True)
    subject_sv: Mapped[str] = mapped_column(String(300), default="")
    body_sv: Mapped[str] = mapped_column(Text, default="")
    subject_en: Mapped[str] = mapped_column(String(300), default="")
    body_en: Mapped[str] = mapped_column(Text, default="")
    # Reminders go to those who have not answered, never more than this many times each.
    max_reminders: Mapped[int] = mapped_column(Integer, default=DEFAULT_MAX_REMINDERS)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship()


class ImportBatch(db.Model):
    """An uploaded list between its preview and the organiser's confirmation: nothing is invited until then."""

    __tablename__ = "invitation_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    # The random key in the preview form's URL.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    # The file's header row and data rows as text: {"header": [...], "rows": [[line_number, [cells]], ...]}.
    table: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Column index per field (forum.invitations.importing.FIELDS), as guessed and then corrected.
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
