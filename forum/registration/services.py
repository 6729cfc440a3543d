"""Registration: taking a place, the waiting list, approval, workshop seats, cancelling.

Every function that changes seats first locks the event (lock_event): on PostgreSQL the event's
row FOR UPDATE, on SQLite the BEGIN IMMEDIATE transaction (forum.db) already holds the database's
write lock. Counting and writing then happen under that lock, so concurrent requests never
overbook the event or a workshop. Services flush; the caller (a view, the CLI) commits, and the
outbox messages queued here are committed with the change they report.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from forum import tokens
from forum.db import count_by_status, utcnow
from forum.events.models import Event
from forum.extensions import db
from forum.mail.models import OutboxMessage
from forum.pagination import Page, paginate
from forum.privacy import audit
from forum.programme.models import ProgrammeItem, ProgrammeItemStatus
from forum.registration import links
from forum.registration.models import (
    ACTIVE_STATUSES,
    Answer,
    Interest,
    OrganisationType,
    Question,
    Registration,
    RegistrationSource,
    RegistrationStatus,
    SignupStatus,
    WorkshopSignup,
)
from forum.registration.notices import Notice, send_notice

PAGE_SIZE = 50
# At most one re-sent personal link per registration in this interval (see _link_sent_recently).
LINK_RESEND_INTERVAL = timedelta(minutes=10)


class Refused(Exception):
    """The change cannot be made; errors maps a form field (or "") to a translated message."""

    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__(errors)
        self.errors = errors


@dataclass
class Details:
    """What a person tells about themselves; the same for the public form, self-service and organisers."""

    first_name: str
    last_name: str
    email: str
    phone: str = ""
    organisation: str = ""
    organisation_type: OrganisationType | None = None
    municipality_code: str = ""
    focus_area_ids: list[int] = field(default_factory=list)
    contribution: str = ""
    show_in_participant_list: bool = False
    keep_informed: bool = False
    # Health data; kept only when health_consent is true.
    health_consent: bool = False
    dietary: list[str] = field(default_factory=list)
    dietary_other: str = ""
    accessibility: str = ""
    # Workshop (programme item) ids chosen.
    workshop_ids: list[int] = field(default_factory=list)
    # Question id -> answer value.
    answers: dict[int, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    registration: Registration
    # True when the e-mail already had an active registration: nothing new was created.
    existing: bool = False


def email_key(email: str) -> str:
    return email.strip().casefold()


# --- reading -----------------------------------------------------------------------------------


def confirmed_count(event: Event) -> int:
    return db.session.scalar(
        select(func.count(Registration.id)).where(
            Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED
        )
    )


def counts(event: Event) -> dict[RegistrationStatus, int]:
    return count_by_status(Registration.status, Registration.event_id == event.id, RegistrationStatus)


def seats_left(event: Event) -> int | None:
    if event.capacity is None:
        return None
    return max(event.capacity - confirmed_count(event), 0)


def waiting_position(registration: Registration) -> int | None:
    """1 for the first in the queue; None when the registration is not waiting."""
    if registration.status != RegistrationStatus.WAITING:
        return None
    ahead = db.session.scalar(
        select(func.count(Registration.id)).where(
            Registration.event_id == registration.event_id,
            Registration.status == RegistrationStatus.WAITING,
            or_(
                Registration.queued_at < registration.queued_at,
                (Registration.queued_at == registration.queued_at) & (Registration.id < registration.id),
            ),
        )
    )
    return ahead + 1


def workshops(event: Event) -> list[ProgrammeItem]:
    """The event's items that need sign-up, in time order (cancelled ones are not offered)."""
    return list(
        db.session.scalars(
            select(ProgrammeItem)
            .where(
                ProgrammeItem.event_id == event.id,
                ProgrammeItem.requires_signup.is_(True),
                ProgrammeItem.status == ProgrammeItemStatus.SCHEDULED,
            )
            .order_by(ProgrammeItem.starts_at, ProgrammeItem.id)
        )
    )


