"""Registrations, their workshop choices and answers, the organiser's own questions, and
interest sign-ups for events whose date is still preliminary."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import JSON, Boolean, Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.db import LabelledEnum, UTCDateTime, enum_column, utcnow
from forum.events.models import Event, FocusArea
from forum.extensions import db
from forum.programme.models import ProgrammeItem

# Limits shared by the model, the forms and the services.
NAME_LENGTH = 100
EMAIL_LENGTH = 254
PHONE_LENGTH = 40
ORGANISATION_LENGTH = 200
LONG_TEXT_LENGTH = 2000
SHORT_TEXT_LENGTH = 200


class RegistrationStatus(LabelledEnum):
    CONFIRMED = "confirmed", _l("Bekräftad")
    WAITING = "waiting", _l("På väntelistan")
    PENDING = "pending", _l("Väntar på godkännande")
    DECLINED = "declined", _l("Avböjd")
    CANCELLED = "cancelled", _l("Avbokad")


# A person holds a place (or a place in a queue) in these; the others are over.
ACTIVE_STATUSES = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING, RegistrationStatus.PENDING)


class OrganisationType(LabelledEnum):
    MUNICIPALITY = "municipality", _l("Kommun")
    REGION = "region", _l("Region")
    STATE = "state", _l("Länsstyrelse eller annan statlig myndighet")
    NON_PROFIT = "non_profit", _l("Förening eller annan ideell organisation")
    COMPANY = "company", _l("Företag")
    FARM = "farm", _l("Lantbruk eller livsmedelsproducent")
    FAITH = "faith", _l("Trossamfund")
    PRIVATE = "private", _l("Privatperson")
    OTHER = "other", _l("Annat")


class DietaryOption(LabelledEnum):
    VEGETARIAN = "vegetarian", _l("Vegetarisk")
    VEGAN = "vegan", _l("Vegansk")
    GLUTEN = "gluten", _l("Glutenfri")
    LACTOSE = "lactose", _l("Laktosfri")
    NUTS = "nuts", _l("Nötallergi")
    FISH = "fish", _l("Fisk- och skaldjursallergi")
    NO_PORK = "no_pork", _l("Inget fläskkött")


class BadgeRole(LabelledEnum):
    """The role printed on the badge's band (and shown at the door), when the organiser sets one."""

    PARTICIPANT = "participant", _l("Deltagare")
    SPEAKER = "speaker", lazy_pgettext("badge role", "Talare")  # one speaker, not the programme's "Talare"
    ORGANISER = "organiser", _l("Arrangör")
    PRESS = "press", _l("Press")
    STAFF = "staff", _l("Funktionär")
    GUEST = "guest", _l("Gäst")


class RegistrationSource(LabelledEnum):
    ONLINE = "online", _l("Webbformuläret")
    ORGANISER = "organiser", _l("Tillagd av arrangör")


class SignupStatus(LabelledEnum):
    CONFIRMED = "confirmed", _l("Plats")
    WAITING = "waiting", _l("På väntelistan")
    # Chosen by someone whose registration is not confirmed yet; seated when it is.
    REQUESTED = "requested", _l("Önskad")


class QuestionKind(LabelledEnum):
    SHORT_TEXT = "short_text", _l("Kort text")
    LONG_TEXT = "long_text", _l("Lång text")
    SINGLE_CHOICE = "single_choice", _l("Ett val")
    MULTIPLE_CHOICE = "multiple_choice", _l("Flera val")
    YES_NO = "yes_no", _l("Ja/nej")


class InterestKind(LabelledEnum):
    """The three ways to take part named in the Halland invitation."""

    FOLLOW = "follow", _l("Följa arbetet")
    CONTRIBUTE = "contribute", _l("Bidra till arbetet")
    TAKE_PART = "take_part", _l("Delta i arbetet")


# The standard fields an organiser may hide from the form (all optional ones).
class OptionalField(LabelledEnum):
    PHONE = "phone", _l("Telefon")
    ORGANISATION = "organisation", _l("Organisation")
    ORGANISATION_TYPE = "organisation_type", _l("Typ av organisation")
    MUNICIPALITY = "municipality", _l("Kommun")
    FOCUS_AREAS = "focus_areas", _l("Fokusområden")
    DIETARY = "dietary", _l("Kost")
    ACCESSIBILITY = "accessibility", _l("Tillgänglighet")
    CONTRIBUTION = "contribution", _l("Vad vill du dela eller bidra med?")
    PARTICIPANT_LIST = "participant_list", _l("Synas i deltagarlistan")
    KEEP_INFORMED = "keep_informed", _l("Hålla mig informerad")


registration_focus_areas = Table(
    "registration_focus_areas",
    db.metadata,
    Column("registration_id", ForeignKey("registrations.id", ondelete="CASCADE"), primary_key=True),
    Column("focus_area_id", ForeignKey("focus_areas.id", ondelete="CASCADE"), primary_key=True),
)


