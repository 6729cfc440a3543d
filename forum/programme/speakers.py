"""Speakers of an event: adding, editing and removing them (organisers), their invitation by e-mail
with the personal link /s/<token> (forum.tokens, purpose "speaker"), and the bio they edit themselves.

The services flush; the caller commits. Changes are audited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from forum import tokens
from forum.db import utcnow
from forum.events.models import Event
from forum.extensions import db
from forum.i18n import DEFAULT_LANGUAGE, LANGUAGES, format_when
from forum.mail.services import enqueue
from forum.privacy import audit
from forum.programme.models import Appearance, ProgrammeItem, Speaker
from forum.urls import external_url

PURPOSE = "speaker"
INVITATION = "speaker.invitation"
NAME_LENGTH = 200
TITLE_LENGTH = 200
ORGANISATION_LENGTH = 200
EMAIL_LENGTH = 254
BIO_LENGTH = 5_000

audit.register_labels(
    {
        "speaker.added": _l("En talare lades till"),
        "speaker.updated": _l("En talare ändrades"),
        "speaker.removed": _l("En talare togs bort"),
        "speaker.invited": _l("En talare bjöds in"),
        "speaker.bio_updated": _l("En talare ändrade sin presentation"),
    }
)


class Refused(Exception):
    """The change cannot be made; errors maps a form field to a translated message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class SpeakerData:
    """A speaker's details, already checked by the form."""

    name: str
    email: str
    title: str = ""
    organisation: str = ""
    bio: str = ""
    language: str = DEFAULT_LANGUAGE


def email_key(email: str) -> str:
    return email.strip().casefold()


def speakers(event: Event) -> list[Speaker]:
    return list(
        db.session.scalars(select(Speaker).where(Speaker.event_id == event.id).order_by(Speaker.name, Speaker.id))
    )


def find(event: Event, speaker_id: int) -> Speaker | None:
    speaker = db.session.get(Speaker, speaker_id)
    return speaker if speaker is not None and speaker.event_id == event.id else None


def _taken(event: Event, key: str, but: Speaker | None = None) -> bool:
    query = select(Speaker.id).where(Speaker.event_id == event.id, Speaker.email_key == key)
    if but is not None:
        query = query.where(Speaker.id != but.id)
    return db.session.scalar(query) is not None


def _apply(speaker: Speaker, data: SpeakerData) -> None:
    speaker.name = data.name.strip()
    speaker.title = data.title.strip()
    speaker.organisation = data.organisation.strip()
    speaker.bio = data.bio.strip()
    speaker.email = data.email.strip()
    speaker.email_key = email_key(data.email)
    speaker.language = data.language if data.language in LANGUAGES else DEFAULT_LANGUAGE


def _check(event: Event, data: SpeakerData, but: Speaker | None = None) -> None:
    if len(data.bio.strip()) > BIO_LENGTH:
        raise Refused({"bio": _("Får vara högst %(max)d tecken.", max=BIO_LENGTH)})
    if _taken(event, email_key(data.email), but):
        raise Refused({"email": _("Det finns redan en talare med den e-postadressen.")})


def add_speaker(event: Event, data: SpeakerData, *, by=None) -> Speaker:
    _check(event, data)
    speaker = Speaker(event_id=event.id)
    _apply(speaker, data)
    tokens.assign(PURPOSE, speaker)
    db.session.add(speaker)
    db.session.flush()
    audit.record("speaker.added", user=by, event=event, target=speaker)
    return speaker


def update_speaker(speaker: Speaker, data: SpeakerData, *, by=None) -> None:
    _check(speaker.event, data, but=speaker)
    _apply(speaker, data)
    db.session.flush()
    audit.record("speaker.updated", user=by, event=speaker.event, target=speaker)


def remove_speaker(speaker: Speaker, *, by=None) -> None:
    from forum.programme import photos

    audit.record("speaker.removed", user=by, event=speaker.event, target=speaker)
    photos.remove(speaker.photo)
    db.session.delete(speaker)
    db.session.flush()


def update_bio(speaker: Speaker, bio: str) -> None:
    """The speaker's own edit of their presentation (Markdown, rendered safely)."""
    bio = (bio or "").strip()
    if len(bio) > BIO_LENGTH:
        raise Refused({"bio": _("Får vara högst %(max)d tecken.", max=BIO_LENGTH)})
    speaker.bio = bio
    db.session.flush()
    audit.record("speaker.bio_updated", event=speaker.event, target=speaker)


# --- links -------------------------------------------------------------------------------------


def find_by_token(token: str) -> Speaker | None:
    if not tokens.plausible(token):
        return None
    return db.session.scalar(select(Speaker).where(Speaker.token_hash == tokens.hash_token(token)))


def token_for(speaker: Speaker) -> str:
    return tokens.token_for(PURPOSE, speaker)


def speaker_url(speaker: Speaker, endpoint: str = "speakers.page") -> str:
    return external_url(endpoint, token=token_for(speaker))


def webcal_url(speaker: Speaker) -> str:
    """The schedule as a subscription: the .ics address with webcal:// in place of http(s)://."""
    return re.sub(r"^https?://", "webcal://", speaker_url(speaker, "speakers.schedule_ics"))


# --- the programme -----------------------------------------------------------------------------


def items_of(speaker: Speaker) -> list[ProgrammeItem]:
    """The speaker's programme items in time order."""
    return list(
        db.session.scalars(
            select(ProgrammeItem)
            .join(Appearance, Appearance.programme_item_id == ProgrammeItem.id)
            .where(Appearance.speaker_id == speaker.id)
            .order_by(ProgrammeItem.starts_at, ProgrammeItem.id)
        )
    )


def programme(event: Event) -> list[ProgrammeItem]:
    return list(
        db.session.scalars(
            select(ProgrammeItem)
            .where(ProgrammeItem.event_id == event.id)
            .order_by(ProgrammeItem.starts_at, ProgrammeItem.id)
        )
    )


# --- the invitation ----------------------------------------------------------------------------


def invite(speaker: Speaker, *, by=None):
    """Queue the invitation with the personal link, in the speaker's language; returns the OutboxMessage."""
    event = speaker.event
    language = speaker.language if speaker.language in LANGUAGES else DEFAULT_LANGUAGE
    with force_locale(language):
        subject = " ".join(_("Du är talare på %(title)s", title=event.title).split())
        context = {
            "subject": subject,
            "speaker": speaker,
            "event": event,
            "link": speaker_url(speaker),
            "items": [(item, format_when(item.starts_at, item.ends_at, event.timezone)) for item in items_of(speaker)],
            "contact": event.contact_email or (event.organisation.contact_email if event.organisation else ""),
        }
        body_text = render_template("emails/programme/speaker_invitation.txt", **context)
        body_html = render_template("emails/programme/speaker_invitation.html", **context)
    message = enqueue(
        recipient=speaker.email,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        event=event,
        purpose=INVITATION,
    )
    speaker.invited_at = utcnow()
    db.session.flush()
    audit.record("speaker.invited", user=by, event=event, target=speaker)
    return message
