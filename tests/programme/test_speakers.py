"""Speakers: the organiser's screens (add, edit, checks, invite, remove, access), the speaker's page
/s/<token> with exactly their items and the full programme, the bio they edit, their schedule as
.ics and PDF with exactly their items, and the "speakers" segment for organisers' messages."""

from __future__ import annotations

import base64
import contextlib
import importlib.util
import re
import zlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.mail import broadcast
from forum.mail.models import OutboxMessage
from forum.privacy.models import AuditLog
from forum.programme import speakers as services
from forum.programme.models import Appearance, ProgrammeItem, Speaker
from tests import factories
from tests.auth.helpers import english, error_for, text, value_of
from tests.conftest import csrf_from, login_as, submit

# Next year's 25 February, 9.00 in Stockholm (winter time, UTC+1): always ahead.
YEAR = datetime.now(UTC).year + 1
STARTS = datetime(YEAR, 2, 25, 8, 0, tzinfo=UTC)
LINK = re.compile(r"https?://[^\s\"<>]+/s/[A-Za-z0-9_\-]+")


@pytest.fixture
def event(app):
    return factories.event(
        slug="beredskapsdagen",
        title="Beredskapsdagen",
        starts_at=STARTS,
        ends_at=STARTS + timedelta(hours=8),
    )


def base(event) -> str:
    return f"/admin/events/{event.slug}/speakers"


def speaker(event, name: str, email: str, language: str = "sv", **fields) -> Speaker:
    person = services.add_speaker(event, services.SpeakerData(name=name, email=email, language=language, **fields))
    db.session.commit()
    return person


def item(event, title: str, hours: float, speakers=(), room=None, length: float = 1) -> ProgrammeItem:
    entry = ProgrammeItem(
        event=event,
        title=title,
        starts_at=STARTS + timedelta(hours=hours),
        ends_at=STARTS + timedelta(hours=hours + length),
        room=room,
    )
    entry.appearances = [Appearance(speaker=person, position=n) for n, person in enumerate(speakers)]
    db.session.add(entry)
    db.session.commit()
    return entry


def page_url(person: Speaker) -> str:
    return f"/s/{services.token_for(person)}"


def section(html: str, element_id: str) -> str:
    match = re.search(rf'<section[^>]*id="{element_id}"[^>]*>(.*?)</section>', html, re.S)
    assert match, f"no section {element_id}"
    return match.group(1)


@pytest.fixture
def programme(event):
    """Two speakers with an item each, one item together, and an item without either."""
    room_a = factories.room(event, "Stora salen")
    room_b = factories.room(event, "Lilla salen")
    asa = speaker(event, "Åsa Öberg", "asa@example.org", title="Länsråd", organisation="Länsstyrelsen")
    bo = speaker(event, "Bo Ek", "bo@example.org")
    items = {
        "asa": item(event, "Samhallets nya verklighet", 1, [asa], room_a),
        "bo": item(event, "Civilsamhallets tre funktioner", 3, [bo], room_b),
        "both": item(event, "Vagen framat", 5, [bo, asa], room_a),
        "none": item(event, "Lunch i matsalen", 2.5, [], None),
    }
    return asa, bo, items


# --- the organiser's screens -------------------------------------------------------------------


def test_organiser_adds_a_speaker(signed_in, event):
    response = submit(
        signed_in,
        f"{base(event)}/new",
        {
            "name": "Åsa Öberg",
            "title": "Länsråd",
            "organisation": "Länsstyrelsen Hallands län",
            "email": "Asa.Oberg@Example.org",
            "language": "en",
            "bio": "Arbetar med *civilt försvar*.",
        },
        follow_redirects=True,
    )
    page = text(response)
    assert "Åsa Öberg är tillagd som talare." in page
    assert "Länsstyrelsen Hallands län" in page
    [added] = services.speakers(event)
    assert (added.name, added.title, added.language, added.email_key) == (
        "Åsa Öberg",
        "Länsråd",
        "en",
        "asa.oberg@example.org",
    )
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "speaker.added")) is not None


