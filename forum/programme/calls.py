"""Calls for contributions: an event opens a call, anyone submits a proposal (receipt e-mail with the
personal link /c/<token>, forum.tokens purpose "proposal"), the submitter sees, edits or withdraws it
while it is waiting, and organisers accept it (it becomes a programme item with its presenters as
speakers) or decline it, with a note to the submitter.

The services flush; the caller commits. Organiser actions and submitters' changes are audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from forum import tokens
from forum.db import count_by_status, utcnow
from forum.events.models import Event, FocusArea, Room
from forum.extensions import db
from forum.i18n import DEFAULT_LANGUAGE, LANGUAGES, event_when
from forum.mail.services import enqueue, tidy_text
from forum.privacy import audit
from forum.programme.models import (
    Appearance,
    CallStatus,
    ContributionCall,
    ProgrammeItem,
    ProgrammeItemKind,
    ProgrammeItemStatus,
    Proposal,
    ProposalFormat,
    ProposalStatus,
    Speaker,
)
from forum.urls import external_url

PURPOSE = "proposal"
TITLE_LENGTH = 200
SUMMARY_LENGTH = 5_000
NAME_LENGTH = 200
EMAIL_LENGTH = 254
ORGANISATION_LENGTH = 200
TEXT_LENGTH = 20_000
NOTE_LENGTH = 5_000
MAX_PRESENTERS = 5
# An accepted proposal's item lasts this long until the organiser moves it in the programme.
DEFAULT_DURATION = {ProgrammeItemKind.WORKSHOP: timedelta(minutes=90)}
DURATION = timedelta(minutes=45)

KIND_FOR_FORMAT = {
    ProposalFormat.TALK: ProgrammeItemKind.TALK,
    ProposalFormat.EXAMPLE: ProgrammeItemKind.TALK,
    ProposalFormat.WORKSHOP: ProgrammeItemKind.WORKSHOP,
    ProposalFormat.PANEL: ProgrammeItemKind.PANEL,
    ProposalFormat.OTHER: ProgrammeItemKind.TALK,
}

audit.register_labels(
    {
        "call.saved": _l("Inbjudan att skicka in bidrag ändrades"),
        "proposal.submitted": _l("Ett bidrag skickades in"),
        "proposal.edited": _l("Ett bidrag ändrades av den som skickade in det"),
        "proposal.withdrawn": _l("Ett bidrag återkallades"),
        "proposal.accepted": _l("Ett bidrag antogs"),
        "proposal.declined": _l("Ett bidrag avböjdes"),
    }
)


class Refused(Exception):
    """The change cannot be made; errors maps a form field (or "") to a translated message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


@dataclass
class Presenter:
    name: str
    email: str
    organisation: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "email": self.email, "organisation": self.organisation}


@dataclass
class ProposalData:
    title: str
    summary: str
    format: ProposalFormat
    focus_area_id: int | None = None
    presenters: list[Presenter] = field(default_factory=list)


# --- the call --------------------------------------------------------------------------------------


def call_for(event: Event) -> ContributionCall | None:
    return db.session.scalar(select(ContributionCall).where(ContributionCall.event_id == event.id))


def is_open(event: Event, now: datetime | None = None) -> bool:
    call = call_for(event)
    return call is not None and call_is_open(call, now)


def call_is_open(call: ContributionCall, now: datetime | None = None) -> bool:
    if call.status != CallStatus.OPEN:
        return False
    return call.closes_at is None or call.closes_at > (now or utcnow())


def save_call(event: Event, *, by, status: CallStatus, text: str, closes_at: datetime | None) -> ContributionCall:
    """Open or close the call and set its text and closing time (aware UTC, or None)."""
    call = call_for(event)
    if call is None:
        call = ContributionCall(event=event)
        db.session.add(call)
    call.status = status
    call.text = text
    call.closes_at = closes_at
    db.session.flush()
    audit.record(
        "call.saved",
        user=by,
        event=event,
        target=call,
        status=status.value,
        closes_at=closes_at.isoformat() if closes_at else "",
    )
    return call


def open_call(event: Event, *, by, text: str = "", closes_at: datetime | None = None) -> ContributionCall:
    return save_call(event, by=by, status=CallStatus.OPEN, text=text, closes_at=closes_at)


