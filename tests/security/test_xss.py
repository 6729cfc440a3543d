"""An XSS payload in every text field of every form is inert in HTML, e-mails, PDFs, CSV, XLSX and iCal.

The URL map is walked as an admin in the world of tests/security/world.py: every <form method=post>
of every page (the personal-link, speaker and call pages included, through their real tokens) is
submitted with the payload in each of its text inputs and text areas, the other fields as the page
offered them. A field the answer marks aria-invalid gets a weaker variant, then a plain value, so
that one strict field (a phone number, a slug) does not keep the payload out of the others; a
refusal is inert by refusal, a 5xx is a failure. The invitee import (pasted text, preview,
confirm), a preview's "send" step and the invitations are driven explicitly. Then every output
is read back: every page again (admin and anonymous) must hold the payload only escaped; every
queued e-mail's HTML part likewise; the PDFs render and print the payload as literal text; CSV
and XLSX exports hold it as text with formula starts neutralised; the iCal feeds parse and give
it back as text, and a line break in a title cannot add a property; the XML and JSON schedules
parse; our scripts use no HTML sinks.
"""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from forum.auth.policy import Permission, declared_permission
from forum.extensions import db
from tests.security import world as worlds

PAYLOAD = '"><script>alert(1)</script><img src=x onerror=alert(2)>{{7*7}}=HYPERLINK("http://x","y")'
SHORT = "<script>alert(1)</script>"
# What must never reach an HTML page unescaped.
RAW = ("<script>alert(1)", "<img src=x onerror", "onerror=alert(2)>")
ICAL_INJECTION = "Pass\r\nATTENDEE:mailto:x@example.org\r\nX-EVIL;A=1:b"
TEXT_TYPES = {"text", "search", "textarea", "tel", ""}
# Weaker variants for a field that refuses the full payload (a template refuses unknown {placeholders},
# a short field the long string), tried in turn before the field gets a plain value.
VARIANTS = (PAYLOAD, '"><script>alert(1)</script><img src=x onerror=alert(2)>', SHORT)
PLAUSIBLE_BY_TYPE = {
    "date": "2030-05-02",
    "datetime-local": "2030-05-02T10:00",
    "time": "10:00",
    "number": "10",
    "url": "https://example.org",
}
PLAUSIBLE_BY_NAME = (
    (r"phone|telefon", "070-123 45 67"),
    (r"municipal|kommun", "Halmstad"),
    (r"slug", "xss-test"),
    (r"url|website|link", "https://example.org"),
    (r"email", "xss@example.org"),
    (r"logo|path", "img/logo.svg"),
    (r"starts|begin", "2026-12-24 10:00"),
    (r"ends", "2026-12-24 11:00"),
    (r"closes", "2026-12-22 10:00"),
    (r"_at$|opens|closes|deadline|date|time", "2026-12-20 10:00"),
)
CONFIRM_ACTIONS = re.compile(r"/send$|/confirm$")
# Forms whose submission would end the walk's session or wipe what the checks read.
SKIP_ACTIONS = re.compile(
    r"/logout|/decline|/withdraw|/delete|/purge|/anonymi|/erase|/deactivate|/cancel|/remove|/unsubscribe"
)


