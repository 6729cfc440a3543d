"""Retention: each host's rule (anonymise N days after an event, or keep), an event's override, and
the purge that applies them (`flask --app app privacy purge`, safe to run daily).

Health data (dietary and accessibility needs) is cleared a few days after every event whatever the
rule. Anonymising keeps what statistics count (see forum.privacy.anonymise), so an event's
statistics are the same before and after.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from forum.checkin.models import CheckIn
from forum.db import utcnow
from forum.events.models import Event, Organisation, RetentionPolicy
from forum.extensions import db
from forum.invitations.models import ImportBatch, Invitee
from forum.mail.models import OutboxMessage
from forum.privacy import anonymise, audit, notices
from forum.programme.models import Proposal
from forum.registration.models import Interest, Registration

# An uploaded invitee list waits this long for the organiser's confirmation, then it goes.
IMPORT_LIFETIME = timedelta(hours=24)
# The organisers are told this long before anonymisation, so that they can take the archive export.
NOTICE_AHEAD = timedelta(days=14)
MAX_DAYS = 3650
MAX_HEALTH_DAYS = 90

PURGED = "privacy.purged"
RETENTION_CHANGED = "privacy.retention_changed"
HOST_RETENTION_CHANGED = "privacy.host_retention_changed"
audit.register_labels(
    {
        PURGED: _l("Personuppgifter gallrade"),
        RETENTION_CHANGED: _l("Lagringsregel ändrad"),
        HOST_RETENTION_CHANGED: _l("Värdorganisationens lagringsregel ändrad"),
    }
)


class Invalid(Exception):
    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class Rule:
    """The rule that applies to one event, with its dates."""

    policy: RetentionPolicy
    days: int
    health_days: int
    # True when the event has no override of its own.
    inherited: bool
    health_clear_on: datetime
    # None when the rule is to keep.
    anonymise_on: datetime | None

    @property
    def keeps(self) -> bool:
        return self.policy == RetentionPolicy.KEEP


def rule_for(event: Event) -> Rule:
    host = event.organisation
    policy = event.retention_policy or host.retention_policy or RetentionPolicy.ANONYMISE
    days = event.retention_days if event.retention_days is not None else host.retention_days
    health_days = host.health_data_days
    health_clear_on = event.ends_at + timedelta(days=health_days)
    anonymise_on = None
    if policy == RetentionPolicy.ANONYMISE:
        anonymise_on = event.ends_at + timedelta(days=days)
    return Rule(
        policy=policy,
        days=days,
        health_days=health_days,
        inherited=event.retention_policy is None and event.retention_days is None,
        health_clear_on=health_clear_on,
        anonymise_on=anonymise_on,
    )


# --- settings ------------------------------------------------------------------------------------


def _days(value: Any, field_name: str, maximum: int, errors: dict[str, Any]) -> int | None:
    if value is None or value == "":
        return None
    try:
        days = int(value)
    except (TypeError, ValueError):
        errors[field_name] = _l("Ange ett antal dagar.")
        return None
    if not 0 <= days <= maximum:
        errors[field_name] = _l("Ange ett antal dagar mellan 0 och %(max)s.", max=maximum)
        return None
    return days


def set_host_rule(host: Organisation, *, policy: RetentionPolicy, days: Any, health_days: Any, by) -> None:
    errors: dict[str, Any] = {}
    clean_days = _days(days, "retention_days", MAX_DAYS, errors)
    clean_health = _days(health_days, "health_data_days", MAX_HEALTH_DAYS, errors)
    if policy == RetentionPolicy.ANONYMISE and clean_days is None and "retention_days" not in errors:
        errors["retention_days"] = _l("Ange efter hur många dagar uppgifterna anonymiseras.")
    if clean_health is None and "health_data_days" not in errors:
        errors["health_data_days"] = _l("Ange efter hur många dagar uppgifter om hälsa raderas.")
    if errors:
        raise Invalid(errors)
    host.retention_policy = policy
    if clean_days is not None:
        host.retention_days = clean_days
    host.health_data_days = clean_health
    audit.record(
        HOST_RETENTION_CHANGED,
        user=by,
        target=host,
        policy=policy,
        days=host.retention_days,
        health_days=host.health_data_days,
    )
    db.session.flush()


def set_event_rule(event: Event, *, policy: RetentionPolicy | None, days: Any, by) -> None:
    """policy None: follow the host. Days empty: the host's number of days."""
    errors: dict[str, Any] = {}
    clean_days = _days(days, "retention_days", MAX_DAYS, errors)
    if errors:
        raise Invalid(errors)
    event.retention_policy = policy
    event.retention_days = clean_days if policy != RetentionPolicy.KEEP else None
    audit.record(RETENTION_CHANGED, user=by, event=event, target=event, policy=policy, days=event.retention_days)
    db.session.flush()


# --- what an event still holds -------------------------------------------------------------------


def _count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def _registrations(event: Event):
    return select(Registration).where(Registration.event_id == event.id, Registration.anonymised_at.is_(None))


def _health(event: Event):
    return select(Registration).where(Registration.event_id == event.id, anonymise.has_health_data())


def _invitees(event: Event):
    return select(Invitee).where(Invitee.event_id == event.id, Invitee.anonymised_at.is_(None))


def _interests(event: Event):
    return select(Interest).where(Interest.event_id == event.id, Interest.anonymised_at.is_(None))


def _proposals(event: Event):
    return select(Proposal).where(Proposal.event_id == event.id, Proposal.anonymised_at.is_(None))


def _messages(event: Event):
    return select(OutboxMessage).where(
        OutboxMessage.event_id == event.id,
        OutboxMessage.recipient != "",
        OutboxMessage.status.in_(anonymise.DELIVERED),
    )