class Registration(db.Model):
    __tablename__ = "registrations"
    __table_args__ = (
        # One active registration per e-mail and event; a cancelled or declined one may register again.
        Index(
            "uq_registrations_active_email",
            "event_id",
            "email_key",
            unique=True,
            sqlite_where=text("status IN ('confirmed', 'waiting', 'pending')"),
            postgresql_where=text("status IN ('confirmed', 'waiting', 'pending')"),
        ),
        Index("ix_registrations_event_status_queued", "event_id", "status", "queued_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    status: Mapped[RegistrationStatus] = mapped_column(enum_column(RegistrationStatus))
    first_name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    last_name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    # As typed; email_key is its case-folded form, the identity for "one person, one registration".
    email: Mapped[str] = mapped_column(String(EMAIL_LENGTH))
    email_key: Mapped[str] = mapped_column(String(EMAIL_LENGTH))
    phone: Mapped[str] = mapped_column(String(PHONE_LENGTH), default="")
    organisation: Mapped[str] = mapped_column(String(ORGANISATION_LENGTH), default="")
    organisation_type: Mapped[OrganisationType | None] = mapped_column(enum_column(OrganisationType))
    # SCB municipality code (forum.registration.municipalities).
    municipality_code: Mapped[str] = mapped_column(String(4), default="")
    contribution: Mapped[str] = mapped_column(Text, default="")
    # The language the person used; their e-mails are written in it.
    language: Mapped[str] = mapped_column(String(5), default="sv")
    # The personal link's token is HMAC(secret key, link_salt) (forum.registration.links); only its
    # SHA-256 is stored, so the database alone lets no one act. A new salt makes old links invalid.
    link_salt: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The form's one-time submission key, so that a double-clicked submit is recognised as one.
    submission_key: Mapped[str] = mapped_column(String(64), default="")
    source: Mapped[RegistrationSource] = mapped_column(
        enum_column(RegistrationSource), default=RegistrationSource.ONLINE
    )
    # The role on the badge, set by an organiser; NULL: derived (speaker, event team, else participant).
    badge_role: Mapped[BadgeRole | None] = mapped_column(enum_column(BadgeRole))
    # Consents: when given (the privacy notice is required) and the optional choices.
    privacy_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    show_in_participant_list: Mapped[bool] = mapped_column(Boolean, default=False)
    keep_informed: Mapped[bool] = mapped_column(Boolean, default=False)
    # Health data (GDPR art. 9): stored only with this separate consent; shown only to organisers;
    # cleared after the event by the privacy rules. See HEALTH_FIELDS.
    health_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dietary: Mapped[list[str]] = mapped_column(JSON, default=list)
    dietary_other: Mapped[str] = mapped_column(String(SHORT_TEXT_LENGTH), default="")
    accessibility: Mapped[str] = mapped_column(Text, default="")
    # Orders the waiting list: when the person joined the queue they are in (waiting or pending).
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the person's data was anonymised (retention or erasure); the counts statistics need stay.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship()
    focus_areas: Mapped[list[FocusArea]] = relationship(
        secondary=registration_focus_areas, order_by="FocusArea.position"
    )
    signups: Mapped[list[WorkshopSignup]] = relationship(
        back_populates="registration", cascade="all, delete-orphan", order_by="WorkshopSignup.id"
    )
    answers: Mapped[list[Answer]] = relationship(back_populates="registration", cascade="all, delete-orphan")

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def __repr__(self) -> str:
        return f"<Registration {self.id} {self.status.value}>"


# Columns that hold health data, for the privacy rules (clearing, exports, who may see them).
HEALTH_FIELDS = ("dietary", "dietary_other", "accessibility")


class WorkshopSignup(db.Model):
    """A registration's choice of a programme item that needs sign-up."""

    __tablename__ = "workshop_signups"
    __table_args__ = (
        UniqueConstraint("registration_id", "programme_item_id"),
        Index("ix_workshop_signups_item_status", "programme_item_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    programme_item_id: Mapped[int] = mapped_column(ForeignKey("programme_items.id", ondelete="CASCADE"))
    status: Mapped[SignupStatus] = mapped_column(enum_column(SignupStatus))
    # Orders the workshop's waiting list.
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    registration: Mapped[Registration] = relationship(back_populates="signups")
    programme_item: Mapped[ProgrammeItem] = relationship()


class Question(db.Model):
    """An organiser's own question on an event's registration form."""

    __tablename__ = "registration_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(300))
    help_text: Mapped[str] = mapped_column(String(500), default="")
    kind: Mapped[QuestionKind] = mapped_column(enum_column(QuestionKind))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    # The choices of a single or multiple choice question, in order.
    options: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Display order within the event, from 1.
    position: Mapped[int] = mapped_column(Integer, default=0)

    event: Mapped[Event] = relationship()


class Answer(db.Model):
    __tablename__ = "registration_answers"
    __table_args__ = (UniqueConstraint("registration_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("registration_questions.id", ondelete="CASCADE"), index=True)
    # Text for text questions, "yes"/"no", the chosen option, or a list of options (multiple choice).
    value: Mapped[Any] = mapped_column(JSON)

    registration: Mapped[Registration] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship()


class Interest(db.Model):
    """A sign-up of interest while the event's date is preliminary; invitations come from these later."""

    __tablename__ = "interests"
    __table_args__ = (UniqueConstraint("event_id", "email_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(2 * NAME_LENGTH))
    email: Mapped[str] = mapped_column(String(EMAIL_LENGTH))
    email_key: Mapped[str] = mapped_column(String(EMAIL_LENGTH))
    organisation: Mapped[str] = mapped_column(String(ORGANISATION_LENGTH), default="")
    # InterestKind values chosen (at least one).
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    language: Mapped[str] = mapped_column(String(5), default="sv")
    privacy_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the person's data was anonymised (retention or erasure).
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship()
