"""Hypothesis fuzzes the registration form and the invitee import.

Registration: the public form, as a browser posts it (with its CSRF token), with arbitrary text or
a valid value in every field the page has (its own questions included): never a server error;
either the registration is made (303 to the thanks page) or the form comes back with a message
at a field and every text the person typed still in its field.

Import: arbitrary bytes as .csv, .xlsx or any other upload, real workbooks and CSV files of
arbitrary cells, and pasted text, go through reading, column guessing and checking: the only
exception allowed is the importer's own Refused, which carries the message shown to the organiser.
"""

from __future__ import annotations

import io
import re
from datetime import datetime
from html import unescape

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import event as hypothesis_event
from hypothesis import strategies as st
from markupsafe import escape

from forum.extensions import db
from forum.invitations import importing
from tests import factories
from tests.conftest import csrf_from

FUZZ = settings(
    max_examples=50,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Any text a browser can send: every Unicode character but lone surrogates (not encodable).
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)
NASTY = st.sampled_from(
    [
        "",
        " ",
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        '=HYPERLINK("http://evil.example")',
        "Robert'); DROP TABLE registrations;--",
        "\u202eevil\u202c",
        "Åsa Öberg-Ćwikła",
        "a" * 5000,
        "\x00",
        "\r\n\t",
        "👩🏽‍🚒",
        "@example.org",
        "-1",
        "1e309",
    ]
)
ANY_TEXT = st.one_of(TEXT, NASTY)


# --- registration ----------------------------------------------------------------------------


@pytest.fixture
def event(app):
    from forum.programme.models import ProgrammeItem, ProgrammeItemKind
    from forum.registration.models import Question, QuestionKind

    event = factories.event(title="Fuzzforum")
    area = factories.focus_area(event, "Vatten")
    room = factories.room(event, "Sal A")
    db.session.add(
        ProgrammeItem(
            event=event,
            title="Workshop: Vatten",
            kind=ProgrammeItemKind.WORKSHOP,
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            room=room,
            focus_areas=[area],
            requires_signup=True,
            capacity=1000,
        )
    )
    for position, (kind, options) in enumerate(
        [
            (QuestionKind.SHORT_TEXT, []),
            (QuestionKind.LONG_TEXT, []),
            (QuestionKind.SINGLE_CHOICE, ["Ja", "Nej"]),
            (QuestionKind.MULTIPLE_CHOICE, ["Buss", "Tåg", "Bil"]),
            (QuestionKind.YES_NO, []),
        ],
        start=1,
    ):
        db.session.add(Question(event=event, label=f"Fråga {position}", kind=kind, options=options, position=position))
    db.session.commit()
    return event


INPUT = re.compile(r"<(input|textarea|select)\b([^>]*)>", re.IGNORECASE)


def _attribute(tag: str, name: str) -> str | None:
    match = re.search(rf'\b{name}="([^"]*)"', tag)
    return unescape(match.group(1)) if match else None