def workshop_taken(items: Iterable[ProgrammeItem]) -> dict[int, int]:
    """Seats taken per item id."""
    ids = [item.id for item in items]
    if not ids:
        return {}
    rows = db.session.execute(
        select(WorkshopSignup.programme_item_id, func.count(WorkshopSignup.id))
        .where(WorkshopSignup.programme_item_id.in_(ids), WorkshopSignup.status == SignupStatus.CONFIRMED)
        .group_by(WorkshopSignup.programme_item_id)
    )
    taken = dict.fromkeys(ids, 0)
    taken.update(dict(rows.all()))
    return taken


def questions(event: Event) -> list[Question]:
    return list(
        db.session.scalars(
            select(Question).where(Question.event_id == event.id).order_by(Question.position, Question.id)
        )
    )


def find_by_token(token: str) -> Registration | None:
    if not tokens.plausible(token):
        return None
    return db.session.scalar(
        select(Registration)
        .where(Registration.token_hash == links.hash_token(token))
        .options(selectinload(Registration.signups), selectinload(Registration.answers))
    )


def search(
    event: Event, status: RegistrationStatus | None = None, query: str = "", page: int = 1, size: int = PAGE_SIZE
) -> Page:
    statement = select(Registration).where(Registration.event_id == event.id)
    if status is not None:
        statement = statement.where(Registration.status == status)
    query = query.strip()
    if query:
        pattern = f"%{query.casefold()}%"
        name = func.lower(Registration.first_name + " " + Registration.last_name)
        statement = statement.where(
            or_(
                name.like(pattern),
                Registration.email_key.like(pattern),
                func.lower(Registration.organisation).like(pattern),
            )
        )
    order = (
        (Registration.queued_at, Registration.id)
        if status == RegistrationStatus.WAITING
        else (
            Registration.last_name,
            Registration.first_name,
            Registration.id,
        )
    )
    # The list shows each workshop's title: load them with the signups (no query per row).
    statement = statement.options(
        selectinload(Registration.signups).selectinload(WorkshopSignup.programme_item)
    ).order_by(*order)
    return paginate(statement, page, size)


# --- locking -----------------------------------------------------------------------------------


def of_event(event: Event, registration_id: int, *, confirmed: bool = False) -> Registration | None:
    """The event's registration with this id (only a confirmed one, with `confirmed`); None otherwise,
    also when the id is another event's."""
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        return None
    if confirmed and registration.status != RegistrationStatus.CONFIRMED:
        return None
    return registration


def lock_event(event: Event) -> None:
    """Serialise seat changes for this event until the transaction ends (see the module's doc)."""
    if db.session.get_bind().dialect.name == "postgresql":
        # Lock the row and reload the event in one statement (its capacity may have changed meanwhile).
        db.session.execute(
            select(Event).where(Event.id == event.id).with_for_update().execution_options(populate_existing=True)
        )
    else:
        # SQLite: the transaction was begun IMMEDIATE (forum.db) and holds the write lock; this makes
        # sure it has begun, and that the event's columns are read inside it.
        db.session.execute(select(Event).where(Event.id == event.id).execution_options(populate_existing=True))


# --- registering -------------------------------------------------------------------------------