def close_call(event: Event, *, by) -> ContributionCall:
    call = call_for(event)
    return save_call(
        event,
        by=by,
        status=CallStatus.CLOSED,
        text=call.text if call else "",
        closes_at=call.closes_at if call else None,
    )


# --- proposals -------------------------------------------------------------------------------------


def find_by_token(token: str) -> Proposal | None:
    if not tokens.plausible(token):
        return None
    return db.session.scalar(select(Proposal).where(Proposal.token_hash == tokens.hash_token(token)))


def token_for(proposal: Proposal) -> str:
    return tokens.token_for(PURPOSE, proposal)


def proposal_url(proposal: Proposal) -> str:
    return external_url("calls.proposal", token=token_for(proposal))


def find(event: Event, proposal_id: int) -> Proposal | None:
    proposal = db.session.get(Proposal, proposal_id)
    return proposal if proposal is not None and proposal.event_id == event.id else None


def proposals(event: Event, status: ProposalStatus | None = None) -> list[Proposal]:
    query = select(Proposal).where(Proposal.event_id == event.id)
    if status is not None:
        query = query.where(Proposal.status == status)
    return list(db.session.scalars(query.order_by(Proposal.created_at, Proposal.id)))


def counts(event: Event) -> dict[ProposalStatus, int]:
    return count_by_status(Proposal.status, Proposal.event_id == event.id, ProposalStatus)


def submitter(proposal: Proposal) -> dict[str, str]:
    return proposal.presenters[0] if proposal.presenters else {"name": "", "email": "", "organisation": ""}


def _check(event: Event, data: ProposalData) -> None:
    errors: dict[str, str] = {}
    if not data.title.strip():
        errors["title"] = _("Fyll i fältet.")
    if data.focus_area_id is not None and db.session.get(FocusArea, data.focus_area_id) not in event.focus_areas:
        errors["focus_area"] = _("Välj ett av alternativen.")
    if not data.presenters:
        errors["name_1"] = _("Fyll i fältet.")
    if len(data.presenters) > MAX_PRESENTERS:
        errors[""] = _("Högst %(num)s medverkande.", num=MAX_PRESENTERS)
    keys = [person.email.strip().casefold() for person in data.presenters]
    if len(set(keys)) != len(keys):
        errors["email_1"] = _("Varje medverkande behöver en egen e-postadress.")
    if errors:
        raise Refused(errors)


def _apply(proposal: Proposal, data: ProposalData) -> None:
    proposal.title = " ".join(data.title.split())
    proposal.summary = data.summary.strip()
    proposal.format = data.format
    proposal.focus_area_id = data.focus_area_id
    proposal.presenters = [person.as_dict() for person in data.presenters]


def submit(event: Event, data: ProposalData, *, language: str = DEFAULT_LANGUAGE) -> tuple[Proposal, str]:
    """A new proposal to the event's open call, and its receipt; returns (proposal, token)."""
    if not is_open(event):
        raise Refused({"": _("Inbjudan att skicka in bidrag är stängd.")})
    _check(event, data)
    proposal = Proposal(event=event, language=language if language in LANGUAGES else DEFAULT_LANGUAGE)
    _apply(proposal, data)
    token = tokens.assign(PURPOSE, proposal)
    db.session.add(proposal)
    db.session.flush()
    audit.record("proposal.submitted", event=event, target=proposal)
    send_receipt(proposal)
    return proposal, token


def update(proposal: Proposal, data: ProposalData) -> bool:
    """The submitter's change while the proposal waits for review; returns whether anything changed."""
    if proposal.status != ProposalStatus.SUBMITTED:
        raise Refused({"": _("Bidraget kan inte längre ändras.")})
    _check(proposal.event, data)
    before = (proposal.title, proposal.summary, proposal.format, proposal.focus_area_id, proposal.presenters)
    _apply(proposal, data)
    after = (proposal.title, proposal.summary, proposal.format, proposal.focus_area_id, proposal.presenters)
    if before == after:
        return False
    db.session.flush()
    audit.record("proposal.edited", event=proposal.event, target=proposal)
    return True


def withdraw(proposal: Proposal) -> None:
    if proposal.status != ProposalStatus.SUBMITTED:
        raise Refused({"": _("Bidraget kan inte längre återkallas.")})
    proposal.status = ProposalStatus.WITHDRAWN
    db.session.flush()
    audit.record("proposal.withdrawn", event=proposal.event, target=proposal)