def form_fields(html: str) -> dict[str, dict]:
    """name → {"kind": input type / textarea / select, "values": the values a browser could send}."""
    fields: dict[str, dict] = {}
    for element, attributes in INPUT.findall(html):
        name = _attribute(attributes, "name")
        if not name or name == "csrf_token":
            continue
        kind = element.lower() if element.lower() != "input" else (_attribute(attributes, "type") or "text")
        field = fields.setdefault(name, {"kind": kind, "values": []})
        value = _attribute(attributes, "value")
        if kind in ("checkbox", "radio", "hidden") and value is not None:
            field["values"].append(value)
    for name, options in re.findall(r'<select\b[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.DOTALL):
        fields[name]["values"] = [unescape(v) for v in re.findall(r'<option\b[^>]*value="([^"]*)"', options)]
    return fields


# Values that pass, often drawn for the required fields, so that some examples do register.
PLAUSIBLE = {
    "first_name": st.sampled_from(["Åsa", "Zoë", "Jean-Luc", "Ngọc"]),
    "last_name": st.sampled_from(["Öberg", "Łukasz", "O'Neill", "af Klint"]),
    "email": st.sampled_from(["asa@example.org", "zoe.lukasz@lansstyrelsen.se", "o'neill@kommun.example"])
    | st.emails(),
    "phone": st.sampled_from(["", "070-123 45 67", "+46 35 13 70 00"]),
    "municipality": st.just(""),
}
TYPED = ("text", "email", "tel", "textarea", "search", "url", "number")


def _kept(value: str) -> str | None:
    """How a typed value shows in the form that comes back (None: not checked, see below)."""
    shown = value.strip()
    # Control characters other than line breaks may be dropped by the text filters; such a value
    # is still sent (no 500 is allowed for it), only its echo is not compared.
    if any(ord(ch) < 32 and ch not in "\r\n\t" for ch in shown) or "\x7f" in shown:
        return None
    return str(escape(shown))


def fill_in(html: str, data) -> tuple[dict[str, list[str] | str], dict[str, str]]:
    """What a browser (or anyone) posts to the form of this page: the payload and the typed texts.

    Half of the examples are mostly valid (a field is arbitrary one time in twenty), so that some
    go through; the others are arbitrary in every field."""
    fields = form_fields(html)
    assert {"first_name", "last_name", "email"} <= set(fields), sorted(fields)
    payload: dict[str, list[str] | str] = {"csrf_token": csrf_from(html)}
    typed: dict[str, str] = {}
    sane = data.draw(st.booleans(), label="mostly valid")

    def arbitrary() -> bool:
        return not sane or data.draw(st.integers(0, 19), label="arbitrary?") == 0

    for name, field in sorted(fields.items()):
        if field["kind"] in TYPED:
            valid = PLAUSIBLE.get(name, st.sampled_from(["", "Hej", "Länsstyrelsen Skåne"]))
            value = data.draw(ANY_TEXT if arbitrary() else valid, label=name)
            payload[name] = value
            typed[name] = value
        elif field["values"]:
            choices = field["values"]
            if arbitrary():
                picked = data.draw(st.lists(ANY_TEXT | st.sampled_from(choices), max_size=3), label=name)
            elif field["kind"] == "select":
                picked = [data.draw(st.sampled_from(choices), label=name)]
            elif name in ("privacy_consent", "health_consent"):
                picked = choices[:1]
            else:
                picked = data.draw(st.lists(st.sampled_from(choices), max_size=len(choices), unique=True), label=name)
            if picked:
                payload[name] = picked
        else:
            payload[name] = data.draw(ANY_TEXT, label=name) if arbitrary() else ""
    return payload, typed


def assert_form_kept(response, typed: dict[str, str]) -> None:
    """The form came back with a message at a field and everything typed still in its field."""
    page = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in page or "error-summary" in page, "the form came back without saying why"
    for name, value in typed.items():
        shown = _kept(value)
        if shown is not None:
            assert shown in page or _kept(_normalised_email(value)) in page, f"{name}: {value!r} is not kept"


@FUZZ
@given(data=st.data())
def test_registration_form_with_arbitrary_input(app, client, event, data):
    url = f"/e/{event.slug}/register"
    page = client.get(url)
    assert page.status_code == 200
    payload, typed = fill_in(page.get_data(as_text=True), data)
    response = client.post(url, data=payload)
    assert response.status_code in (200, 303), response.status_code
    hypothesis_event("registered" if response.status_code == 303 else "form shown again")
    if response.status_code == 303:
        assert response.headers["Location"].endswith(f"/e/{event.slug}/register/thanks")
        from sqlalchemy import select

        from forum.registration.models import Registration
        from forum.registration.services import email_key

        key = email_key(_normalised_email(str(payload["email"])))
        registered = db.session.scalar(
            select(Registration).where(Registration.event_id == event.id, Registration.email_key == key)
        )
        assert registered is not None, f"303 but no registration for {payload['email']!r}"
        return
    assert_form_kept(response, typed)


@pytest.fixture
def own_link(app, event) -> str:
    """/r/<token>/edit of a registration of the event: the person's own form."""
    from forum.registration import links
    from forum.registration import services as registration

    registered = registration.register(
        event, registration.Details(first_name="Rut", last_name="Rättar", email="rut@example.org")
    ).registration
    db.session.commit()
    return f"/r/{links.token_for(registered)}/edit"


@FUZZ
@given(data=st.data())
def test_self_service_edit_with_arbitrary_input(app, client, event, own_link, data):
    page = client.get(own_link)
    assert page.status_code == 200
    payload, typed = fill_in(page.get_data(as_text=True), data)
    response = client.post(own_link, data=payload)
    assert response.status_code in (200, 303), response.status_code
    hypothesis_event("saved" if response.status_code == 303 else "form shown again")
    if response.status_code == 303:
        assert response.headers["Location"].endswith(own_link.removesuffix("/edit"))
        return
    assert_form_kept(response, typed)


def _normalised_email(value: str) -> str:
    """A valid address comes back as email-validator writes it (domain in lower case, IDNA)."""
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(value.strip(), check_deliverability=False, allow_smtputf8=False).normalized
    except EmailNotValidError:
        return value


# --- import ----------------------------------------------------------------------------------


def imported(read) -> None:
    """Read, guess the columns and check the rows: only Refused may come out."""
    try:
        table = read()
        mapping = importing.guess_mapping(table)
        importing.require_email_column(table, mapping)
    except importing.Refused as refusal:
        assert str(refusal.message).strip(), "a refusal without a message"
        hypothesis_event("refused")
        return
    preview = importing.check(table, mapping, set())
    assert preview is not None
    hypothesis_event("checked")


CELL = st.one_of(
    ANY_TEXT,
    st.emails(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(9999, 1, 1)),
)
ROWS = st.lists(st.lists(CELL, max_size=8), max_size=25)
FILENAMES = st.one_of(
    st.sampled_from(["lista.csv", "LISTA.XLSX", "lista.xlsx", "lista.txt", "", ".csv", "a.b.csv"]), TEXT
)


@FUZZ
@given(data=st.binary(max_size=4000), filename=FILENAMES)
def test_import_of_arbitrary_bytes(app, data, filename):
    imported(lambda: importing.read_upload(filename, data))
    imported(lambda: importing.read_csv(data))
    imported(lambda: importing.read_xlsx(data))


def _csv_bytes(rows, delimiter: str, encoding: str, header: bool) -> bytes:
    lines = [["Namn", "E-post", "Organisation"]] if header else []
    lines += [["" if cell is None else str(cell) for cell in row] for row in rows]
    text = "\r\n".join(delimiter.join(cells) for cells in lines)
    return text.encode(encoding, errors="replace")


@FUZZ
@given(
    rows=ROWS,
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"]),
    header=st.booleans(),
)
def test_import_of_csv_files_with_arbitrary_cells(app, rows, delimiter, encoding, header):
    data = _csv_bytes(rows, delimiter, encoding, header)
    imported(lambda: importing.read_upload("lista.csv", data))
    imported(lambda: importing.read_pasted(data.decode(encoding, errors="replace")))


def _workbook(rows, header: bool) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if header:
        sheet.append(["Förnamn", "Efternamn", "E-postadress", "Språk"])
    for row in rows:
        cells = []
        for cell in row:
            if isinstance(cell, str):
                # openpyxl refuses control characters in cells; a real workbook cannot hold them either.
                cell = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", cell)
            if isinstance(cell, float) and cell != cell:
                cell = None  # NaN is not storable either
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@FUZZ
@given(
    rows=ROWS,
    header=st.booleans(),
    damage=st.one_of(st.none(), st.tuples(st.integers(0, 10_000), st.binary(min_size=1, max_size=64))),
)
def test_import_of_workbooks_with_arbitrary_cells(app, rows, header, damage):
    try:
        data = _workbook(rows, header)
    except (ValueError, TypeError, OverflowError):
        assume(False)  # a value openpyxl cannot write (e.g. an infinite float): not a workbook anyone has
    if damage is not None:
        at, noise = damage
        at %= max(len(data), 1)
        data = data[:at] + noise + data[at + len(noise) :]
    imported(lambda: importing.read_upload("lista.xlsx", data))


@FUZZ
@given(
    text=st.one_of(
        ANY_TEXT,
        st.lists(st.lists(ANY_TEXT | st.emails(), max_size=5), max_size=20).map(
            lambda rows: "\n".join("\t".join(cells) for cells in rows)
        ),
    )
)
def test_import_of_pasted_text(app, text):
    imported(lambda: importing.read_pasted(text))
