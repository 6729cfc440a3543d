"""Erasure (GDPR art. 17): an attendee deletes their registration from their personal page, or an
organiser erases one person (by e-mail) from all of a host's events.

Both anonymise with the purge's functions (forum.privacy.anonymise), so statistics stay the same;
a registration that still holds a seat is first cancelled the ordinary way, which frees the seat and
promotes the waiting list. The audit log records that an erasure happened and how many records it
touched, never whose they were.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from forum.db import utcnow
from forum.events.models import Event, Organisation
from forum.extensions import db
from forum.invitations.models import Invitee
from forum.privacy import anonymise, audit
from forum.programme.models import Proposal
from forum.registration import services as registration_services
from forum.registration.models import Interest, Registration

ERASED_BY_ATTENDEE = "privacy.erased_by_attendee"
PERSON_ERASED = "privacy.person_erased"
audit.register_labels(
    {
        ERASED_BY_ATTENDEE: _l("En deltagare raderade sin anmälan"),
        PERSON_ERASED: _l("En person raderades på begäran"),
    }
)


def email_key(email: str) -> str:
    return registration_services.email_key(email)


@dataclass
class Found:
    """One event's records of a person."""

    event: Event
    registrations: list[Registration] = field(default_factory=list)
    invitees: list[Invitee] = field(default_factory=list)
    interests: list[Interest] = field(default_factory=list)
    proposals: list[Proposal] = field(default_factory=list)
    messages: int = 0

    @property
    def total(self) -> int:
        return len(self.registrations) + len(self.invitees) + len(self.interests) + len(self.proposals)

    def counts(self) -> dict[str, int]:
        return {
            "registrations": len(self.registrations),
            "invitees": len(self.invitees),
            "interests": len(self.interests),
            "proposals": len(self.proposals),
            "messages": self.messages,
        }


def _presents(proposal: Proposal, key: str) -> bool:
    return any((presenter.get("email") or "").strip().casefold() == key for presenter in proposal.presenters or [])


def find(event: Event, key: str) -> Found:
    """What the event holds under this (case-folded) e-mail address, not yet anonymised."""
    found = Found(event)
    if not key:
        return found
    found.registrations = list(
        db.session.scalars(
            select(Registration).where(
                Registration.event_id == event.id, Registration.email_key == key, Registration.anonymised_at.is_(None)
            )
        )
    )
    found.invitees = list(
        db.session.scalars(
            select(Invitee).where(
                Invitee.event_id == event.id, Invitee.email_key == key, Invitee.anonymised_at.is_(None)
            )
        )
    )
    found.interests = list(
        db.session.scalars(
            select(Interest).where(
                Interest.event_id == event.id, Interest.email_key == key, Interest.anonymised_at.is_(None)
            )
        )
    )
    found.proposals = [
        proposal
        for proposal in db.session.scalars(
            select(Proposal).where(Proposal.event_id == event.id, Proposal.anonymised_at.is_(None))
        )
        if _presents(proposal, key)
    ]
    found.messages = len(list(db.session.scalars(anonymise.messages_to(key, [event.id]))))
    return found


def _erase(found: Found, key: str) -> None:
    now = utcnow()
    for registration in found.registrations:
        if registration.is_active and not registration_services.is_over(registration):
            # The ordinary cancel: the seat goes to the first on the waiting list.
            registration_services.cancel(registration)
        anonymise.anonymise_registration(registration, now)
    for invitee in found.invitees:
        anonymise.anonymise_invitee(invitee, now)
    for interest in found.interests:
        anonymise.anonymise_interest(interest, now)
    for proposal in found.proposals:
        anonymise.anonymise_proposal(proposal, now, email_key=key)
    db.session.flush()
    # After the cancel, so that its receipt (now addressed to no one) is dropped with the rest.
    found.messages = anonymise.erase_messages_to(key, [found.event.id])
    db.session.flush()


def erase_own_registration(registration: Registration) -> Found:
    """The attendee's own deletion: this registration and what the event holds under its address."""
    event = registration.event
    key = registration.email_key
    found = find(event, key)
    if registration not in found.registrations:
        found.registrations.append(registration)
    _erase(found, key)
    audit.record(ERASED_BY_ATTENDEE, event=event, target=registration, **found.counts())
    db.session.flush()
    return found


def find_person(host: Organisation, email: str) -> list[Found]:
    """The host's events that hold something under this address (for the confirmation page)."""
    key = email_key(email)
    events = db.session.scalars(select(Event).where(Event.organisation_id == host.id).order_by(Event.starts_at))
    return [found for found in (find(event, key) for event in events) if found.total or found.messages]


def erase_person(host: Organisation, email: str, *, by) -> list[Found]:
    key = email_key(email)
    results = find_person(host, email)
    for found in results:
        _erase(found, key)
        audit.record(PERSON_ERASED, user=by, event=found.event, target=found.event, **found.counts())
    audit.record(
        PERSON_ERASED,
        user=by,
        target=host,
        events=len(results),
        records=sum(found.total for found in results),
    )
    db.session.flush()
    return results
