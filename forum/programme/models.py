"""Programme items. The programme issue adds speakers and the screens around them."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.db import LabelledEnum, UTCDateTime, enum_column, utcnow
from forum.events.models import Event, FocusArea, Room
from forum.extensions import db


class ProgrammeItemKind(LabelledEnum):
    PLENARY = "plenary", _l("Plenum")
    TALK = "talk", _l("Föredrag")
    PANEL = "panel", _l("Panelsamtal")
    WORKSHOP = "workshop", _l("Workshop")
    BREAK = "break", _l("Paus")
    MEAL = "meal", _l("Måltid")
    NETWORKING = "networking", _l("Nätverkande")


class ProgrammeItemStatus(LabelledEnum):
    SCHEDULED = "scheduled", _l("Planerad")
    CANCELLED = "cancelled", _l("Inställd")


programme_item_focus_areas = Table(
    "programme_item_focus_areas",
    db.metadata,
    Column("programme_item_id", ForeignKey("programme_items.id", ondelete="CASCADE"), primary_key=True),
    Column("focus_area_id", ForeignKey("focus_areas.id", ondelete="CASCADE"), primary_key=True),
)


class ProgrammeItem(db.Model):
    __tablename__ = "programme_items"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    # Markdown, rendered safely.
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[ProgrammeItemKind] = mapped_column(enum_column(ProgrammeItemKind), default=ProgrammeItemKind.TALK)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id", ondelete="SET NULL"), index=True)
    # Attendees choose this item when registering (workshops); capacity then limits seats.
    requires_signup: Mapped[bool] = mapped_column(Boolean, default=False)
    capacity: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[ProgrammeItemStatus] = mapped_column(
        enum_column(ProgrammeItemStatus), default=ProgrammeItemStatus.SCHEDULED
    )
    # The language the item is held in; empty means the event's language.
    language: Mapped[str] = mapped_column(String(5), default="")
    # Links to material (slides, reports): [{"title": ..., "url": ...}], http(s) only.
    links: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    # iCalendar SEQUENCE: raised whenever the time, room or status changes, so calendars update.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship(back_populates="programme_items")
    room: Mapped[Room | None] = relationship()
    focus_areas: Mapped[list[FocusArea]] = relationship(
        secondary=programme_item_focus_areas, order_by="FocusArea.position"
    )
    appearances: Mapped[list[Appearance]] = relationship(
        back_populates="programme_item", order_by="Appearance.position", cascade="all, delete-orphan"
    )

    @property
    def speakers(self) -> list[Speaker]:
        return [appearance.speaker for appearance in self.appearances]


class Speaker(db.Model):
    """A person who speaks at an event; their page is /s/<token> (forum.tokens, purpose "speaker")."""

    __tablename__ = "speakers"
    __table_args__ = (UniqueConstraint("event_id", "email_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200), default="")
    organisation: Mapped[str] = mapped_column(String(200), default="")
    # Markdown, rendered safely; the speaker may edit it on their page.
    bio: Mapped[str] = mapped_column(Text, default="")
    # An uploaded photo's file name under instance/uploads/speakers/, or empty.
    photo: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(5), default="sv")
    link_salt: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship()
    appearances: Mapped[list[Appearance]] = relationship(back_populates="speaker", cascade="all, delete-orphan")


class Appearance(db.Model):
    """A speaker on a programme item, in order."""

    __tablename__ = "programme_item_speakers"
    __table_args__ = (UniqueConstraint("programme_item_id", "speaker_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_item_id: Mapped[int] = mapped_column(ForeignKey("programme_items.id", ondelete="CASCADE"), index=True)
    speaker_id: Mapped[int] = mapped_column(ForeignKey("speakers.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    programme_item: Mapped[ProgrammeItem] = relationship(back_populates="appearances")
    speaker: Mapped[Speaker] = relationship(back_populates="appearances")


class CallStatus(LabelledEnum):
    CLOSED = "closed", _l("Stängd")
    OPEN = "open", _l("Öppen")


class ProposalStatus(LabelledEnum):
    SUBMITTED = "submitted", _l("Inskickat")
    ACCEPTED = "accepted", _l("Antaget")
    DECLINED = "declined", _l("Avböjt")
    WITHDRAWN = "withdrawn", _l("Återkallat")


class ProposalFormat(LabelledEnum):
    TALK = "talk", _l("Föredrag")
    EXAMPLE = "example", _l("Gott exempel")
    WORKSHOP = "workshop", _l("Workshop")
    PANEL = "panel", _l("Panelsamtal")
    OTHER = "other", _l("Annat")


class ContributionCall(db.Model):
    """An event's call for contributions (good examples, local initiatives)."""

    __tablename__ = "contribution_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), unique=True)
    status: Mapped[CallStatus] = mapped_column(enum_column(CallStatus), default=CallStatus.CLOSED)
    # Markdown shown above the form: what is asked for.
    text: Mapped[str] = mapped_column(Text, default="")
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()


class Proposal(db.Model):
    """A submitted contribution; the submitter sees and edits it through /c/<token> (purpose "proposal")."""

    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    focus_area_id: Mapped[int | None] = mapped_column(ForeignKey("focus_areas.id", ondelete="SET NULL"))
    format: Mapped[ProposalFormat] = mapped_column(enum_column(ProposalFormat), default=ProposalFormat.EXAMPLE)
    # The presenters: [{"name", "email", "organisation"}], the first is the submitter.
    presenters: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    language: Mapped[str] = mapped_column(String(5), default="sv")
    status: Mapped[ProposalStatus] = mapped_column(enum_column(ProposalStatus), default=ProposalStatus.SUBMITTED)
    # The organiser's note to the submitter when accepting or declining.
    decision_note: Mapped[str] = mapped_column(Text, default="")
    # The programme item an accepted proposal became.
    programme_item_id: Mapped[int | None] = mapped_column(ForeignKey("programme_items.id", ondelete="SET NULL"))
    link_salt: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # When the presenters' data was anonymised (retention or erasure); title and summary stay.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship()
    focus_area: Mapped[FocusArea | None] = relationship()
    programme_item: Mapped[ProgrammeItem | None] = relationship()
