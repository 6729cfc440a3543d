"""Reading a list of people to invite (an .xlsx or .csv file, or a pasted list), guessing which column
holds what, and checking every row before anything is written.

The flow: read_upload() or read_pasted() turns the input into a Table (its header and its data rows,
each with the file's own line number) and refuses what cannot be used (not a spreadsheet, too big,
empty, no e-mail column) with a clear message; guess_mapping() says which column is which field;
check() builds the Preview: the rows that will be imported and those that will not, with the reason.
The table waits in an ImportBatch (see the end of this module) until the organiser confirms.
"""

from __future__ import annotations

import csv
import enum
import io
import re
import secrets
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import PurePath
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import format_number
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from forum.db import utcnow
from forum.events.models import Event
from forum.extensions import db
from forum.invitations.models import ROLE_LENGTH, ImportBatch, InviteeSource
from forum.invitations.services import InviteeData, add_invitees, email_key, invited_keys, split_name
from forum.registration.models import NAME_LENGTH, ORGANISATION_LENGTH

# --- limits (stated on the upload page) ---------------------------------------------------------

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
# More columns than anyone's contact list has; the rest of a very wide sheet is not read.
MAX_COLUMNS = 50
# A cell longer than this is cut when stored; it is far beyond every field's limit, so it is still refused.
MAX_CELL = 1000
# An .xlsx can claim a million formatted but empty rows; after this many empty rows in a row the sheet has ended.
MAX_BLANK_RUN = 10_000
# Uploaded lists wait this long for the organiser's confirmation.
BATCH_LIFETIME = timedelta(hours=24)
EXTENSIONS = (".xlsx", ".csv")

# --- fields and their headers -------------------------------------------------------------------

FIELDS = ("full_name", "first_name", "last_name", "email", "organisation", "role", "language")

FIELD_LABELS = {
    "full_name": _l("Namn (för- och efternamn)"),
    "first_name": _l("Förnamn"),
    "last_name": _l("Efternamn"),
    "email": _l("E-post"),
    "organisation": _l("Organisation"),
    "role": _l("Roll"),
    "language": _l("Språk"),
}

# Headers as normalise_header() leaves them: case-folded, without accents, spaces or punctuation.
HEADERS = {
    "full_name": {"namn", "name", "fullstandigtnamn", "fulltnamn", "fullname", "hela namnet", "personnamn"},
    "first_name": {"fornamn", "firstname", "givenname", "tilltalsnamn"},
    "last_name": {"efternamn", "lastname", "surname", "familyname"},
    "email": {
        "epost",
        "epostadress",
        "email",
        "emailadress",
        "emailaddress",
        "mejl",
        "mejladress",
        "mail",
        "mailadress",
        "mailaddress",
    },
    "organisation": {"organisation", "organization", "org", "foretag", "myndighet", "kommun", "arbetsgivare"},
    "role": {"roll", "role", "titel", "title", "befattning", "yrkesroll"},
    "language": {"sprak", "language", "lang"},
}

LIMITS = {
    "first_name": NAME_LENGTH,
    "last_name": NAME_LENGTH,
    "organisation": ORGANISATION_LENGTH,
    "role": ROLE_LENGTH,
}

LANGUAGES = {
    "sv": {"sv", "svenska", "swedish", "svensk", "se", "svse"},
    "en": {"en", "engelska", "english", "engelsk", "eng", "engb", "enus"},
}
LANGUAGE_LABELS = {"sv": _l("svenska"), "en": _l("engelska")}

# "Åsa Öberg <asa@example.se>" or "\"Öberg, Åsa\" <asa@example.se>", as mail programs copy addresses.
NAMED_ADDRESS = re.compile(r'^\s*"?(?P<name>[^"<>]*?)"?\s*<\s*(?P<email>[^<>\s]+)\s*>\s*$')
PARENTHESES = re.compile(r"\(.*?\)|\[.*?\]")


