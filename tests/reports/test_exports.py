"""Exports of the organisers' participant list: CSV (both dialects) and XLSX of the filtered list,
formulas made inert, the column choice remembered, every export audited, organisers only; the
printed lists (sign-in sheet, catering summary, …) read back with pypdfium2."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import datetime

import pypdfium2
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from forum import demo
from forum.auth.models import User
from forum.checkin import services as checkin
from forum.events.models import Event
from forum.extensions import db
from forum.privacy.models import AuditLog
from forum.registration import services
from forum.registration.models import OrganisationType, Registration, RegistrationStatus
from forum.reports.exports import neutralise
from tests import factories
from tests.auth.helpers import text
from tests.conftest import csrf_from, login_as

HYPERLINK = '=HYPERLINK("http://x","y")'


@pytest.fixture
def event(app):
    return factories.event(slug="skane-export", title="Regionalt forum", capacity=None)


def add(event, first, last, **fields) -> Registration:
    email = fields.pop("email", f"{first}.{last}@example.org".casefold().replace(" ", ""))
    details = services.Details(first_name=first, last_name=last, email=email, **fields)
    registration = services.register(event, details).registration
    db.session.commit()
    return registration


@pytest.fixture
def people(event):
    """Three municipal people (one with a formula for a name), one company, one cancelled."""
    rows = [
        add(event, "Åsa", "Öberg", organisation="Malmö stad", organisation_type=OrganisationType.MUNICIPALITY),
        add(event, "Jörgen", "Ängström", organisation="Ystads kommun", organisation_type=OrganisationType.MUNICIPALITY),
        add(
            event,
            HYPERLINK,
            "Lund",
            organisation="+46 nätverket",
            phone="+46 70 123 45 67",
            organisation_type=OrganisationType.MUNICIPALITY,
        ),
        add(event, "Bo", "Företagare", organisation="-Bolaget AB", organisation_type=OrganisationType.COMPANY),
        add(event, "Cilla", "Avbokad", organisation="Lunds kommun", organisation_type=OrganisationType.MUNICIPALITY),
    ]
    services.cancel(rows[-1])
    db.session.commit()
    return rows


def export_url(event) -> str:
    return f"/admin/events/{event.slug}/exports"


def export(client, event, fmt: str, columns=None, **filters):
    """Open the export page from the filtered list and press a format's button, as a browser would."""
    page = client.get(export_url(event), query_string=filters)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    data = {"csrf_token": csrf_from(html), "format": fmt, **filters}
    if columns is not None:
        data["columns"] = columns
    return client.post(export_url(event), data=data)


def read_csv(body: bytes, delimiter: str) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf"), "no UTF-8 byte order mark"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=delimiter))


def read_xlsx(body: bytes):
    return load_workbook(io.BytesIO(body)).active


def pdf_text(body: bytes) -> str:
    document = pypdfium2.PdfDocument(body)
    return "\n".join(page.get_textpage().get_text_range() for page in document)


# In the order the export page offers them (the file keeps that order).
COLUMNS = ["id", "last_name", "first_name", "phone", "organisation", "status"]


# --- spreadsheets --------------------------------------------------------------------------------


def test_csv_both_variants_and_xlsx_hold_the_same_filtered_rows(signed_in, event, people):
    filters = {"organisation_type": "municipality", "status": "confirmed"}
    comma = export(signed_in, event, "csv", COLUMNS, **filters)
    semicolon = export(signed_in, event, "csv_excel", COLUMNS, **filters)
    workbook = export(signed_in, event, "xlsx", COLUMNS, **filters)
    assert comma.status_code == semicolon.status_code == workbook.status_code == 200
    assert comma.headers["Content-Disposition"].startswith("attachment;")
    assert comma.mimetype == "text/csv"
    assert b"\r\n" in comma.data  # RFC 4180 line ends

    from_comma = read_csv(comma.data, ",")
    from_semicolon = read_csv(semicolon.data, ";")
    sheet = read_xlsx(workbook.data)
    from_xlsx = [[("" if value is None else str(value)) for value in row] for row in sheet.iter_rows(values_only=True)]

    assert from_comma[0] == ["Anmälan nr", "Efternamn", "Förnamn", "Telefon", "Organisation", "Status"]
    assert from_comma == from_semicolon == from_xlsx
    names = [(row[2], row[1]) for row in from_comma[1:]]
    # Only the confirmed municipal people, sorted by last name as in the list; å, ä, ö intact.
    assert sorted(names) == sorted([("'" + HYPERLINK, "Lund"), ("Åsa", "Öberg"), ("Jörgen", "Ängström")])
    assert ("Bo", "Företagare") not in names and ("Cilla", "Avbokad") not in names
    assert {row[5] for row in from_comma[1:]} == {"Bekräftad"}