@dataclass
class Holdings:
    """How many records of an event still hold personal data."""

    registrations: int = 0
    health: int = 0
    invitees: int = 0
    interests: int = 0
    proposals: int = 0
    messages: int = 0

    @property
    def total(self) -> int:
        return self.registrations + self.invitees + self.interests + self.proposals + self.messages


def holdings(event: Event) -> Holdings:
    return Holdings(
        registrations=_count(_registrations(event)),
        health=_count(_health(event)),
        invitees=_count(_invitees(event)),
        interests=_count(_interests(event)),
        proposals=_count(_proposals(event)),
        messages=_count(_messages(event)),
    )


@dataclass
class HostEvent:
    event: Event
    rule: Rule
    holdings: Holdings


def host_overview(host: Organisation) -> list[HostEvent]:
    """The host's events that still hold personal data, with the dates it goes; soonest first."""
    events = db.session.scalars(select(Event).where(Event.organisation_id == host.id).order_by(Event.ends_at))
    rows = []
    for event in events:
        held = holdings(event)
        if held.total or held.health:
            rows.append(HostEvent(event, rule_for(event), held))
    return rows


# --- the purge -----------------------------------------------------------------------------------


@dataclass
class EventPurge:
    """What the purge did (or, in a dry run, would do) to one event."""

    event: Event
    rule: Rule
    health_cleared: int = 0
    registrations: int = 0
    invitees: int = 0
    interests: int = 0
    proposals: int = 0
    messages: int = 0
    imports: int = 0
    # E-mails to the organisers announcing the anonymisation (NOTICE_AHEAD).
    notices: int = 0
    # Check-in rows stay (they link to the anonymised registration and hold nothing else personal).
    checkins_kept: int = 0
    extra: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(
            self.health_cleared
            or self.registrations
            or self.invitees
            or self.interests
            or self.proposals
            or self.messages
            or self.imports
            or self.notices
        )

    def counts(self) -> dict[str, int]:
        return {
            "health_cleared": self.health_cleared,
            "registrations": self.registrations,
            "invitees": self.invitees,
            "interests": self.interests,
            "proposals": self.proposals,
            "messages": self.messages,
            "imports": self.imports,
            "notices": self.notices,
            "checkins_kept": self.checkins_kept,
        }


def purge_event(event: Event, *, now: datetime | None = None, dry_run: bool = False) -> EventPurge:
    now = now or utcnow()
    rule = rule_for(event)
    result = EventPurge(event=event, rule=rule)

    expired_imports = list(
        db.session.scalars(
            select(ImportBatch).where(ImportBatch.event_id == event.id, ImportBatch.created_at < now - IMPORT_LIFETIME)
        )
    )
    result.imports = len(expired_imports)

    anonymising = rule.anonymise_on is not None and now >= rule.anonymise_on
    announce = (
        rule.anonymise_on is not None
        and rule.anonymise_on - NOTICE_AHEAD <= now < rule.anonymise_on
        and event.retention_notice_sent_at is None
        and holdings(event).total > 0
    )
    if announce:
        if dry_run:
            result.notices = len(notices.recipients(event))
        else:
            result.notices = notices.send_retention_notice(event, rule)
            event.retention_notice_sent_at = now
    if now >= rule.health_clear_on and not anonymising:
        health = list(db.session.scalars(_health(event)))
        result.health_cleared = len(health)
        if not dry_run:
            for registration in health:
                anonymise.clear_health_data(registration)

    if anonymising:
        registrations = list(db.session.scalars(_registrations(event).options(selectinload(Registration.answers))))
        invitees = list(db.session.scalars(_invitees(event)))
        interests = list(db.session.scalars(_interests(event)))
        proposals = list(db.session.scalars(_proposals(event)))
        messages = list(db.session.scalars(_messages(event)))
        result.health_cleared = _count(_health(event))
        result.registrations = len(registrations)
        result.invitees = len(invitees)
        result.interests = len(interests)
        result.proposals = len(proposals)
        result.messages = len(messages)
        result.checkins_kept = _count(select(CheckIn).where(CheckIn.event_id == event.id))
        if not dry_run:
            for registration in registrations:
                anonymise.anonymise_registration(registration, now)
            for invitee in invitees:
                anonymise.anonymise_invitee(invitee, now)
            for interest in interests:
                anonymise.anonymise_interest(interest, now)
            for proposal in proposals:
                anonymise.anonymise_proposal(proposal, now)
            for message in messages:
                anonymise.redact_message(message)

    if dry_run or not result.changed:
        return result
    for batch in expired_imports:
        db.session.delete(batch)
    if result.health_cleared and event.health_data_cleared_at is None:
        event.health_data_cleared_at = now
    if anonymising and event.anonymised_at is None:
        event.anonymised_at = now
        event.health_data_cleared_at = event.health_data_cleared_at or now
    audit.record(PURGED, event=event, target=event, **result.counts())
    db.session.flush()
    return result


def purge(*, now: datetime | None = None, dry_run: bool = False) -> list[EventPurge]:
    """Apply every event's rule. Each event is committed on its own, so an interrupted run keeps what
    it finished and the next run carries on. A dry run changes nothing."""
    now = now or utcnow()
    event_ids = list(db.session.scalars(select(Event.id).where(Event.ends_at < now).order_by(Event.ends_at)))
    # Uploads wait 24 hours whatever the event's date.
    event_ids += [
        event_id
        for event_id in db.session.scalars(
            select(ImportBatch.event_id).where(ImportBatch.created_at < now - IMPORT_LIFETIME).distinct()
        )
        if event_id not in event_ids
    ]
    results = []
    for event_id in event_ids:
        event = db.session.get(Event, event_id)
        result = purge_event(event, now=now, dry_run=dry_run)
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
        if result.changed:
            results.append(result)
    return results
