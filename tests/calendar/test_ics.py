"""Calendar files: the event as one entry (/e/<slug>/event.ics) and a registrant's own calendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from forum.calendar import ics
from forum.events.models import EventStatus
from forum.extensions import db
from forum.programme.models import ProgrammeItem, ProgrammeItemKind
from forum.registration import services
from forum.registration.models import SignupStatus
from tests import factories

STARTS = datetime(2027, 3, 25, 8, 0, tzinfo=UTC)  # 9.00 in Stockholm


def parse(text: str) -> Calendar:
    calendar = Calendar.from_ical(text)
    assert calendar.name == "VCALENDAR"
    return calendar


def entries(calendar: Calendar) -> list:
    return list(calendar.walk("VEVENT"))


def halland_event(**fields):
    values = {
        "slug": "temamote-halland",
        "title": "Temamöte om långsiktig beredskap",
        "summary": "Hur klarar vi vatten, värme och mat när det behövs?",
        "starts_at": STARTS,
        "ends_at": STARTS + timedelta(hours=6, minutes=30),
        "venue_name": "Hallandsgården",
        "venue_address": "Storgatan 1",
        "venue_city": "Halmstad",
        "contact_email": "halland@example.org",
    }
    values.update(fields)
    return factories.event(**values)


def workshop(event, title: str, start: datetime, capacity: int | None = None) -> ProgrammeItem:
    item = ProgrammeItem(
        event=event,
        title=title,
        kind=ProgrammeItemKind.WORKSHOP,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        requires_signup=True,
        capacity=capacity,
    )
    db.session.add(item)
    db.session.flush()
    return item


def test_the_event_is_one_entry_with_its_practical_details(app):
    event = halland_event()
    calendar = parse(ics.event_calendar(event))

    assert str(calendar["PRODID"]) == "-//Forum//Forum//SV"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["METHOD"]) == "PUBLISH"
    [entry] = entries(calendar)
    assert str(entry["UID"]) == f"event-{event.id}@localhost"
    assert entry["DTSTART"].dt == STARTS
    assert entry["DTEND"].dt == STARTS + timedelta(hours=6, minutes=30)
    assert entry["DTSTAMP"].dt.tzinfo is not None
    assert str(entry["SUMMARY"]) == "Temamöte om långsiktig beredskap"
    assert str(entry["LOCATION"]) == "Hallandsgården, Storgatan 1, Halmstad"
    assert str(entry["URL"]) == "http://localhost/e/temamote-halland/"
    description = str(entry["DESCRIPTION"])
    assert "Hur klarar vi vatten, värme och mat när det behövs?" in description
    assert "http://localhost/e/temamote-halland/" in description
    assert "ORGANIZER" not in entry and "ATTENDEE" not in entry  # calendar programs would send replies
    assert str(entry["STATUS"]) == "CONFIRMED"
    assert entry["SEQUENCE"] == 0


def test_times_are_local_with_a_tzid_and_the_zone_is_written_as_rules(app):
    text = ics.event_calendar(halland_event(timezone="Europe/Stockholm"))
    lines = text.splitlines()
    assert "DTSTART;TZID=Europe/Stockholm:20270325T090000" in lines
    assert "DTEND;TZID=Europe/Stockholm:20270325T153000" in lines
    assert "\r\n" in text  # iCalendar lines end in CRLF
    [zone] = parse(text).walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Stockholm"
    rules = {component.name: component for component in zone.subcomponents}
    assert set(rules) == {"STANDARD", "DAYLIGHT"}
    assert rules["DAYLIGHT"]["RRULE"].to_ical() == b"FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3"
    assert rules["STANDARD"]["RRULE"].to_ical() == b"FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10"
    assert rules["DAYLIGHT"]["TZOFFSETFROM"].to_ical() == "+0100"
    assert rules["DAYLIGHT"]["TZOFFSETTO"].to_ical() == "+0200"
    assert rules["STANDARD"]["TZOFFSETFROM"].to_ical() == "+0200"
    assert rules["STANDARD"]["TZOFFSETTO"].to_ical() == "+0100"
    assert rules["DAYLIGHT"]["DTSTART"].dt.strftime("%m-%d %H:%M") == "03-29 02:00"  # 2026: last Sunday of March
    assert rules["STANDARD"]["DTSTART"].dt.strftime("%m-%d %H:%M") == "10-25 03:00"
    assert "RDATE" not in text  # rules, not a list of dates
    assert text.index("BEGIN:VTIMEZONE") < text.index("BEGIN:VEVENT")


def test_the_uid_is_stable_so_that_a_new_import_updates_the_entry(app):
    event = halland_event()
    first = entries(parse(ics.event_calendar(event)))[0]["UID"]
    event.title = "Nytt namn"
    second = entries(parse(ics.event_calendar(event)))[0]["UID"]
    assert first == second


def test_text_with_commas_semicolons_and_newlines_round_trips(app):
    title = 'Vatten, värme; mat\nEND:VEVENT\nBEGIN:VEVENT\nSUMMARY:Falsk "post" \\ slut'
    event = halland_event(title=title, venue_name="Sal 1; plan 2", venue_address="Storgatan 1, 2 tr")
    text = ics.event_calendar(event)

    [entry] = entries(parse(text))  # the newlines did not start a second entry
    assert str(entry["SUMMARY"]) == title
    assert str(entry["LOCATION"]) == "Sal 1; plan 2, Storgatan 1, 2 tr, Halmstad"
    assert "SUMMARY:Vatten\\, värme\\; mat\\nEND:VEVENT" in text
    assert text.splitlines().count("BEGIN:VEVENT") == 1


def test_a_cancelled_event_is_marked_cancelled(app):
    event = halland_event(status=EventStatus.CANCELLED)
    [entry] = entries(parse(ics.event_calendar(event)))
    assert str(entry["STATUS"]) == "CANCELLED"


def test_a_preliminary_date_is_tentative(app):
    event = halland_event(date_is_preliminary=True, preliminary_date_text="Våren 2027")
    [entry] = entries(parse(ics.event_calendar(event)))
    assert str(entry["STATUS"]) == "TENTATIVE"


def test_no_organiser_even_when_the_host_has_a_contact(app):
    host = factories.organisation(name="Länsstyrelsen Skåne", contact_email="skane@example.org")
    event = halland_event(contact_email="", organisation=host)
    text = ics.event_calendar(event)
    assert "ORGANIZER" not in text and "ATTENDEE" not in text
    assert "mailto:" not in text


def test_the_attachment_names_the_file_after_the_event(app):
    event = halland_event()
    attachment = ics.attachment(event)
    assert attachment["filename"] == "temamote-halland.ics"
    assert attachment["content_type"] == "text/calendar; charset=utf-8; method=PUBLISH"
    assert entries(parse(attachment["data"]))[0]["SUMMARY"] == event.title


def test_a_registrants_calendar_has_the_event_and_the_workshops_they_have_a_seat_in(app):
    event = halland_event()
    water = workshop(event, "Workshop: Vatten", STARTS + timedelta(hours=1), capacity=1)
    heat = workshop(event, "Workshop: Värme", STARTS + timedelta(hours=3))
    first = services.register(
        event, services.Details(first_name="Åsa", last_name="Öberg", email="asa@example.org", workshop_ids=[water.id])
    ).registration
    second = services.register(
        event,
        services.Details(
            first_name="Łukasz", last_name="Nowak", email="lukasz@example.org", workshop_ids=[water.id, heat.id]
        ),
    ).registration
    db.session.commit()
    assert {s.programme_item_id: s.status for s in second.signups} == {
        water.id: SignupStatus.WAITING,
        heat.id: SignupStatus.CONFIRMED,
    }

    mine = entries(parse(ics.registration_calendar(second)))
    assert [str(entry["UID"]) for entry in mine] == [
        f"event-{event.id}@localhost",
        f"programme-item-{heat.id}@localhost",
    ]
    assert str(mine[1]["SUMMARY"]) == "Workshop: Värme"
    assert mine[1]["DTSTART"].dt == STARTS + timedelta(hours=3)
    assert "Hallandsgården" in str(mine[1]["LOCATION"])

    theirs = entries(parse(ics.registration_calendar(first)))
    assert [str(entry["SUMMARY"]) for entry in theirs] == [event.title, "Workshop: Vatten"]


def test_the_public_route_serves_the_event(app, client):
    event = halland_event()
    response = client.get("/e/temamote-halland/event.ics")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="temamote-halland.ics"'
    [entry] = entries(parse(response.get_data(as_text=True)))
    assert str(entry["SUMMARY"]) == event.title
    assert entry["DTSTART"].dt == STARTS


def test_a_cancelled_event_is_still_served_so_that_calendars_learn_of_it(app, client):
    halland_event(status=EventStatus.CANCELLED)
    response = client.get("/e/temamote-halland/event.ics")
    assert response.status_code == 200
    assert "STATUS:CANCELLED" in response.get_data(as_text=True)


def test_drafts_and_unknown_events_are_not_found(app, client):
    halland_event(status=EventStatus.DRAFT)
    assert client.get("/e/temamote-halland/event.ics").status_code == 404
    assert client.get("/e/finns-inte/event.ics").status_code == 404


# --- the programme: feed, one item, a speaker's schedule (issue 5) ------------------------------

FEED_ONLY = ("X-WR-CALNAME", "REFRESH-INTERVAL", "X-PUBLISHED-TTL", "X-WR-RELCALID")


def by_uid(calendar: Calendar) -> dict:
    return {str(entry["UID"]).split("@")[0]: entry for entry in entries(calendar)}


def test_the_programme_feed_has_every_item_with_its_details(app):
    from tests.calendar.builders import AWKWARD_TITLE, SATURDAY_TALK, spring_programme

    data = spring_programme()
    event = data["event"]
    text = ics.programme_calendar(event)
    calendar = parse(text)
    found = by_uid(calendar)
    assert set(found) == {f"programme-item-{data[name].id}" for name in ("saturday", "sunday", "cancelled", "night")}

    saturday = found[f"programme-item-{data['saturday'].id}"]
    assert saturday["DTSTART"].dt == SATURDAY_TALK
    assert saturday["DTSTART"].params["TZID"] == "Europe/Stockholm"
    assert str(saturday["LOCATION"]) == "Stora salen, Hallandsgården, Storgatan 1, Halmstad"
    description = str(saturday["DESCRIPTION"])
    assert "Talare: Anna Berg (Beredskapssamordnare, Halmstad), Omar Said" in description
    assert f"http://localhost/e/var-2027/programme#item-{data['saturday'].id}" in description
    assert str(saturday["URL"]) == f"http://localhost/e/var-2027/programme#item-{data['saturday'].id}"
    assert [str(c) for c in saturday["CATEGORIES"].cats] == ["Vatten", "Värme, energi"]
    assert str(saturday["STATUS"]) == "CONFIRMED"
    assert saturday["SEQUENCE"] == 0
    assert saturday["LAST-MODIFIED"].dt == data["saturday"].updated_at.replace(microsecond=0)
    assert saturday["DTSTAMP"].dt == data["saturday"].updated_at.replace(microsecond=0)

    sunday = found[f"programme-item-{data['sunday'].id}"]
    assert str(sunday["SUMMARY"]) == AWKWARD_TITLE  # one property, escaped
    assert sunday["SEQUENCE"] == 3
    assert str(sunday["LOCATION"]).startswith("Sal 2; plan 3, ")
    assert "Värme\\, energi" in text  # a comma inside a category is escaped, not a second category
    assert text.splitlines().count("BEGIN:VEVENT") == 4
    assert str(found[f"programme-item-{data['cancelled'].id}"]["STATUS"]) == "CANCELLED"
    assert "ORGANIZER" not in text and "ATTENDEE" not in text and "VALARM" not in text


def test_the_feed_is_subscribable_and_has_a_stable_identity(app):
    from tests.calendar.builders import spring_programme

    data = spring_programme()
    event = data["event"]
    calendar = parse(ics.programme_calendar(event))
    assert str(calendar["X-WR-CALNAME"]) == "Beredskapsdagar våren 2027 – program"
    assert calendar["REFRESH-INTERVAL"].to_ical() == b"PT1H"
    assert calendar["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert "X-PUBLISHED-TTL:PT1H" in ics.programme_calendar(event).splitlines()
    identity = f"programme-{event.id}@localhost"
    assert str(calendar["UID"]) == identity
    assert str(calendar["X-WR-RELCALID"]) == identity
    event.title = "Nytt namn"
    assert str(parse(ics.programme_calendar(event))["UID"]) == identity


def test_single_entry_files_are_not_feeds(app):
    from tests.calendar.builders import spring_programme

    data = spring_programme()
    for text in (ics.event_calendar(data["event"]), ics.item_calendar(data["saturday"])):
        calendar = parse(text)
        for name in (*FEED_ONLY, "UID", "NAME"):
            assert name not in calendar, name
        assert len(entries(calendar)) == 1


def test_one_item_as_a_file(app):
    from tests.calendar.builders import spring_programme

    data = spring_programme()
    [entry] = entries(parse(ics.item_calendar(data["sunday"])))
    assert str(entry["UID"]) == f"programme-item-{data['sunday'].id}@localhost"
    assert entry["SEQUENCE"] == 3


def test_items_of_an_event_with_a_preliminary_date_are_tentative(app):
    from tests.calendar.builders import spring_programme

    data = spring_programme()
    data["event"].date_is_preliminary = True
    data["event"].preliminary_date_text = "Våren 2027"
    statuses = {
        str(entry["UID"]).split("@")[0]: str(entry["STATUS"])
        for entry in entries(parse(ics.programme_calendar(data["event"])))
    }
    assert statuses[f"programme-item-{data['saturday'].id}"] == "TENTATIVE"
    assert statuses[f"programme-item-{data['cancelled'].id}"] == "CANCELLED"


def test_a_moved_item_keeps_its_uid_and_shows_its_new_sequence(app):
    from tests.calendar.builders import spring_programme

    data = spring_programme()
    item = data["saturday"]
    before = entries(parse(ics.item_calendar(item)))[0]
    item.starts_at += timedelta(hours=1)
    item.ends_at += timedelta(hours=1)
    item.sequence += 1
    db.session.commit()
    after = entries(parse(ics.item_calendar(item)))[0]
    assert after["UID"] == before["UID"]
    assert after["SEQUENCE"] == before["SEQUENCE"] + 1
    assert after["DTSTART"].dt == before["DTSTART"].dt + timedelta(hours=1)


def test_the_same_programme_gives_the_same_file(app):
    from tests.calendar.builders import spring_programme

    data = spring_programme()
    assert ics.programme_calendar(data["event"]) == ics.programme_calendar(data["event"])


def test_a_speakers_schedule_has_exactly_their_items(app):
    from tests.calendar.builders import spring_programme

    data = spring_programme()
    calendar = parse(ics.speaker_calendar(data["omar"]))
    assert set(by_uid(calendar)) == {f"programme-item-{data[name].id}" for name in ("saturday", "sunday")}
    assert str(calendar["X-WR-CALNAME"]) == "Omar Said – Beredskapsdagar våren 2027"
    assert str(calendar["UID"]) == f"speaker-{data['omar'].id}@localhost"
    assert calendar["REFRESH-INTERVAL"].to_ical() == b"PT1H"
    anna = parse(ics.speaker_calendar(data["anna"]))
    assert set(by_uid(anna)) == {f"programme-item-{data[name].id}" for name in ("saturday", "cancelled")}


def test_only_the_personal_calendar_has_a_reminder(app):
    from tests.calendar.builders import spring_event

    event = spring_event()
    registration = services.register(
        event, services.Details(first_name="Åsa", last_name="Öberg", email="asa@example.org")
    ).registration
    db.session.commit()
    [entry] = entries(parse(ics.registration_calendar(registration)))
    [alarm] = entry.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm["TRIGGER"].dt == -timedelta(hours=1)
    assert "VALARM" not in ics.registration_calendar(registration, reminder=None)
    assert "VALARM" not in ics.event_calendar(event)
    personal = parse(ics.registration_calendar(registration))
    for name in FEED_ONLY:
        assert name not in personal


def test_other_zones_get_their_own_rules(app):
    text = ics.event_calendar(halland_event(timezone="America/New_York"))
    assert "DTSTART;TZID=America/New_York:20270325T040000" in text.splitlines()
    assert "RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3" in text.splitlines()
    assert "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11" in text.splitlines()
    tokyo = parse(ics.event_calendar(halland_event(slug="tokyo", timezone="Asia/Tokyo")))
    [zone] = tokyo.walk("VTIMEZONE")
    [standard] = zone.subcomponents
    assert standard.name == "STANDARD" and standard["TZOFFSETTO"].to_ical() == "+0900"


def test_the_programme_routes(app, client):
    from tests.calendar.builders import spring_programme

    data = spring_programme()
    other = halland_event()
    response = client.get("/e/var-2027/programme.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert len(entries(parse(response.get_data(as_text=True)))) == 4
    one = client.get(f"/e/var-2027/programme/{data['saturday'].id}.ics")
    assert one.status_code == 200
    assert [str(e["SUMMARY"]) for e in entries(parse(one.get_data(as_text=True)))] == ["Vatten i kris"]
    assert client.get(f"/e/{other.slug}/programme/{data['saturday'].id}.ics").status_code == 404
    assert client.get("/e/var-2027/programme/99999.ics").status_code == 404
    assert client.get("/e/finns-inte/programme.ics").status_code == 404


def test_the_event_page_links_to_the_calendar_and_the_subscription(app, client):
    from tests.calendar.builders import spring_programme

    spring_programme()
    html = client.get("/e/var-2027/").get_data(as_text=True)
    assert 'href="/e/var-2027/event.ics"' in html
    assert "Lägg till i kalendern" in html
    assert 'href="webcal://localhost/e/var-2027/programme.ics"' in html
    assert "Prenumerera på programmet" in html


def test_long_lines_are_folded_without_breaking_characters(app):
    from tests.calendar.builders import item, spring_event

    event = spring_event()
    long_title = "Åäö 💧, vatten; " * 30
    one = item(event, long_title.strip()[:200], event.starts_at, description="Beskrivning med ÅÄÖ. " * 200)
    db.session.commit()
    text = ics.item_calendar(one)
    assert all(len(line.encode("utf-8")) <= 75 for line in text.split("\r\n"))
    [entry] = entries(parse(text))
    assert str(entry["SUMMARY"]) == long_title.strip()[:200]
    assert ("Beskrivning med ÅÄÖ. " * 200).strip() in str(entry["DESCRIPTION"])


def test_a_feed_is_in_the_events_language_whoever_fetches_it(app, client):
    from forum.events.models import EventLanguage
    from tests.calendar.builders import spring_programme

    data = spring_programme()
    data["event"].language = EventLanguage.EN
    db.session.commit()
    for language in ("sv", "en"):
        text = client.get("/e/var-2027/programme.ics", headers={"Accept-Language": language}).get_data(as_text=True)
        calendar = parse(text)
        assert str(calendar["X-WR-CALNAME"]) == "Beredskapsdagar våren 2027 – programme"
        assert any(str(entry["DESCRIPTION"]).startswith("Speakers: ") for entry in entries(calendar))
