"""Messages from the organisers to a group of an event's people: practical information before the
day, a change after it, news of the network's work.

A message goes to a segment. Segments come from providers registered with @segment_provider: each
provider gives, for an event, the segments it knows of (the registration statuses, one per workshop,
those who asked to be kept informed); the speakers and check-in modules add theirs the same way.
A segment counts its recipients in SQL and lists them (e-mail and first name) when sending.

The text is the organiser's, in one language for all; each recipient's copy greets them by first
name. Sending writes one outbox row per recipient and the audit entry "message.sent" (subject,
segment, recipient count, the text) in one transaction: the log keeps every message sent.
Messages to those who asked to be kept informed (network news) carry List-Unsubscribe with
one-click unsubscription (RFC 8058) at /r/<token>/unsubscribe.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.utils import make_msgid

from flask import current_app, g, has_request_context, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, insert, select
from sqlalchemy.sql import Select

from forum.db import utcnow
from forum.events.models import Event
from forum.extensions import db
from forum.i18n import DEFAULT_LANGUAGE, LANGUAGES
from forum.mail.models import OutboxMessage, OutboxStatus
from forum.mail.services import INLINE_QUEUE, _message_id_domain
from forum.pagination import Page, paginate
from forum.privacy import audit
from forum.privacy.models import AuditLog
from forum.programme.models import Appearance, ProgrammeItem, ProgrammeItemStatus, Speaker
from forum.registration import links
from forum.registration.models import Registration, RegistrationStatus, SignupStatus, WorkshopSignup
from forum.registration.services import lock_event
from forum.urls import external_url

SUBJECT_LENGTH = 200
BODY_LENGTH = 10_000
PURPOSE = "message"
SENT = "message.sent"
UNSUBSCRIBED = "registration.unsubscribed"
ONE_CLICK = "List-Unsubscribe=One-Click"
LOG_PAGE_SIZE = 20
# In place of a personal token in the organiser's preview.
LINK_STAND_IN = "…"


class Refused(Exception):
    """The message cannot be sent; errors maps a form field (or "") to a translated message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class Recipient:
    email: str
    first_name: str
    # The registration behind the address, for its unsubscribe link (network news).
    registration: Registration | None = None


@dataclass(frozen=True)
class Segment:
    """A group of recipients. key is stable (it goes into forms and the log); label is shown."""

    key: str
    label: str
    count: Callable[[], int]
    recipients: Callable[[], list[Recipient]]
    # Network news, which the recipient can unsubscribe from: List-Unsubscribe and a footer link.
    unsubscribable: bool = False


@dataclass(frozen=True)
class Draft:
    subject: str
    body: str
    # The language of the greeting and footer around the organiser's text.
    language: str = DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Rendered:
    recipient: str
    subject: str
    body_text: str
    body_html: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Preview:
    segment: Segment
    count: int
    # One recipient's copy, as it will be sent; None when the segment is empty.
    sample: Rendered | None


# --- the segment registry ---------------------------------------------------------------------

SegmentProvider = Callable[[Event], Iterable[Segment]]
_providers: list[SegmentProvider] = []


def segment_provider(provider: SegmentProvider) -> SegmentProvider:
    """Register a function that gives an event's segments (in the order they are offered)."""
    _providers.append(provider)
    return provider


def segments(event: Event) -> list[Segment]:
    return [segment for provider in _providers for segment in provider(event)]


def find_segment(event: Event, key: str) -> Segment | None:
    return next((segment for segment in segments(event) if segment.key == key), None)


def registration_segment(key: str, label: str, query: Select, *, unsubscribable: bool = False) -> Segment:
    """A segment of registrations: query selects Registration rows (one per person)."""
    ordered = query.order_by(Registration.last_name, Registration.first_name, Registration.id)

    def count() -> int:
        return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0

    def recipients() -> list[Recipient]:
        return [
            Recipient(registration.email, registration.first_name, registration)
            for registration in db.session.scalars(ordered)
        ]

    return Segment(key, label, count, recipients, unsubscribable)


@segment_provider
def _by_status(event: Event) -> Iterable[Segment]:
    for status, label in (
        (RegistrationStatus.CONFIRMED, _("Alla bekräftade")),
        (RegistrationStatus.WAITING, _("Väntelistan")),
        (RegistrationStatus.PENDING, _("Väntar på godkännande")),
    ):
        yield registration_segment(
            status.value,
            label,
            select(Registration).where(Registration.event_id == event.id, Registration.status == status),
        )