def _speaker_for(event: Event, person: dict[str, str], language: str) -> Speaker:
    key = person["email"].strip().casefold()
    speaker = db.session.scalar(select(Speaker).where(Speaker.event_id == event.id, Speaker.email_key == key))
    if speaker is None:
        speaker = Speaker(
            event=event,
            name=person["name"],
            organisation=person.get("organisation", ""),
            email=person["email"],
            email_key=key,
            language=language,
        )
        tokens.assign("speaker", speaker)
        db.session.add(speaker)
        db.session.flush()
    return speaker


def accept(
    proposal: Proposal, *, by, note: str = "", starts_at: datetime | None = None, room: Room | None = None
) -> ProgrammeItem:
    """The proposal becomes a programme item (at the event's start unless a time is given; the organiser
    moves it in the programme) with its presenters as speakers, in order; the submitter is told."""
    if proposal.status != ProposalStatus.SUBMITTED:
        raise Refused({"": _("Bidraget är redan behandlat.")})
    event = proposal.event
    if room is not None and room.event_id != event.id:
        raise Refused({"room": _("Välj ett av alternativen.")})
    kind = KIND_FOR_FORMAT.get(proposal.format, ProgrammeItemKind.TALK)
    start = starts_at or event.starts_at
    item = ProgrammeItem(
        event=event,
        title=proposal.title,
        description=proposal.summary,
        kind=kind,
        starts_at=start,
        ends_at=start + DEFAULT_DURATION.get(kind, DURATION),
        room=room,
        status=ProgrammeItemStatus.SCHEDULED,
        language=proposal.language,
        focus_areas=[proposal.focus_area] if proposal.focus_area is not None else [],
    )
    db.session.add(item)
    seen: set[int] = set()
    for person in proposal.presenters:
        speaker = _speaker_for(event, person, proposal.language)
        if speaker.id in seen:
            continue
        seen.add(speaker.id)
        item.appearances.append(Appearance(speaker=speaker, position=len(seen) - 1))
    proposal.status = ProposalStatus.ACCEPTED
    proposal.decision_note = note.strip()
    proposal.programme_item = item
    db.session.flush()
    audit.record("proposal.accepted", user=by, event=event, target=proposal, programme_item=item.id)
    send_decision(proposal)
    return item


def decline(proposal: Proposal, *, by, note: str = "") -> None:
    if proposal.status != ProposalStatus.SUBMITTED:
        raise Refused({"": _("Bidraget är redan behandlat.")})
    proposal.status = ProposalStatus.DECLINED
    proposal.decision_note = note.strip()
    db.session.flush()
    audit.record("proposal.declined", user=by, event=proposal.event, target=proposal)
    send_decision(proposal)


# --- e-mail ------------------------------------------------------------------------------------------


def send_receipt(proposal: Proposal):
    return _send(proposal, "proposal_receipt")


def send_decision(proposal: Proposal):
    return _send(proposal, "proposal_decision")


def _send(proposal: Proposal, template: str):
    event = proposal.event
    person = submitter(proposal)
    language = proposal.language if proposal.language in LANGUAGES else DEFAULT_LANGUAGE
    with force_locale(language):
        if template == "proposal_receipt":
            subject = _("Bidrag mottaget: %(title)s", title=event.title)
        elif proposal.status == ProposalStatus.ACCEPTED:
            subject = _("Ditt bidrag är antaget: %(title)s", title=event.title)
        else:
            subject = _("Besked om ditt bidrag: %(title)s", title=event.title)
        subject = " ".join(subject.split())
        context = {
            "proposal": proposal,
            "event": event,
            "name": person["name"],
            "subject": subject,
            "link": proposal_url(proposal),
            "event_link": external_url("events.event_page", slug=event.slug),
            "when": event_when(event),
            "accepted": proposal.status == ProposalStatus.ACCEPTED,
            "contact": event.contact_email or (event.organisation.contact_email if event.organisation else ""),
        }
        body_text = tidy_text(render_template(f"emails/programme/{template}.txt", **context))
        body_html = render_template(f"emails/programme/{template}.html", **context)
    return enqueue(
        recipient=person["email"],
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        event=event,
        purpose=f"programme.{template}",
    )
