"""Right of access (GDPR art. 15): everything held about the holder of a personal link, as JSON.

The link identifies one registration; the download holds that registration and what the event
holds under the same e-mail address (the invitation, an interest sign-up, proposals, e-mail sent),
and nothing about anyone else.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from forum.badges.models import BadgeCode
from forum.checkin.models import CheckIn
from forum.db import utcnow
from forum.extensions import db
from forum.invitations.models import Invitee
from forum.mail.models import OutboxMessage
from forum.programme.models import Proposal
from forum.registration import municipalities
from forum.registration.models import Interest, Registration


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def registration_facts(registration: Registration) -> dict[str, Any]:
    """What a registration says about its person, as plain values: the core of both the person's own
    data download and the organisers' archive export (forum.privacy.archive)."""
    return {
        "status": registration.status.value,
        "first_name": registration.first_name,
        "last_name": registration.last_name,
        "email": registration.email,
        "phone": registration.phone,
        "organisation": registration.organisation,
        "organisation_type": registration.organisation_type.value if registration.organisation_type else None,
        "focus_areas": [area.name for area in registration.focus_areas],
        "workshops": [
            {"title": signup.programme_item.title, "status": signup.status.value} for signup in registration.signups
        ],
        "contribution": registration.contribution,
        "language": registration.language,
        "source": registration.source.value,
    }


def _registration(registration: Registration) -> dict[str, Any]:
    municipality = municipalities.by_code(registration.municipality_code)
    return {
        **registration_facts(registration),
        "municipality": {"code": registration.municipality_code, "name": municipality.name if municipality else ""},
        "answers": [{"question": answer.question.label, "answer": answer.value} for answer in registration.answers],
        "consents": {
            "privacy_notice_at": _iso(registration.privacy_consent_at),
            "show_in_participant_list": registration.show_in_participant_list,
            "keep_informed": registration.keep_informed,
            "health_data_at": _iso(registration.health_consent_at),
        },
        "health_data": {
            "dietary": list(registration.dietary or []),
            "dietary_other": registration.dietary_other,
            "accessibility": registration.accessibility,
        },
        "created_at": _iso(registration.created_at),
        "updated_at": _iso(registration.updated_at),
        "confirmed_at": _iso(registration.confirmed_at),
        "cancelled_at": _iso(registration.cancelled_at),
        "waiting_list_since": _iso(registration.queued_at),
    }


def personal_data(registration: Registration) -> dict[str, Any]:
    event = registration.event
    key = registration.email_key
    invitee = db.session.scalar(
        select(Invitee).where(
            Invitee.event_id == event.id,
            (Invitee.registration_id == registration.id) | (Invitee.email_key == key),
        )
    )
    interest = db.session.scalar(select(Interest).where(Interest.event_id == event.id, Interest.email_key == key))
    proposals = [
        proposal
        for proposal in db.session.scalars(select(Proposal).where(Proposal.event_id == event.id))
        if any((p.get("email") or "").strip().casefold() == key for p in proposal.presenters or [])
    ]
    checkins = db.session.scalars(
        select(CheckIn).where(CheckIn.registration_id == registration.id).order_by(CheckIn.scanned_at)
    )
    badges = db.session.scalars(select(BadgeCode).where(BadgeCode.registration_id == registration.id))
    messages = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.event_id == event.id, func.lower(OutboxMessage.recipient) == key.lower())
        .order_by(OutboxMessage.created_at)
    )
    return {
        "about": "All personal data Forum holds about you for this event.",
        "exported_at": _iso(utcnow()),
        "controller": {"name": event.organisation.name, "email": event.organisation.contact_email},
        "event": {"title": event.title, "slug": event.slug, "starts_at": _iso(event.starts_at)},
        "registration": _registration(registration),
        "invitation": (
            {
                "first_name": invitee.first_name,
                "last_name": invitee.last_name,
                "email": invitee.email,
                "organisation": invitee.organisation,
                "role": invitee.role,
                "language": invitee.language,
                "invited_at": _iso(invitee.invited_at),
                "reminders_sent": invitee.reminders_sent,
                "opened_at": _iso(invitee.opened_at),
                "declined_at": _iso(invitee.declined_at),
                "decline_reason": invitee.decline_reason,
            }
            if invitee
            else None
        ),
        "interest": (
            {
                "name": interest.name,
                "email": interest.email,
                "organisation": interest.organisation,
                "kinds": list(interest.kinds or []),
                "created_at": _iso(interest.created_at),
            }
            if interest
            else None
        ),
        "proposals": [
            {
                "title": proposal.title,
                "summary": proposal.summary,
                "status": proposal.status.value,
                "presenters": [p for p in proposal.presenters if (p.get("email") or "").strip().casefold() == key],
                "created_at": _iso(proposal.created_at),
            }
            for proposal in proposals
        ],
        "check_ins": [
            {"result": checkin.result, "entrance": checkin.entrance, "scanned_at": _iso(checkin.scanned_at)}
            for checkin in checkins
        ],
        "badges": [
            {"code": badge.code, "status": badge.status.value, "created_at": _iso(badge.created_at)} for badge in badges
        ],
        "emails": [
            {
                "subject": message.subject,
                "status": message.status.value,
                "created_at": _iso(message.created_at),
                "sent_at": _iso(message.sent_at),
            }
            for message in messages
        ],
    }


def to_json(registration: Registration) -> bytes:
    return json.dumps(personal_data(registration), ensure_ascii=False, indent=2).encode()