@segment_provider
def _by_workshop(event: Event) -> Iterable[Segment]:
    """The confirmed participants with a seat in each item that needs sign-up (cancelled ones too: they must know)."""
    items = db.session.scalars(
        select(ProgrammeItem)
        .where(ProgrammeItem.event_id == event.id, ProgrammeItem.requires_signup.is_(True))
        .order_by(ProgrammeItem.starts_at, ProgrammeItem.id)
    )
    for item in items:
        label = _("Deltagare i %(title)s", title=item.title)
        if item.status == ProgrammeItemStatus.CANCELLED:
            label = _("%(label)s (inställt)", label=label)
        yield registration_segment(
            f"workshop-{item.id}",
            label,
            select(Registration)
            .join(WorkshopSignup, WorkshopSignup.registration_id == Registration.id)
            .where(
                WorkshopSignup.programme_item_id == item.id,
                WorkshopSignup.status == SignupStatus.CONFIRMED,
                Registration.status == RegistrationStatus.CONFIRMED,
            ),
        )


@segment_provider
def _keep_informed(event: Event) -> Iterable[Segment]:
    """Those who asked to be kept informed of the network's work, whatever became of their registration.

    A person who registered more than once (cancelled, then registered again) is asked by their
    latest registration, so that unsubscribing through it holds.
    """
    latest = select(func.max(Registration.id)).where(Registration.event_id == event.id).group_by(Registration.email_key)
    yield registration_segment(
        "keep_informed",
        _("De som vill hållas informerade om nätverkets arbete"),
        select(Registration).where(Registration.id.in_(latest), Registration.keep_informed.is_(True)),
        unsubscribable=True,
    )


@segment_provider
def _speakers(event: Event) -> Iterable[Segment]:
    """The speakers of the event's programme items (forum.programme.speakers), once there are any."""
    query = (
        select(Speaker)
        .where(
            Speaker.event_id == event.id,
            Speaker.id.in_(
                select(Appearance.speaker_id)
                .join(ProgrammeItem, ProgrammeItem.id == Appearance.programme_item_id)
                .where(ProgrammeItem.event_id == event.id)
            ),
        )
        .order_by(Speaker.name, Speaker.id)
    )

    def count() -> int:
        return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0

    def recipients() -> list[Recipient]:
        return [Recipient(speaker.email, (speaker.name.split() or [""])[0]) for speaker in db.session.scalars(query)]

    if count():  # offered once the programme has speakers
        yield Segment("speakers", _("Talarna"), count, recipients)


# --- composing ---------------------------------------------------------------------------------


def clean(draft: Draft) -> Draft:
    """The subject on one line, the body with plain line ends and no trailing space."""
    subject = " ".join(draft.subject.split())
    body = draft.body.replace("\r\n", "\n").replace("\r", "\n")
    body = "\n".join(line.rstrip() for line in body.split("\n")).strip("\n")
    language = draft.language if draft.language in LANGUAGES else DEFAULT_LANGUAGE
    return Draft(subject, body, language)


def check(event: Event, segment_key: str, draft: Draft) -> tuple[Segment | None, dict[str, str]]:
    """The segment, and what is wrong with the message, by form field."""
    problems = {}
    segment = find_segment(event, segment_key)
    if segment is None:
        problems["segment"] = _("Välj vilka som ska få meddelandet.")
    if not draft.subject:
        problems["subject"] = _("Skriv en ämnesrad.")
    elif len(draft.subject) > SUBJECT_LENGTH:
        problems["subject"] = _("Får vara högst %(max)d tecken.", max=SUBJECT_LENGTH)
    if not draft.body.strip():
        problems["body"] = _("Skriv meddelandet.")
    elif len(draft.body) > BODY_LENGTH:
        problems["body"] = _("Får vara högst %(max)d tecken.", max=BODY_LENGTH)
    return segment, problems


def render(event: Event, segment: Segment, draft: Draft, recipient: Recipient, frame: dict | None = None) -> Rendered:
    """One recipient's copy: greeting by first name, the organiser's text, the event as footer.

    frame: what is the same in every copy (from _frame); made here when not given.
    """
    frame = frame if frame is not None else _frame(event, draft)
    unsubscribe_url = ""
    if segment.unsubscribable and recipient.registration is not None:
        unsubscribe_url = external_url("mail_unsubscribe.unsubscribe", token=links.token_for(recipient.registration))
    context = {**frame, "first_name": recipient.first_name.strip(), "unsubscribe_url": unsubscribe_url}
    with force_locale(draft.language):
        body_text = render_template("emails/message.txt", **context)
        body_html = render_template("emails/message.html", **context)
    headers = {}
    if unsubscribe_url:
        headers = {"List-Unsubscribe": f"<{unsubscribe_url}>", "List-Unsubscribe-Post": ONE_CLICK}
    return Rendered(recipient.email, draft.subject, body_text.strip("\n") + "\n", body_html, headers)


def _frame(event: Event, draft: Draft) -> dict:
    return {
        "subject": draft.subject,
        "paragraphs": _paragraphs(draft.body),
        "body": draft.body,
        "event": event,
        "event_link": external_url("events.event_page", slug=event.slug),
        "contact": event.contact_email or (event.organisation.contact_email if event.organisation else ""),
    }