def test_bad_input_is_explained_and_kept(signed_in, event):
    speaker(event, "Bo Ek", "bo@example.org")
    url = f"{base(event)}/new"
    response = submit(signed_in, url, {"name": "", "email": "inte-en-adress", "title": "Forskare", "language": "sv"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Fyll i fältet." in text(response)
    assert "Skriv en giltig e-postadress" in text(response)
    assert value_of(html, "title") == "Forskare"
    assert value_of(html, "email") == "inte-en-adress"

    response = submit(signed_in, url, {"name": "Bo Ekström", "email": "BO@example.org", "language": "sv"})
    assert "Det finns redan en talare med den e-postadressen." in error_for(response.get_data(as_text=True), "email")

    response = submit(signed_in, url, {"name": "Cia", "email": "cia@example.org", "language": "sv", "bio": "x" * 5001})
    assert "Får vara högst 5000 tecken." in error_for(response.get_data(as_text=True), "bio")
    assert [person.name for person in services.speakers(event)] == ["Bo Ek"]


def test_organiser_edits_a_speaker(signed_in, event):
    bo = speaker(event, "Bo Ek", "bo@example.org")
    other = speaker(event, "Cia Lund", "cia@example.org")
    url = f"{base(event)}/{bo.id}/edit"
    assert value_of(signed_in.get(url).get_data(as_text=True), "name") == "Bo Ek"
    response = submit(signed_in, url, {"name": "Bo Ek", "email": "cia@example.org", "language": "sv"})
    assert "Det finns redan en talare" in error_for(response.get_data(as_text=True), "email")
    response = submit(
        signed_in, url, {"name": "Bo Ekström", "email": "bo@example.org", "organisation": "MSB", "language": "sv"}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert (db.session.get(Speaker, bo.id).name, db.session.get(Speaker, bo.id).organisation) == ("Bo Ekström", "MSB")
    assert db.session.get(Speaker, other.id).name == "Cia Lund"


def test_invitation_is_queued_with_a_working_link(signed_in, event, programme):
    asa, bo, items = programme
    page = signed_in.get(base(event)).get_data(as_text=True)
    response = signed_in.post(
        f"{base(event)}/{asa.id}/invite", data={"csrf_token": csrf_from(page)}, follow_redirects=True
    )
    assert "Inbjudan till Åsa Öberg ligger i utkorgen" in text(response)
    [message] = db.session.scalars(select(OutboxMessage)).all()
    assert message.recipient == "asa@example.org"
    assert message.purpose == "speaker.invitation"
    assert "Beredskapsdagen" in message.subject
    assert "Samhallets nya verklighet" in message.body_text
    assert "Civilsamhallets tre funktioner" not in message.body_text
    link = LINK.search(message.body_text).group(0)
    assert link in message.body_html
    signed_in.get("/admin/logout")
    shown = text(signed_in.get(link.removeprefix("http://localhost")))
    assert "Åsa Öberg" in shown
    db.session.expire_all()
    assert db.session.get(Speaker, asa.id).invited_at is not None


def test_invitation_in_the_speakers_language(signed_in, event):
    eve = speaker(event, "Eve Smith", "eve@example.org", language="en")
    page = signed_in.get(base(event)).get_data(as_text=True)
    signed_in.post(f"{base(event)}/{eve.id}/invite", data={"csrf_token": csrf_from(page)})
    [message] = db.session.scalars(select(OutboxMessage)).all()
    assert message.subject == "You are a speaker at Beredskapsdagen"
    assert "Your personal page" in message.body_text


def test_invite_needs_csrf(signed_in, event):
    bo = speaker(event, "Bo Ek", "bo@example.org")
    assert signed_in.post(f"{base(event)}/{bo.id}/invite").status_code == 400
    assert db.session.scalars(select(OutboxMessage)).all() == []


def test_organiser_removes_a_speaker_after_confirming(signed_in, event, programme):
    asa, bo, items = programme
    url = f"{base(event)}/{bo.id}/remove"
    confirm = text(signed_in.get(url))
    assert "Civilsamhallets tre funktioner" in confirm
    response = submit(signed_in, url, {}, follow_redirects=True)
    assert "Bo Ek är borttagen som talare." in text(response)
    db.session.expire_all()
    assert [person.name for person in services.speakers(event)] == ["Åsa Öberg"]
    assert [person.name for person in db.session.get(ProgrammeItem, items["both"].id).speakers] == ["Åsa Öberg"]


def test_another_events_speaker_is_not_found(signed_in, event):
    other = speaker(factories.event(), "Eva Berg", "eva@example.org")
    assert signed_in.get(f"{base(event)}/{other.id}/edit").status_code == 404
    assert signed_in.get(f"{base(event)}/{other.id}/remove").status_code == 404


def test_access(client, event):
    bo = speaker(event, "Bo Ek", "bo@example.org")
    assert client.get(base(event)).status_code in (302, 303)
    checkin = factories.user(roles={event: "checkin"})
    other = factories.user(roles={factories.event(): "organiser"})
    db.session.commit()
    for user in (checkin, other):
        login_as(client, user)
        assert client.get(base(event)).status_code == 403
        assert client.get(f"{base(event)}/{bo.id}/edit").status_code == 403


def test_nav_has_speakers(signed_in, event):
    html = signed_in.get(f"/admin/events/{event.slug}/speakers").get_data(as_text=True)
    assert 'aria-current="page">Talare</a>' in html


# --- the speaker's page ------------------------------------------------------------------------


def test_speaker_page_shows_exactly_their_items(client, event, programme):
    asa, bo, items = programme
    response = client.get(page_url(asa))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    html = text(response)
    mine = section(html, "my-items")
    assert "Samhallets nya verklighet" in mine
    assert "Vagen framat" in mine
    assert "Civilsamhallets tre funktioner" not in mine
    assert "Lunch i matsalen" not in mine
    # Time in the event's zone (UTC+1 in February), the room and the co-speaker.
    assert "10.00–11.00" in mine and "Stora salen" in mine
    assert "Tillsammans med: Bo Ek" in mine
    # The full programme below, in time order.
    everything = section(html, "programme")
    positions = [
        everything.index(title)
        for title in ("Samhallets nya verklighet", "Lunch i matsalen", "Civilsamhallets tre funktioner", "Vagen framat")
    ]
    assert positions == sorted(positions)

    other = section(text(client.get(page_url(bo))), "my-items")
    assert "Civilsamhallets tre funktioner" in other and "Vagen framat" in other
    assert "Samhallets nya verklighet" not in other


def test_speaker_page_links_to_downloads(client, event, programme):
    asa, _bo, _items = programme
    token = services.token_for(asa)
    html = client.get(page_url(asa)).get_data(as_text=True)
    assert f'href="/s/{token}/schedule.ics"' in html
    assert f'href="/s/{token}/schedule.pdf"' in html
    assert f'href="webcal://localhost/s/{token}/schedule.ics"' in html


def test_wrong_token_is_not_found(client, event, programme):
    assert client.get("/s/not-a-real-token").status_code == 404
    assert client.get("/s/" + "x" * 300).status_code == 404
    assert client.get("/s/not-a-real-token/schedule.ics").status_code == 404
    assert client.get("/s/not-a-real-token/schedule.pdf").status_code == 404


def test_removed_speakers_link_stops_working(client, event, programme):
    asa, _bo, _items = programme
    url = page_url(asa)
    services.remove_speaker(asa)
    db.session.commit()
    assert client.get(url).status_code == 404


def test_speaker_edits_their_bio_shown_as_text(client, event, programme):
    asa, _bo, _items = programme
    url = page_url(asa)
    response = submit(
        client, url, {"bio": "Jag leder <script>alert(1)</script> **krisberedskap**."}, follow_redirects=True
    )
    assert "Din presentation är sparad." in text(response)
    html = client.get(url).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<strong>krisberedskap</strong>" in html
    db.session.expire_all()
    assert db.session.get(Speaker, asa.id).bio.startswith("Jag leder <script>")
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "speaker.bio_updated")) is not None


def test_too_long_bio_is_refused_and_kept(client, event, programme):
    asa, _bo, _items = programme
    url = page_url(asa)
    response = submit(client, url, {"bio": "å" * 5001})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Får vara högst 5000 tecken." in error_for(html, "bio")
    assert "å" * 5001 in html
    db.session.expire_all()
    assert db.session.get(Speaker, asa.id).bio == ""


def test_bio_edit_needs_csrf(client, event, programme):
    asa, _bo, _items = programme
    assert client.post(page_url(asa), data={"bio": "Hej"}).status_code == 400
    db.session.expire_all()
    assert db.session.get(Speaker, asa.id).bio == ""


def test_speaker_page_in_english(client, event, programme):
    asa, _bo, _items = programme
    english(client)
    assert "Your items" in text(client.get(page_url(asa)))


# --- the schedule as .ics and PDF --------------------------------------------------------------

needs_calendar = pytest.mark.skipif(
    not hasattr(importlib.import_module("forum.calendar.ics"), "speaker_calendar"),
    reason="forum.calendar.ics.speaker_calendar is not there yet",
)
needs_pdf = pytest.mark.skipif(
    importlib.util.find_spec("forum.programme.pdf") is None, reason="forum.programme.pdf is not there yet"
)


@needs_calendar
def test_schedule_ics_has_exactly_their_items(client, event, programme):
    import icalendar

    asa, bo, _items = programme
    response = client.get(f"{page_url(asa)}/schedule.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(response.get_data())
    summaries = sorted(str(entry["SUMMARY"]) for entry in calendar.walk("VEVENT"))
    assert summaries == ["Samhallets nya verklighet", "Vagen framat"]

    calendar = icalendar.Calendar.from_ical(client.get(f"{page_url(bo)}/schedule.ics").get_data())
    summaries = sorted(str(entry["SUMMARY"]) for entry in calendar.walk("VEVENT"))
    assert summaries == ["Civilsamhallets tre funktioner", "Vagen framat"]


PDF_OBJECT = re.compile(rb"(\d+) 0 obj(.*?)endobj", re.S)
PDF_STRING = rb"\(((?:[^()\\]|\\.)*)\)"


def _stream(body: bytes) -> bytes:
    match = re.search(rb"stream\r?\n(.*?)endstream", body, re.S)
    if not match:
        return b""
    data = match.group(1)
    if b"/ASCII85Decode" in body[: match.start()]:
        data = base64.a85decode(data.strip().removesuffix(b"~>"), adobe=False)
    if b"/FlateDecode" in body[: match.start()]:
        with contextlib.suppress(zlib.error):
            data = zlib.decompressobj().decompress(data)
    return data


def _unescape(raw: bytes) -> bytes:
    escapes = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}

    def one(match):
        code = match.group(1)
        if code[:1].isdigit():
            return bytes([int(code, 8) & 0xFF])
        return escapes.get(code, code)

    return re.sub(rb"\\([0-7]{1,3}|.)", one, raw, flags=re.S)


def _cmap(text: bytes) -> dict[int, str]:
    mapping = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", text, re.S):
        for code, target in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            mapping[int(code, 16)] = bytes.fromhex(target.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", text, re.S):
        for low, high, target in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            first = int(target, 16)
            for offset, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                mapping[code] = chr(first + offset)
    return mapping


def pdf_text(data: bytes) -> str:
    """The text a PDF shows, good enough for assertions: the strings of its content streams, decoded
    through the fonts' ToUnicode maps (embedded TrueType subsets) or as WinAnsi (the standard fonts)."""
    objects = {int(number): body for number, body in PDF_OBJECT.findall(data)}
    fonts = {}
    for body in objects.values():  # the font resources: /F2+0 7 0 R, the font with its ToUnicode map
        for name, number in re.findall(rb"/([^\s/<>\[\]()]+)\s+(\d+) 0 R", body):
            to_unicode = re.search(rb"/ToUnicode\s+(\d+) 0 R", objects.get(int(number), b""))
            if to_unicode:
                fonts[name] = _cmap(_stream(objects.get(int(to_unicode.group(1)), b"")))
    chunks = []
    pages = [int(number) for body in objects.values() for number in re.findall(rb"/Contents\s+(\d+) 0 R", body)]
    for number in pages:
        content = _stream(objects.get(number, b""))
        mapping = None
        for font, string in re.findall(rb"/([^\s/<>\[\]()]+)\s+[\d.]+\s+Tf|" + PDF_STRING, content):
            if font:
                mapping = fonts.get(font)
                continue
            raw = _unescape(string)
            chunks.append("".join(mapping.get(b, "?") for b in raw) if mapping else raw.decode("cp1252", "replace"))
    return " ".join(chunks)


@needs_pdf
def test_schedule_pdf_has_exactly_their_items(client, event, programme):
    asa, _bo, _items = programme
    response = client.get(f"{page_url(asa)}/schedule.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    data = response.get_data()
    assert data.startswith(b"%PDF")
    shown = pdf_text(data)
    assert "Samhallets nya verklighet" in shown
    assert "Vagen framat" in shown
    assert "Civilsamhallets tre funktioner" not in shown
    assert "Lunch i matsalen" not in shown


# --- messages to speakers ----------------------------------------------------------------------


def test_speakers_segment_lists_the_speakers_of_items(event, programme):
    speaker(event, "Cia Lund", "cia@example.org")  # no item: not in the segment
    segment = broadcast.find_segment(event, "speakers")
    assert segment is not None
    assert segment.count() == 2
    assert sorted(recipient.email for recipient in segment.recipients()) == ["asa@example.org", "bo@example.org"]
    assert {recipient.first_name for recipient in segment.recipients()} == {"Åsa", "Bo"}


def test_speakers_segment_is_offered_once_items_have_speakers(event):
    speaker(event, "Cia Lund", "cia@example.org")
    assert broadcast.find_segment(event, "speakers") is None
