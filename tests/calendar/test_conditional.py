"""Conditional requests on every .ics route: ETag (a hash of the body) and Last-Modified (the latest
updated_at in the file), and 304 Not Modified when the calendar program's copy is still current."""

from __future__ import annotations

from datetime import timedelta
from email.utils import format_datetime

import pytest
from icalendar import Calendar

from forum.extensions import db
from forum.registration import links, services
from tests.calendar.builders import spring_programme


@pytest.fixture
def data(app):
    return spring_programme()


def paths(data) -> list[str]:
    slug = data["event"].slug
    return [f"/e/{slug}/event.ics", f"/e/{slug}/programme.ics", f"/e/{slug}/programme/{data['sunday'].id}.ics"]


def test_every_route_has_an_etag_and_last_modified_and_answers_304(data, client):
    for path in paths(data):
        first = client.get(path)
        assert first.status_code == 200, path
        etag = first.headers["ETag"]
        assert etag.startswith('"') and len(etag) > 10
        assert first.headers["Last-Modified"]
        assert client.get(path).headers["ETag"] == etag  # the same data, the same file

        again = client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304, path
        assert again.get_data() == b""
        assert again.headers["ETag"] == etag

        since = client.get(path, headers={"If-Modified-Since": first.headers["Last-Modified"]})
        assert since.status_code == 304, path

        other = client.get(path, headers={"If-None-Match": '"something-else"'})
        assert other.status_code == 200 and other.get_data() == first.get_data()


def test_last_modified_is_the_latest_change(data, client):
    response = client.get(f"/e/{data['event'].slug}/programme.ics")
    latest = max(item.updated_at for item in data["event"].programme_items)
    assert response.headers["Last-Modified"] == format_datetime(latest.replace(microsecond=0), usegmt=True)


def test_a_change_gives_a_new_etag_and_a_full_answer(data, client):
    path = f"/e/{data['event'].slug}/programme.ics"
    etag = client.get(path).headers["ETag"]
    item = data["sunday"]
    item.starts_at += timedelta(hours=1)
    item.ends_at += timedelta(hours=1)
    item.sequence += 1
    db.session.commit()
    response = client.get(path, headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.headers["ETag"] != etag
    assert "SEQUENCE:4" in response.get_data(as_text=True)


@pytest.mark.parametrize("change", ["room", "speaker", "focus_area", "appearance", "event"])
def test_changes_without_an_item_update_still_reach_the_feed(data, client, change):
    """The feed's cache follows rooms, speakers, focus areas and the event, not only the items."""
    path = f"/e/{data['event'].slug}/programme.ics"
    before = shown(client.get(path).get_data(as_text=True))
    saturday = data["saturday"]
    if change == "room":
        saturday.room.name = "Lilla salen"
        wanted = "Lilla salen"
    elif change == "speaker":
        data["anna"].name = "Anna Bergström"
        wanted = "Anna Bergström"
    elif change == "focus_area":
        saturday.focus_areas[0].name = "Dricksvatten"
        wanted = "Dricksvatten"
    elif change == "appearance":
        saturday.appearances.reverse()
        for position, appearance in enumerate(saturday.appearances):
            appearance.position = position
        wanted = "Talare: Omar Said, Anna Berg"
    else:
        data["event"].venue_city = "Varberg"
        wanted = "Varberg"
    db.session.commit()
    after = shown(client.get(path).get_data(as_text=True))
    assert wanted not in before
    assert wanted in after


def shown(text: str) -> str:
    """What a calendar program shows of the entries (unescaped, unfolded)."""
    calendar = Calendar.from_ical(text)
    return "\n".join(
        str(entry.get(name, "")) if name != "CATEGORIES" else ",".join(map(str, entry[name].cats))
        for entry in calendar.walk("VEVENT")
        for name in ("SUMMARY", "LOCATION", "DESCRIPTION", "CATEGORIES")
        if name in entry
    )


def test_the_personal_calendar_answers_304_too(data, client):
    registration = services.register(
        data["event"], services.Details(first_name="Åsa", last_name="Öberg", email="asa@example.org")
    ).registration
    db.session.commit()
    path = links.url_for_registration(registration, "registration.calendar").removeprefix("http://localhost")
    first = client.get(path)
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "no-store"  # still a private page
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.headers["Cache-Control"] == "no-store"


def test_the_speakers_schedule_answers_304_too(data, client):
    from forum import tokens

    path = f"/s/{tokens.token_for('speaker', data['omar'])}/schedule.ics"
    first = client.get(path)
    assert first.status_code == 200
    assert first.headers["Last-Modified"]
    assert client.get(path, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