def preview(event: Event, segment: Segment, draft: Draft) -> Preview:
    """How many will get the message, and the first recipient's copy.

    The recipient's personal token (in the unsubscribe link) is masked: it would let whoever
    sees the preview act as that person.
    """
    count = segment.count()
    sample = None
    first = segment.recipients()[:1] if count else []
    if first:
        sample = render(event, segment, draft, first[0])
        if first[0].registration is not None:
            token = links.token_for(first[0].registration)
            sample = Rendered(
                sample.recipient,
                sample.subject,
                sample.body_text.replace(token, LINK_STAND_IN),
                sample.body_html.replace(token, LINK_STAND_IN),
                {name: value.replace(token, LINK_STAND_IN) for name, value in sample.headers.items()},
            )
    return Preview(segment, count, sample)


# --- sending -----------------------------------------------------------------------------------


def send(event: Event, segment_key: str, draft: Draft, *, by, submission: str = "") -> int:
    """Queue one message per recipient and log it, in one transaction (committed); returns the count.

    submission is the compose form's one-time key: the same form sent twice (a double click)
    sends once (the same text to the same group). Raises Refused for an unknown segment, a bad
    message, an empty segment or a repeat.
    """
    draft = clean(draft)
    segment, problems = check(event, segment_key, draft)
    if problems:
        raise Refused(problems)
    lock_event(event)  # two sends of one form queue behind each other; the second finds the first
    if submission and _already_sent(event, submission, segment, draft):
        db.session.rollback()
        raise Refused({"": _("Meddelandet är redan skickat.")})
    recipients = segment.recipients()
    if not recipients:
        db.session.rollback()
        raise Refused({"segment": _("Gruppen har inga mottagare.")})

    now = utcnow()
    domain = _message_id_domain()
    frame = _frame(event, draft)
    rows = []
    for recipient in recipients:
        copy = render(event, segment, draft, recipient, frame)
        rows.append(
            {
                "recipient": copy.recipient,
                "subject": copy.subject,
                "body_text": copy.body_text,
                "body_html": copy.body_html,
                "headers": copy.headers,
                "attachments": [],
                "message_id": make_msgid(domain=domain),
                "event_id": event.id,
                "purpose": PURPOSE,
                "status": OutboxStatus.QUEUED,
                "attempts": 0,
                "next_attempt_at": now,
                "last_error": "",
                "created_at": now,
            }
        )
    # One multi-row INSERT (in batches) rather than an ORM object per message.
    db.session.execute(insert(OutboxMessage), rows)
    audit.record(
        SENT,
        user=by,
        event=event,
        subject=draft.subject,
        segment=segment.label,
        recipients=len(rows),
        language=draft.language,
        body=draft.body,
        segment_key=segment.key,
        submission=submission,
    )
    db.session.commit()
    if has_request_context() and current_app.config.get("FORUM_MAIL_INLINE"):
        g.setdefault(INLINE_QUEUE, []).extend(row["message_id"] for row in rows)  # development inline delivery
    return len(rows)


def _already_sent(event: Event, submission: str, segment: Segment, draft: Draft) -> bool:
    """Was this message sent from this form already? (The same key with another text is a new message:
    a form brought back with the browser's back button keeps its key.)"""
    entries = db.session.scalars(
        select(AuditLog).where(
            AuditLog.event_id == event.id,
            AuditLog.action == SENT,
            AuditLog.details["submission"].as_string() == submission,
        )
    )
    return any(
        (entry.details.get("segment_key"), entry.details.get("subject"), entry.details.get("body"))
        == (segment.key, draft.subject, draft.body)
        for entry in entries
    )


def sent_messages(event: Event, page: int = 1) -> Page:
    """The event's messages, newest first, from its log."""
    query = select(AuditLog).where(AuditLog.event_id == event.id, AuditLog.action == SENT).order_by(AuditLog.id.desc())
    return paginate(query, page, LOG_PAGE_SIZE)


# --- unsubscribing -----------------------------------------------------------------------------


def unsubscribe(registration: Registration) -> bool:
    """No more news of the network's work for this registration (committed); False if it had none."""
    if not registration.keep_informed:
        return False
    registration.keep_informed = False
    audit.record(UNSUBSCRIBED, event=registration.event, target=registration)
    db.session.commit()
    return True


def _paragraphs(body: str) -> list[list[str]]:
    """The text's paragraphs (split at blank lines), each a list of its lines."""
    paragraphs, current = [], []
    for line in body.split("\n"):
        if line.strip():
            current.append(line)
        elif current:
            paragraphs.append(current)
            current = []
    if current:
        paragraphs.append(current)
    return paragraphs
