"""The organiser's programme: the list by day with conflict warnings, adding, editing, deleting items."""

from __future__ import annotations

from datetime import UTC, datetime
from html import unescape

import pytest
from sqlalchemy import select

from forum import tokens
from forum.extensions import db
from forum.programme.models import Appearance, ProgrammeItem, ProgrammeItemKind, ProgrammeItemStatus, Speaker
from tests import factories
from tests.auth.helpers import actions, error_for, text, value_of
from tests.conftest import login_as, submit

SLUG = "skane-beredskap"
BASE = f"/admin/events/{SLUG}/programme"


@pytest.fixture
def event(app):
    # 25–26 March 2027, 9.00 on the first day to 16.00 on the second, Stockholm time (CET, UTC+1).
    return factories.event(
        slug=SLUG,
        title="Beredskapsdagar Skåne",
        starts_at=datetime(2027, 3, 25, 8, 0, tzinfo=UTC),
        ends_at=datetime(2027, 3, 26, 15, 0, tzinfo=UTC),
    )


@pytest.fixture
def organiser(app, event):
    user = factories.user(roles={event: "organiser"})
    db.session.commit()
    return user


def speaker(event, name: str, email: str, language: str = "sv", **fields) -> Speaker:
    item = Speaker(event=event, name=name, email=email, email_key=email.casefold(), language=language, **fields)
    tokens.assign("speaker", item)
    db.session.add(item)
    db.session.flush()
    return item


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A Stockholm wall-clock time in March 2027 (UTC+1) as stored (UTC)."""
    return datetime(2027, 3, day, hour - 1, minute, tzinfo=UTC)


def item(event, title: str, start: datetime, end: datetime, *, room=None, speakers=(), **fields) -> ProgrammeItem:
    row = ProgrammeItem(event=event, title=title, starts_at=start, ends_at=end, room=room, **fields)
    db.session.add(row)
    for position, person in enumerate(speakers, start=1):
        row.appearances.append(Appearance(speaker=person, position=position))
    db.session.flush()
    return row


def form(**changes) -> dict:
    values = {
        "title": "Samhällets nya verklighet",
        "kind": "talk",
        "starts_at": "2027-03-25T09:30",
        "ends_at": "2027-03-25T10:15",
        "room_id": "",
        "description": "Om **beredskap**.",
        "language": "",
        "capacity": "",
        "links": "",
        "status": "scheduled",
    }
    values.update(changes)
    return {name: value for name, value in values.items() if value is not None}


def items() -> list[ProgrammeItem]:
    db.session.expire_all()
    return list(db.session.scalars(select(ProgrammeItem).order_by(ProgrammeItem.id)))


def test_an_organiser_adds_an_item_with_room_speakers_in_order_and_links(client, event, organiser):
    hall = factories.room(event, "Stora salen")
    area = factories.focus_area(event, "Civilt försvar")
    anna = speaker(event, "Anna Andersson", "anna@example.org", organisation="MSB")
    bo = speaker(event, "Bo Berg", "bo@example.org")
    login_as(client, organiser)

    data = form(
        room_id=str(hall.id),
        focus_area_ids=str(area.id),
        speaker_ids=[str(anna.id), str(bo.id)],
        **{f"speaker_order-{bo.id}": "1", f"speaker_order-{anna.id}": "2"},
        links="Bilder | https://example.org/bilder.pdf\nRapport | http://example.org/rapport",
        language="en",
    )
    response = submit(client, f"{BASE}/new", data, follow_redirects=True)

    assert response.status_code == 200
    assert "Programpunkten Samhällets nya verklighet är tillagd." in text(response)
    (saved,) = items()
    assert saved.starts_at == local(25, 9, 30) and saved.ends_at == local(25, 10, 15)
    assert saved.room_id == hall.id
    assert [s.name for s in saved.speakers] == ["Bo Berg", "Anna Andersson"]
    assert [a.name for a in saved.focus_areas] == ["Civilt försvar"]
    assert saved.links == [
        {"title": "Bilder", "url": "https://example.org/bilder.pdf"},
        {"title": "Rapport", "url": "http://example.org/rapport"},
    ]
    assert saved.language == "en" and saved.sequence == 0
    page = text(response)
    assert "9.30–10.15" in page or "09:30" in page
    assert "Stora salen" in page and "Bo Berg, Anna Andersson" in page
    (entry,) = actions("programme_item.created")
    assert entry.user_id == organiser.id and entry.target_id == saved.id


def test_bad_input_is_explained_next_to_each_field_and_nothing_is_lost(client, event, organiser):
    login_as(client, organiser)
    long_description = "Beredskap. " * 10_000  # about 110 kB
    data = form(
        title="Fyra lärdomar för Sverige",
        starts_at="2027-03-27T09:00",  # the day after the event
        ends_at="2027-03-25T08:00",
        room_id="99999",
        description=long_description,
    )
    response = submit(client, f"{BASE}/new", data)

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "evenemangets dagar" in error_for(html, "starts_at")
    assert "Välj en av evenemangets lokaler." in error_for(html, "room_id")
    assert "högst 20000 tecken" in error_for(html, "description")
    # What was typed is still there.
    assert value_of(html, "title") == "Fyra lärdomar för Sverige"
    assert value_of(html, "starts_at") == "2027-03-27T09:00"
    assert long_description.strip() in unescape(html)
    assert items() == []

    response = submit(client, f"{BASE}/new", form(starts_at="2027-03-25T11:00", ends_at="2027-03-25T10:00"))
    assert "Slutet måste vara efter starten." in error_for(response.get_data(as_text=True), "ends_at")
    assert items() == []


def test_titles_on_one_line_and_only_web_links(client, event, organiser):
    login_as(client, organiser)
    response = submit(
        client,
        f"{BASE}/new",
        form(title="Två\nrader", links="Bilder | javascript:alert(1)"),
    )
    html = response.get_data(as_text=True)
    assert "Titeln ska stå på en rad." in error_for(html, "title")
    assert "https://" in error_for(html, "links")
    assert items() == []


def test_in_english_the_messages_are_english(client, event, organiser):
    login_as(client, organiser)
    client.set_cookie("forum_lang", "en")
    response = submit(client, f"{BASE}/new", form(starts_at="2027-03-27T09:00", room_id="123"))
    html = response.get_data(as_text=True)
    assert "event's days" in error_for(html, "starts_at")
    assert "rooms" in error_for(html, "room_id")


def test_the_list_is_grouped_by_day_in_time_order(client, event, organiser):
    hall = factories.room(event, "Stora salen")
    item(event, "Vägen framåt", local(26, 13), local(26, 14), room=hall)
    item(event, "Civilsamhällets tre funktioner", local(25, 13), local(25, 14))
    item(event, "Samhällets nya verklighet", local(25, 9, 30), local(25, 10, 15), room=hall)
    login_as(client, organiser)

    page = text(client.get(BASE))

    first_day, second_day = page.index("25 mars 2027"), page.index("26 mars 2027")
    assert first_day < page.index("Samhällets nya verklighet") < page.index("Civilsamhällets tre funktioner")
    assert page.index("Civilsamhällets tre funktioner") < second_day < page.index("Vägen framåt")
    assert "Krockar i programmet" not in page
    assert ">Program<" in client.get(BASE).get_data(as_text=True)  # the event's navigation


def test_a_room_used_twice_and_a_speaker_in_two_places_are_warned_about(client, event, organiser):
    hall, small = factories.room(event, "Stora salen"), factories.room(event, "Lilla salen")
    anna = speaker(event, "Anna Andersson", "anna@example.org")
    item(event, "Ukraina – ett samhälle som håller", local(25, 10), local(25, 11), room=hall, speakers=[anna])
    item(event, "Workshop om mat", local(25, 10, 30), local(25, 11, 30), room=hall)
    item(event, "Panelsamtal", local(25, 10, 45), local(25, 11, 15), room=small, speakers=[anna])
    # Back to back is no conflict; a cancelled item takes no room.
    item(event, "Fika", local(25, 11, 30), local(25, 12), room=hall)
    item(event, "Inställd punkt", local(25, 10), local(25, 11), room=small, status=ProgrammeItemStatus.CANCELLED)
    login_as(client, organiser)

    page = text(client.get(BASE))

    warnings = page[page.index("Krockar i programmet") : page.index("Lägg till programpunkt")]
    assert "Stora salen används av både Ukraina – ett samhälle som håller och Workshop om mat samtidigt." in warnings
    assert "Anna Andersson är med i både Ukraina – ett samhälle som håller och Panelsamtal samtidigt." in warnings
    assert "Fika" not in warnings and "Inställd punkt" not in warnings
    assert "Lilla salen" not in warnings


def test_editing_shows_the_saved_values_and_saves_changes(client, event, organiser):
    row = item(event, "Vägen framåt", local(25, 14), local(25, 15), kind=ProgrammeItemKind.TALK, description="Text")
    login_as(client, organiser)
    url = f"{BASE}/{row.id}/edit"

    html = client.get(url).get_data(as_text=True)
    assert value_of(html, "title") == "Vägen framåt"
    assert value_of(html, "starts_at") == "2027-03-25T14:00"

    response = submit(
        client,
        url,
        form(
            title="Vägen framåt – avslutning",
            starts_at="2027-03-25T14:00",
            ends_at="2027-03-25T15:00",
            description="Text",
        ),
        follow_redirects=True,
    )
    assert "Ändringarna är sparade." in text(response)
    assert items()[0].title == "Vägen framåt – avslutning"
    (entry,) = actions("programme_item.updated")
    assert entry.details["fields"] == ["title"]


def test_deleting_asks_first(client, event, organiser):
    row = item(event, "Vägen framåt", local(25, 14), local(25, 15))
    login_as(client, organiser)
    url = f"{BASE}/{row.id}/delete"

    page = client.get(url)
    assert "Ta bort programpunkten Vägen framåt?" in text(page)
    assert len(items()) == 1

    response = submit(client, url, {}, follow_redirects=True)
    assert "Programpunkten Vägen framåt är borttagen." in text(response)
    assert items() == []
    assert len(actions("programme_item.deleted")) == 1


def test_only_those_who_manage_the_event_reach_the_programme(client, event):
    row = item(event, "Vägen framåt", local(25, 14), local(25, 15))
    other = factories.event(slug="annat-evenemang")
    checkin = factories.user(roles={event: "checkin"})
    elsewhere = factories.user(roles={other: "organiser"})
    db.session.commit()
    urls = [BASE, f"{BASE}/new", f"{BASE}/{row.id}/edit", f"{BASE}/{row.id}/delete"]

    assert client.get(BASE).status_code in (302, 401)
    for person in (checkin, elsewhere):
        login_as(client, person)
        for url in urls:
            assert client.get(url).status_code in (403, 404), (person, url)
        assert client.post(f"{BASE}/{row.id}/delete").status_code in (400, 403, 404)
    assert len(items()) == 1

    # An item of another event is not reachable through this one's address.
    foreign = item(other, "Annan punkt", other.starts_at, other.ends_at)
    login_as(client, factories.user(roles={event: "organiser"}))
    assert client.get(f"{BASE}/{foreign.id}/edit").status_code == 404


def test_unknown_speaker_ids_are_refused(client, event, organiser):
    other = factories.event(slug="annat-evenemang")
    stranger = speaker(other, "Främling", "x@example.org")
    login_as(client, organiser)
    response = submit(client, f"{BASE}/new", form(speaker_ids=[str(stranger.id)]))
    assert "Välj bland evenemangets talare." in error_for(response.get_data(as_text=True), "speaker_ids")
    assert items() == []
