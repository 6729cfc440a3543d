"""Exports of the organisers' participant list: CSV (two dialects), XLSX and the printed lists.

Every export starts from forum.reports.participants.select_registrations, so it holds the rows of
the filtered list. The organiser chooses the columns (COLUMNS, plus one per question of the
registration form); the choice is remembered per organiser and event (ExportPreference).

Rows are read in a handful of queries whatever their number: the registrations' own columns in
one, and each related part that a chosen column needs (focus areas, workshops, answers,
check-ins) in one more, keyed by registration id.

Text that a spreadsheet would run (a cell starting with =, +, -, @, tab or carriage return) is
neutralised by `neutralise` in both CSV and XLSX. Health data (dietary needs) is not among the
columns: the catering summary counts it, and the names behind it are only on their own PDF
(forum.reports.pdf), audited as an export of health data.

`export` builds the file, writes the audit entry ("export.participants" or "export.health_data":
who, event, rows, columns, format, filters) and remembers the columns; the caller commits.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import select

from forum.checkin.models import CheckIn
from forum.checkin.models import admitted as admitted_clause
from forum.db import utcnow
from forum.events.models import Event, FocusArea
from forum.extensions import db
from forum.privacy import audit
from forum.programme.models import ProgrammeItem
from forum.registration import municipalities
from forum.registration.models import (
    Answer,
    OrganisationType,
    Question,
    QuestionKind,
    Registration,
    RegistrationSource,
    RegistrationStatus,
    SignupStatus,
    WorkshopSignup,
    registration_focus_areas,
)
from forum.reports.models import ExportPreference
from forum.reports.participants import Filters, select_registrations

EXPORTED = "export.participants"
HEALTH_EXPORTED = "export.health_data"

TEXT, DATE, NUMBER = "text", "date", "number"
# Characters that make a spreadsheet read a cell as a formula (or hide one behind a control character).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

CSV, CSV_EXCEL, XLSX = "csv", "csv_excel", "xlsx"
SPREADSHEET_FORMATS = {
    CSV: _l("CSV (UTF-8, kommaseparerad)"),
    CSV_EXCEL: _l("Excel (svenska): CSV med semikolon"),
    XLSX: _l("Excel-arbetsbok (XLSX)"),
}
QUESTION_PREFIX = "question:"


def neutralise(value: str) -> str:
    """A text cell that no spreadsheet runs as a formula: an apostrophe before a dangerous first character."""
    if value and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@dataclass(frozen=True)
class Column:
    key: str
    label: Any
    kind: str = TEXT
    # Which related part the column needs loaded (see _related), if any.
    needs: str = ""


COLUMNS: tuple[Column, ...] = (
    Column("id", _l("Anmälan nr"), NUMBER),
    Column("last_name", _l("Efternamn")),
    Column("first_name", _l("Förnamn")),
    Column("email", _l("E-post")),
    Column("phone", _l("Telefon")),
    Column("organisation", _l("Organisation")),
    Column("organisation_type", _l("Typ av organisation")),
    Column("municipality", _l("Kommun")),
    Column("status", _l("Status")),
    Column("focus_areas", _l("Fokusområden"), needs="focus_areas"),
    Column("workshops", _l("Pass"), needs="workshops"),
    Column("checked_in", _l("Incheckad"), needs="checkins"),
    Column("checked_in_at", _l("Incheckad tid"), DATE, needs="checkins"),
    Column("registered_at", _l("Anmäld"), DATE),
    Column("confirmed_at", _l("Bekräftad"), DATE),
    Column("language", _l("Språk")),
    Column("source", _l("Anmäld via")),
    Column("participant_list", _l("Synas i deltagarlistan")),
    Column("keep_informed", _l("Vill hållas informerad")),
    Column("contribution", _l("Vill dela eller bidra med")),
)
DEFAULT_COLUMNS = ("last_name", "first_name", "email", "organisation", "municipality", "status", "workshops")


def available_columns(event: Event) -> list[Column]:
    """The standard columns, then one per question of the event's registration form."""
    questions = db.session.scalars(
        select(Question).where(Question.event_id == event.id).order_by(Question.position, Question.id)
    )
    return [
        *COLUMNS,
        *(Column(f"{QUESTION_PREFIX}{question.id}", question.label, needs="answers") for question in questions),
    ]


