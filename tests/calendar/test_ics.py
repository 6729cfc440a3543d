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
    assert str(entry["ORGANIZER"]) == "mailto:halland@example.org"
    assert str(entry["STATUS"]) == "CONFIRMED"


def test_times_are_written_in_utc(app):
    text = ics.event_calendar(halland_event(timezone="Europe/Stockholm"))
    assert "DTSTART:20270325T080000Z" in text.splitlines()
    assert "DTEND:20270325T143000Z" in text.splitlines()
    assert "\r\n" in text  # iCalendar lines end in CRLF


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


def test_the_organiser_is_the_host_when_the_event_has_no_contact(app):
    host = factories.organisation(name="Länsstyrelsen Skåne", contact_email="skane@example.org")
    event = halland_event(contact_email="", organisation=host)
    [entry] = entries(parse(ics.event_calendar(event)))
    assert str(entry["ORGANIZER"]) == "mailto:skane@example.org"
    assert str(entry["ORGANIZER"].params["CN"]) == "Länsstyrelsen Skåne"


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