def register(
    event: Event,
    details: Details,
    *,
    language: str = "sv",
    submission_key: str = "",
    source: RegistrationSource = RegistrationSource.ONLINE,
    by=None,
    invitee=None,
) -> Outcome:
    """Register a person, or, when their e-mail is already registered, send them their link again.

    Both look the same to the caller's page (no one learns who is registered). A repeated
    submission of the same form (double click) sends nothing more.
    """
    lock_event(event)
    existing = db.session.scalar(
        select(Registration).where(
            Registration.event_id == event.id,
            Registration.email_key == email_key(details.email),
            Registration.status.in_(ACTIVE_STATUSES),
        )
    )
    if existing is not None:
        if invitee is not None and invitee.registration_id is None:
            invitee.registration_id = existing.id
        repeated_form = submission_key and existing.submission_key == submission_key
        if not repeated_form and not _link_sent_recently(existing):
            send_notice(existing, Notice.LINK)
        return Outcome(existing, existing=True)

    _check_workshops(event, details.workshop_ids)
    now = utcnow()
    # The status is decided before the insert (one write, not an insert and an update).
    if event.requires_approval and source == RegistrationSource.ONLINE:
        status, notice = RegistrationStatus.PENDING, Notice.PENDING
    elif _has_seat(event):
        status, notice = RegistrationStatus.CONFIRMED, Notice.CONFIRMATION
    else:
        status, notice = RegistrationStatus.WAITING, Notice.WAITING
    registration = Registration(
        event=event,
        status=status,
        confirmed_at=now if status == RegistrationStatus.CONFIRMED else None,
        language=language,
        source=source,
        submission_key=submission_key[:64],
        privacy_consent_at=now,
        queued_at=now,
    )
    links.assign(registration)
    _apply(registration, event, details)
    db.session.add(registration)
    db.session.flush()
    _set_signups(registration, details.workshop_ids)
    send_notice(registration, notice)
    if invitee is not None:
        invitee.registration_id = registration.id
    if by is not None:
        audit.record("registration.added", user=by, event=event, target=registration, status=registration.status)
    db.session.flush()
    return Outcome(registration)


def update(registration: Registration, details: Details, *, by=None) -> None:
    """Change a registration's details and workshop choices (self-service or an organiser)."""
    event = registration.event
    lock_event(event)
    _check_workshops(event, details.workshop_ids, registration)
    if email_key(details.email) != registration.email_key:
        clash = db.session.scalar(
            select(Registration.id).where(
                Registration.event_id == event.id,
                Registration.email_key == email_key(details.email),
                Registration.status.in_(ACTIVE_STATUSES),
                Registration.id != registration.id,
            )
        )
        if clash:
            raise Refused({"email": _l("Det finns redan en anmälan med den e-postadressen.")})
    _apply(registration, event, details)
    freed = _set_signups(registration, details.workshop_ids)
    for item in freed:
        _promote_workshop(item)
    if by is not None:
        audit.record("registration.updated", user=by, event=event, target=registration)
    db.session.flush()


def cancel(registration: Registration, *, by=None) -> None:
    """Cancel (the person themselves, or an organiser); frees the seat and promotes the waiting list."""
    if not registration.is_active:
        return
    _end(registration, RegistrationStatus.CANCELLED)
    send_notice(registration, Notice.CANCELLATION)
    if by is not None:
        audit.record("registration.cancelled", user=by, event=registration.event, target=registration)
    promote_waiting(registration.event)


def decline(registration: Registration, *, by) -> None:
    if not registration.is_active:
        return
    _end(registration, RegistrationStatus.DECLINED)
    send_notice(registration, Notice.DECLINE)
    audit.record("registration.declined", user=by, event=registration.event, target=registration)
    promote_waiting(registration.event)


def approve(registration: Registration, *, by) -> None:
    """Approve a pending registration: a seat if there is one, else the waiting list."""
    if registration.status != RegistrationStatus.PENDING:
        return
    event = registration.event
    lock_event(event)
    registration.queued_at = utcnow()
    if _has_seat(event):
        _confirm(registration)
    else:
        registration.status = RegistrationStatus.WAITING
    send_notice(registration, Notice.APPROVAL)
    audit.record("registration.approved", user=by, event=event, target=registration, status=registration.status)
    db.session.flush()


def confirm_waiting(registration: Registration, *, by) -> None:
    """An organiser gives a waiting person a seat now, even beyond the event's capacity."""
    if registration.status != RegistrationStatus.WAITING:
        return
    lock_event(registration.event)
    _confirm(registration)
    send_notice(registration, Notice.PROMOTION)
    audit.record("registration.moved_from_waiting_list", user=by, event=registration.event, target=registration)
    db.session.flush()