def chosen_columns(event: Event, keys) -> list[Column]:
    """The columns of these keys that exist for the event, in the offered order."""
    wanted = set(keys or ())
    return [column for column in available_columns(event) if column.key in wanted]


# --- remembered choices --------------------------------------------------------------------------


def remembered_columns(user, event: Event) -> list[str]:
    preference = db.session.scalar(
        select(ExportPreference).where(ExportPreference.user_id == user.id, ExportPreference.event_id == event.id)
    )
    if preference is None or not preference.columns:
        return list(DEFAULT_COLUMNS)
    return list(preference.columns)


def remember_columns(user, event: Event, keys: list[str]) -> None:
    preference = db.session.scalar(
        select(ExportPreference).where(ExportPreference.user_id == user.id, ExportPreference.event_id == event.id)
    )
    if preference is None:
        preference = ExportPreference(user_id=user.id, event_id=event.id)
        db.session.add(preference)
    if preference.columns != keys:
        preference.columns = list(keys)  # updated_at follows (onupdate)


# --- reading the rows ------------------------------------------------------------------------------

_OWN = (
    Registration.id,
    Registration.first_name,
    Registration.last_name,
    Registration.email,
    Registration.phone,
    Registration.organisation,
    Registration.organisation_type,
    Registration.municipality_code,
    Registration.status,
    Registration.created_at,
    Registration.confirmed_at,
    Registration.language,
    Registration.source,
    Registration.show_in_participant_list,
    Registration.keep_informed,
    Registration.contribution,
    Registration.dietary,
    Registration.dietary_other,
)


@dataclass
class Row:
    """One registration as the exports see it: its own columns and the related parts loaded."""

    id: int
    first_name: str
    last_name: str
    email: str
    phone: str
    organisation: str
    organisation_type: OrganisationType | None
    municipality_code: str
    status: RegistrationStatus
    created_at: datetime
    confirmed_at: datetime | None
    language: str
    source: RegistrationSource
    show_in_participant_list: bool
    keep_informed: bool
    contribution: str
    dietary: list
    dietary_other: str
    focus_areas: list[str]
    workshops: list[tuple[int, str, SignupStatus]]
    answers: dict[int, Any]
    checked_in_at: datetime | None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def sort_name(self) -> str:
        return f"{self.last_name}, {self.first_name}".strip(", ")


def rows(event: Event, filters: Filters, needs: set[str] | None = None, *, confirmed_only: bool = False) -> list[Row]:
    """The filtered list's rows in its order; `needs` names the related parts to load (all when None)."""
    statement = select_registrations(event, filters)
    if confirmed_only:
        statement = statement.where(Registration.status == RegistrationStatus.CONFIRMED)
    needs = {"focus_areas", "workshops", "answers", "checkins"} if needs is None else needs
    ids = statement.with_only_columns(Registration.id).order_by(None).scalar_subquery()
    related = {name: _related(name, ids) for name in needs}
    result = []
    for record in db.session.execute(statement.with_only_columns(*_OWN)):
        key = record.id
        result.append(
            Row(
                *record,
                focus_areas=related.get("focus_areas", {}).get(key, []),
                workshops=related.get("workshops", {}).get(key, []),
                answers=related.get("answers", {}).get(key, {}),
                checked_in_at=related.get("checkins", {}).get(key),
            )
        )
    return result