class Refused(ValueError):
    """The input cannot be imported at all; `message` says why, in the user's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- the table ------------------------------------------------------------------------------------


@dataclass
class Table:
    """What was read: the header (column labels) and the data rows as text, each with its line number."""

    header: list[str]
    rows: list[tuple[int, list[str]]]
    # False when the first row was already a person (a pasted list without headers): columns are guessed from content.
    has_header: bool = True
    source: InviteeSource = InviteeSource.IMPORTED

    @property
    def width(self) -> int:
        return max([len(self.header), *(len(cells) for _line, cells in self.rows)], default=0)

    def columns(self) -> list[tuple[int, str, str]]:
        """(index, label, an example value) per column, for the mapping form."""
        columns = []
        for index in range(self.width):
            label = self.header[index] if index < len(self.header) and self.header[index] else ""
            example = next((cells[index] for _line, cells in self.rows if index < len(cells) and cells[index]), "")
            columns.append((index, label or _("Kolumn %(number)d", number=index + 1), example))
        return columns

    def to_json(self) -> dict[str, Any]:
        return {
            "header": self.header,
            "rows": [[line, cells] for line, cells in self.rows],
            "has_header": self.has_header,
            "source": self.source.value,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Table:
        return cls(
            header=list(data.get("header", [])),
            rows=[(int(line), list(cells)) for line, cells in data.get("rows", [])],
            has_header=bool(data.get("has_header", True)),
            source=InviteeSource(data.get("source", InviteeSource.IMPORTED.value)),
        )


def clean_cell(value: Any) -> str:
    """A cell as one line of text: numbers without a needless ".0", dates as ISO, control characters and
    runs of spaces (also Excel's non-breaking ones) made one plain space."""
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "TRUE" if value else "FALSE"
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, datetime):
        text = value.isoformat(sep=" ")
    else:
        text = str(value)
    text = text[: MAX_CELL * 2]
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf") else ch for ch in text)
    return " ".join(text.split())[:MAX_CELL]


def _trimmed(cells: Iterable[Any]) -> list[str]:
    values = [clean_cell(value) for value in cells][:MAX_COLUMNS]
    while values and not values[-1]:
        values.pop()
    return values


def _looks_like_address(text: str) -> bool:
    return "@" in text and (NAMED_ADDRESS.match(text) is not None or " " not in text.strip())


def _table_from_rows(numbered: Iterable[tuple[int, list[str]]], *, source: InviteeSource, empty_message: str) -> Table:
    """The first non-blank row is the header unless it already holds an e-mail address. Blank rows are
    skipped (not reported); more than MAX_ROWS data rows stops reading at once."""
    header: list[str] | None = None
    has_header = True
    rows: list[tuple[int, list[str]]] = []
    for line, cells in numbered:
        if not any(cells):
            continue
        if header is None:
            if any(_looks_like_address(cell) for cell in cells):
                header, has_header = [], False
            else:
                header = cells
                continue
        if len(rows) >= MAX_ROWS:
            raise Refused(
                _(
                    "Listan har fler än %(max)s rader med personer. Dela upp den i flera filer med högst %(max)s "
                    "rader i varje.",
                    max=_thousands(MAX_ROWS),
                )
            )
        rows.append((line, cells))
    if header is None:
        raise Refused(empty_message)
    if not rows:
        raise Refused(
            _("Listan har bara en rubrikrad (%(headers)s) och inga rader med personer.", headers=", ".join(header))
        )
    return Table(header=header, rows=rows, has_header=has_header, source=source)


def _thousands(number: int) -> str:
    return format_number(number)


# --- reading files ----------------------------------------------------------------------------------


def not_a_spreadsheet() -> str:
    return _(
        "Filen är inte ett kalkylark som vi kan läsa. Spara listan som .xlsx (Excel-arbetsbok) eller .csv "
        "(kommaseparerad eller semikolonseparerad) och försök igen."
    )


