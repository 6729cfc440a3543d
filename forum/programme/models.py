"""Programme items. The programme issue adds speakers and the screens around them."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, Integer, String, Table, Text
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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship(back_populates="programme_items")
    room: Mapped[Room | None] = relationship()
    focus_areas: Mapped[list[FocusArea]] = relationship(
        secondary=programme_item_focus_areas, order_by="FocusArea.position"
    )
