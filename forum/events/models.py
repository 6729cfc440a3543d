"""Hosts, events, their focus areas and rooms."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint, and_
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.db import LabelledEnum, UTCDateTime, enum_column, utcnow
from forum.extensions import db

if TYPE_CHECKING:
    from forum.programme.models import ProgrammeItem

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class EventKind(LabelledEnum):
    THEME_MEETING = "theme_meeting", _l("Temamöte")
    REGIONAL_FORUM = "regional_forum", _l("Regionalt forum")
    COUNCIL_MEETING = "council_meeting", _l("Rådsmöte")
    NETWORK_MEETING = "network_meeting", _l("Nätverksträff")
    OTHER = "other", _l("Annat")


class Visibility(LabelledEnum):
    PUBLIC = "public", _l("Öppet för alla")
    INVITATION = "invitation", _l("Endast inbjudna")


class EventStatus(LabelledEnum):
    DRAFT = "draft", _l("Utkast")
    PUBLISHED = "published", _l("Publicerat")
    CANCELLED = "cancelled", _l("Inställt")


class EventLanguage(LabelledEnum):
    SV = "sv", _l("Svenska")
    EN = "en", _l("Engelska")


class ParticipantListVisibility(LabelledEnum):
    """Who sees the attendee participant list at /e/<slug>/participants (only people who opted in)."""

    HIDDEN = "hidden", _l("Dold")
    ATTENDEES = "attendees", _l("Synlig för bekräftade deltagare, via deras personliga länk")
    PUBLIC = "public", _l("Synlig för alla")


class RetentionPolicy(LabelledEnum):
    """What happens to an event's registrations after it (forum.privacy.retention)."""

    ANONYMISE = "anonymise", _l("Anonymisera efter ett antal dagar")
    # Public bodies may have to keep registrations as public records under their archive rules.
    KEEP = "keep", _l("Spara (allmän handling)")


DEFAULT_RETENTION_DAYS = 180
DEFAULT_HEALTH_DATA_DAYS = 14


class AccessibilityCompliance(LabelledEnum):
    """How far the host's service meets WCAG 2.1 AA, in the words of DIGG's model statement."""

    FULL = "full", _l("Helt förenlig")
    PARTIAL = "partial", _l("Delvis förenlig")
    NONE = "none", _l("Inte förenlig")


class AccessibilityAssessment(LabelledEnum):
    """How the host assessed the service's accessibility (the statement says which)."""

    SELF = "self", _l("Självskattning (egen granskning)")
    EXTERNAL = "external", _l("Granskning av extern part")