class Forms(HTMLParser):
    """The POST forms of a page: action and fields as a browser would submit them by default."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._textarea: str | None = None
        self._select: str | None = None
        self.invalid: set[str] = set()

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form["values"][self._textarea] += data

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            if (attributes.get("method") or "get").lower() == "post":
                self._form = {"action": attributes.get("action") or "", "fields": [], "text": [], "values": {}}
            return
        if self._form is None:
            return
        name = attributes.get("name")
        if attributes.get("aria-invalid") == "true":
            self.invalid.add(name or attributes.get("id") or "")
        if tag == "input" and name:
            kind = (attributes.get("type") or "text").lower()
            value = attributes.get("value") or ""
            if kind in ("checkbox", "radio"):
                if "checked" in attributes:
                    self._form["fields"].append((name, value or "on"))
                elif kind == "radio" and not any(n == name for n, _ in self._form["fields"]):
                    self._form.setdefault("radios", {}).setdefault(name, value)
            elif kind in ("submit", "button", "image", "reset", "file", "password"):
                return
            elif kind == "email":
                self._form["fields"].append((name, value or "xss-{n}@example.org"))
            elif kind in TEXT_TYPES:
                self._form["text"].append((name, attributes.get("maxlength")))
                self._form["values"][name] = value
            else:
                self._form["fields"].append((name, value or _empty_default(kind, name)))
        elif tag == "textarea" and name:
            self._form["text"].append((name, attributes.get("maxlength")))
            self._textarea = name
            self._form["values"][name] = ""
        elif tag == "select" and name:
            self._select = name
            self._form.setdefault("selects", {})[name] = None
        elif tag == "option" and self._select:
            selects = self._form["selects"]
            value = attributes.get("value", "")
            if "selected" in attributes or selects[self._select] is None:
                selects[self._select] = value

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form" and self._form is not None:
            form = self._form
            for name, value in form.pop("radios", {}).items():
                if not any(n == name for n, _ in form["fields"]):
                    form["fields"].append((name, value))
            for name, value in form.pop("selects", {}).items():
                if value is not None:
                    form["fields"].append((name, value))
            self.forms.append(form)
            self._form = None


def post_forms(html: str) -> list[dict]:
    parser = Forms()
    parser.feed(html)
    return parser.forms


def invalid_fields(html: str) -> set[str]:
    """The names of the fields a re-shown form marks aria-invalid."""
    parser = Forms()
    parser.feed(html)
    return parser.invalid


def _empty_default(kind: str, name: str) -> str:
    if kind == "datetime-local":
        return plausible(name, "")
    return PLAUSIBLE_BY_TYPE.get(kind, "")


def plausible(name: str, page_value: str) -> str:
    """A value the field accepts: what the page showed, or a guess from its name."""
    if page_value.strip():
        return page_value
    return next((value for pattern, value in PLAUSIBLE_BY_NAME if re.search(pattern, name)), "10")


def _payload_for(maxlength: str | None) -> str:
    if maxlength and maxlength.isdigit():
        limit = int(maxlength)
        if limit < len(PAYLOAD):
            return SHORT if limit >= len(SHORT) else SHORT[: max(limit, 0)]
    return PAYLOAD


def _is_html(response) -> bool:
    return response.mimetype == "text/html"


def raw_payload_in(text: str) -> list[str]:
    return [marker for marker in RAW if marker in text]


def _pages(app, world):
    """(rule, url) of every GET route, with the world's real tokens."""
    for rule in worlds.get_rules(app):
        if rule.rule.startswith("/api/"):
            continue
        yield rule, worlds.url_for(app, rule, world)


def _extra_pages(world) -> list[str]:
    """Pages with forms that the GET rules reach only through a query or a public entry point."""
    slug = world.slug
    return [f"/e/{slug}/register", f"/e/{slug}/call", f"/r/{world.tokens['/r/']}/edit", f"/s/{world.tokens['/s/']}"]


def fill_every_form(app, world) -> tuple[int, list[str]]:
    """Submit every POST form reachable from a GET page with the payload; (forms sent, failures)."""
    admin = worlds.client_as(app, world.admin_identity)
    anonymous = worlds.client_as(app, None)
    sent, failures, seen = 0, [], set()
    urls = [(rule, url) for rule, url in _pages(app, world)] + [(None, url) for url in _extra_pages(world)]
    # The public and personal-link pages first: an organiser's decision (accepting a proposal)
    # closes the person's own form.
    urls.sort(key=lambda pair: pair[1].startswith("/admin"))
    for rule, url in urls:
        clients = [admin]
        if rule is None or declared_permission(app.view_functions[rule.endpoint]) == Permission.PUBLIC:
            clients.append(anonymous)
        for client in clients:
            page = client.get(url)
            if page.status_code != 200 or not _is_html(page):
                continue
            for form in post_forms(page.get_data(as_text=True)):
                action = form["action"] or url
                key = (action, tuple(sorted(name for name, _ in form["text"])))
                if not form["text"] or key in seen or SKIP_ACTIONS.search(action):
                    continue
                seen.add(key)
                failures += submit_with_payload(client, url, action, form, sent)
                sent += 1
    return sent, failures