def read_upload(filename: str, stream: io.IOBase | bytes) -> Table:
    """Read an uploaded .xlsx or .csv; raises Refused with the reason if it cannot be imported.
    Reads at most MAX_FILE_BYTES + 1 bytes of the stream."""
    data = stream if isinstance(stream, bytes) else stream.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise Refused(_("Filen är större än %(size)s MB. Dela upp listan i flera filer.", size=MAX_FILE_BYTES >> 20))
    if not data.strip():
        raise Refused(_("Filen är tom."))
    extension = PurePath(filename or "").suffix.lower()
    if extension == ".xlsx":
        return read_xlsx(data)
    if extension == ".csv":
        return read_csv(data)
    raise Refused(not_a_spreadsheet())


def read_xlsx(data: bytes) -> Table:
    """The workbook's first (active) sheet, as calculated values; streamed, so that a huge sheet stops at the limit."""
    import openpyxl

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise Refused(not_a_spreadsheet())
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds (KeyError, InvalidFileException, XML errors) for a bad file
        raise Refused(not_a_spreadsheet()) from None
    try:
        sheet = workbook.active or (workbook.worksheets[0] if workbook.worksheets else None)
        if sheet is None or not hasattr(sheet, "iter_rows"):
            raise Refused(not_a_spreadsheet())
        try:
            return _table_from_rows(
                _xlsx_rows(sheet),
                source=InviteeSource.IMPORTED,
                empty_message=_("Filen är tom: kalkylarket har inga rader."),
            )
        except Refused:
            raise
        except Exception:  # a broken sheet inside a valid zip
            raise Refused(not_a_spreadsheet()) from None
    finally:
        workbook.close()


def _xlsx_rows(sheet) -> Iterator[tuple[int, list[str]]]:
    blank_run = 0
    # In read-only mode openpyxl fills the rows missing from the file with empty ones, so the count is the row number.
    for number, values in enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), start=1):
        cells = _trimmed(values)
        if cells:
            blank_run = 0
        else:
            blank_run += 1
            if blank_run > MAX_BLANK_RUN:
                return
        yield number, cells


def decode_text(data: bytes) -> str:
    """UTF-8 (a BOM is dropped), else Windows-1252 as Swedish Excel saves "CSV (semikolonavgränsad)".
    Bytes that are no text (a picture, a PDF, an old .xls) are refused."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise Refused(not_a_spreadsheet()) from None
    controls = sum(1 for ch in text[:100_000] if unicodedata.category(ch) == "Cc" and ch not in "\t\r\n")
    if "\x00" in text or controls > len(text[:100_000]) // 100:
        raise Refused(not_a_spreadsheet())
    return text


def detect_delimiter(text: str) -> str:
    """Comma, semicolon or tab: csv.Sniffer on a sample, checked against the first line; else the one the
    first line has most of (a one-column file has none, and comma does no harm)."""
    sample = text[: 64 * 1024]
    first_line = next((line for line in sample.splitlines() if line.strip()), "")
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ""
    if delimiter and delimiter in first_line:
        return delimiter
    counts = {candidate: first_line.count(candidate) for candidate in (";", ",", "\t")}
    best = max(counts, key=lambda candidate: counts[candidate])
    return best if counts[best] else ","


def read_csv(data: bytes) -> Table:
    text = decode_text(data)
    if not text.strip():
        raise Refused(_("Filen är tom."))
    return _table_from_rows(
        _csv_rows(text, detect_delimiter(text)), source=InviteeSource.IMPORTED, empty_message=_("Filen är tom.")
    )


def _csv_rows(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Rows with the line each starts on (a quoted cell may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    previous_end = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise Refused(not_a_spreadsheet()) from None
        yield previous_end + 1, _trimmed(cells)
        previous_end = reader.line_num


# --- a pasted list ------------------------------------------------------------------------------------


def read_pasted(text: str) -> Table:
    """One person per line: "Name <email>", just an e-mail address, or columns separated by tabs (copied from
    Excel), semicolons or commas, with or without a header row. Line numbers are the text box's lines."""
    if len(text.encode("utf-8", "replace")) > MAX_FILE_BYTES:
        raise Refused(_("Listan är större än %(size)s MB. Dela upp den.", size=MAX_FILE_BYTES >> 20))
    lines = text.splitlines()
    filled = [line for line in lines if line.strip()]
    delimiter = _pasted_delimiter(filled)
    empty = _("Listan är tom. Klistra in en person per rad.")
    if delimiter is None:
        numbered = ((number, _trimmed([line])) for number, line in enumerate(lines, start=1))
    else:
        numbered = (
            (number, _trimmed(next(csv.reader([line], delimiter=delimiter), [])))
            for number, line in enumerate(lines, start=1)
        )
    return _table_from_rows(numbered, source=InviteeSource.PASTED, empty_message=empty)