class Organisation(db.Model):
    """The host of events: a network, a county administrative board, a municipality."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    contact_email: Mapped[str] = mapped_column(String(254))
    website: Mapped[str | None] = mapped_column(String(500))
    # A path under static/ or an uploaded file's name; optional.
    logo: Mapped[str | None] = mapped_column(String(300))
    # The host's retention rule for its events' personal data; an event may override it.
    retention_policy: Mapped[RetentionPolicy] = mapped_column(
        enum_column(RetentionPolicy), default=RetentionPolicy.ANONYMISE, server_default="anonymise"
    )
    # Days after an event's end until its personal data is anonymised (policy "anonymise").
    retention_days: Mapped[int] = mapped_column(
        Integer, default=DEFAULT_RETENTION_DAYS, server_default=str(DEFAULT_RETENTION_DAYS)
    )
    # Days after an event's end until health data is cleared, whatever the policy.
    health_data_days: Mapped[int] = mapped_column(
        Integer, default=DEFAULT_HEALTH_DATA_DAYS, server_default=str(DEFAULT_HEALTH_DATA_DAYS)
    )
    # The host's accessibility statement (lagen 2018:1937, DIGG's model), shown at /e/<slug>/accessibility.
    accessibility_compliance: Mapped[AccessibilityCompliance] = mapped_column(
        enum_column(AccessibilityCompliance), default=AccessibilityCompliance.PARTIAL, server_default="partial"
    )
    # Markdown: content that is not accessible and why (non-compliance with the law).
    accessibility_known_issues: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Markdown: what the host leaves inaccessible because fixing it would be a disproportionate burden.
    accessibility_disproportionate_burden: Mapped[str] = mapped_column(Text, default="", server_default="")
    accessibility_assessment: Mapped[AccessibilityAssessment] = mapped_column(
        enum_column(AccessibilityAssessment), default=AccessibilityAssessment.SELF, server_default="self"
    )
    accessibility_assessed_on: Mapped[date | None] = mapped_column(Date)
    # Where people report accessibility problems; the statement falls back to contact_email.
    accessibility_contact_email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    accessibility_contact_phone: Mapped[str] = mapped_column(String(40), default="", server_default="")
    accessibility_statement_updated_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    events: Mapped[list[Event]] = relationship(back_populates="organisation")

    def __repr__(self) -> str:
        return f"<Organisation {self.name!r}>"


class Event(db.Model):
    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
        CheckConstraint(
            "registration_opens_at IS NULL OR registration_closes_at IS NULL "
            "OR registration_closes_at > registration_opens_at",
            name="registration_window_ordered",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The stable part of every public URL: /e/<slug>/.
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    # Markdown; rendered with raw HTML disabled (forum.text.render_markdown).
    description: Mapped[str] = mapped_column(Text, default="")
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind), default=EventKind.OTHER)
    # The language the event is held in (the site's language is the visitor's choice).
    language: Mapped[EventLanguage] = mapped_column(enum_column(EventLanguage), default=EventLanguage.SV)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # IANA zone the event's times are shown in.
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Stockholm")
    # While true, the public page shows preliminary_date_text instead of the exact date.
    date_is_preliminary: Mapped[bool] = mapped_column(Boolean, default=False)
    preliminary_date_text: Mapped[str] = mapped_column(String(120), default="")
    venue_name: Mapped[str] = mapped_column(String(200), default="")
    venue_address: Mapped[str] = mapped_column(String(300), default="")
    venue_city: Mapped[str] = mapped_column(String(100), default="")
    venue_directions: Mapped[str] = mapped_column(Text, default="")
    # Seats for the whole event; NULL means no limit.
    capacity: Mapped[int | None] = mapped_column(Integer)
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    visibility: Mapped[Visibility] = mapped_column(enum_column(Visibility), default=Visibility.PUBLIC)
    status: Mapped[EventStatus] = mapped_column(enum_column(EventStatus), default=EventStatus.DRAFT, index=True)
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    # Registrations stay pending until an organiser approves or declines them.
    requires_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    # forum.registration.models.OptionalField values the organiser left off the registration form.
    hidden_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Markdown added to the standard privacy notice at /e/<slug>/privacy (purpose, retention, contact).
    privacy_notice: Mapped[str] = mapped_column(Text, default="")
    # Overrides of the host's retention rule; NULL means the host's.
    retention_policy: Mapped[RetentionPolicy | None] = mapped_column(enum_column(RetentionPolicy))
    retention_days: Mapped[int | None] = mapped_column(Integer)
    # When the privacy purge cleared the health data, and when it anonymised the personal data.
    health_data_cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the organisers were told, ahead of anonymisation, to take the archive export.
    retention_notice_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who sees the list of confirmed attendees who chose to be shown (forum.reports.attendee_list).
    participant_list: Mapped[ParticipantListVisibility] = mapped_column(
        enum_column(ParticipantListVisibility), default=ParticipantListVisibility.HIDDEN
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="events")
    focus_areas: Mapped[list[FocusArea]] = relationship(
        back_populates="event", order_by="FocusArea.position", cascade="all, delete-orphan"
    )
    rooms: Mapped[list[Room]] = relationship(back_populates="event", order_by="Room.name", cascade="all, delete-orphan")
    programme_items: Mapped[list[ProgrammeItem]] = relationship(
        back_populates="event", order_by="ProgrammeItem.starts_at", cascade="all, delete-orphan"
    )

    @hybrid_method
    def is_listed(self, now: datetime) -> bool:
        """Shown on the public front page as upcoming."""
        return self.status == EventStatus.PUBLISHED and self.visibility == Visibility.PUBLIC and self.ends_at >= now

    @is_listed.expression
    def is_listed(cls, now: datetime):
        return and_(cls.status == EventStatus.PUBLISHED, cls.visibility == Visibility.PUBLIC, cls.ends_at >= now)

    @hybrid_method
    def is_registration_open(self, now: datetime) -> bool:
        """Published, not over, and inside the registration window (an unset bound is no bound)."""
        return (
            self.status == EventStatus.PUBLISHED
            and (self.registration_opens_at is None or self.registration_opens_at <= now)
            and (self.registration_closes_at is None or now < self.registration_closes_at)
            and now < self.ends_at
        )

    @is_registration_open.expression
    def is_registration_open(cls, now: datetime):
        return and_(
            cls.status == EventStatus.PUBLISHED,
            (cls.registration_opens_at.is_(None)) | (cls.registration_opens_at <= now),
            (cls.registration_closes_at.is_(None)) | (cls.registration_closes_at > now),
            cls.ends_at > now,
        )

    @property
    def is_invitation_only(self) -> bool:
        return self.visibility == Visibility.INVITATION

    def __repr__(self) -> str:
        return f"<Event {self.slug}>"


class FocusArea(db.Model):
    """A theme of the event (Vatten; Värme och energi; …), used as tracks and for interests."""

    __tablename__ = "focus_areas"
    __table_args__ = (UniqueConstraint("event_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(500), default="")
    # Display order within the event, from 1.
    position: Mapped[int] = mapped_column(Integer, default=0)

    event: Mapped[Event] = relationship(back_populates="focus_areas")


class Room(db.Model):
    __tablename__ = "rooms"
    __table_args__ = (
        UniqueConstraint("event_id", "name"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    # Seats in the room; NULL when unknown.
    capacity: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(300), default="")

    event: Mapped[Event] = relationship(back_populates="rooms")