def test_a_formula_for_a_name_is_inert_in_csv_and_xlsx(signed_in, event, people):
    for fmt, delimiter in (("csv", ","), ("csv_excel", ";")):
        rows = read_csv(export(signed_in, event, fmt, COLUMNS).data, delimiter)
        [lund] = [row for row in rows if row[1] == "Lund"]
        assert lund[2] == "'" + HYPERLINK
        assert lund[4] == "'+46 nätverket" and lund[3] == "'+46 70 123 45 67"
        [company] = [row for row in rows if row[1] == "Företagare"]
        assert company[4] == "'-Bolaget AB"
    sheet = read_xlsx(export(signed_in, event, "xlsx", COLUMNS).data)
    [lund] = [row for row in sheet.iter_rows(min_row=2) if row[1].value == "Lund"]
    assert lund[2].data_type == "s" and lund[2].value == "'" + HYPERLINK
    assert lund[3].data_type == "s" and lund[3].value.startswith("'")
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", f"a formula in {cell.coordinate}: {cell.value!r}"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+46", "'+46"),
        ("-x", "'-x"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Åsa", "Åsa"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_xlsx_is_typed_with_a_frozen_filtered_header(signed_in, event, people):
    columns = ["id", "last_name", "municipality", "registered_at"]
    sheet = read_xlsx(export(signed_in, event, "xlsx", columns).data)
    header = [cell.value for cell in sheet[1]]
    assert header == ["Anmälan nr", "Efternamn", "Kommun", "Anmäld"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:D{sheet.max_row}"
    assert sheet.max_row == 1 + len(people)
    assert sheet["A1"].font.bold
    assert sheet.column_dimensions["B"].width >= len("Efternamn")
    first = list(sheet.iter_rows(min_row=2, max_row=2))[0]
    assert isinstance(first[0].value, int)
    assert isinstance(first[3].value, datetime) and first[3].is_date


def test_the_column_choice_is_remembered_per_organiser_and_event(signed_in, event, people, organiser):
    def checked(client) -> set[str]:
        import re

        html = client.get(export_url(event)).get_data(as_text=True)
        return set(re.findall(r'name="columns" value="([^"]+)" checked', html))

    assert checked(signed_in) == {
        "last_name",
        "first_name",
        "email",
        "organisation",
        "municipality",
        "status",
        "workshops",
    }
    export(signed_in, event, "csv", ["email", "phone"])
    assert checked(signed_in) == {"email", "phone"}
    rows = read_csv(export(signed_in, event, "csv", ["phone", "email"]).data, ",")
    assert rows[0] == ["E-post", "Telefon"]
    # Another organiser of the same event still starts from the defaults.
    other = factories.user(roles={event: "organiser"})
    db.session.commit()
    login_as(signed_in, other)
    assert "phone" not in checked(signed_in)


def test_no_column_chosen_is_refused_with_a_message(signed_in, event, people):
    response = export(signed_in, event, "csv", [])
    assert response.status_code == 200
    assert "Välj minst en kolumn." in text(response)
    assert not db.session.scalars(select(AuditLog).where(AuditLog.action == "export.participants")).all()


def test_every_export_is_audited(signed_in, event, people, organiser):
    export(signed_in, event, "xlsx", ["last_name", "email"], status="confirmed")
    export(signed_in, event, "signin")
    entries = db.session.scalars(
        select(AuditLog).where(AuditLog.action == "export.participants").order_by(AuditLog.id)
    ).all()
    assert len(entries) == 2
    first, second = entries
    assert (first.user_id, first.event_id) == (organiser.id, event.id)
    assert first.details["format"] == "xlsx"
    assert first.details["rows"] == 4
    assert first.details["columns"] == ["last_name", "email"]
    assert first.details["filters"] == {"status": "confirmed"}
    assert second.details["format"] == "pdf:signin" and second.details["rows"] == 4
    # The event's log page names the action.
    log = text(signed_in.get(f"/admin/events/{event.slug}/log"))
    assert "Deltagarlistan exporterades" in log


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_check_in_staff_may_not_export(signed_in, event, people, method):
    # A valid CSRF token of the session (taken while an organiser), so that only the access check can refuse.
    token = csrf_from(signed_in.get(export_url(event)).get_data(as_text=True))
    staff = factories.user(roles={event: "checkin"})
    db.session.commit()
    login_as(signed_in, staff)
    data = {"csrf_token": token, "format": "csv", "columns": ["email"]}
    response = signed_in.open(export_url(event), method=method, data=data)
    assert response.status_code == 403
    assert not db.session.scalars(select(AuditLog).where(AuditLog.action.like("export.%"))).all()


def test_the_list_links_to_the_export_of_its_filters(signed_in, event, people):
    import re

    html = signed_in.get(
        f"/admin/events/{event.slug}/registrations", query_string={"status": "confirmed", "q": "kommun"}
    )
    link = re.search(r'id="export-link" href="([^"]+)"', html.get_data(as_text=True)).group(1).replace("&amp;", "&")
    assert link.startswith(export_url(event)) and "status=confirmed" in link and "q=kommun" in link
    page = text(signed_in.get(link))
    assert "Urvalet från listan: 1 anmälan." in page


# --- printed lists --------------------------------------------------------------------------------


def test_door_list_and_workshop_lists_render_the_confirmed(signed_in, event, people):
    door = pdf_text(export(signed_in, event, "door").data)
    assert "Dörrlista" in door and "Öberg, Åsa" in door and "Ängström, Jörgen" in door
    assert "Avbokad, Cilla" not in door
    workshops = pdf_text(export(signed_in, event, "workshops").data)
    assert "Evenemanget har inga pass med anmälan." in workshops


def test_printed_lists_join_arabic_script_names_as_the_badges_do(signed_in, event):
    from tests.badges.test_scripts import assert_drawn_joined

    add(event, "محمد", "العلي", organisation="مدينة مالمو")
    for fmt in ("door", "signin"):
        data = export(signed_in, event, fmt).data
        assert_drawn_joined(data)
        assert "العلي, محمد" in pdf_text(data), fmt  # and it reads right


@pytest.fixture
def demo_event(app):
    demo.load(echo=lambda _line: None)
    return db.session.scalar(select(Event).where(Event.slug == demo.CHECKIN_EVENT))


@pytest.fixture
def demo_admin(client, demo_event):
    admin = db.session.scalar(select(User).where(User.is_admin.is_(True)))
    login_as(client, admin)
    return client


def demo_confirmed_specs() -> list:
    """The demo's people of the Skåne forum who stay registered (everyone there gets a seat)."""
    return [spec for spec in demo.REGISTRATIONS[demo.CHECKIN_EVENT] if not spec.cancelled]


def test_sign_in_sheet_of_the_demo_event(demo_admin, demo_event):
    specs = demo_confirmed_specs()
    confirmed = db.session.scalars(
        select(Registration).where(
            Registration.event_id == demo_event.id, Registration.status == RegistrationStatus.CONFIRMED
        )
    ).all()
    assert len(confirmed) == len(specs)
    response = export(demo_admin, demo_event, "signin")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    sheet = pdf_text(response.data)
    assert "Närvarolista" in sheet and "Namnteckning" in sheet
    assert f"{len(specs)} deltagare" in sheet
    positions = [sheet.index(f"{spec.last_name}, {spec.first_name}") for spec in specs]
    from forum.registration.municipalities import swedish_sort_key

    by_last_name = sorted(specs, key=lambda spec: (swedish_sort_key(spec.last_name), swedish_sort_key(spec.first_name)))
    assert [sheet.index(f"{spec.last_name}, {spec.first_name}") for spec in by_last_name] == sorted(positions)
    cancelled = [spec for spec in demo.REGISTRATIONS[demo.CHECKIN_EVENT] if spec.cancelled]
    assert cancelled and all(f"{spec.last_name}, {spec.first_name}" not in sheet for spec in cancelled)


def test_catering_summary_of_the_demo_event_counts_without_names(demo_admin, demo_event):
    specs = demo_confirmed_specs()
    needs = Counter(option for spec in specs for option in set(spec.dietary))
    assert needs, "the demo event has dietary needs to count"
    summary = pdf_text(export(demo_admin, demo_event, "catering").data)
    lines = [line.strip() for line in summary.splitlines()]
    from forum.registration.models import DietaryOption

    for option in DietaryOption:
        assert f"{option.label} {needs.get(option, 0)}" in " ".join(lines) or (
            str(option.label) in lines and str(needs.get(option, 0)) == lines[lines.index(str(option.label)) + 1]
        ), option
    other = sum(1 for spec in specs if spec.dietary_other)
    without = sum(1 for spec in specs if not spec.dietary and not spec.dietary_other)
    flat = " ".join(lines)
    assert f"Annat kostbehov (fritext) {other}" in flat
    assert f"Inga särskilda kostbehov {without}" in flat
    assert f"Antal deltagare {len(specs)}" in flat
    for spec in specs:
        assert spec.last_name not in summary
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "export.participants"))
    assert entry.details["format"] == "pdf:catering"