def _related(name: str, ids) -> dict:
    found: dict = defaultdict(list)
    if name == "focus_areas":
        query = (
            select(registration_focus_areas.c.registration_id, FocusArea.name)
            .join(FocusArea, FocusArea.id == registration_focus_areas.c.focus_area_id)
            .where(registration_focus_areas.c.registration_id.in_(ids))
            .order_by(FocusArea.position, FocusArea.id)
        )
        for registration_id, area in db.session.execute(query):
            found[registration_id].append(area)
    elif name == "workshops":
        query = (
            select(WorkshopSignup.registration_id, ProgrammeItem.id, ProgrammeItem.title, WorkshopSignup.status)
            .join(ProgrammeItem, ProgrammeItem.id == WorkshopSignup.programme_item_id)
            .where(WorkshopSignup.registration_id.in_(ids))
            .order_by(ProgrammeItem.starts_at, ProgrammeItem.id)
        )
        for registration_id, item_id, title, status in db.session.execute(query):
            found[registration_id].append((item_id, title, status))
    elif name == "answers":
        answers: dict = defaultdict(dict)
        query = select(Answer.registration_id, Answer.question_id, Answer.value).where(Answer.registration_id.in_(ids))
        for registration_id, question_id, value in db.session.execute(query):
            answers[registration_id][question_id] = value
        return answers
    elif name == "checkins":
        query = select(CheckIn.registration_id, CheckIn.scanned_at).where(
            CheckIn.registration_id.in_(ids), admitted_clause()
        )
        return dict(db.session.execute(query).all())
    return found


# --- cell values -------------------------------------------------------------------------------------


def _yes_no(value: bool) -> str:
    return _("Ja") if value else _("Nej")


def _answer_text(question: Question | None, value) -> str:
    if value in (None, "", []):
        return ""
    if question is not None and question.kind == QuestionKind.YES_NO:
        return {"yes": _("Ja"), "no": _("Nej")}.get(value, str(value))
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def _getters(event: Event, columns: list[Column]) -> list[Callable[[Row], Any]]:
    """For each column, a function from a row to its typed value (text, int or local naive datetime)."""
    zone = ZoneInfo(event.timezone or "Europe/Stockholm")
    names = {place.code: place.name for place in municipalities.MUNICIPALITIES}
    types = {member: str(member.label) for member in OrganisationType}
    statuses = {member: str(member.label) for member in RegistrationStatus}
    sources = {member: str(member.label) for member in RegistrationSource}
    waiting = _(" (väntelista)")
    questions = {
        question.id: question for question in db.session.scalars(select(Question).where(Question.event_id == event.id))
    }
    yes, no = _yes_no(True), _yes_no(False)

    def local(moment: datetime | None):
        return moment.astimezone(zone).replace(tzinfo=None, microsecond=0) if moment else None

    def workshops(row: Row) -> str:
        return ", ".join(
            title + (waiting if status == SignupStatus.WAITING else "")
            for _item, title, status in row.workshops
            if status != SignupStatus.REQUESTED or row.status != RegistrationStatus.CONFIRMED
        )

    simple: dict[str, Callable[[Row], Any]] = {
        "id": lambda row: row.id,
        "last_name": lambda row: row.last_name,
        "first_name": lambda row: row.first_name,
        "email": lambda row: row.email,
        "phone": lambda row: row.phone,
        "organisation": lambda row: row.organisation,
        "organisation_type": lambda row: types.get(row.organisation_type, ""),
        "municipality": lambda row: names.get(row.municipality_code, row.municipality_code),
        "status": lambda row: statuses[row.status],
        "focus_areas": lambda row: ", ".join(row.focus_areas),
        "workshops": workshops,
        "checked_in": lambda row: yes if row.checked_in_at else no,
        "checked_in_at": lambda row: local(row.checked_in_at),
        "registered_at": lambda row: local(row.created_at),
        "confirmed_at": lambda row: local(row.confirmed_at),
        "language": lambda row: row.language,
        "source": lambda row: sources.get(row.source, ""),
        "participant_list": lambda row: yes if row.show_in_participant_list else no,
        "keep_informed": lambda row: yes if row.keep_informed else no,
        "contribution": lambda row: row.contribution,
    }
    getters = []
    for column in columns:
        if column.key.startswith(QUESTION_PREFIX):
            question_id = int(column.key.removeprefix(QUESTION_PREFIX))
            question = questions.get(question_id)
            getters.append(lambda row, q=question, i=question_id: _answer_text(q, row.answers.get(i)))
        else:
            getters.append(simple[column.key])
    return getters


