"""Invitees: adding them (by hand, pasted, imported, from interest or earlier events), their personal
links (/i/<token>), and their answers. Sending and reminders are in forum.invitations.sending."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from forum import tokens
from forum.db import utcnow
from forum.events.models import Event
from forum.extensions import db
from forum.invitations.models import DECLINE_REASON_LENGTH, Invitee, InviteeSource
from forum.privacy import audit
from forum.urls import external_url

PURPOSE = "invitation"
LANGUAGES = ("sv", "en")


@dataclass(frozen=True)
class InviteeData:
    """One person to invite, already checked (forum.invitations.importing checks files and pasted lists)."""

    email: str
    first_name: str = ""
    last_name: str = ""
    organisation: str = ""
    role: str = ""
    language: str = "sv"


def email_key(email: str) -> str:
    return email.strip().casefold()


def split_name(full_name: str) -> tuple[str, str]:
    """Split at the first space: "Åsa Öberg" → ("Åsa", "Öberg"), "Anna-Karin af Klint" → ("Anna-Karin", "af Klint")."""
    parts = full_name.split()
    if not parts:
        return "", ""
    return parts[0], " ".join(parts[1:])


def invited_keys(event: Event) -> set[str]:
    return set(db.session.scalars(select(Invitee.email_key).where(Invitee.event_id == event.id)))


def add_invitees(event: Event, people: Iterable[InviteeData], source: InviteeSource, *, by=None) -> list[Invitee]:
    """Add everyone not yet invited to the event (by e-mail, case-folded); returns those added.
    One audit entry for the whole list. The caller commits."""
    seen = invited_keys(event)
    added = []
    for person in people:
        key = email_key(person.email)
        if not key or key in seen:
            continue
        seen.add(key)
        invitee = Invitee(
            event_id=event.id,
            email=person.email.strip(),
            email_key=key,
            first_name=person.first_name.strip(),
            last_name=person.last_name.strip(),
            organisation=person.organisation.strip(),
            role=person.role.strip(),
            language=person.language if person.language in LANGUAGES else "sv",
            source=source,
        )
        tokens.assign(PURPOSE, invitee)
        added.append(invitee)
    db.session.add_all(added)
    db.session.flush()
    if added:
        audit.record("invitees.added", user=by, event=event, count=len(added), source=source)
    return added


def remove_invitee(invitee: Invitee, *, by) -> None:
    audit.record("invitee.removed", user=by, event=invitee.event, target=invitee)
    db.session.delete(invitee)
    db.session.flush()


def find_by_token(token: str) -> Invitee | None:
    if not tokens.plausible(token):
        return None
    return db.session.scalar(select(Invitee).where(Invitee.token_hash == tokens.hash_token(token)))


def token_for(invitee: Invitee) -> str:
    return tokens.token_for(PURPOSE, invitee)


def invitation_url(invitee: Invitee) -> str:
    return external_url("invitations.invitation", token=token_for(invitee))


def mark_opened(invitee: Invitee) -> None:
    if invitee.opened_at is None:
        invitee.opened_at = utcnow()
        db.session.flush()


def decline(invitee: Invitee, reason: str = "") -> None:
    invitee.declined_at = utcnow()
    invitee.decline_reason = reason.strip()[:DECLINE_REASON_LENGTH]
    audit.record("invitation.declined", event=invitee.event, target=invitee)
    db.session.flush()


def invitees(event: Event) -> list[Invitee]:
    return list(
        db.session.scalars(select(Invitee).where(Invitee.event_id == event.id).order_by(Invitee.last_name, Invitee.id))
    )
