"""Every .ics we produce, read by a second, independent parser: Mozilla's ical.js (npm
devDependency, run with Node through tests/calendar/icaljs_check.mjs). The times it reads through the
file's own VTIMEZONE (Europe/Stockholm, written as rules) must be ours, on both sides of the change to
summer time (Sunday 28 March 2027) and across it."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from forum.calendar import ics
from forum.extensions import db
from forum.registration import services
from tests.calendar.builders import AWKWARD_TITLE, EVENT_END, EVENT_START, SATURDAY_TALK, SUNDAY_TALK, spring_programme

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("icaljs_check.mjs")
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed (CI has it): ical.js cannot run")


def read_with_icaljs(text: str) -> dict:
    assert (ROOT / "node_modules" / "ical.js").is_dir(), "ical.js is missing: `make frontend` (npm ci) installs it"
    done = subprocess.run(
        [NODE, str(SCRIPT)], input=text.encode("utf-8"), capture_output=True, cwd=ROOT, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def times(read: dict) -> dict[str, tuple[str, str]]:
    for event in read["events"]:
        # Read in the file's zone, not as floating times in the machine's zone.
        assert event["start_zone"] == "Europe/Stockholm", event
        assert event["end_zone"] == "Europe/Stockholm", event
    return {event["uid"].split("@")[0]: (event["start"], event["end"]) for event in read["events"]}


def expected(*items) -> dict[str, tuple[str, str]]:
    return {f"programme-item-{item.id}": (iso(item.starts_at), iso(item.ends_at)) for item in items}


def test_the_event_in_late_march_across_the_change(app):
    data = spring_programme()
    read = read_with_icaljs(ics.event_calendar(data["event"]))
    assert read["zones"] == ["Europe/Stockholm"]
    # Saturday 09.00 CET and Sunday 16.00 CEST: a different offset at each end.
    assert times(read) == {f"event-{data['event'].id}": ("2027-03-27T08:00:00.000Z", "2027-03-28T14:00:00.000Z")}
    assert iso(EVENT_START) == "2027-03-27T08:00:00.000Z" and iso(EVENT_END) == "2027-03-28T14:00:00.000Z"
    [event] = read["events"]
    assert event["status"] == "CONFIRMED" and event["sequence"] == 0
    assert read["calname"] is None and read["refresh"] is None and read["ttl"] is None


def test_the_programme_feed(app):
    data = spring_programme()
    read = read_with_icaljs(ics.programme_calendar(data["event"]))
    assert times(read) == expected(data["saturday"], data["sunday"], data["cancelled"], data["night"])
    found = {event["uid"].split("@")[0]: event for event in read["events"]}
    saturday, sunday = found[f"programme-item-{data['saturday'].id}"], found[f"programme-item-{data['sunday'].id}"]
    assert saturday["start"] == iso(SATURDAY_TALK) == "2027-03-27T09:00:00.000Z"  # 10.00 CET
    assert sunday["start"] == iso(SUNDAY_TALK) == "2027-03-28T08:00:00.000Z"  # 10.00 CEST
    # 01.30 CET to 03.30 CEST is one hour.
    night = found[f"programme-item-{data['night'].id}"]
    assert (night["start"], night["end"]) == ("2027-03-28T00:30:00.000Z", "2027-03-28T01:30:00.000Z")
    assert sunday["summary"] == AWKWARD_TITLE and len(read["events"]) == 4
    assert sunday["sequence"] == 3
    assert sunday["categories"] == ["Värme, energi"]
    assert saturday["categories"] == ["Vatten", "Värme, energi"]
    assert found[f"programme-item-{data['cancelled'].id}"]["status"] == "CANCELLED"
    assert "Anna Berg" in saturday["description"] and "#item-" in saturday["description"]
    assert saturday["location"] == "Stora salen, Hallandsgården, Storgatan 1, Halmstad"
    assert read["calname"] == "Beredskapsdagar våren 2027 – program"
    assert read["refresh"] == "PT1H" and read["ttl"] == "PT1H"
    assert read["uid"] == f"programme-{data['event'].id}@localhost"


def test_one_item(app):
    data = spring_programme()
    for name in ("saturday", "sunday", "night"):
        read = read_with_icaljs(ics.item_calendar(data[name]))
        assert times(read) == expected(data[name])
        assert read["calname"] is None


def test_the_personal_calendar(app):
    data = spring_programme()
    event = data["event"]
    data["sunday"].requires_signup = True
    db.session.commit()
    registration = services.register(
        event,
        services.Details(
            first_name="Åsa", last_name="Öberg", email="asa@example.org", workshop_ids=[data["sunday"].id]
        ),
    ).registration
    db.session.commit()
    read = read_with_icaljs(ics.registration_calendar(registration))
    assert times(read) == {
        f"event-{event.id}": (iso(EVENT_START), iso(EVENT_END)),
        **expected(data["sunday"]),
    }
    assert [event["alarms"] for event in read["events"]] == [["-PT1H"], ["-PT1H"]]
    assert read["calname"] is None


def test_the_speakers_schedule(app):
    data = spring_programme()
    read = read_with_icaljs(ics.speaker_calendar(data["omar"]))
    assert times(read) == expected(data["saturday"], data["sunday"])
    assert read["calname"] == "Omar Said – Beredskapsdagar våren 2027"
    assert read["uid"] == f"speaker-{data['omar'].id}@localhost"


def test_the_served_files_too(app, client):
    from forum import tokens

    data = spring_programme()
    slug = data["event"].slug
    token = tokens.token_for("speaker", data["anna"])
    for path, wanted in (
        (f"/s/{token}/schedule.ics", expected(data["saturday"], data["cancelled"])),
        (f"/e/{slug}/event.ics", {f"event-{data['event'].id}": (iso(EVENT_START), iso(EVENT_END))}),
        (f"/e/{slug}/programme.ics", expected(data["saturday"], data["sunday"], data["cancelled"], data["night"])),
        (f"/e/{slug}/programme/{data['night'].id}.ics", expected(data["night"])),
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert times(read_with_icaljs(response.get_data(as_text=True))) == wanted, path


def test_a_summer_event_in_another_year(app):
    """A rule-based zone must also be right in summer and for a later year (no list of dates)."""
    data = spring_programme()
    item = data["saturday"]
    item.starts_at = datetime(2029, 7, 1, 12, 0, tzinfo=UTC)
    item.ends_at = item.starts_at + timedelta(hours=2)
    db.session.commit()
    read = read_with_icaljs(ics.item_calendar(item))
    assert times(read) == expected(item)
