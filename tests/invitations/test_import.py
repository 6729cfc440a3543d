"""Importing invitees from an .xlsx or .csv file or a pasted list: the organiser sees every row that will and
will not be imported, with its line number and reason, and nothing is written until they confirm."""

from __future__ import annotations

import io
import os
import re
import time
import zipfile
from datetime import timedelta
from html.parser import HTMLParser

import openpyxl
import pytest
from sqlalchemy import func, select

from forum.auth.models import EventRole, Role
from forum.db import utcnow
from forum.extensions import db
from forum.invitations import importing
from forum.invitations.importing import Problem, Refused
from forum.invitations.models import ImportBatch, Invitee, InviteeSource
from forum.invitations.services import InviteeData, add_invitees
from tests import factories
from tests.auth.helpers import english, text
from tests.conftest import csrf_from, login_as

HEADER = ["Namn", "E-post", "Organisation", "Roll", "Språk"]
PEOPLE = [
    ["Åsa Öberg", "asa.oberg@example.se", "Region Halland", "Beredskapssamordnare", "svenska"],
    ["Björn Ärlig", "Bjorn.Arlig@Example.se", "Halmstads kommun", "Säkerhetschef", "English"],
    ["Örjan Åkesson", "orjan@example.se", "Länsstyrelsen Skåne", "", ""],
]
EXPECTED = [
    ("Björn", "Ärlig", "Bjorn.Arlig@example.se", "Halmstads kommun", "Säkerhetschef", "en"),
    ("Åsa", "Öberg", "asa.oberg@example.se", "Region Halland", "Beredskapssamordnare", "sv"),
    ("Örjan", "Åkesson", "orjan@example.se", "Länsstyrelsen Skåne", "", "sv"),
]


# --- building files ---------------------------------------------------------------------------------------


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list], *, delimiter: str = ",", encoding: str = "utf-8", bom: bool = False) -> bytes:
    def cell(value) -> str:
        value = str(value)
        return f'"{value}"' if delimiter in value or '"' in value else value

    body = "".join(delimiter.join(cell(value) for value in row) + "\r\n" for row in rows)
    return (b"\xef\xbb\xbf" if bom else b"") + body.encode(encoding)


VARIANTS = {
    "xlsx": ("lista.xlsx", lambda rows: xlsx_bytes(rows)),
    "utf-8 comma": ("lista.csv", lambda rows: csv_bytes(rows)),
    "utf-8 bom semicolon": ("lista.csv", lambda rows: csv_bytes(rows, delimiter=";", bom=True)),
    "windows-1252 semicolon": ("lista.csv", lambda rows: csv_bytes(rows, delimiter=";", encoding="cp1252")),
}


# --- reading pages ------------------------------------------------------------------------------------------


