"""Anonymising one person's records. The purge (retention) and erasure both use these functions, so
that what statistics count stays the same whichever removed the data.

Kept: status, organisation type, municipality, focus areas, workshop sign-ups, check-ins, badge
codes (opaque) and the dates (created, confirmed, cancelled, invited, answered). Cleared: names,
e-mail, phone, organisation text, free text, answers, health data, and the personal link.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import String, cast, func, or_, select

from forum.db import utcnow
from forum.extensions import db
from forum.invitations.models import Invitee
from forum.mail.models import OutboxMessage, OutboxStatus
from forum.programme.models import Proposal
from forum.registration.models import Interest, Registration

# Shown where a name was; not translated, since it is stored.
PLACEHOLDER_NAME = "Anonymiserad"
# Messages a worker may still send are left alone; the others are redacted.
DELIVERED = (OutboxStatus.SENT, OutboxStatus.FAILED)


def _dead_link(holder) -> None:
    """No token can match: the salt is gone and the hash is of nothing anyone holds."""
    holder.link_salt = ""
    holder.token_hash = secrets.token_hex(32)


def _anonymous_key(holder) -> str:
    # Unique per row, and never an e-mail address: the unique (event, e-mail) indexes still hold.
    return f"anonymised-{holder.id}"


def has_health_data():
    """SQL condition: the registration still holds health data."""
    return or_(
        Registration.health_consent_at.is_not(None),
        Registration.dietary_other != "",
        Registration.accessibility != "",
        cast(Registration.dietary, String).not_in(["[]", "null"]),
    )


def clear_health_data(registration: Registration) -> None:
    registration.dietary = []
    registration.dietary_other = ""
    registration.accessibility = ""
    registration.health_consent_at = None


def anonymise_registration(registration: Registration, now: datetime | None = None) -> None:
    if registration.anonymised_at is not None:
        return
    registration.first_name = PLACEHOLDER_NAME
    registration.last_name = ""
    registration.email = ""
    registration.email_key = _anonymous_key(registration)
    registration.phone = ""
    registration.organisation = ""
    registration.contribution = ""
    registration.submission_key = ""
    registration.show_in_participant_list = False
    registration.keep_informed = False
    clear_health_data(registration)
    registration.answers.clear()
    _dead_link(registration)
    registration.anonymised_at = now or utcnow()


def anonymise_invitee(invitee: Invitee, now: datetime | None = None) -> None:
    if invitee.anonymised_at is not None:
        return
    invitee.first_name = PLACEHOLDER_NAME
    invitee.last_name = ""
    invitee.email = ""
    invitee.email_key = _anonymous_key(invitee)
    invitee.organisation = ""
    invitee.role = ""
    invitee.decline_reason = ""
    _dead_link(invitee)
    invitee.anonymised_at = now or utcnow()


def anonymise_interest(interest: Interest, now: datetime | None = None) -> None:
    if interest.anonymised_at is not None:
        return
    interest.name = PLACEHOLDER_NAME
    interest.email = ""
    interest.email_key = _anonymous_key(interest)
    interest.organisation = ""
    interest.anonymised_at = now or utcnow()


def _anonymous_presenter() -> dict[str, str]:
    return {"name": PLACEHOLDER_NAME, "email": "", "organisation": ""}


def anonymise_proposal(proposal: Proposal, now: datetime | None = None, email_key: str | None = None) -> None:
    """All presenters, or only the one with this e-mail. Title and summary stay: they are the contribution."""
    if proposal.anonymised_at is not None:
        return
    presenters = []
    submitter_gone = email_key is None
    for position, presenter in enumerate(proposal.presenters or []):
        if email_key is None or (presenter.get("email") or "").strip().casefold() == email_key:
            presenters.append(_anonymous_presenter())
            submitter_gone = submitter_gone or position == 0
        else:
            presenters.append(presenter)
    proposal.presenters = presenters
    # The submitter (the first presenter) holds the link and reads the decision note.
    if submitter_gone:
        proposal.decision_note = ""
        _dead_link(proposal)
    if all(not presenter.get("email") for presenter in presenters):
        proposal.anonymised_at = now or utcnow()


def redact_message(message: OutboxMessage) -> None:
    message.recipient = ""
    message.body_text = ""
    message.body_html = None
    message.attachments = []
    message.headers = {}
    message.last_error = ""


def messages_to(email_key: str, event_ids: list[int] | None = None):
    """Query: the messages addressed to this person (on these events), not yet redacted."""
    query = select(OutboxMessage).where(func.lower(OutboxMessage.recipient) == email_key.lower())
    if event_ids is not None:
        query = query.where(OutboxMessage.event_id.in_(event_ids))
    return query


def erase_messages_to(email_key: str, event_ids: list[int] | None = None) -> int:
    """Redact what was sent to the person; drop what is still queued for them (it must not go out now)."""
    count = 0
    for message in db.session.scalars(messages_to(email_key, event_ids)):
        if message.status == OutboxStatus.QUEUED:
            db.session.delete(message)
        elif message.status in DELIVERED:
            redact_message(message)
        else:
            continue
        count += 1
    return count
