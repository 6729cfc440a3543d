"""What the organiser's registration screens read beyond forum.registration.services: one
registration with everything on its page, its audit history, the waiting list's order, and the
interest sign-ups counted by what people want. Reading only; every change goes through services.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from forum.events.models import Event
from forum.extensions import db
from forum.privacy.models import AuditLog
from forum.registration.models import (
    Answer,
    Interest,
    InterestKind,
    Registration,
    RegistrationStatus,
    WorkshopSignup,
)


def find(event: Event, registration_id: int) -> Registration | None:
    """The event's registration with this id; None when there is none or it belongs to another event."""
    return db.session.scalar(
        select(Registration)
        .where(Registration.id == registration_id, Registration.event_id == event.id)
        .options(
            selectinload(Registration.signups).selectinload(WorkshopSignup.programme_item),
            selectinload(Registration.answers).selectinload(Answer.question),
            selectinload(Registration.focus_areas),
        )
    )


def history(registration: Registration) -> list[AuditLog]:
    """What organisers and the system did to this registration, oldest first."""
    return list(
        db.session.scalars(
            select(AuditLog)
            .where(AuditLog.target_type == Registration.__name__, AuditLog.target_id == registration.id)
            .options(selectinload(AuditLog.user))
            .order_by(AuditLog.created_at, AuditLog.id)
        )
    )


def waiting_positions(event: Event) -> dict[int, int]:
    """Registration id -> place in the event's waiting list (1 = first), in one query."""
    ids = db.session.scalars(
        select(Registration.id)
        .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.WAITING)
        .order_by(Registration.queued_at, Registration.id)
    )
    return {registration_id: position for position, registration_id in enumerate(ids, start=1)}


def waiting_ids(event: Event) -> set[int]:
    return set(waiting_positions(event))


def newly_confirmed(ids: set[int]) -> list[Registration]:
    """Those of these registrations that are confirmed now (to tell who a freed seat went to)."""
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Registration)
            .where(Registration.id.in_(ids), Registration.status == RegistrationStatus.CONFIRMED)
            .order_by(Registration.queued_at, Registration.id)
        )
    )


def has_interests(event: Event) -> bool:
    return db.session.scalar(select(Interest.id).where(Interest.event_id == event.id).limit(1)) is not None


def interest_counts(event: Event) -> dict[InterestKind, int]:
    """How many sign-ups want each kind (a sign-up can want several)."""
    result = dict.fromkeys(InterestKind, 0)
    known = {kind.value: kind for kind in InterestKind}
    for kinds in db.session.scalars(select(Interest.kinds).where(Interest.event_id == event.id)):
        for value in set(kinds or []):
            if value in known:
                result[known[value]] += 1
    return result