def table(event: Event, data: list[Row], columns: list[Column]) -> list[list[Any]]:
    """The typed values, row by row (text not yet neutralised)."""
    getters = _getters(event, columns)
    return [[getter(row) for getter in getters] for row in data]


# --- files ---------------------------------------------------------------------------------------------


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, str):
        return neutralise(value)
    return str(value)


def to_csv(labels: list[str], values: list[list[Any]], delimiter: str = ",") -> bytes:
    """RFC 4180 (quotes where needed, CRLF), UTF-8 with a byte order mark so that Excel reads å, ä, ö."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([neutralise(label) for label in labels])
    writer.writerows([_csv_cell(value) for value in row] for row in values)
    return buffer.getvalue().encode("utf-8-sig")


def _width(values: list[list[Any]], index: int, label: str) -> float:
    sample = [row[index] for row in values[:500]]
    longest = max([len(label)] + [16 if isinstance(value, datetime) else len(str(value or "")) for value in sample])
    return min(max(longest + 2, 8), 60)


def to_xlsx(labels: list[str], values: list[list[Any]], title: str, kinds: list[str]) -> bytes:
    """A workbook of one sheet: typed cells (numbers, real dates), a frozen bold header with an
    auto filter, and column widths from the contents. Write-only mode: fast for long lists."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    sheet.freeze_panes = "A2"
    for index, label in enumerate(labels):
        sheet.column_dimensions[get_column_letter(index + 1)].width = _width(values, index, label)
    last = get_column_letter(max(len(labels), 1))
    sheet.auto_filter.ref = f"A1:{last}{len(values) + 1}"
    bold = Font(bold=True)
    header = []
    for label in labels:
        cell = WriteOnlyCell(sheet, value=neutralise(label))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    text_columns = [index for index, kind in enumerate(kinds) if kind == TEXT]
    for row in values:
        row = list(row)
        for index in text_columns:
            value = row[index]
            if value:
                row[index] = neutralise(value)
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str) -> str:
    cleaned = "".join(" " if char in "[]:*?/\\" else char for char in title).strip()
    return (cleaned or "Deltagare")[:31]


# --- the export, audited -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Export:
    body: bytes
    mimetype: str
    filename: str
    rows: int


MIMETYPES = {
    CSV: "text/csv; charset=utf-8",
    CSV_EXCEL: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def spreadsheet(event: Event, filters: Filters, fmt: str, columns: list[Column], *, by) -> Export:
    """The filtered list as CSV or XLSX with these columns; audited, and the choice remembered."""
    needs = {column.needs for column in columns if column.needs}
    data = rows(event, filters, needs)
    labels = [str(column.label) for column in columns]
    values = table(event, data, columns)
    stem = f"{event.slug}-deltagare-{utcnow().strftime('%Y%m%d-%H%M')}"
    if fmt == XLSX:
        body = to_xlsx(labels, values, _("Deltagare"), [column.kind for column in columns])
        filename = f"{stem}.xlsx"
    else:
        body = to_csv(labels, values, ";" if fmt == CSV_EXCEL else ",")
        filename = f"{stem}.csv"
    record(event, by=by, fmt=fmt, rows=len(data), columns=[column.key for column in columns], filters=filters)
    remember_columns(by, event, [column.key for column in columns])
    return Export(body, MIMETYPES[fmt], filename, len(data))


def record(event: Event, *, by, fmt: str, rows: int, columns: list[str], filters: Filters, health: bool = False):
    """The audit entry of one export: who (the entry's user), event, format, rows, columns, filters."""
    return audit.record(
        HEALTH_EXPORTED if health else EXPORTED,
        user=by,
        event=event,
        format=fmt,
        rows=rows,
        columns=columns,
        filters=filters.args(),
    )