def confirm_step(client, action: str, response) -> list[str]:
    """A preview answered: send its confirmation form (the message broadcast's "send") as it stands."""
    for form in post_forms(response.get_data(as_text=True)):
        target = form["action"]
        if target != action and CONFIRM_ACTIONS.search(target) and not SKIP_ACTIONS.search(target):
            data = dict(form["fields"]) | {name: form["values"].get(name, "") for name, _ in form["text"]}
            answer = client.post(target, data=data)
            if answer.status_code >= 500:
                return [f"POST {target} (confirming {action}) answered {answer.status_code}"]
    return []


def submit_with_payload(client, url: str, action: str, form: dict, number: int) -> list[str]:
    """Post the form with the payload in every text field; a field the answer marks invalid gets
    a weaker variant, then a plain value, so that the other fields still get theirs in."""
    data = {name: value.replace("{n}", f"{number}-{index}") for index, (name, value) in enumerate(form["fields"])}
    tried = {name: 0 for name, _ in form["text"]}
    for name, maxlength in form["text"]:
        data[name] = _payload_for(maxlength)
    for _round in range(len(VARIANTS) + 2):
        response = client.post(action, data=data)
        if response.status_code >= 500:
            return [f"POST {action} (form of {url}) answered {response.status_code}"]
        if response.status_code not in (200, 400, 422) or not _is_html(response):
            return []
        invalid = invalid_fields(response.get_data(as_text=True))
        if not invalid:
            return confirm_step(client, action, response)
        changed = False
        for name in invalid:
            if name in tried:
                tried[name] += 1
                step = tried[name]
                value = VARIANTS[step] if step < len(VARIANTS) else plausible(name, form["values"].get(name, ""))
                changed |= data.get(name) != value
                data[name] = value
            elif name in data or name:
                value = plausible(name, "")
                changed |= data.get(name) != value
                data[name] = value
        if not changed:
            return []
    return []


def import_invitees(app, world) -> list[str]:
    """The invitee import: pasted text with the payload in a name and an organisation, previewed
    and confirmed (the walk cannot reach the preview, whose URL holds the batch's key)."""
    client = worlds.client_as(app, world.admin_identity)
    upload = f"/admin/events/{world.slug}/invitees/import"
    page = client.get(upload)
    assert page.status_code == 200, f"{upload} answered {page.status_code}"
    paste = next(form for form in post_forms(page.get_data(as_text=True)) if form["action"].endswith("/paste"))
    data = dict(paste["fields"])
    text = f"namn;e-post;organisation\n{PAYLOAD};xss-import@example.org;{PAYLOAD}"
    data.update({name: text for name, _ in paste["text"]})
    response = client.post(paste["action"], data=data)
    if response.status_code >= 500:
        return [f"POST {paste['action']} answered {response.status_code}"]
    preview = client.get(response.headers["Location"])
    confirm = next(form for form in post_forms(preview.get_data(as_text=True)) if "/confirm" in form["action"])
    response = client.post(confirm["action"], data=dict(confirm["fields"]))
    return [f"POST {confirm['action']} answered {response.status_code}"] if response.status_code >= 400 else []


