"""What the organiser's invitee screens read: invitees by state (counted in SQL), search and pages,
and the people who could be invited next (the event's interest list; earlier events' participants).
Reading only; every change goes through forum.invitations.services and .sending.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import contains_eager

from forum.events.models import Event
from forum.extensions import db
from forum.invitations.models import InvitationState, Invitee
from forum.invitations.services import invited_keys
from forum.mail.models import OutboxMessage, OutboxStatus
from forum.pagination import Page, paginate
from forum.registration.models import Interest, Registration, RegistrationStatus

PAGE_SIZE = 50
PREVIEW_CHOICES = 200

# Invitee.state in SQL (the same order of precedence), over invitees outer-joined to their last message.
STATE = case(
    (Invitee.registration_id.is_not(None), InvitationState.REGISTERED.value),
    (Invitee.declined_at.is_not(None), InvitationState.DECLINED.value),
    (Invitee.opened_at.is_not(None), InvitationState.OPENED.value),
    (OutboxMessage.id.is_(None), InvitationState.NOT_SENT.value),
    (OutboxMessage.status == OutboxStatus.SENT, InvitationState.SENT.value),
    (OutboxMessage.status == OutboxStatus.FAILED, InvitationState.FAILED.value),
    else_=InvitationState.QUEUED.value,
)


def _with_message(statement):
    return statement.outerjoin(OutboxMessage, Invitee.message_id == OutboxMessage.id)


def state_counts(event: Event) -> dict[InvitationState, int]:
    """How many of the event's invitees are in each state (every state present, zero or not)."""
    rows = db.session.execute(
        _with_message(select(STATE, func.count(Invitee.id))).where(Invitee.event_id == event.id).group_by(STATE)
    )
    counts = dict.fromkeys(InvitationState, 0)
    for value, count in rows:
        counts[InvitationState(value)] = count
    return counts


def search(
    event: Event, state: InvitationState | None = None, query: str = "", page: int = 1, size: int = PAGE_SIZE
) -> Page:
    """The event's invitees by name, optionally of one state and matching a search, with their last message."""
    statement = (
        _with_message(select(Invitee)).where(Invitee.event_id == event.id).options(contains_eager(Invitee.message))
    )
    if state is not None:
        statement = statement.where(state.value == STATE)
    query = query.strip()
    if query:
        pattern = f"%{query.casefold()}%"
        statement = statement.where(
            or_(
                func.lower(Invitee.first_name + " " + Invitee.last_name).like(pattern),
                Invitee.email_key.like(pattern),
                func.lower(Invitee.organisation).like(pattern),
                func.lower(Invitee.role).like(pattern),
            )
        )
    statement = statement.order_by(Invitee.last_name, Invitee.first_name, Invitee.email_key, Invitee.id)
    return paginate(statement, page, size)


def find(event: Event, invitee_id: int) -> Invitee | None:
    """The event's invitee with this id; None when there is none or it belongs to another event."""
    return db.session.scalar(select(Invitee).where(Invitee.id == invitee_id, Invitee.event_id == event.id))


def by_email(event: Event, key: str) -> Invitee | None:
    """The event's invitee with this case-folded e-mail (forum.invitations.services.email_key)."""
    return db.session.scalar(select(Invitee).where(Invitee.event_id == event.id, Invitee.email_key == key))


def of_event(event: Event, ids: list[int]) -> list[Invitee]:
    """Those of these ids that are the event's invitees (what a posted selection may name)."""
    if not ids:
        return []
    found = []
    for start in range(0, len(ids), 500):
        found.extend(
            db.session.scalars(
                select(Invitee).where(Invitee.event_id == event.id, Invitee.id.in_(ids[start : start + 500]))
            )
        )
    return found


def not_yet_invited_ids(event: Event) -> list[int]:
    """Invitees who have had no invitation and have not answered in another way."""
    return list(
        db.session.scalars(
            select(Invitee.id).where(
                Invitee.event_id == event.id,
                Invitee.invited_at.is_(None),
                Invitee.registration_id.is_(None),
                Invitee.declined_at.is_(None),
            )
        )
    )


def preview_choices(event: Event, chosen: Invitee | None = None) -> list[Invitee]:
    """Invitees to preview the text with: the first ones by name, and the chosen one."""
    people = list(
        db.session.scalars(
            select(Invitee)
            .where(Invitee.event_id == event.id)
            .order_by(Invitee.last_name, Invitee.first_name, Invitee.id)
            .limit(PREVIEW_CHOICES)
        )
    )
    if chosen is not None and chosen not in people:
        people.insert(0, chosen)
    return people


# --- who could be invited ----------------------------------------------------------------------


def interest_candidates(event: Event) -> list[Interest]:
    """The event's interest sign-ups whose e-mail has not been invited yet, in sign-up order."""
    invited = invited_keys(event)
    rows = db.session.scalars(
        select(Interest).where(Interest.event_id == event.id).order_by(Interest.created_at, Interest.id)
    )
    return [interest for interest in rows if interest.email_key not in invited]


@dataclass(frozen=True)
class EarlierEvent:
    event: Event
    registrations: list[Registration]


def network_candidates(event: Event) -> list[EarlierEvent]:
    """Confirmed participants of the host's other events, newest event first, each e-mail once (at its
    newest event), leaving out those already invited to this event."""
    seen = invited_keys(event)
    rows = db.session.execute(
        select(Registration, Event)
        .join(Event, Registration.event_id == Event.id)
        .where(
            Event.organisation_id == event.organisation_id,
            Event.id != event.id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
        .order_by(Event.starts_at.desc(), Event.id, Registration.last_name, Registration.first_name, Registration.id)
    )
    groups: dict[int, EarlierEvent] = {}
    for registration, earlier in rows:
        if registration.email_key in seen:
            continue
        seen.add(registration.email_key)
        groups.setdefault(earlier.id, EarlierEvent(earlier, [])).registrations.append(registration)
    return list(groups.values())


def network_registrations(event: Event, ids: list[int] = (), event_id: int | None = None) -> list[Registration]:
    """Those of these registrations (or all of that earlier event's) that network_candidates offers:
    what a posted selection may name."""
    groups = network_candidates(event)
    if event_id is not None:
        return [registration for group in groups if group.event.id == event_id for registration in group.registrations]
    offered = {registration.id: registration for group in groups for registration in group.registrations}
    return [offered[registration_id] for registration_id in ids if registration_id in offered]