def _pasted_delimiter(lines: list[str]) -> str | None:
    """Tab if any line has one (cells copied from a spreadsheet); else semicolon or comma when most lines have
    it; None when each line is one value ("Name <email>" or an address: a comma may be part of the name)."""
    if not lines:
        return None
    if any("\t" in line for line in lines):
        return "\t"
    for candidate in (";", ","):
        having = sum(1 for line in lines if candidate in line and not NAMED_ADDRESS.match(line))
        if having * 2 > len(lines):
            return candidate
    return None


# --- mapping: which column is which field ----------------------------------------------------------------


def normalise_header(text: str) -> str:
    """ "E-post (arbete)" → "epost", "Fullständigt namn" → "fullstandigtnamn": case, accents, spaces, punctuation
    and anything in parentheses do not count."""
    text = PARENTHESES.sub(" ", text or "")
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch))


_HEADER_KEYS = {field_name: {normalise_header(name) for name in names} for field_name, names in HEADERS.items()}


def field_for_header(text: str) -> str | None:
    key = normalise_header(text)
    return next((name for name in FIELDS if key in _HEADER_KEYS[name]), None)


def empty_mapping() -> dict[str, int | None]:
    return dict.fromkeys(FIELDS)


def guess_mapping(table: Table) -> dict[str, int | None]:
    """Field → column index (or None). By header when there is one (the first column of each kind wins);
    by content for a list without headers: the column of e-mail addresses, then the name and organisation
    as the first other columns."""
    mapping = empty_mapping()
    if table.has_header:
        for index, label in enumerate(table.header):
            name = field_for_header(label)
            if name is not None and mapping[name] is None:
                mapping[name] = index
        return mapping
    email_column = address_column(table)
    mapping["email"] = email_column
    others = [index for index in range(table.width) if index != email_column]
    language_columns = [index for index in others if _is_language_column(table, index)]
    if language_columns:
        mapping["language"] = language_columns[0]
        others.remove(language_columns[0])
    for name, index in zip(("full_name", "organisation", "role"), others, strict=False):
        mapping[name] = index
    return mapping


def address_column(table: Table) -> int | None:
    """The column with the most e-mail addresses, if any."""
    counts = [0] * table.width
    for _line, cells in table.rows:
        for index, cell in enumerate(cells):
            if _looks_like_address(cell):
                counts[index] += 1
    if not counts or max(counts) == 0:
        return None
    return counts.index(max(counts))


def _is_language_column(table: Table, index: int) -> bool:
    values = [cells[index] for _line, cells in table.rows if index < len(cells) and cells[index]]
    return bool(values) and all(normalise_language(value) is not None for value in values)


def require_email_column(table: Table, mapping: Mapping[str, int | None]) -> None:
    """Refuse a table where no header says e-mail and no cell holds an address: there is nothing to map."""
    if mapping.get("email") is None and address_column(table) is None:
        headers = ", ".join(f"”{label}”" for label in table.header if label) or _("inga")
        raise Refused(
            _(
                "Listan har ingen kolumn med e-postadresser. Rubrikerna i filen är: %(headers)s. Lägg till en "
                "kolumn med rubriken E-post och försök igen.",
                headers=headers,
            )
        )


def mapping_from(values: Mapping[str, Any], width: int) -> dict[str, int | None]:
    """The organiser's choice from the mapping form (a column number per field, "" for none); anything else is none."""
    mapping = empty_mapping()
    for name in FIELDS:
        raw = str(values.get(name, "") or "").strip()
        if raw.isdigit() and int(raw) < width:
            mapping[name] = int(raw)
    return mapping