def new_link(registration: Registration, *, by=None) -> None:
    """Invalidate the old personal link and e-mail a new one."""
    links.assign(registration)
    send_notice(registration, Notice.LINK)
    if by is not None:
        audit.record("registration.link_renewed", user=by, event=registration.event, target=registration)
    db.session.flush()


def promote_waiting(event: Event) -> list[Registration]:
    """Give freed seats to the first on the waiting list, in order, and tell them."""
    lock_event(event)
    promoted = []
    while _has_seat(event):
        first = db.session.scalar(
            select(Registration)
            .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.WAITING)
            .order_by(Registration.queued_at, Registration.id)
            .limit(1)
        )
        if first is None:
            break
        _confirm(first)
        send_notice(first, Notice.PROMOTION)
        audit.record("registration.promoted", event=event, target=first)
        promoted.append(first)
        db.session.flush()
    return promoted


# --- interest while the date is preliminary ------------------------------------------------------


def register_interest(event: Event, *, name: str, email: str, organisation: str, kinds: list[str], language: str):
    """Record (or update, for the same e-mail) an interest sign-up."""
    interest = db.session.scalar(
        select(Interest).where(Interest.event_id == event.id, Interest.email_key == email_key(email))
    )
    if interest is None:
        interest = Interest(event=event, email_key=email_key(email))
        db.session.add(interest)
    interest.name = name.strip()
    interest.email = email.strip()
    interest.organisation = organisation.strip()
    interest.kinds = list(kinds)
    interest.language = language
    interest.privacy_consent_at = utcnow()
    db.session.flush()
    return interest


def interests(event: Event, page: int = 1) -> Page:
    statement = select(Interest).where(Interest.event_id == event.id).order_by(Interest.created_at, Interest.id)
    return paginate(statement, page, PAGE_SIZE)


# --- inside ------------------------------------------------------------------------------------


def _link_sent_recently(registration: Registration) -> bool:
    """Re-sent links are limited, so that the form cannot be used to flood someone's inbox."""
    since = utcnow() - LINK_RESEND_INTERVAL
    return bool(
        db.session.scalar(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.event_id == registration.event_id,
                OutboxMessage.recipient == registration.email,
                OutboxMessage.purpose == f"registration.{Notice.LINK.value}",
                OutboxMessage.created_at > since,
            )
            .limit(1)
        )
    )


def _has_seat(event: Event) -> bool:
    return event.capacity is None or confirmed_count(event) < event.capacity


def _confirm(registration: Registration) -> None:
    registration.status = RegistrationStatus.CONFIRMED
    registration.confirmed_at = utcnow()
    db.session.flush()
    for signup in registration.signups:
        if signup.status == SignupStatus.REQUESTED:
            _seat_or_queue(signup)


def _end(registration: Registration, status: RegistrationStatus) -> None:
    lock_event(registration.event)
    registration.status = status
    registration.cancelled_at = utcnow()
    items = [signup.programme_item for signup in registration.signups if signup.status == SignupStatus.CONFIRMED]
    registration.signups.clear()
    db.session.flush()
    for item in items:
        _promote_workshop(item)


def _apply(registration: Registration, event: Event, details: Details) -> None:
    registration.first_name = details.first_name.strip()
    registration.last_name = details.last_name.strip()
    registration.email = details.email.strip()
    registration.email_key = email_key(details.email)
    registration.phone = details.phone.strip()
    registration.organisation = details.organisation.strip()
    registration.organisation_type = details.organisation_type
    registration.municipality_code = details.municipality_code
    registration.contribution = details.contribution.strip()
    registration.show_in_participant_list = details.show_in_participant_list
    registration.keep_informed = details.keep_informed
    if details.health_consent:
        registration.health_consent_at = registration.health_consent_at or utcnow()
        registration.dietary = list(details.dietary)
        registration.dietary_other = details.dietary_other.strip()
        registration.accessibility = details.accessibility.strip()
    else:
        # Without the consent nothing of it is kept, and withdrawing it clears what was given.
        registration.health_consent_at = None
        registration.dietary = []
        registration.dietary_other = ""
        registration.accessibility = ""
    allowed_areas = {area.id: area for area in event.focus_areas}
    registration.focus_areas = [allowed_areas[i] for i in details.focus_area_ids if i in allowed_areas]
    _apply_answers(registration, event, details.answers)


