"""The public programme page, its PDF and the machine-readable schedules (JSON, frab XML)."""

from __future__ import annotations

import base64
import json
import re
import uuid
import xml.etree.ElementTree as ET
import zlib
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from forum import tokens
from forum.events.models import EventStatus
from forum.extensions import db
from forum.programme.models import Appearance, ProgrammeItem, ProgrammeItemKind, ProgrammeItemStatus, Speaker
from forum.registration.models import Registration, RegistrationStatus, SignupStatus, WorkshopSignup
from tests import factories

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def at(text: str) -> datetime:
    """A Stockholm wall-clock time, e.g. "2027-03-25 09:00"."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=STOCKHOLM)


def add_item(event, title, start, end, room=None, focus=(), speakers=(), **fields) -> ProgrammeItem:
    item = ProgrammeItem(event=event, title=title, starts_at=at(start), ends_at=at(end), room=room, **fields)
    item.focus_areas = list(focus)
    db.session.add(item)
    db.session.flush()
    for position, speaker in enumerate(speakers):
        db.session.add(Appearance(programme_item=item, speaker=speaker, position=position))
    db.session.flush()
    return item


def add_speaker(event, name, **fields) -> Speaker:
    email = fields.pop("email", f"{uuid.uuid4().hex[:8]}@example.org")
    speaker = Speaker(event=event, name=name, email=email, email_key=email.lower(), **fields)
    tokens.assign("speaker", speaker)
    db.session.add(speaker)
    db.session.flush()
    return speaker


def sign_up(item, n, status=SignupStatus.CONFIRMED, first=0):
    for i in range(first, first + n):
        registration = Registration(
            event=item.event,
            status=RegistrationStatus.CONFIRMED,
            first_name="Deltagare",
            last_name=str(i),
            email=f"d{item.id}-{i}-{status.value}@example.org",
            email_key=f"d{item.id}-{i}-{status.value}@example.org",
        )
        tokens.assign("registration", registration)
        db.session.add(registration)
        db.session.flush()
        db.session.add(WorkshopSignup(registration=registration, programme_item=item, status=status))
    db.session.flush()


@pytest.fixture
def event(app):
    """A two-day forum (25–26 March 2027) with parallel workshops, a cancelled talk and speakers."""
    event = factories.event(
        slug="skane-forum",
        title="Regionalt forum Skåne",
        starts_at=at("2027-03-25 09:00"),
        ends_at=at("2027-03-26 15:00"),
        venue_name="Malmö Live",
    )
    water = factories.focus_area(event, "Vatten", 1)
    energy = factories.focus_area(event, "Värme och energi", 2)
    hall = factories.room(event, "Stora salen", 300)
    room_a = factories.room(event, "Sal A", 30)
    room_b = factories.room(event, "Sal B", 30)
    lukasz = add_speaker(event, "Łukasz Nowak", title="Analytiker", organisation="MSB")
    nguyen = add_speaker(event, "Nguyễn Văn An", organisation="Malmö stad")
    add_item(event, "Samhällets nya verklighet", "2027-03-25 09:30", "2027-03-25 10:15", hall, speakers=[lukasz])
    water_ws = add_item(
        event,
        "Workshop vatten",
        "2027-03-25 10:30",
        "2027-03-25 12:00",
        room_a,
        focus=[water],
        kind=ProgrammeItemKind.WORKSHOP,
        requires_signup=True,
        capacity=5,
        speakers=[nguyen, lukasz],
        description="Om **dricksvatten** i kris.\n\nAndra stycket.",
        links=[{"title": "Bilder", "url": "https://example.org/bilder.pdf"}],
    )
    add_item(
        event,
        "Workshop energi",
        "2027-03-25 11:00",
        "2027-03-25 12:30",
        room_b,
        focus=[energy],
        kind=ProgrammeItemKind.WORKSHOP,
        requires_signup=True,
        capacity=2,
    )
    add_item(event, "Lunch", "2027-03-25 12:30", "2027-03-25 13:30", kind=ProgrammeItemKind.MEAL)
    add_item(
        event,
        "Fyra lärdomar för Sverige",
        "2027-03-26 09:00",
        "2027-03-26 10:00",
        hall,
        status=ProgrammeItemStatus.CANCELLED,
    )
    add_item(event, "Vägen framåt", "2027-03-26 10:00", "2027-03-26 11:00", hall, focus=[water, energy])
    sign_up(water_ws, 2)
    sign_up(water_ws, 3, SignupStatus.WAITING)
    energy_ws = db.session.query(ProgrammeItem).filter_by(title="Workshop energi").one()
    sign_up(energy_ws, 2)
    db.session.commit()
    return event


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def item_block(html: str, title: str) -> str:
    """The <li> of the item with this title."""
    match = re.search(
        r'<li id="item-\d+" class="programme-item[^"]*">(?:(?!<li id="item-).)*?'
        + re.escape(title)
        + r'.*?(?=<li id="item-|</ul>\s*</section>)',
        html,
        re.S,
    )
    assert match, title
    return match.group(0)


# -- The page ------------------------------------------------------------------------------------


def test_programme_groups_by_day_and_puts_parallel_items_together(client, event):
    html = page(client, "/e/skane-forum/programme")
    days = re.findall(r'<section class="programme-day".*?(?=<section class="programme-day"|</article>)', html, re.S)
    assert len(days) == 2
    assert "Torsdag 25 mars 2027" in days[0] and "Fredag 26 mars 2027" in days[1]
    assert "Samhällets nya verklighet" in days[0] and "Vägen framåt" in days[1]
    slots = re.findall(r'<section class="programme-slot".*?</section>', days[0], re.S)
    assert len(slots) == 3
    assert 'class="programme-items parallel"' in slots[1]
    assert "Workshop vatten" in slots[1] and "Workshop energi" in slots[1]
    assert "10.30–12.30" in re.sub(r"<[^>]+>", "", slots[1])
    assert "parallel" not in slots[0].split("programme-items", 1)[1].split(">", 1)[0]
    # In time order within the day (the single column on a phone follows the source order).
    assert days[0].index("Samhällets") < days[0].index("Workshop vatten") < days[0].index("Workshop energi")
    assert days[0].index("Workshop energi") < days[0].index("Lunch")


def test_each_item_shows_room_speakers_and_seats_left(client, event):
    html = page(client, "/e/skane-forum/programme")
    water = item_block(html, "Workshop vatten")
    assert "Sal A" in water
    assert "Nguyễn Văn An" in water and "Łukasz Nowak" in water and "Analytiker, MSB" in water
    assert water.index("Nguyễn") < water.index("Łukasz")
    assert "3 platser kvar" in water  # 5 seats, 2 confirmed; the waiting list takes none
    assert "<strong>dricksvatten</strong>" in water
    assert 'href="https://example.org/bilder.pdf"' in water
    energy = item_block(html, "Workshop energi")
    assert "Fullt" in energy and "platser kvar" not in energy
    assert "platser kvar" not in item_block(html, "Lunch")


def test_cancelled_item_is_struck_through(client, event):
    html = page(client, "/e/skane-forum/programme")
    cancelled = item_block(html, "Fyra lärdomar för Sverige")
    assert "cancelled" in cancelled
    assert "<del>Fyra lärdomar för Sverige</del>" in cancelled
    assert "Inställt" in cancelled
    assert "<del>" not in item_block(html, "Vägen framåt")


def test_filter_by_focus_area_keeps_common_items(client, event):
    water = next(area for area in event.focus_areas if area.name == "Vatten")
    html = page(client, f"/e/skane-forum/programme?focus={water.id}")
    assert "Workshop vatten" in html and "Vägen framåt" in html
    assert "Workshop energi" not in html
    assert "Lunch" in html and "Samhällets nya verklighet" in html  # for everyone
    assert f'<option value="{water.id}" selected>' in html
    # An unknown or malformed focus shows everything rather than failing.
    for value in ("999999", "abc"):
        assert "Workshop energi" in page(client, f"/e/skane-forum/programme?focus={value}")


def test_titles_and_names_are_escaped(client, event):
    add_item(event, "<script>alert(1)</script> & co", "2027-03-26 13:00", "2027-03-26 14:00")
    db.session.commit()
    html = page(client, "/e/skane-forum/programme")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html


def test_drafts_and_unknown_events_are_not_found(client, event):
    event.status = EventStatus.DRAFT
    db.session.commit()
    for suffix in ("programme", "programme.pdf", "schedule.json", "schedule.xml"):
        assert client.get(f"/e/skane-forum/{suffix}").status_code == 404
        assert client.get(f"/e/no-such-event/{suffix}").status_code == 404


def test_event_page_links_to_the_programme(client, event, app):
    assert 'href="/e/skane-forum/programme"' in page(client, "/e/skane-forum/")
    factories.event(slug="empty-event")
    db.session.commit()
    assert "/programme" not in page(client, "/e/empty-event/")
    assert "Programmet är inte publicerat än." in page(client, "/e/empty-event/programme")


def test_programme_in_english(client, event):
    client.get("/lang/en")
    html = page(client, "/e/skane-forum/programme")
    assert "Programme" in html and "Thursday 25 March 2027" in html
    assert "Cancelled" in item_block(html, "Fyra lärdomar för Sverige")


# -- PDF -----------------------------------------------------------------------------------------


def pdf_streams(data: bytes) -> list[bytes]:
    """The decoded streams of a reportlab PDF (ASCII85 and Flate filters)."""
    out = []
    for match in re.finditer(rb"<<(.*?)>>\s*stream\r?\n(.*?)endstream", data, re.S):
        header, body = match.groups()
        try:
            if b"ASCII85Decode" in header:
                body = base64.a85decode(body.strip(), adobe=True)
            if b"FlateDecode" in header:
                body = zlib.decompress(body)
        except (ValueError, zlib.error):
            continue
        out.append(body)
    return out


def test_programme_pdf(client, event):
    response = client.get("/e/skane-forum/programme.pdf")
    assert response.status_code == 200
    assert response.content_type == "application/pdf"
    data = response.get_data()
    assert data.startswith(b"%PDF")
    text = b"\n".join(pdf_streams(data))
    # Titles in ASCII are written as themselves (also with an embedded font's first subset).
    for title in (b"Lunch", b"Workshop energi", b"Program: Regionalt forum Sk"):
        assert title in text or title in data, title
    # The cancelled item is marked.
    assert b"Inst" in text
    # With DejaVu installed, Ł and ễ are drawn with it (they are in the embedded font's character map).
    if b"DejaVuSans" in data:
        assert b"<0141>" in text and b"<1EC5>" in text


def test_programme_pdf_of_an_empty_programme(client, app):
    factories.event(slug="empty-event")
    db.session.commit()
    response = client.get("/e/empty-event/programme.pdf")
    assert response.status_code == 200 and response.get_data().startswith(b"%PDF")


# -- JSON ----------------------------------------------------------------------------------------


def test_schedule_json(client, event):
    response = client.get("/e/skane-forum/schedule.json")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    data = json.loads(response.get_data(as_text=True))
    assert data["schema"] == 1
    assert data["event"]["slug"] == "skane-forum"
    assert data["event"]["timezone"] == "Europe/Stockholm"
    assert data["event"]["start"] == "2027-03-25T09:00:00+01:00"
    assert [day["date"] for day in data["days"]] == ["2027-03-25", "2027-03-26"]
    first = data["days"][0]["items"]
    assert [item["title"] for item in first] == [
        "Samhällets nya verklighet",
        "Workshop vatten",
        "Workshop energi",
        "Lunch",
    ]
    water = first[1]
    assert water["start"] == "2027-03-25T10:30:00+01:00" and water["duration_minutes"] == 90
    assert water["room"]["name"] == "Sal A"
    assert [s["name"] for s in water["speakers"]] == ["Nguyễn Văn An", "Łukasz Nowak"]
    assert "email" not in water["speakers"][0]
    assert water["seats_left"] == 3 and water["capacity"] == 5
    assert [area["name"] for area in water["focus_areas"]] == ["Vatten"]
    assert water["links"] == [{"title": "Bilder", "url": "https://example.org/bilder.pdf"}]
    assert water["url"].endswith(f"/e/skane-forum/programme#item-{water['id']}")
    assert first[3]["room"] is None and first[3]["seats_left"] is None
    cancelled = data["days"][1]["items"][0]
    assert cancelled["status"] == "cancelled"
    # The guid stays the same from one export to the next.
    again = json.loads(client.get("/e/skane-forum/schedule.json").get_data(as_text=True))
    assert again["days"][0]["items"][1]["guid"] == water["guid"]
    uuid.UUID(water["guid"])


# -- frab XML ------------------------------------------------------------------------------------


def test_schedule_xml_is_frab(client, event):
    response = client.get("/e/skane-forum/schedule.xml")
    assert response.status_code == 200
    assert response.content_type.startswith("application/xml")
    root = ET.fromstring(response.get_data())  # noqa: S314 - our own output
    assert root.tag == "schedule"
    assert root.findtext("version")
    conference = root.find("conference")
    assert conference.findtext("title") == "Regionalt forum Skåne"
    assert conference.findtext("acronym") == "skane-forum"
    assert conference.findtext("start") == "2027-03-25" and conference.findtext("end") == "2027-03-26"
    assert conference.findtext("days") == "2"
    assert conference.findtext("timeslot_duration") == "00:15"

    days = root.findall("day")
    assert [(d.get("index"), d.get("date")) for d in days] == [("1", "2027-03-25"), ("2", "2027-03-26")]
    assert days[0].get("start") == "2027-03-25T09:30:00+01:00"
    assert days[0].get("end") == "2027-03-25T13:30:00+01:00"
    rooms = {room.get("name"): room for room in days[0].findall("room")}
    assert set(rooms) == {"Stora salen", "Sal A", "Sal B", "Malmö Live"}  # the lunch has no room: the venue
    water = rooms["Sal A"].find("event")
    assert water.findtext("title") == "Workshop vatten"
    assert water.findtext("date") == "2027-03-25T10:30:00+01:00"
    assert water.findtext("start") == "10:30" and water.findtext("duration") == "01:30"
    assert water.findtext("room") == "Sal A"
    assert water.findtext("track") == "Vatten"
    assert water.findtext("type") == "workshop"
    assert water.findtext("language") == "sv"
    assert water.findtext("abstract") == "Om **dricksvatten** i kris."
    assert [(p.get("id") is not None, p.text) for p in water.find("persons")] == [
        (True, "Nguyễn Văn An"),
        (True, "Łukasz Nowak"),
    ]
    assert [(link.get("href"), link.text) for link in water.find("links")] == [
        ("https://example.org/bilder.pdf", "Bilder")
    ]
    json_data = json.loads(client.get("/e/skane-forum/schedule.json").get_data(as_text=True))
    assert water.get("guid") == json_data["days"][0]["items"][1]["guid"]
    assert water.get("id") == str(json_data["days"][0]["items"][1]["id"])
    cancelled = days[1].find("room").find("event")
    assert cancelled.findtext("title") == "Inställt: Fyra lärdomar för Sverige"


def test_schedule_xml_survives_awkward_titles(client, event):
    add_item(event, 'Tecken <&> "citat" \x07 BEGIN:VEVENT', "2027-03-26 13:00", "2027-03-26 14:00")
    db.session.commit()
    root = ET.fromstring(client.get("/e/skane-forum/schedule.xml").get_data())  # noqa: S314 - our own output
    titles = [e.findtext("title") for e in root.iter("event")]
    assert 'Tecken <&> "citat"  BEGIN:VEVENT' in titles


def test_guid_depends_on_the_site(app, event):
    from forum.programme.schedule import item_guid

    item = event.programme_items[0]
    here = item_guid(item)
    app.config["FORUM_BASE_URL"] = "https://forum.example.org"
    assert item_guid(item) != here
    app.config["FORUM_BASE_URL"] = "http://localhost"
    assert item_guid(item) == here


def test_items_are_rendered_once_and_again_only_when_what_they_show_changes(client, event, app):
    """forum.programme.page keeps each item's HTML by its content: a repeated request renders no item,
    and a change (a title, a speaker's name, a seat taken, the language) shows at once."""
    from flask import template_rendered

    from forum.programme import page as programme_page

    rendered: list[str] = []

    def count(sender, template, context, **extra):
        if template.name == "public/_programme_item.html":
            rendered.append(context["item"].title)

    programme_page.forget_fragments()
    template_rendered.connect(count, app)
    try:
        first = page(client, "/e/skane-forum/programme")
        assert len(rendered) == 6
        rendered.clear()
        assert page(client, "/e/skane-forum/programme") == first
        assert rendered == []

        lunch = db.session.query(ProgrammeItem).filter_by(title="Lunch").one()
        lunch.title = "Lunch i foajén"
        nowak = db.session.query(Speaker).filter_by(name="Łukasz Nowak").one()
        nowak.name = "Łukasz Nowak-Öberg"
        sign_up(db.session.query(ProgrammeItem).filter_by(title="Workshop vatten").one(), 1, first=10)
        db.session.commit()
        html = page(client, "/e/skane-forum/programme")
        assert sorted(rendered) == ["Lunch i foajén", "Samhällets nya verklighet", "Workshop vatten"]
        assert "Lunch i foajén" in item_block(html, "Lunch i foajén")
        assert "Łukasz Nowak-Öberg" in item_block(html, "Samhällets nya verklighet")
        water = item_block(html, "Workshop vatten")
        assert "2 platser kvar" in water and "Łukasz Nowak-Öberg" in water

        rendered.clear()
        client.get("/lang/en")
        english = page(client, "/e/skane-forum/programme")
        assert len(rendered) == 6
        assert "2 seats left" in item_block(english, "Workshop vatten")
    finally:
        template_rendered.disconnect(count, app)
