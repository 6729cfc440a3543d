"""The archive export of an event's personal data (XLSX and JSON), offered to organisers before the
purge anonymises it: a public body may have to file registrations as public records.

Health data is not in the archive: it is cleared a few days after the event whatever the rule,
and an archive must not keep it longer. Every download is audited.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from forum.checkin.models import CheckIn
from forum.checkin.models import admitted as admitted_clause
from forum.db import utcnow
from forum.events.models import Event
from forum.extensions import db
from forum.i18n import to_local
from forum.invitations.models import Invitee
from forum.privacy import audit
from forum.privacy.access import registration_facts
from forum.programme.models import Proposal
from forum.registration import municipalities
from forum.registration.models import Interest, Question, Registration
from forum.reports.exports import neutralise

ARCHIVE_EXPORTED = "privacy.archive_exported"
audit.register_labels({ARCHIVE_EXPORTED: _l("Arkivexport hämtad")})

FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


def _inert(value: Any) -> Any:
    """Text no spreadsheet runs as a formula (the one rule of the participant exports)."""
    return neutralise(value) if isinstance(value, str) else value


def _when(value: datetime | None, zone: str) -> datetime | None:
    """Local wall-clock time without a zone: what a spreadsheet shows as a date."""
    return to_local(value, zone).replace(tzinfo=None) if value else None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


@dataclass
class Sheet:
    title: str
    header: list[str]
    rows: list[list[Any]]


def _registration_records(event: Event) -> list[dict[str, Any]]:
    questions = {q.id: q for q in db.session.scalars(select(Question).where(Question.event_id == event.id))}
    checked_in = set(
        db.session.scalars(select(CheckIn.registration_id).where(CheckIn.event_id == event.id, admitted_clause()))
    )
    registrations = db.session.scalars(
        select(Registration)
        .where(Registration.event_id == event.id)
        .options(
            selectinload(Registration.focus_areas),
            selectinload(Registration.signups),
            selectinload(Registration.answers),
        )
        .order_by(Registration.created_at, Registration.id)
    )
    records = []
    for registration in registrations:
        municipality = municipalities.by_code(registration.municipality_code)
        records.append(
            {
                "id": registration.id,
                **registration_facts(registration),
                "municipality": municipality.name if municipality else "",
                "answers": {
                    questions[answer.question_id].label: answer.value
                    for answer in registration.answers
                    if answer.question_id in questions
                },
                "show_in_participant_list": registration.show_in_participant_list,
                "keep_informed": registration.keep_informed,
                "privacy_consent_at": registration.privacy_consent_at,
                "created_at": registration.created_at,
                "confirmed_at": registration.confirmed_at,
                "cancelled_at": registration.cancelled_at,
                "checked_in": registration.id in checked_in,
                "anonymised_at": registration.anonymised_at,
            }
        )
    return records


def _invitee_records(event: Event) -> list[dict[str, Any]]:
    return [
        {
            "first_name": invitee.first_name,
            "last_name": invitee.last_name,
            "email": invitee.email,
            "organisation": invitee.organisation,
            "role": invitee.role,
            "state": invitee.state.value,
            "invited_at": invitee.invited_at,
            "declined_at": invitee.declined_at,
            "decline_reason": invitee.decline_reason,
        }
        for invitee in db.session.scalars(select(Invitee).where(Invitee.event_id == event.id).order_by(Invitee.id))
    ]


def _interest_records(event: Event) -> list[dict[str, Any]]:
    return [
        {
            "name": interest.name,
            "email": interest.email,
            "organisation": interest.organisation,
            "kinds": list(interest.kinds or []),
            "created_at": interest.created_at,
        }
        for interest in db.session.scalars(select(Interest).where(Interest.event_id == event.id).order_by(Interest.id))
    ]


def _proposal_records(event: Event) -> list[dict[str, Any]]:
    return [
        {
            "title": proposal.title,
            "status": proposal.status.value,
            "presenters": list(proposal.presenters or []),
            "created_at": proposal.created_at,
        }
        for proposal in db.session.scalars(select(Proposal).where(Proposal.event_id == event.id).order_by(Proposal.id))
    ]


def collect(event: Event) -> dict[str, Any]:
    return {
        "registrations": _registration_records(event),
        "invitees": _invitee_records(event),
        "interests": _interest_records(event),
        "proposals": _proposal_records(event),
    }


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def to_json(event: Event, data: dict[str, Any]) -> bytes:
    document = {
        "event": {"slug": event.slug, "title": event.title, "starts_at": _iso(event.starts_at)},
        "host": event.organisation.name,
        "exported_at": _iso(utcnow()),
        **_plain(data),
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode()


def _sheets(event: Event, data: dict[str, Any]) -> list[Sheet]:
    zone = event.timezone
    registrations = Sheet(
        _("Anmälningar"),
        [
            _("Förnamn"),
            _("Efternamn"),
            _("E-postadress"),
            _("Telefon"),
            _("Organisation"),
            _("Typ av organisation"),
            _("Kommun"),
            _("Fokusområden"),
            _("Workshoppar"),
            _("Vad vill du dela eller bidra med?"),
            _("Svar"),
            _("Status"),
            _("Anmäld"),
            _("Bekräftad"),
            _("Avbokad"),
            _("Incheckad"),
        ],
        [
            [
                r["first_name"],
                r["last_name"],
                r["email"],
                r["phone"],
                r["organisation"],
                r["organisation_type"] or "",
                r["municipality"],
                ", ".join(r["focus_areas"]),
                ", ".join(w["title"] for w in r["workshops"]),
                r["contribution"],
                "; ".join(f"{label}: {_answer(value)}" for label, value in r["answers"].items()),
                r["status"],
                _when(r["created_at"], zone),
                _when(r["confirmed_at"], zone),
                _when(r["cancelled_at"], zone),
                _("ja") if r["checked_in"] else _("nej"),
            ]
            for r in data["registrations"]
        ],
    )
    invitees = Sheet(
        _("Inbjudna"),
        [_("Förnamn"), _("Efternamn"), _("E-postadress"), _("Organisation"), _("Roll"), _("Status"), _("Inbjuden")],
        [
            [
                i["first_name"],
                i["last_name"],
                i["email"],
                i["organisation"],
                i["role"],
                i["state"],
                _when(i["invited_at"], zone),
            ]
            for i in data["invitees"]
        ],
    )
    interests = Sheet(
        _("Intresseanmälningar"),
        [_("Namn"), _("E-postadress"), _("Organisation"), _("Anmäld")],
        [[i["name"], i["email"], i["organisation"], _when(i["created_at"], zone)] for i in data["interests"]],
    )
    proposals = Sheet(
        _("Bidrag"),
        [_("Titel"), _("Status"), _("Medverkande")],
        [
            [p["title"], p["status"], "; ".join(f"{x.get('name', '')} <{x.get('email', '')}>" for x in p["presenters"])]
            for p in data["proposals"]
        ],
    )
    return [registrations, invitees, interests, proposals]


def _answer(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def to_xlsx(event: Event, data: dict[str, Any]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for sheet in _sheets(event, data):
        page = book.create_sheet(sheet.title[:31])
        page.append(sheet.header)
        for row in sheet.rows:
            page.append([_inert(value) for value in row])
        for cell in page[1]:
            cell.font = Font(bold=True)
        page.freeze_panes = "A2"
        if sheet.rows:
            page.auto_filter.ref = page.dimensions
        for index, label in enumerate(sheet.header, start=1):
            width = max([len(label)] + [len(str(row[index - 1] or "")) for row in sheet.rows[:200]])
            page.column_dimensions[page.cell(row=1, column=index).column_letter].width = min(60, width + 2)
        for column in page.iter_cols(min_row=2):
            for cell in column:
                if isinstance(cell.value, datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export(event: Event, fmt: str, *, by) -> tuple[bytes, str, str]:
    """(content, mimetype, filename); audited with the number of records, never their contents."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    data = collect(event)
    content = to_xlsx(event, data) if fmt == "xlsx" else to_json(event, data)
    audit.record(
        ARCHIVE_EXPORTED,
        user=by,
        event=event,
        target=event,
        format=fmt,
        **{kind: len(records) for kind, records in data.items()},
    )
    db.session.flush()
    stamp = to_local(utcnow(), event.timezone).strftime("%Y-%m-%d")
    return content, FORMATS[fmt], f"{event.slug}-arkiv-{stamp}.{fmt}"