def stored_mapping(value: Mapping[str, Any] | None, width: int) -> dict[str, int | None]:
    """A mapping as stored in an ImportBatch, checked against the table's width."""
    mapping = empty_mapping()
    for name in FIELDS:
        index = (value or {}).get(name)
        if isinstance(index, int) and 0 <= index < width:
            mapping[name] = index
    return mapping


# --- checking the rows ------------------------------------------------------------------------------------


class Problem(enum.Enum):
    MISSING_EMAIL = "missing_email"
    INVALID_EMAIL = "invalid_email"
    DUPLICATE = "duplicate"
    ALREADY_INVITED = "already_invited"
    TOO_LONG = "too_long"
    UNKNOWN_LANGUAGE = "unknown_language"


@dataclass(frozen=True)
class Reason:
    problem: Problem
    line: int | None = None  # DUPLICATE: the earlier line
    field: str | None = None  # TOO_LONG
    length: int | None = None
    limit: int | None = None
    value: str = ""  # INVALID_EMAIL, UNKNOWN_LANGUAGE

    @property
    def message(self) -> str:
        """The reason in the user's language (read at display time)."""
        if self.problem == Problem.MISSING_EMAIL:
            return _("E-postadress saknas.")
        if self.problem == Problem.INVALID_EMAIL:
            return _("Ogiltig e-postadress: ”%(value)s”.", value=self.value)
        if self.problem == Problem.DUPLICATE:
            return _("Dubblett: samma e-postadress som rad %(line)d.", line=self.line or 0)
        if self.problem == Problem.ALREADY_INVITED:
            return _("Redan inbjuden till evenemanget.")
        if self.problem == Problem.TOO_LONG:
            return _(
                "För långt värde i %(field)s: %(length)d tecken, högst %(max)d.",
                field=str(FIELD_LABELS.get(self.field or "", self.field or "")).lower(),
                length=self.length or 0,
                max=self.limit or 0,
            )
        return _("Okänt språk ”%(value)s”: skriv svenska eller engelska.", value=self.value)


@dataclass(frozen=True)
class Accepted:
    line: int
    person: InviteeData

    @property
    def name(self) -> str:
        return f"{self.person.first_name} {self.person.last_name}".strip()


@dataclass(frozen=True)
class Rejected:
    line: int
    reasons: tuple[Reason, ...]
    name: str = ""
    email: str = ""

    @property
    def problems(self) -> set[Problem]:
        return {reason.problem for reason in self.reasons}

    @property
    def message(self) -> str:
        return " ".join(reason.message for reason in self.reasons)


@dataclass
class Preview:
    accepted: list[Accepted] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    # No column chosen for e-mail: nothing can be imported until the organiser picks one.
    needs_email_column: bool = False

    @property
    def people(self) -> list[InviteeData]:
        return [row.person for row in self.accepted]


def normalise_language(value: str) -> str | None:
    """ "Svenska", "sv", "Swedish", "" → "sv"; "engelska", "EN", "English" → "en"; anything else None."""
    key = normalise_header(value)
    if not key:
        return "sv"
    return next((code for code, names in LANGUAGES.items() if key in names), None)


def split_address(value: str) -> tuple[str, str]:
    """ "Åsa Öberg <asa@example.se>" → ("Åsa Öberg", "asa@example.se"); a plain address → ("", address)."""
    match = NAMED_ADDRESS.match(value)
    if match:
        return match.group("name").strip(), match.group("email").strip()
    return "", value.strip()


def split_full_name(full_name: str) -> tuple[str, str]:
    """ "Åsa Öberg" → ("Åsa", "Öberg"); "Öberg, Åsa" (as address books list people) → ("Åsa", "Öberg")."""
    if full_name.count(",") == 1:
        last, first = (part.strip() for part in full_name.split(","))
        if first and last:
            return first, last
    return split_name(full_name)