def _apply_answers(registration: Registration, event: Event, answers: dict[int, Any]) -> None:
    by_question = {answer.question_id: answer for answer in registration.answers}
    for question in questions(event):
        value = answers.get(question.id)
        empty = value in (None, "", [])
        answer = by_question.get(question.id)
        if empty:
            if answer is not None:
                registration.answers.remove(answer)
        elif answer is None:
            registration.answers.append(Answer(question=question, value=value))
        else:
            answer.value = value


def _check_workshops(event: Event, chosen_ids: list[int], registration: Registration | None = None) -> None:
    """Refuse unknown items and overlapping choices."""
    offered = {item.id: item for item in workshops(event)}
    kept = {signup.programme_item_id for signup in registration.signups} if registration else set()
    chosen = []
    for item_id in chosen_ids:
        item = offered.get(item_id)
        if item is None:
            if item_id in kept:
                continue  # an item cancelled since; the choice stays as it was
            raise Refused({"workshops": _l("Ett av passen går inte att välja.")})
        chosen.append(item)
    chosen.sort(key=lambda item: item.starts_at)
    for earlier, later in zip(chosen, chosen[1:], strict=False):
        if later.starts_at < earlier.ends_at:
            raise Refused(
                {
                    "workshops": _l(
                        "”%(first)s” och ”%(second)s” pågår samtidigt. Välj ett av dem.",
                        first=earlier.title,
                        second=later.title,
                    )
                }
            )


def _set_signups(registration: Registration, chosen_ids: list[int]) -> list[ProgrammeItem]:
    """Make the signups match the choices; returns the items where a seat was freed."""
    wanted = list(dict.fromkeys(chosen_ids))
    freed = []
    for signup in list(registration.signups):
        if signup.programme_item_id not in wanted:
            if signup.status == SignupStatus.CONFIRMED:
                freed.append(signup.programme_item)
            registration.signups.remove(signup)
    have = {signup.programme_item_id for signup in registration.signups}
    db.session.flush()
    for item_id in wanted:
        if item_id in have:
            continue
        signup = WorkshopSignup(
            registration=registration,
            programme_item_id=item_id,
            status=SignupStatus.REQUESTED,
            queued_at=utcnow(),
        )
        db.session.add(signup)
        db.session.flush()
        if registration.status == RegistrationStatus.CONFIRMED:
            _seat_or_queue(signup)
    return freed


def _seat_or_queue(signup: WorkshopSignup) -> None:
    item = signup.programme_item or db.session.get(ProgrammeItem, signup.programme_item_id)
    taken = workshop_taken([item])[item.id]
    signup.status = SignupStatus.CONFIRMED if item.capacity is None or taken < item.capacity else SignupStatus.WAITING
    signup.queued_at = utcnow()
    db.session.flush()


def _promote_workshop(item: ProgrammeItem) -> None:
    """Seat the first confirmed registrations waiting for this workshop while seats are free."""
    while item.capacity is None or workshop_taken([item])[item.id] < item.capacity:
        first = db.session.scalar(
            select(WorkshopSignup)
            .join(Registration)
            .where(
                WorkshopSignup.programme_item_id == item.id,
                WorkshopSignup.status == SignupStatus.WAITING,
                Registration.status == RegistrationStatus.CONFIRMED,
            )
            .order_by(WorkshopSignup.queued_at, WorkshopSignup.id)
            .limit(1)
        )
        if first is None:
            return
        first.status = SignupStatus.CONFIRMED
        db.session.flush()
        send_notice(first.registration, Notice.WORKSHOP_SEAT, item=item)


def is_over(registration: Registration, now: datetime | None = None) -> bool:
    return (now or utcnow()) >= registration.event.ends_at
