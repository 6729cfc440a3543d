"""The scanner page in headless Chromium against a real server (gunicorn on loopback).

- A fake camera shows a printed badge (its PDF rasterised to a video frame): the page decodes the
  QR with the BarcodeDetector polyfill's WebAssembly (Chromium on Linux has no native detector), and
  shows the attendee as checked in; the server has the check-in.
- Search by name checks in a person with one tap; someone who cancelled is shown as such, without
  a check-in button.
- With the network cut, three scans from a keyboard-wedge scanner are answered and queued, the page
  says it is offline and how many scans wait, and it still opens from the service worker's copy;
  when the network returns they sync and the server has each once. The page warns when the wedge's
  field loses the focus.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from forum.badges.pdf import badges_pdf
from forum.badges.services import code_for, ensure_code
from forum.checkin import services as checkin
from forum.checkin.models import CheckIn
from forum.db import reading
from forum.extensions import db
from forum.registration import services
from forum.registration.models import Registration
from tests import factories
from tests.badges.test_pdf import pages
from tests.e2e.browser import chromium, require_chromium, write_y4m
from tests.live_server import LiveServer

pytestmark = pytest.mark.browser

PEOPLE = [
    ("Åsa", "Öberg", "Länsstyrelsen Halland"),
    ("Łukasz", "Nowak", "Halmstads kommun"),
    ("Zoë", "Nguyễn", "Region Halland"),
    ("Bo", "Ek", "Hela Sverige ska leva"),
    ("Anna", "Berg", "MSB"),
]


@dataclass
class Door:
    slug: str
    token: str
    server: LiveServer
    people: list[dict]  # {"id", "name", "code"}


@pytest.fixture
def door(app, database_url):
    """An event with five confirmed attendees and one who cancelled, all with badge codes, a device
    token, and a live server.

    The test keeps plain values, and reads the database only inside `reading()` and ends each read at
    once: outside a request a transaction begins IMMEDIATE and would hold SQLite's write lock."""
    require_chromium()
    event = factories.event(capacity=50)
    registrations = []
    for first, last, organisation in PEOPLE:
        details = services.Details(
            first_name=first, last_name=last, email=f"{last.lower()}@example.org", organisation=organisation
        )
        registrations.append(services.register(event, details).registration)
    for registration in registrations:
        ensure_code(registration)
    cancelled = services.register(
        event, services.Details(first_name="Eva", last_name="Lind", email="lind@example.org", organisation="MSB")
    ).registration
    ensure_code(cancelled)
    services.cancel(cancelled)
    _device, token = checkin.create_device(event, "Entré A")
    db.session.commit()
    people = [{"id": r.id, "name": r.name, "code": code_for(r)} for r in registrations]
    slug = event.slug
    db.session.rollback()
    server = LiveServer(database_url, workers=1, threads=4)
    try:
        server.start()
        yield Door(slug, token, server, people)
    finally:
        server.close()


def scanner_url(door: Door) -> str:
    return f"{door.server.url}/admin/events/{door.slug}/checkin/device#token={door.token}&entrance=Entr%C3%A9%20A"


def results_of(person: dict) -> list[tuple[str, str]]:
    """(result, entrance) of every scan of the person, as the server recorded them."""
    with reading():
        db.session.rollback()  # a fresh read: the server wrote in its own process
        rows = db.session.execute(
            select(CheckIn.result, CheckIn.entrance).where(CheckIn.registration_id == person["id"]).order_by(CheckIn.id)
        ).all()
        db.session.rollback()
    return [tuple(row) for row in rows]


# True once the service worker has kept the scanner page in its cache.
KEPT_PAGE = """async () => {
  for (const name of await caches.keys()) {
    const requests = await (await caches.open(name)).keys();
    if (requests.some((request) => request.url.endsWith("/checkin/device"))) return true;
  }
  return false;
}"""


def open_scanner(context, url):
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("body[data-ready='1']")
    page.wait_for_function("() => document.getElementById('list-status').textContent.includes('6')")
    return page