def check(table: Table, mapping: Mapping[str, int | None], invited: set[str]) -> Preview:
    """Every row checked against the mapping and the event's invitees (e-mail keys, services.invited_keys):
    one Accepted or one Rejected per data row, in the file's order. A later row with the address of an
    accepted earlier one is a duplicate of that line."""
    preview = Preview(needs_email_column=mapping.get("email") is None)
    if preview.needs_email_column:
        return preview
    first_line: dict[str, int] = {}

    for line, cells in table.rows:

        def value(name: str, cells: list[str] = cells) -> str:
            index = mapping.get(name)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        name_in_address, address = split_address(value("email"))
        first, last = value("first_name"), value("last_name")
        if not (first or last):
            first, last = split_full_name(value("full_name") or name_in_address)
        shown_name = f"{first} {last}".strip()
        reasons: list[Reason] = []
        if not address:
            preview.rejected.append(Rejected(line, (Reason(Problem.MISSING_EMAIL),), shown_name, address))
            continue
        try:
            address = validate_email(address, check_deliverability=False, allow_smtputf8=False).normalized
        except EmailNotValidError:
            preview.rejected.append(
                Rejected(line, (Reason(Problem.INVALID_EMAIL, value=address),), shown_name, address)
            )
            continue
        key = email_key(address)
        if key in invited:
            preview.rejected.append(Rejected(line, (Reason(Problem.ALREADY_INVITED),), shown_name, address))
            continue
        if key in first_line:
            reasons.append(Reason(Problem.DUPLICATE, line=first_line[key]))
        values = {"first_name": first, "last_name": last, "organisation": value("organisation"), "role": value("role")}
        for name, limit in LIMITS.items():
            if len(values[name]) > limit:
                reasons.append(Reason(Problem.TOO_LONG, field=name, length=len(values[name]), limit=limit))
        language = normalise_language(value("language"))
        if language is None:
            reasons.append(Reason(Problem.UNKNOWN_LANGUAGE, value=value("language")))
        if reasons:
            preview.rejected.append(Rejected(line, tuple(reasons), shown_name, address))
            continue
        first_line[key] = line
        preview.accepted.append(
            Accepted(
                line,
                InviteeData(
                    email=address,
                    first_name=first,
                    last_name=last,
                    organisation=values["organisation"],
                    role=values["role"],
                    language=language or "sv",
                ),
            )
        )
    return preview


# --- batches: an uploaded table waiting for confirmation -----------------------------------------------


def store_batch(event: Event, table: Table, mapping: Mapping[str, int | None], *, filename: str = "", by=None):
    """Keep the table until the organiser confirms or cancels; expired batches of every event go first. The caller
    commits."""
    db.session.execute(delete(ImportBatch).where(ImportBatch.created_at < utcnow() - BATCH_LIFETIME))
    batch = ImportBatch(
        event_id=event.id,
        key=secrets.token_urlsafe(24),
        filename=(filename or "")[:255],
        table=table.to_json(),
        mapping=dict(mapping),
        created_by=getattr(by, "id", None),
    )
    db.session.add(batch)
    db.session.flush()
    return batch


def find_batch(event: Event, key: str) -> ImportBatch | None:
    """The event's batch with this key (a batch of another event is not found)."""
    if not key or len(key) > 64:
        return None
    return db.session.scalar(select(ImportBatch).where(ImportBatch.key == key, ImportBatch.event_id == event.id))


def expired(batch: ImportBatch) -> bool:
    return batch.created_at < utcnow() - BATCH_LIFETIME


def discard(batch: ImportBatch) -> None:
    db.session.delete(batch)
    db.session.flush()


def import_batch(event: Event, batch: ImportBatch, mapping: Mapping[str, int | None], *, by=None) -> list:
    """Invite the batch's valid rows (checked again against the invitees of now) and drop the batch, in the
    caller's transaction: all of it is committed, or nothing. Returns the invitees added."""
    table = Table.from_json(batch.table)
    preview = check(table, mapping, invited_keys(event))
    added = add_invitees(event, preview.people, table.source, by=by) if preview.accepted else []
    discard(batch)
    return added