@pytest.fixture
def filled(csrf_app, world):
    from forum.invitations.models import Invitee

    failures = import_invitees(csrf_app, world)
    sent, more = fill_every_form(csrf_app, world)
    failures += more
    # The invitations, whose text the walk filled in, go out to everyone not yet invited.
    admin = worlds.client_as(csrf_app, world.admin_identity)
    token = _csrf(admin, f"/admin/events/{world.slug}/invitees")
    response = admin.post(f"/admin/events/{world.slug}/invitees/send", data={"csrf_token": token, "scope": "unsent"})
    assert response.status_code < 400, f"sending the invitations answered {response.status_code}"
    assert not failures, "\n".join(failures)
    with csrf_app.app_context():
        imported = db.session.scalar(select(Invitee).where(Invitee.email == "xss-import@example.org"))
        assert imported is not None and "<script>" in imported.first_name + imported.organisation
    assert sent >= 30, f"only {sent} forms were filled in: the walk looks broken"
    return world


def test_every_page_shows_the_payload_only_escaped(csrf_app, filled):
    admin = worlds.client_as(csrf_app, filled.admin_identity)
    anonymous = worlds.client_as(csrf_app, None)
    problems, escaped = [], set()
    urls = [url for _rule, url in _pages(csrf_app, filled)] + _extra_pages(filled)
    for url in urls:
        for who, client in (("admin", admin), ("anonymous", anonymous)):
            response = client.get(url)
            if response.status_code >= 500:
                problems.append(f"{who} GET {url} answered {response.status_code}")
            if not _is_html(response):
                continue
            html = response.get_data(as_text=True)
            problems += [f"{who} GET {url}: raw {marker!r}" for marker in raw_payload_in(html)]
            if "&lt;script&gt;alert(1)" in html:
                escaped.add(url)
    assert not problems, "\n".join(problems)
    slug, token = filled.slug, filled.tokens
    # The places each kind of person reads what others typed.
    for url in (
        f"/e/{slug}/",
        f"/e/{slug}/programme",
        f"/r/{token['/r/']}",
        f"/s/{token['/s/']}",
        f"/admin/events/{slug}/registrations",
        f"/admin/events/{slug}/invitees",
        f"/admin/events/{slug}/programme",
        f"/admin/events/{slug}/speakers",
    ):
        assert url in escaped, f"{url} does not show the (escaped) payload: did the forms take it?"
    assert len(escaped) >= 30, f"the payload showed (escaped) on only {len(escaped)} pages"


def test_every_email_shows_the_payload_only_escaped(csrf_app, filled):
    from forum.mail.models import OutboxMessage

    with csrf_app.app_context():
        messages = db.session.scalars(select(OutboxMessage)).all()
        assert messages, "the walk queued no e-mail"
        problems = [
            f"message {message.id} ({message.purpose}) to {message.recipient}: raw {marker!r}"
            for message in messages
            for marker in raw_payload_in(message.body_html or "")
        ]
        escaped = [message for message in messages if "&lt;script&gt;alert(1)" in (message.body_html or "")]
        in_text = [message for message in messages if "<script>alert(1)</script>" in message.body_text]
    assert not problems, "\n".join(problems)
    carried = {message.purpose for message in escaped}
    wanted = {"invitation", "message", "registration.confirmation", "programme.proposal_receipt"}
    assert wanted <= carried, f"e-mails without the (escaped) payload: {sorted(wanted - carried)}"
    assert in_text, "the text part should show the payload as the literal text it is"


# --- PDFs ---------------------------------------------------------------------------------------


def text_of(data: bytes) -> str:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        return "\n".join(document[index].get_textpage().get_text_range() for index in range(len(document)))
    finally:
        document.close()


def _flat(text: str) -> str:
    """PDF text with the line breaks of wrapped cells taken out."""
    return re.sub(r"\s+", "", text)