def test_the_camera_reads_a_printed_badge_and_checks_its_holder_in(door, tmp_path, screenshots):
    holder = door.people[0]
    with reading():
        registration = db.session.get(Registration, holder["id"])
        [image] = pages(badges_pdf([registration], "a6", {holder["id"]: holder["code"]}), scale=2)
        db.session.rollback()
    video = write_y4m(image, tmp_path / "badge.y4m")

    # The phone is set to another zone than the venue (the event: Europe/Stockholm).
    with chromium(camera_file=video, timezone_id="America/New_York") as context:
        page = open_scanner(context, scanner_url(door))
        assert "#token" not in page.url  # the token left the address bar
        page.click("#camera-toggle")
        page.wait_for_selector("#result[data-result='ok']", timeout=20000)
        assert page.inner_text("#result-word") == "Incheckad"
        assert page.inner_text("#result-name") == "Åsa Öberg"
        assert page.inner_text("#result-organisation") == "Länsstyrelsen Halland"
        assert page.inner_text("#result-role") == "Roll: Deltagare"
        page.screenshot(path=str(screenshots / "journey5-01-camera-scan.png"))

        # The badge stays in front of the camera: it is scanned once, not again and again.
        page.wait_for_timeout(1500)
        page.wait_for_selector("#queue-status[data-count='0']")
        assert results_of(holder) == [("ok", "Entré A")]

        # A forgotten badge: search by name, one tap.
        page.click("#result-close")
        page.click("#camera-toggle")  # stop the camera
        page.fill("#search", "nowak")
        page.click("#search-results button")
        page.wait_for_selector("#result[data-result='ok']")
        assert page.inner_text("#result-name") == "Łukasz Nowak"
        page.screenshot(path=str(screenshots / "journey5-02-search-by-name.png"))
        page.wait_for_selector("#queue-status[data-count='0']")

        # Scanned again: already checked in, when and where; the device, named after its entrance,
        # is not named twice.
        page.click("#result-close")
        page.type("#wedge", door.people[1]["code"] + "\n")
        page.wait_for_selector("#result[data-result='already_checked_in']")
        detail = page.inner_text("#result-detail")
        assert detail.startswith("Incheckad ") and detail.endswith(" vid Entré A"), detail
        # The time is the venue's (the event's zone, Stockholm), not the zone the device is set to.
        stockholm = [datetime.now(ZoneInfo("Europe/Stockholm")) + timedelta(minutes=m) for m in (-1, 0)]
        assert any(moment.strftime("%H:%M") in detail for moment in stockholm), detail
        page.wait_for_selector("#queue-status[data-count='0']")

        # Someone who cancelled is found with the reason in words, and no check-in button.
        page.click("#result-close")
        page.fill("#search", "lind")
        page.wait_for_selector("#search-results [data-result='cancelled']")
        assert "Avbokad" in page.inner_text("#search-results")
        assert page.query_selector("#search-results button") is None
    assert results_of(door.people[1]) == [("ok", "Entré A"), ("already_checked_in", "Entré A")]


def test_offline_scans_are_answered_queued_and_synced_once(door, screenshots):
    offline_people = door.people[2:5]

    with chromium() as context:
        page = open_scanner(context, scanner_url(door))
        # The service worker keeps the page for offline use.
        page.evaluate("async () => { await navigator.serviceWorker.ready; }")
        page.wait_for_function(KEPT_PAGE, polling=200)

        context.set_offline(True)
        for n, person in enumerate(offline_people, start=1):
            page.type("#wedge", person["code"].lower() + "\n")  # a wedge scanner types the code and Enter
            page.wait_for_selector(f"#queue-status[data-count='{n}']")
            assert page.get_attribute("#result", "data-result") == "ok"
            assert page.inner_text("#result-name") == person["name"]
            assert page.input_value("#wedge") == ""
        # The wedge scanner types into the field that has the focus: the page warns when the field has
        # lost it, and the warning gives it back.
        assert page.is_hidden("#focus-warning")
        page.focus("#search")
        page.wait_for_selector("#focus-warning", state="visible")
        assert "tappat fokus" in page.inner_text("#focus-warning")
        page.click("#focus-warning")
        page.wait_for_selector("#focus-warning", state="hidden")
        assert page.evaluate("document.activeElement.id") == "wedge"
        assert "Offline" in page.inner_text("#network-status")
        assert "3 skanningar väntar" in page.inner_text("#queue-status")
        page.screenshot(path=str(screenshots / "journey5-03-offline-queue.png"))
        assert all(results_of(person) == [] for person in offline_people)

        # Still offline, the page opens again from the device and keeps its queue.
        page.reload()
        page.wait_for_selector("body[data-ready='1']")
        assert page.get_attribute("#queue-status", "data-count") == "3"

        context.set_offline(False)
        page.wait_for_selector("#queue-status[data-count='0']", timeout=20000)
        page.screenshot(path=str(screenshots / "journey5-04-synced.png"))

    for person in offline_people:
        assert results_of(person) == [("ok", "Entré A")]
    with reading():
        assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 3
        db.session.rollback()