def test_names_behind_dietary_needs_are_a_separate_health_data_export(demo_admin, demo_event):
    specs = [spec for spec in demo_confirmed_specs() if spec.dietary or spec.dietary_other]
    body = pdf_text(export(demo_admin, demo_event, "dietary_names").data)
    for spec in specs:
        assert f"{spec.last_name}, {spec.first_name}" in body
    assert "Känsliga uppgifter" in body
    without = [spec for spec in demo_confirmed_specs() if not spec.dietary and not spec.dietary_other]
    assert without and all(f"{spec.last_name}, {spec.first_name}" not in body for spec in without)
    [entry] = db.session.scalars(select(AuditLog).where(AuditLog.action == "export.health_data")).all()
    assert entry.details["rows"] == len(specs)
    assert "dietary" in entry.details["columns"]


def test_the_checked_in_filter_reaches_the_export(demo_admin, demo_event):
    admitted = db.session.scalars(
        select(Registration.last_name)
        .where(Registration.event_id == demo_event.id)
        .where(Registration.id.in_(select(checkin.CheckIn.registration_id).where(checkin.CheckIn.result == "ok")))
    ).all()
    assert admitted
    rows = read_csv(export(demo_admin, demo_event, "csv", ["last_name", "checked_in"], checked_in="yes").data, ",")
    assert sorted(row[0] for row in rows[1:]) == sorted(admitted)
    assert {row[1] for row in rows[1:]} == {"Ja"}