def test_every_pdf_renders_and_prints_the_payload_as_text(csrf_app, filled):
    from forum.registration.models import Registration

    world = filled
    admin = worlds.client_as(csrf_app, world.admin_identity)
    with csrf_app.app_context():
        registration_id = db.session.scalar(
            select(Registration.id).where(Registration.organisation.contains("<script>")).limit(1)
        )
    assert registration_id, "no registration took the payload in its organisation"
    slug = world.slug
    gets = {
        "programme": f"/e/{slug}/programme.pdf",
        "ticket": f"/r/{world.tokens['/r/']}/ticket.pdf",
        "speaker schedule": f"/s/{world.tokens['/s/']}/schedule.pdf",
        "badge": f"/admin/events/{slug}/badges/{registration_id}.pdf",
    }
    documents = {name: admin.get(url) for name, url in gets.items()}
    token = _csrf(admin, f"/admin/events/{slug}/exports")
    for fmt in ("signin", "door", "workshops", "catering", "dietary_names"):
        documents[fmt] = admin.post(f"/admin/events/{slug}/exports", data={"csrf_token": token, "format": fmt})
    texts = {}
    for name, response in documents.items():
        assert response.status_code == 200, f"{name} PDF answered {response.status_code}"
        assert response.data.startswith(b"%PDF"), f"{name} is not a PDF"
        texts[name] = _flat(text_of(response.data))
    # Where a typed text is printed, it is printed as the literal characters typed.
    for name in ("programme", "speaker schedule", "badge", "signin", "door"):
        assert _flat(SHORT) in texts[name], f"the {name} PDF does not print the payload as text"


def _csrf(client, url: str) -> str:
    from tests.conftest import csrf_from

    return csrf_from(client.get(url).get_data(as_text=True))


# --- CSV and XLSX -------------------------------------------------------------------------------

FORMULAS = ('=HYPERLINK("http://x","y")', "+SUM(1+1)Ab", "-2+3Cd", "@SUM(A1)Ef")


@pytest.fixture
def formula_registration(csrf_app, filled):
    """A registration whose text fields start like spreadsheet formulas."""
    from forum.events.models import Event
    from forum.registration import services as registration

    with csrf_app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == filled.slug))
        registration.register(
            event,
            registration.Details(
                first_name=FORMULAS[1],
                last_name=FORMULAS[2],
                email="formula@example.org",
                organisation=FORMULAS[0],
                contribution=FORMULAS[3],
            ),
        )
        db.session.commit()
    return filled


def _export(csrf_app, world, fmt: str):
    from forum.events.models import Event
    from forum.reports import exports

    admin = worlds.client_as(csrf_app, world.admin_identity)
    with csrf_app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == world.slug))
        keys = [column.key for column in exports.available_columns(event)]
    token = _csrf(admin, f"/admin/events/{world.slug}/exports")
    response = admin.post(
        f"/admin/events/{world.slug}/exports", data={"csrf_token": token, "format": fmt, "columns": keys}
    )
    assert response.status_code == 200, f"{fmt} export answered {response.status_code}"
    return response


def _check_cells(cells: list[str], fmt: str) -> None:
    dangerous = [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]
    assert not dangerous, f"{fmt}: cells a spreadsheet would run as formulas: {dangerous}"
    assert any(PAYLOAD in cell or SHORT in cell for cell in cells), f"{fmt}: the payload is not in the export"
    for formula in FORMULAS:
        assert "'" + formula in cells, f"{fmt}: {formula!r} is not kept as neutralised text"


@pytest.mark.parametrize("fmt", ["csv", "csv_excel"])
def test_csv_exports_hold_the_payload_as_inert_text(csrf_app, formula_registration, fmt):
    response = _export(csrf_app, formula_registration, fmt)
    text = response.data.decode("utf-8-sig")
    delimiter = ";" if fmt == "csv_excel" else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    assert len(rows) >= 3
    _check_cells([cell for row in rows for cell in row], fmt)


