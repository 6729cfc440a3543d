"""Focus areas and rooms of an event, in the organiser area."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from forum.events.models import FocusArea, Room
from forum.extensions import db
from forum.programme.models import ProgrammeItem, ProgrammeItemKind
from tests import factories
from tests.auth.helpers import actions, error_for, text, value_of
from tests.conftest import csrf_from, login_as, submit


@pytest.fixture
def event(app):
    return factories.event(slug="halland-beredskap", title="Temamöte om beredskap")


@pytest.fixture
def organiser(app, event):
    user = factories.user(roles={event: "organiser"})
    db.session.commit()
    return user


def english(client) -> None:
    client.get("/lang/en")


def areas(event) -> list[tuple[int, str]]:
    db.session.expire_all()
    query = select(FocusArea.position, FocusArea.name).where(FocusArea.event_id == event.id)
    return [tuple(row) for row in db.session.execute(query.order_by(FocusArea.position))]


def programme_item(event, **fields) -> ProgrammeItem:
    item = ProgrammeItem(
        event=event,
        title=fields.pop("title", "Workshop"),
        kind=ProgrammeItemKind.WORKSHOP,
        starts_at=event.starts_at,
        ends_at=event.starts_at + timedelta(hours=1),
        **fields,
    )
    db.session.add(item)
    db.session.flush()
    return item


# --- focus areas ---------------------------------------------------------------------------------

FOCUS = "/admin/events/halland-beredskap/focus-areas"


def test_adding_focus_areas_keeps_them_in_order(app, client, event, organiser):
    login_as(client, organiser)
    assert "Evenemanget har inga fokusområden än." in text(client.get(FOCUS))
    for name in ("Vatten", "Värme och energi", "Livsmedel"):
        response = submit(client, FOCUS, {"name": name, "description": f"Om {name.lower()}"})
        assert response.status_code == 302
    assert areas(event) == [(1, "Vatten"), (2, "Värme och energi"), (3, "Livsmedel")]
    html = text(client.get(FOCUS))
    assert "Fokusområdet Livsmedel är tillagt." in html
    listed = html[html.index('class="admin-list"') :]
    assert listed.index("Vatten") < listed.index("Värme och energi") < listed.index("Livsmedel")
    assert [entry.details["name"] for entry in actions("focus_area.created")] == [
        "Vatten",
        "Värme och energi",
        "Livsmedel",
    ]
    # and the public page and the overview show them in that order
    overview = text(client.get("/admin/events/halland-beredskap/"))
    assert overview.index("Vatten") < overview.index("Livsmedel")


def move(client, area, direction):
    page = client.get(FOCUS)
    return client.post(
        f"{FOCUS}/{area.id}/move", data={"csrf_token": csrf_from(page.get_data(as_text=True)), "direction": direction}
    )


def test_moving_focus_areas_up_and_down(app, client, event, organiser):
    water = factories.focus_area(event, "Vatten", 1)
    heat = factories.focus_area(event, "Värme", 2)
    food = factories.focus_area(event, "Livsmedel", 3)
    db.session.commit()
    login_as(client, organiser)

    assert move(client, food, "up").status_code == 302
    assert areas(event) == [(1, "Vatten"), (2, "Livsmedel"), (3, "Värme")]
    move(client, water, "down")
    assert areas(event) == [(1, "Livsmedel"), (2, "Vatten"), (3, "Värme")]
    move(client, heat, "down")  # already last: nothing changes
    assert areas(event) == [(1, "Livsmedel"), (2, "Vatten"), (3, "Värme")]
    assert len(actions("focus_area.moved")) == 2

    html = text(client.get(FOCUS))
    assert html.index("Livsmedel") < html.index("Vatten") < html.index("Värme")
    assert move(client, heat, "sideways").status_code == 400


def test_deleting_a_focus_area_asks_first_unlinks_programme_items_and_renumbers(app, client, event, organiser):
    water = factories.focus_area(event, "Vatten", 1)
    heat = factories.focus_area(event, "Värme", 2)
    factories.focus_area(event, "Livsmedel", 3)
    item = programme_item(event, title="Workshop om vatten och värme", focus_areas=[water, heat])
    db.session.commit()
    login_as(client, organiser)

    url = f"{FOCUS}/{water.id}/delete"
    page = text(client.get(url))
    assert "Ta bort fokusområdet Vatten?" in page
    assert "1 programpunkt har fokusområdet. Den finns kvar, utan det." in page
    assert areas(event) == [(1, "Vatten"), (2, "Värme"), (3, "Livsmedel")]  # nothing happened yet

    response = submit(client, url, {})
    assert response.status_code == 302
    assert areas(event) == [(1, "Värme"), (2, "Livsmedel")]
    item = db.session.get(ProgrammeItem, item.id)
    assert item is not None
    assert [area.name for area in item.focus_areas] == ["Värme"]
    [entry] = actions("focus_area.deleted")
    assert entry.details == {"name": "Vatten", "unlinked_items": 1}
    assert "Fokusområdet Vatten är borttaget." in text(client.get(response.headers["Location"]))


def test_editing_a_focus_area(app, client, event, organiser):
    area = factories.focus_area(event, "Vatten", 1, description="Dricksvatten")
    db.session.commit()
    login_as(client, organiser)
    url = f"{FOCUS}/{area.id}/edit"
    assert value_of(text(client.get(url)), "name") == "Vatten"
    response = submit(client, url, {"name": "Vatten och avlopp", "description": "Dricksvatten och avlopp"})
    assert response.status_code == 302
    assert areas(event) == [(1, "Vatten och avlopp")]
    assert actions("focus_area.updated")[0].details["fields"] == ["name", "description"]


FOCUS_BAD_INPUT = [
    ({"name": ""}, "name", "Fyll i namn.", "Enter a name."),
    ({"name": "x" * 121}, "name", "Får vara högst 120 tecken.", "At most 120 characters."),
    (
        {"name": "Ny", "description": "x" * 501},
        "description",
        "Får vara högst 500 tecken.",
        "At most 500 characters.",
    ),
    (
        {"name": "vatten"},
        "name",
        "Evenemanget har redan ett fokusområde med det namnet.",
        "The event already has a focus area with that name.",
    ),
]


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize(("data", "field", "swedish", "english_text"), FOCUS_BAD_INPUT)
def test_bad_focus_area_input(app, client, event, organiser, language, data, field, swedish, english_text):
    factories.focus_area(event, "Vatten", 1)
    db.session.commit()
    login_as(client, organiser)
    if language == "en":
        english(client)
    html = text(submit(client, FOCUS, data))
    assert (swedish if language == "sv" else english_text) in error_for(html, field)
    assert value_of(html, "name") == data["name"]
    assert areas(event) == [(1, "Vatten")]


def test_duplicate_name_when_editing(app, client, event, organiser):
    factories.focus_area(event, "Vatten", 1)
    heat = factories.focus_area(event, "Värme", 2)
    db.session.commit()
    login_as(client, organiser)
    html = text(submit(client, f"{FOCUS}/{heat.id}/edit", {"name": "Vatten"}))
    assert "Evenemanget har redan ett fokusområde med det namnet." in error_for(html, "name")


def test_a_focus_area_of_another_event_is_not_found(app, client, event, organiser):
    other = factories.event()
    foreign = factories.focus_area(other, "Främmande", 1)
    db.session.commit()
    login_as(client, organiser)
    assert client.get(f"{FOCUS}/{foreign.id}/edit").status_code == 404
    assert client.get(f"{FOCUS}/{foreign.id}/delete").status_code == 404
    assert move(client, foreign, "up").status_code == 404


def test_checkin_staff_cannot_manage_focus_areas(app, client, event):
    staff = factories.user(roles={event: "checkin"})
    db.session.commit()
    login_as(client, staff)
    assert client.get(FOCUS).status_code == 403


# --- rooms ---------------------------------------------------------------------------------------

ROOMS = "/admin/events/halland-beredskap/rooms"


def rooms(event) -> list[tuple[str, int | None]]:
    db.session.expire_all()
    query = select(Room.name, Room.capacity).where(Room.event_id == event.id).order_by(Room.name)
    return [tuple(row) for row in db.session.execute(query)]


def test_adding_and_editing_rooms(app, client, event, organiser):
    login_as(client, organiser)
    assert "Evenemanget har inga lokaler än." in text(client.get(ROOMS))
    assert submit(client, ROOMS, {"name": "Stora salen", "capacity": "200", "description": "Plan 2"}).status_code == 302
    assert submit(client, ROOMS, {"name": "Grupprum 1", "capacity": ""}).status_code == 302
    assert rooms(event) == [("Grupprum 1", None), ("Stora salen", 200)]
    html = text(client.get(ROOMS))
    assert "Stora salen" in html and "200" in html and "Lokalen Grupprum 1 är tillagd." in html

    room = db.session.scalar(select(Room).where(Room.name == "Stora salen"))
    url = f"{ROOMS}/{room.id}/edit"
    assert value_of(text(client.get(url)), "capacity") == "200"
    assert submit(client, url, {"name": "Stora salen", "capacity": "180", "description": "Plan 2"}).status_code == 302
    assert rooms(event) == [("Grupprum 1", None), ("Stora salen", 180)]
    assert [entry.action for entry in actions()] == ["room.created", "room.created", "room.updated"]
    assert actions("room.updated")[0].details["fields"] == ["capacity"]


ROOM_BAD_INPUT = [
    ({"name": "", "capacity": "10"}, "name", "Fyll i namn.", "Enter a name."),
    ({"name": "x" * 121, "capacity": ""}, "name", "Får vara högst 120 tecken.", "At most 120 characters."),
    (
        {"name": "Sal", "capacity": "abc"},
        "capacity",
        "Ange ett heltal, till exempel 120.",
        "Enter a whole number, for example 120.",
    ),
    (
        {"name": "Sal", "capacity": "-1"},
        "capacity",
        "Antalet kan inte vara negativt.",
        "The number cannot be negative.",
    ),
    ({"name": "Sal", "capacity": "99999999999"}, "capacity", "Talet är för stort.", "The number is too large."),
    (
        {"name": "STORA SALEN", "capacity": ""},
        "name",
        "Evenemanget har redan en lokal med det namnet.",
        "The event already has a room with that name.",
    ),
]


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize(("data", "field", "swedish", "english_text"), ROOM_BAD_INPUT)
def test_bad_room_input(app, client, event, organiser, language, data, field, swedish, english_text):
    factories.room(event, "Stora salen", capacity=200)
    db.session.commit()
    login_as(client, organiser)
    if language == "en":
        english(client)
    html = text(submit(client, ROOMS, data))
    assert (swedish if language == "sv" else english_text) in error_for(html, field)
    assert value_of(html, "name") == data["name"]
    assert value_of(html, "capacity") == data["capacity"]
    assert rooms(event) == [("Stora salen", 200)]


def test_deleting_a_room_keeps_its_programme_items_without_a_room(app, client, event, organiser):
    room = factories.room(event, "Sal A")
    item = programme_item(event, title="Plenum", room=room)
    db.session.commit()
    login_as(client, organiser)
    url = f"{ROOMS}/{room.id}/delete"
    page = text(client.get(url))
    assert "Ta bort lokalen Sal A?" in page
    assert "1 programpunkt är i lokalen. Den finns kvar, utan lokal." in page

    response = submit(client, url, {})
    assert response.status_code == 302
    assert rooms(event) == []
    item = db.session.get(ProgrammeItem, item.id)
    assert item is not None and item.room_id is None
    [entry] = actions("room.deleted")
    assert entry.details == {"name": "Sal A", "unassigned_items": 1}
    assert "Lokalen Sal A är borttagen." in text(client.get(response.headers["Location"]))


def test_room_delete_needs_a_post_with_csrf(app, client, event, organiser):
    room = factories.room(event, "Sal A")
    db.session.commit()
    login_as(client, organiser)
    assert client.post(f"{ROOMS}/{room.id}/delete").status_code == 400
    assert rooms(event) == [("Sal A", 40)]


def test_a_room_of_another_event_is_not_found(app, client, event, organiser):
    foreign = factories.room(factories.event(), "Främmande sal")
    db.session.commit()
    login_as(client, organiser)
    assert client.get(f"{ROOMS}/{foreign.id}/edit").status_code == 404
    assert client.get(f"{ROOMS}/{foreign.id}/delete").status_code == 404


def test_room_page_in_english(app, client, event, organiser):
    login_as(client, organiser)
    english(client)
    html = text(client.get(ROOMS))
    assert "Add a room" in html and re.search(r"<label[^>]*>Seats", html)