class _Tables(HTMLParser):
    """The cells' text of each <table id=...> on a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[list[str]]] = {}
        self._table = None
        self._row = None
        self._cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id"):
            self._table = self.tables.setdefault(attrs["id"], [])
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._row and self._table is not None:
                self._table.append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def table_rows(html: str, table_id: str) -> list[list[str]]:
    """The body rows (the header row dropped)."""
    parser = _Tables()
    parser.feed(html)
    return parser.tables.get(table_id, [])[1:]


def plain(response) -> str:
    return text(response).replace("\u00a0", " ")


def hidden_fields(html: str, action: str) -> dict[str, str]:
    """The hidden inputs of the form posting to `action`, as a browser would send them."""
    form = re.search(rf'<form method="post" action="{re.escape(action)}">(.*?)</form>', html, re.S)
    assert form, f"no form posting to {action}"
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(1)))


def invitees(event) -> list[tuple]:
    db.session.expire_all()
    found = db.session.scalars(select(Invitee).where(Invitee.event_id == event.id))
    return sorted(
        (item.first_name, item.last_name, item.email, item.organisation, item.role, item.language) for item in found
    )


def invitee_count(event) -> int:
    return db.session.scalar(select(func.count(Invitee.id)).where(Invitee.event_id == event.id))


def batch_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(ImportBatch.id)))


# --- fixtures and steps -------------------------------------------------------------------------------------


@pytest.fixture
def event(app):
    return factories.event(slug="radsmote-halland", title="Rådsmöte Halland")


@pytest.fixture
def organiser(event):
    return factories.user(roles={event: "organiser"})


@pytest.fixture
def signed_in(client, organiser):
    login_as(client, organiser)
    db.session.commit()
    return client


def upload_url(event) -> str:
    return f"/admin/events/{event.slug}/invitees/import"


def upload(client, event, filename: str, data: bytes):
    page = client.get(upload_url(event))
    assert page.status_code == 200
    return client.post(
        upload_url(event),
        data={"csrf_token": csrf_from(page.get_data(as_text=True)), "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def paste(client, event, pasted: str):
    page = client.get(upload_url(event))
    return client.post(
        upload_url(event) + "/paste", data={"csrf_token": csrf_from(page.get_data(as_text=True)), "text": pasted}
    )


def preview_url(response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    location = response.headers["Location"]
    assert "/invitees/import/" in location
    return location


def confirm(client, preview: str, html: str | None = None):
    """Press "Importera" on the preview page (with the mapping it shows)."""
    html = html or client.get(preview).get_data(as_text=True)
    action = preview.split("?")[0].removeprefix("http://localhost") + "/confirm"
    return client.post(action, data=hidden_fields(html, action))


def refused(response, *expected: str) -> str:
    """The upload page again, status 200, with the message next to the field and no batch kept."""
    assert response.status_code == 200
    page = plain(response)
    assert 'class="field-error"' in page
    for part in expected:
        assert part in page, f"{part!r} not in the page"
    assert batch_count() == 0
    return page


# --- identical invitees from every format ------------------------------------------------------------------


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_each_format_gives_the_same_invitees(signed_in, event, variant):
    filename, build = VARIANTS[variant]
    preview = preview_url(upload(signed_in, event, filename, build([HEADER, *PEOPLE])))
    page = signed_in.get(preview)
    html = plain(page)
    assert "3 rader importeras" in html and "0 rader importeras inte" in html
    rows = table_rows(page.get_data(as_text=True), "accepted")
    assert [row[:3] for row in rows] == [
        ["2", "Åsa Öberg", "asa.oberg@example.se"],
        ["3", "Björn Ärlig", "Bjorn.Arlig@example.se"],
        ["4", "Örjan Åkesson", "orjan@example.se"],
    ]
    assert [row[5] for row in rows] == ["svenska", "engelska", "svenska"]
    assert invitee_count(event) == 0

    done = confirm(signed_in, preview)
    assert done.status_code == 303
    assert "3 personer lades till." in plain(signed_in.get(done.headers["Location"]))
    assert invitees(event) == EXPECTED
    assert batch_count() == 0


def test_the_four_files_of_one_list_give_identical_invitees(signed_in, organiser):
    results = []
    for filename, build in VARIANTS.values():
        event = factories.event()
        db.session.add(EventRole(user=organiser, event=event, role=Role.ORGANISER))
        confirm(signed_in, preview_url(upload(signed_in, event, filename, build([HEADER, *PEOPLE]))))
        results.append(invitees(event))
        assert {item.source for item in db.session.scalars(select(Invitee).where(Invitee.event_id == event.id))} == {
            InviteeSource.IMPORTED
        }
    assert results == [EXPECTED] * 4


# --- bad rows ------------------------------------------------------------------------------------------------


def test_five_kinds_of_bad_rows_are_reported_with_their_line_and_nothing_is_written_until_confirmed(
    signed_in, event, organiser
):
    add_invitees(event, [InviteeData(email="dan@example.se", first_name="Dan")], InviteeSource.MANUAL)
    db.session.commit()
    rows = [
        HEADER,
        ["Åsa Öberg", "asa@example.se", "Region Halland", "", ""],  # 2: fine
        ["Bo Ek", "bo.ek@", "Laholms kommun", "", ""],  # 3: invalid e-mail
        ["Cecilia Ny", "", "Kungsbacka kommun", "", ""],  # 4: missing e-mail
        ["Åsa Öberg", "ASA@example.se", "Region Halland", "", ""],  # 5: duplicate of line 2
        ["Dan Ström", "dan@example.se", "", "", ""],  # 6: already invited
        ["Eva Lång", "eva@example.se", "O" * 201, "", ""],  # 7: too long organisation
        ["Erik Ängel", "erik@example.se", "Falkenbergs kommun", "Räddningschef", "en"],  # 8: fine
    ]
    preview = preview_url(upload(signed_in, event, "lista.xlsx", xlsx_bytes(rows)))
    assert invitee_count(event) == 1
    page = signed_in.get(preview)
    html = plain(page)
    assert "2 rader importeras" in html and "5 rader importeras inte" in html
    assert [row[0] for row in table_rows(page.get_data(as_text=True), "accepted")] == ["2", "8"]
    rejected = {row[0]: row for row in table_rows(page.get_data(as_text=True), "rejected")}
    assert list(rejected) == ["3", "4", "5", "6", "7"]
    assert rejected["3"][3] == "Ogiltig e-postadress: ”bo.ek@”."
    assert rejected["4"][1:] == ["Cecilia Ny", "", "E-postadress saknas."]
    assert rejected["5"][3] == "Dubblett: samma e-postadress som rad 2."
    assert rejected["6"][3] == "Redan inbjuden till evenemanget."
    assert rejected["7"][3] == "För långt värde i organisation: 201 tecken, högst 200."

    # Looking again, and re-previewing, writes nothing either.
    signed_in.get(preview + "?mapped=1&full_name=0&email=1&organisation=2&role=3&language=4")
    assert invitee_count(event) == 1

    done = confirm(signed_in, preview)
    assert "2 personer lades till." in plain(signed_in.get(done.headers["Location"]))
    assert [row[:3] for row in invitees(event)] == [
        ("Dan", "", "dan@example.se"),
        ("Erik", "Ängel", "erik@example.se"),
        ("Åsa", "Öberg", "asa@example.se"),
    ]


def test_cancel_writes_nothing(signed_in, event):
    preview = preview_url(upload(signed_in, event, "lista.csv", csv_bytes([HEADER, *PEOPLE])))
    html = signed_in.get(preview).get_data(as_text=True)
    action = preview.removeprefix("http://localhost") + "/cancel"
    done = signed_in.post(action, data={"csrf_token": csrf_from(html)})
    assert done.status_code == 303
    assert "Importen avbröts. Ingen lades till." in plain(signed_in.get(done.headers["Location"]))
    assert invitee_count(event) == 0
    assert batch_count() == 0
    assert signed_in.get(preview).status_code == 404


def test_confirm_needs_the_csrf_token(signed_in, event):
    preview = preview_url(upload(signed_in, event, "lista.csv", csv_bytes([HEADER, *PEOPLE])))
    html = signed_in.get(preview).get_data(as_text=True)
    action = preview.removeprefix("http://localhost") + "/confirm"
    fields = hidden_fields(html, action)
    fields.pop("csrf_token")
    assert signed_in.post(action, data=fields).status_code == 400
    assert signed_in.post(action, data={**fields, "csrf_token": "forged"}).status_code == 400
    assert invitee_count(event) == 0
    assert batch_count() == 1


# --- files that cannot be imported ---------------------------------------------------------------------------

NOT_A_SPREADSHEET = "Filen är inte ett kalkylark som vi kan läsa"


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("x.xlsx", os.urandom(4096)),
        ("bild.xlsx", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(2000)),
        ("gammal.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(2000)),
        ("lista.pdf", b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n"),
        ("lista.txt", "Namn;E-post\nÅsa;asa@example.se\n".encode()),
        ("bild.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(2000)),
        ("zip.xlsx", b"PK\x03\x04" + os.urandom(2000)),
    ],
)
def test_a_file_that_is_not_a_spreadsheet_gets_a_clear_message(signed_in, event, filename, data):
    refused(upload(signed_in, event, filename, data), NOT_A_SPREADSHEET, ".xlsx", ".csv")


def test_a_zip_that_is_not_a_workbook_is_not_a_spreadsheet(signed_in, event):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hej.txt", "hej")
    refused(upload(signed_in, event, "lista.xlsx", buffer.getvalue()), NOT_A_SPREADSHEET)


def test_an_empty_file_and_a_header_only_file_get_clear_messages(signed_in, event):
    refused(upload(signed_in, event, "tom.csv", b""), "Filen är tom.")
    refused(upload(signed_in, event, "tom.csv", b"\r\n;;\r\n"), "Filen är tom.")
    refused(upload(signed_in, event, "tom.xlsx", xlsx_bytes([])), "Filen är tom")
    refused(
        upload(signed_in, event, "rubrik.csv", b"Namn;E-post;Organisation\r\n"),
        "bara en rubrikrad (Namn, E-post, Organisation) och inga rader med personer",
    )
    refused(upload(signed_in, event, "rubrik.xlsx", xlsx_bytes([HEADER])), "bara en rubrikrad")


def test_no_email_column_names_the_headers_found(signed_in, event):
    data = csv_bytes([["Namn", "Organisation"], ["Åsa Öberg", "Region Halland"]], delimiter=";")
    refused(
        upload(signed_in, event, "lista.csv", data),
        "ingen kolumn med e-postadresser",
        "Rubrikerna i filen är: ”Namn”, ”Organisation”",
    )


def test_fifty_thousand_rows_are_refused_quickly(signed_in, event):
    body = "".join(f"Person {n};person{n}@example.se\r\n" for n in range(50_000))
    data = ("Namn;E-post\r\n" + body).encode()
    started = time.perf_counter()
    response = upload(signed_in, event, "stor.csv", data)
    elapsed = time.perf_counter() - started
    refused(response, "Listan har fler än 10 000 rader med personer", "högst 10 000")
    assert elapsed < 5, f"took {elapsed:.1f} s"


def test_fifty_thousand_rows_in_a_workbook_are_refused_too(signed_in, event):
    rows = [["Namn", "E-post"]] + [[f"Person {n}", f"person{n}@example.se"] for n in range(50_000)]
    refused(upload(signed_in, event, "stor.xlsx", xlsx_bytes(rows)), "fler än 10 000 rader")


def test_a_file_over_five_megabytes_is_refused(signed_in, event):
    data = b"Namn;E-post\r\n" + b"x" * (5 * 1024 * 1024)
    refused(upload(signed_in, event, "stor.csv", data), "större än 5 MB")


def test_no_file_chosen(signed_in, event):
    page = signed_in.get(upload_url(event))
    response = signed_in.post(upload_url(event), data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    refused(response, "Välj en fil att ladda upp.")


def test_the_upload_page_states_the_limits(signed_in, event):
    page = plain(signed_in.get(upload_url(event)))
    assert "Högst 5 MB och högst 10 000 rader med personer per fil." in page
    assert ".xlsx" in page and ".csv" in page and "Windows-1252" in page
    assert 'aria-current="page"' in page or "Importera inbjudna" in page


def test_the_limits_in_english(signed_in, event):
    english(signed_in)
    page = plain(signed_in.get(upload_url(event)))
    assert "At most 5 MB and at most 10,000 rows of people per file." in page
    data = csv_bytes([["Namn", "Organisation"], ["Åsa Öberg", "Region Halland"]])
    assert "no column of e-mail addresses" in plain(upload(signed_in, event, "lista.csv", data))


# --- mapping ------------------------------------------------------------------------------------------------


def test_the_organiser_maps_a_column_the_guess_did_not_find(signed_in, event):
    rows = [["Namn", "Kontakt", "Arbetsplats"], ["Åsa Öberg", "asa@example.se", "Region Halland"]]
    rows.append(["Björn Ärlig", "bjorn@example.se", "Halmstads kommun"])
    preview = preview_url(upload(signed_in, event, "lista.csv", csv_bytes(rows, delimiter=";")))
    page = signed_in.get(preview)
    html = plain(page)
    assert "Vi hittade ingen kolumn med e-postadresser bland rubrikerna" in html
    assert "Importera 2" not in html
    assert '<option value="1">Kontakt (t.ex. asa@example.se)</option>' in html
    assert '<option value="0" selected>Namn' in html

    mapped = signed_in.get(preview + "?mapped=1&full_name=0&email=1&organisation=2&first_name=&role=&language=")
    html = plain(mapped)
    assert "2 rader importeras" in html
    assert [row[:4] for row in table_rows(mapped.get_data(as_text=True), "accepted")] == [
        ["2", "Åsa Öberg", "asa@example.se", "Region Halland"],
        ["3", "Björn Ärlig", "bjorn@example.se", "Halmstads kommun"],
    ]
    assert '<option value="1" selected>Kontakt' in html
    confirm(signed_in, preview + "?mapped=1&full_name=0&email=1&organisation=2", mapped.get_data(as_text=True))
    assert [row[:4] for row in invitees(event)] == [
        ("Björn", "Ärlig", "bjorn@example.se", "Halmstads kommun"),
        ("Åsa", "Öberg", "asa@example.se", "Region Halland"),
    ]


def test_confirming_without_an_email_column_writes_nothing(signed_in, event):
    rows = [["Namn", "Kontakt"], ["Åsa Öberg", "asa@example.se"]]
    preview = preview_url(upload(signed_in, event, "lista.csv", csv_bytes(rows)))
    html = signed_in.get(preview).get_data(as_text=True)
    action = preview.removeprefix("http://localhost") + "/confirm"
    response = signed_in.post(action, data={"csrf_token": csrf_from(html), "mapped": "1", "full_name": "0"})
    assert response.status_code == 303
    assert "Välj vilken kolumn som innehåller e-postadresserna." in plain(signed_in.get(response.headers["Location"]))
    assert invitee_count(event) == 0
    assert batch_count() == 1


def test_first_and_last_name_columns(signed_in, event):
    rows = [
        ["Förnamn", "Efternamn", "E-postadress", "Företag", "Befattning", "Language"],
        ["Anna-Karin", "af Klint", "ak@example.se", "Myndigheten", "Analytiker", "Engelska"],
    ]
    confirm(signed_in, preview_url(upload(signed_in, event, "lista.xlsx", xlsx_bytes(rows))))
    assert invitees(event) == [("Anna-Karin", "af Klint", "ak@example.se", "Myndigheten", "Analytiker", "en")]


# --- a pasted list ------------------------------------------------------------------------------------------


def test_a_pasted_list_of_addresses(signed_in, event):
    pasted = 'Åsa Öberg <asa@example.se>\n\n"Ärlig, Björn" <bjorn@example.se>\norjan@example.se\nfel.adress\n'
    preview = preview_url(paste(signed_in, event, pasted))
    page = signed_in.get(preview)
    html = plain(page)
    assert "Inklistrad lista." in html
    assert "3 rader importeras" in html and "1 rad importeras inte" in html
    assert table_rows(page.get_data(as_text=True), "rejected") == [
        ["5", "", "fel.adress", "Ogiltig e-postadress: ”fel.adress”."]
    ]
    done = confirm(signed_in, preview)
    assert "3 personer lades till." in plain(signed_in.get(done.headers["Location"]))
    assert [row[:3] for row in invitees(event)] == [
        ("", "", "orjan@example.se"),
        ("Björn", "Ärlig", "bjorn@example.se"),
        ("Åsa", "Öberg", "asa@example.se"),
    ]
    assert {item.source for item in db.session.scalars(select(Invitee))} == {InviteeSource.PASTED}


def test_a_pasted_table_from_excel_with_headers(signed_in, event):
    pasted = "\n".join("\t".join(row) for row in [HEADER, *PEOPLE])
    confirm(signed_in, preview_url(paste(signed_in, event, pasted)))
    assert invitees(event) == EXPECTED


def test_pasted_columns_without_headers(signed_in, event):
    pasted = "Åsa Öberg; asa.oberg@example.se; Region Halland\nÖrjan Åkesson; orjan@example.se; Länsstyrelsen Skåne\n"
    preview = preview_url(paste(signed_in, event, pasted))
    rows = table_rows(signed_in.get(preview).get_data(as_text=True), "accepted")
    assert [row[:4] for row in rows] == [
        ["1", "Åsa Öberg", "asa.oberg@example.se", "Region Halland"],
        ["2", "Örjan Åkesson", "orjan@example.se", "Länsstyrelsen Skåne"],
    ]


def test_an_empty_paste_keeps_the_page(signed_in, event):
    response = paste(signed_in, event, "   \n")
    refused(response, "Klistra in minst en person.")
    response = paste(signed_in, event, "Namn;E-post")
    refused(response, "bara en rubrikrad")
    assert "Namn;E-post</textarea>" in response.get_data(as_text=True)


# --- batches: another event, expiry, the display cap ----------------------------------------------------------


def test_a_batch_of_another_event_is_not_found(signed_in, event, organiser):
    other = factories.event()
    db.session.add(EventRole(user=organiser, event=other, role=Role.ORGANISER))
    preview = preview_url(upload(signed_in, event, "lista.csv", csv_bytes([HEADER, *PEOPLE])))
    key = preview.rsplit("/", 1)[1]
    assert signed_in.get(f"/admin/events/{other.slug}/invitees/import/{key}").status_code == 404
    html = signed_in.get(preview).get_data(as_text=True)
    response = signed_in.post(
        f"/admin/events/{other.slug}/invitees/import/{key}/confirm", data={"csrf_token": csrf_from(html)}
    )
    assert response.status_code == 404
    assert invitee_count(other) == 0 and invitee_count(event) == 0


def test_an_old_batch_is_refused_and_cleaned_on_the_next_upload(signed_in, event):
    preview = preview_url(upload(signed_in, event, "lista.csv", csv_bytes([HEADER, *PEOPLE])))
    html = signed_in.get(preview).get_data(as_text=True)
    batch = db.session.scalar(select(ImportBatch))
    batch.created_at = utcnow() - timedelta(hours=25)
    db.session.commit()

    response = signed_in.get(preview)
    assert response.status_code == 303
    assert "Uppladdningen har gått ut, ladda upp igen." in plain(signed_in.get(response.headers["Location"]))
    action = preview.removeprefix("http://localhost") + "/confirm"
    response = signed_in.post(action, data=hidden_fields(html, action))
    assert "Uppladdningen har gått ut" in plain(signed_in.get(response.headers["Location"]))
    assert invitee_count(event) == 0

    upload(signed_in, event, "lista.csv", csv_bytes([HEADER, *PEOPLE]))
    batch = db.session.scalar(select(ImportBatch))
    batch.created_at = utcnow() - timedelta(hours=25)
    db.session.commit()
    preview_url(upload(signed_in, event, "lista.csv", csv_bytes([HEADER, *PEOPLE])))
    assert batch_count() == 1  # the old one went


def test_ten_thousand_rows_are_counted_and_the_lists_capped(signed_in, event):
    rows = [["Namn", "E-post"]] + [[f"Person {n}", f"person{n}@example.se"] for n in range(9_400)]
    rows += [[f"Fel {n}", f"fel{n}@"] for n in range(600)]
    preview = preview_url(upload(signed_in, event, "stor.csv", csv_bytes(rows)))
    page = signed_in.get(preview)
    html = plain(page)
    assert "9400 rader importeras" in html and "600 rader importeras inte" in html
    assert len(table_rows(page.get_data(as_text=True), "accepted")) == 200
    assert len(table_rows(page.get_data(as_text=True), "rejected")) == 500
    assert "Ytterligare 9200 rader importeras men visas inte här." in html
    assert "Ytterligare 100 rader importeras inte och visas inte här" in html
    confirm(signed_in, preview)
    assert invitee_count(event) == 9_400


# --- access ---------------------------------------------------------------------------------------------


def test_check_in_staff_may_not_import_and_anonymous_must_log_in(client, event):
    response = client.get(upload_url(event))
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
    login_as(client, factories.user(roles={event: "checkin"}))
    db.session.commit()
    assert client.get(upload_url(event)).status_code == 403
    token = csrf_from(client.get(f"/admin/events/{event.slug}/").get_data(as_text=True))
    response = client.post(upload_url(event) + "/paste", data={"csrf_token": token, "text": "a@example.se"})
    assert response.status_code == 403
    assert batch_count() == 0


# --- the reading and checking functions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Namn", "full_name"),
        ("NAME", "full_name"),
        ("Fullständigt namn", "full_name"),
        ("förnamn", "first_name"),
        ("First name", "first_name"),
        ("Given name", "first_name"),
        ("Efternamn", "last_name"),
        ("Last Name", "last_name"),
        ("surname", "last_name"),
        ("Family name", "last_name"),
        ("E-post", "email"),
        ("epost", "email"),
        ("E-mail", "email"),
        ("Email", "email"),
        ("Mejl", "email"),
        ("mail", "email"),
        ("E-post (arbete)", "email"),
        (" E-POSTADRESS ", "email"),
        ("Organisation", "organisation"),
        ("Organization", "organisation"),
        ("Org", "organisation"),
        ("Företag", "organisation"),
        ("Myndighet", "organisation"),
        ("Kommun", "organisation"),
        ("Roll", "role"),
        ("Role", "role"),
        ("Titel", "role"),
        ("title", "role"),
        ("Befattning", "role"),
        ("Språk", "language"),
        ("SPRAK", "language"),
        ("Language", "language"),
        ("lang", "language"),
        ("Kontakt", None),
        ("Organisationsnummer", None),
        ("", None),
    ],
)
def test_headers_in_swedish_and_english(header, field):
    assert importing.field_for_header(header) == field


@pytest.mark.parametrize(
    ("value", "code"),
    [("", "sv"), ("sv", "sv"), ("Svenska", "sv"), ("swedish", "sv"), ("EN", "en"), ("engelska", "en"),
     ("English", "en"), ("en-GB", "en"), ("tyska", None), ("fi", None)],
)  # fmt: skip
def test_languages(value, code):
    assert importing.normalise_language(value) == code


def test_csv_encodings_and_delimiters(app):
    rows = [HEADER, *PEOPLE]
    expected = importing.read_xlsx(xlsx_bytes(rows))
    for _name, (_filename, build) in VARIANTS.items():
        table = importing.read_upload("lista.csv" if _filename.endswith(".csv") else _filename, build(rows))
        assert table.header == HEADER
        assert table.rows == expected.rows
    assert importing.decode_text("Åsa".encode("cp1252")) == "Åsa"
    assert importing.decode_text(b"\xef\xbb\xbf\xc3\x85sa") == "Åsa"
    assert importing.detect_delimiter("Namn;E-post\nÖberg, Åsa;asa@example.se\n") == ";"
    assert importing.detect_delimiter('Namn,E-post\n"Öberg; Åsa",asa@example.se\n') == ","
    assert importing.detect_delimiter("E-post\nasa@example.se\n") == ","
    with pytest.raises(Refused):
        importing.decode_text(b"\x81\x8d\x8f\x90\x9d\xff\xfe")


def test_line_numbers_are_the_files_own(app):
    data = 'Namn;E-post\r\n\r\n"Åsa\r\nÖberg";asa@example.se\r\nBo;bo@example.se\r\n'.encode()
    table = importing.read_csv(data)
    assert [line for line, _cells in table.rows] == [3, 5]
    assert table.rows[0][1] == ["Åsa Öberg", "asa@example.se"]

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["B2"], sheet["C2"] = "Namn", "E-post"
    sheet["B5"], sheet["C5"] = "Åsa", "asa@example.se"
    sheet["B6"], sheet["C6"], sheet["D6"] = 12.0, "x@example.se", None
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = importing.read_xlsx(buffer.getvalue())
    assert table.header == ["", "Namn", "E-post"]
    assert table.rows == [(5, ["", "Åsa", "asa@example.se"]), (6, ["", "12", "x@example.se"])]
    assert importing.guess_mapping(table)["email"] == 2


def test_reading_stops_at_the_row_limit(app):
    def endless():
        yield 1, ["Namn", "E-post"]
        for n in range(2, 10**9):
            yield n, [f"P {n}", f"p{n}@example.se"]

    with pytest.raises(Refused, match="fler än"):
        importing._table_from_rows(endless(), source=InviteeSource.IMPORTED, empty_message="tom")
    rows = [[f"P {n}", f"p{n}@example.se"] for n in range(importing.MAX_ROWS)]
    assert len(importing.read_csv(csv_bytes([["Namn", "E-post"], *rows])).rows) == importing.MAX_ROWS


def test_pasted_formats(app):
    table = importing.read_pasted("Åsa Öberg <asa@example.se>\nbo@example.se\n")
    assert not table.has_header
    assert importing.guess_mapping(table)["email"] == 0
    preview = importing.check(table, importing.guess_mapping(table), set())
    assert [(row.line, row.name, row.person.email) for row in preview.accepted] == [
        (1, "Åsa Öberg", "asa@example.se"),
        (2, "", "bo@example.se"),
    ]
    table = importing.read_pasted("E-post,Namn,Språk\nasa@example.se,Åsa Öberg,en\n")
    assert table.has_header and table.rows == [(2, ["asa@example.se", "Åsa Öberg", "en"])]
    assert importing.guess_mapping(table) == {**importing.empty_mapping(), "email": 0, "full_name": 1, "language": 2}
    table = importing.read_pasted("Åsa Öberg\tasa@example.se\tsv\tRegion Halland\n")
    mapping = importing.guess_mapping(table)
    assert (mapping["email"], mapping["language"], mapping["full_name"], mapping["organisation"]) == (1, 2, 0, 3)
    with pytest.raises(Refused, match="tom"):
        importing.read_pasted("\n \n")


def test_check_reasons_and_limits(app):
    table = importing.Table(
        header=["Förnamn", "Efternamn", "E-post", "Organisation", "Roll", "Språk"],
        rows=[
            (2, ["A" * 100, "B", "a@example.se", "O" * 200, "R" * 120, ""]),
            (3, ["A" * 101, "B", "b@example.se", "", "", ""]),
            (4, ["C", "D" * 101, "c@example.se", "", "R" * 121, "tyska"]),
            (5, ["E", "F", "Old@Example.se", "", "", ""]),
            (6, ["G", "H", "a@EXAMPLE.se", "", "", ""]),
            (7, ["G", "H", "", "", "", ""]),
            (8, ["G", "H", "å@example.se", "", "", ""]),
        ],
    )
    preview = importing.check(table, importing.guess_mapping(table), {"old@example.se"})
    assert [row.line for row in preview.accepted] == [2]
    reasons = {row.line: row.reasons for row in preview.rejected}
    assert [(r.problem, r.field, r.length, r.limit) for r in reasons[3]] == [(Problem.TOO_LONG, "first_name", 101, 100)]
    assert [(r.problem, r.field) for r in reasons[4]] == [
        (Problem.TOO_LONG, "last_name"),
        (Problem.TOO_LONG, "role"),
        (Problem.UNKNOWN_LANGUAGE, None),
    ]
    assert reasons[5][0].problem == Problem.ALREADY_INVITED
    assert (reasons[6][0].problem, reasons[6][0].line) == (Problem.DUPLICATE, 2)
    assert reasons[7][0].problem == Problem.MISSING_EMAIL
    assert reasons[8][0].problem == Problem.INVALID_EMAIL  # no SMTPUTF8 for sending
    assert "förnamn: 101 tecken, högst 100" in preview.rejected[0].message
    assert "Okänt språk ”tyska”" in preview.rejected[1].message


def test_a_mapping_from_the_form_is_checked(app):
    assert importing.mapping_from({"email": "2", "full_name": "9", "role": "x", "language": "-1"}, 3) == {
        **importing.empty_mapping(),
        "email": 2,
    }
    assert importing.stored_mapping({"email": 1, "role": "1", "language": 7}, 3) == {
        **importing.empty_mapping(),
        "email": 1,
    }


def test_cells_are_cleaned(app):
    assert importing.clean_cell(None) == ""
    assert importing.clean_cell(3.0) == "3"
    assert importing.clean_cell(3.5) == "3.5"
    assert importing.clean_cell("  Åsa\u00a0 \tÖberg\x00 ") == "Åsa Öberg"
    assert importing.split_full_name("Öberg, Åsa") == ("Åsa", "Öberg")
    assert importing.split_full_name("Anna-Karin af Klint") == ("Anna-Karin", "af Klint")
    assert importing.split_address('"Öberg, Åsa" <asa@example.se>') == ("Öberg, Åsa", "asa@example.se")