def test_xlsx_export_holds_the_payload_as_inert_text(csrf_app, formula_registration):
    import openpyxl

    response = _export(csrf_app, formula_registration, "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    formulas = [cell.coordinate for cell in cells if cell.data_type == "f"]
    assert not formulas, f"formula cells in the XLSX: {formulas}"
    _check_cells([cell.value for cell in cells if isinstance(cell.value, str)], "xlsx")


# --- iCal ---------------------------------------------------------------------------------------


def test_ical_feeds_give_the_payload_back_as_text_and_take_no_injected_property(csrf_app, filled):
    import icalendar

    from forum.programme.models import ProgrammeItem

    world = filled
    with csrf_app.app_context():
        item = db.session.scalar(select(ProgrammeItem).where(ProgrammeItem.title.contains("<script>")).limit(1))
        assert item, "the programme item did not take the payload in its title"
        item_id = item.id
        item.title = ICAL_INJECTION
        item.description = PAYLOAD + "\nrad två; med, tecken\\"
        db.session.commit()
    anonymous = worlds.client_as(csrf_app, None)
    feeds = [
        f"/e/{world.slug}/programme.ics",
        f"/e/{world.slug}/event.ics",
        f"/e/{world.slug}/programme/{item_id}.ics",
        f"/r/{world.tokens['/r/']}/calendar.ics",
        f"/s/{world.tokens['/s/']}/schedule.ics",
    ]
    summaries, descriptions = [], []
    for url in feeds:
        response = anonymous.get(url)
        assert response.status_code == 200, f"{url} answered {response.status_code}"
        body = response.get_data(as_text=True)
        assert not re.search(r"^(ATTENDEE|X-EVIL)", body, re.MULTILINE | re.IGNORECASE), f"{url}: injected line"
        calendar = icalendar.Calendar.from_ical(response.data)
        for component in calendar.walk():
            names = {name.upper() for name in component}
            assert "ATTENDEE" not in names and "X-EVIL" not in names, f"{url}: injected property"
            summaries += [str(component.get("SUMMARY"))] if component.get("SUMMARY") is not None else []
            descriptions += [str(component.get("DESCRIPTION"))] if component.get("DESCRIPTION") is not None else []
    assert ICAL_INJECTION.replace("\r\n", "\n") in [s.replace("\r\n", "\n") for s in summaries], summaries
    assert any(SHORT in summary for summary in summaries if "ATTENDEE" not in summary), "no title with the payload"
    typed = PAYLOAD + "\nrad två; med, tecken\\"
    assert any(typed in description for description in descriptions), "the description did not come back as typed"


# --- scripts --------------------------------------------------------------------------------------


def test_our_scripts_put_names_into_the_page_as_text_only():
    """The check-in scanner shows names from the API's JSON: as text (textContent), never as HTML."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    scripts = [*root.joinpath("static", "js").rglob("*.js"), *root.joinpath("templates").rglob("*.js")]
    assert scripts, "no scripts found"
    sinks = re.compile(r"\.(innerHTML|outerHTML|insertAdjacentHTML)\b|document\.write|\beval\(|new Function\(")
    found = [
        f"{path.relative_to(root)}:{number}: {line.strip()[:80]}"
        for path in scripts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if sinks.search(line)
    ]
    assert not found, "HTML sinks in our scripts:\n" + "\n".join(found)


# --- the schedule feeds (XML and JSON) ----------------------------------------------------------


def test_schedule_feeds_parse_and_give_the_payload_back_as_text(csrf_app, filled):
    import json
    import xml.etree.ElementTree as ElementTree

    anonymous = worlds.client_as(csrf_app, None)
    xml = anonymous.get(f"/e/{filled.slug}/schedule.xml")
    assert xml.status_code == 200
    root = ElementTree.fromstring(xml.data)  # noqa: S314 (the app's own answer, in a test)
    texts = [element.text or "" for element in root.iter()]
    texts += [value for element in root.iter() for value in element.attrib.values()]
    assert any(SHORT in text for text in texts), "the XML schedule does not give the payload back as text"
    feed = anonymous.get(f"/e/{filled.slug}/schedule.json")
    assert feed.status_code == 200 and feed.mimetype == "application/json"
    assert SHORT in json.dumps(json.loads(feed.data), ensure_ascii=False)
