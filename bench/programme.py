"""The programme of a large event through a real server (gunicorn, tests/live_server.py) on SQLite:
an event with 300 programme items (12 rooms, 6 focus areas, 120 speakers, one to three per item)
over three days. Measured, one request at a time on a keep-alive connection:

- /e/<slug>/programme.ics (the subscribable feed): repeated requests (calendar programs polling an
  unchanged feed: served from the per-process cache of forum.calendar.views) and the first request
  after each change (an item changed in the database before each request: the feed is built again);
- the same with If-None-Match: the ETag of the last answer (a 304 without a body);
- the public programme page /e/<slug>/programme (when the route exists): the first request after
  the server starts (every item rendered), repeated requests (the items' HTML kept by
  forum.programme.page), and the first request after each change (one item rendered again);
- in-process, without HTTP: building the feed's text (forum.calendar.ics.programme_calendar), from
  nothing ("cold") and with the unchanged entries' text kept from the last build (as in the server).

Targets (issue 5): programme.ics and the programme page under 50 ms median (repeated, and after a
change), the conditional GET
under 5 ms median. Settings: FORUM_BENCH_PROGRAMME_REQUESTS (50 per measurement).
"""

from __future__ import annotations

import http.client
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.live_server import HOST, LiveServer, server_environment

REQUESTS = int(os.environ.get("FORUM_BENCH_PROGRAMME_REQUESTS", "50"))
ITEMS = 300
SLUG = "bench-programme"
TARGET_MS = 50.0
TARGET_CONDITIONAL_MS = 5.0


def _prepare(database_url: str) -> dict:
    """A migrated database with the event; returns the in-process build time of the feed."""
    from flask_migrate import upgrade

    from forum import create_app, tokens
    from forum.calendar import ics
    from forum.events.models import Event, EventKind, EventStatus, FocusArea, Organisation, Room
    from forum.extensions import db
    from forum.programme.models import Appearance, ProgrammeItem, ProgrammeItemKind, ProgrammeItemStatus, Speaker

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        host = Organisation(name="Bänkens nätverk", contact_email="bench@example.org")
        starts = datetime(2027, 3, 26, 7, 0, tzinfo=UTC)  # over the change to summer time
        event = Event(
            slug=SLUG,
            title="Bänkdagar om beredskap",
            organisation=host,
            kind=EventKind.REGIONAL_FORUM,
            starts_at=starts,
            ends_at=starts + timedelta(days=2, hours=11),
            venue_name="Kongresshuset",
            venue_address="Storgatan 1",
            venue_city="Halmstad",
            status=EventStatus.PUBLISHED,
        )
        rooms = [Room(event=event, name=f"Sal {n}", capacity=50) for n in range(1, 13)]
        areas = [FocusArea(event=event, name=f"Fokus {n}, del; {n}", position=n) for n in range(1, 7)]
        speakers = []
        for n in range(120):
            speaker = Speaker(
                event=event,
                name=f"Talare {n}",
                title="Samordnare",
                organisation=f"Kommun {n % 17}",
                email=f"talare{n}@example.org",
                email_key=f"talare{n}@example.org",
            )
            tokens.assign("speaker", speaker)
            speakers.append(speaker)
        db.session.add_all([event, *rooms, *areas, *speakers])
        for n in range(ITEMS):
            day, slot, room = n // 100, (n % 100) // 12, n % 12
            start = starts + timedelta(days=day, minutes=45 * slot)
            item = ProgrammeItem(
                event=event,
                title=f"Pass {n}: vatten, värme; mat",
                description="Om beredskap i vardagen.\n\nMed exempel från kommunerna.",
                kind=ProgrammeItemKind.TALK,
                starts_at=start,
                ends_at=start + timedelta(minutes=40),
                room=rooms[room],
                status=ProgrammeItemStatus.CANCELLED if n % 50 == 7 else ProgrammeItemStatus.SCHEDULED,
                sequence=n % 3,
            )
            item.focus_areas = [areas[n % 6], areas[(n + 2) % 6]] if n % 2 else [areas[n % 6]]
            item.appearances = [
                Appearance(speaker=speakers[(n + k * 41) % len(speakers)], position=k) for k in range(1 + n % 3)
            ]
            db.session.add(item)
        db.session.commit()
        with app.test_request_context("/"):
            event = db.session.get(Event, event.id)
            ics.programme_calendar(event)  # warm up
            timings: dict[str, list[float]] = {"cold": [], "warm": []}
            for kind in ("cold", "warm") * 10:
                db.session.expire_all()
                if kind == "cold":
                    ics.forget_texts()
                started = time.perf_counter()
                text = ics.programme_calendar(db.session.get(Event, event.id))
                timings[kind].append(time.perf_counter() - started)
        db.session.remove()
        db.engine.dispose()
    return {
        "feed_build_ms_in_process_cold": round(1000 * statistics.median(timings["cold"]), 1),
        "feed_build_ms_in_process_entries_kept": round(1000 * statistics.median(timings["warm"]), 1),
        "feed_bytes": len(text),
    }


def _measure(connection: http.client.HTTPConnection, path: str, headers: dict | None = None, expect: int = 200):
    timings, last = [], None
    for _ in range(REQUESTS):
        started = time.perf_counter()
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        timings.append(time.perf_counter() - started)
        assert response.status == expect, (path, response.status, body[:300])
        last = response
    return round(1000 * statistics.median(timings), 2), last


def _after_changes(connection: http.client.HTTPConnection, path: str, database_url: str) -> float:
    """The feed's first request after an organiser changed an item (so the server builds it again):
    before each request one item's title and updated_at change in the database (as the application's
    own writes do: updated_at has onupdate=utcnow)."""
    import sqlite3

    database = sqlite3.connect(database_url.removeprefix("sqlite:///"))
    timings = []
    later = datetime.now(UTC) + timedelta(days=1)  # after every stamp the rows have: the latest change
    try:
        for n in range(REQUESTS):
            stamp = later + timedelta(seconds=n)
            database.execute(
                "UPDATE programme_items SET title = ?, updated_at = ? WHERE id = ?",
                (f"Ändrat pass {n}", stamp.strftime("%Y-%m-%d %H:%M:%S.%f"), 1 + n % ITEMS),
            )
            database.commit()
            started = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
            timings.append(time.perf_counter() - started)
            assert response.status == 200 and f"Ändrat pass {n}".encode() in body, response.status
    finally:
        database.close()
    return round(1000 * statistics.median(timings), 2)


def run() -> dict:
    with tempfile.TemporaryDirectory() as folder:
        database_url = f"sqlite:///{Path(folder) / 'programme.sqlite3'}"
        built = _prepare(database_url)
        results: dict = {"items": ITEMS, "requests_each": REQUESTS, "server": "gunicorn, 1 worker, 1 thread, SQLite"}
        results.update(built)
        with LiveServer(env=server_environment(database_url), workers=1, threads=1) as server:
            connection = http.client.HTTPConnection(HOST, server.port, timeout=60)
            feed = f"/e/{SLUG}/programme.ics"
            connection.request("GET", feed)
            first = connection.getresponse()
            first.read()
            assert first.status == 200, first.status
            etag = first.headers["ETag"]
            results["programme_ics_median_ms"], _ = _measure(connection, feed)
            results["programme_ics_conditional_median_ms"], _ = _measure(
                connection, feed, {"If-None-Match": etag}, expect=304
            )
            results["programme_ics_after_a_change_median_ms"] = _after_changes(connection, feed, database_url)
            page = f"/e/{SLUG}/programme"
            started = time.perf_counter()
            connection.request("GET", page)
            probe = connection.getresponse()
            probe.read()
            if probe.status == 200:
                # The first request renders every item; later ones keep the unchanged items' HTML.
                results["programme_page_first_request_ms"] = round(1000 * (time.perf_counter() - started), 2)
                results["programme_page_median_ms"], _ = _measure(connection, page)
                results["programme_page_after_a_change_median_ms"] = _after_changes(connection, page, database_url)
            else:
                results["programme_page_median_ms"] = None
                results["programme_page_note"] = f"{page} answered {probe.status}: not measured"
            connection.close()
    results["target_ms"] = TARGET_MS
    results["target_conditional_ms"] = TARGET_CONDITIONAL_MS
    ics_times = [results["programme_ics_median_ms"], results["programme_ics_after_a_change_median_ms"]]
    results["programme_ics_meets_target"] = all(value < TARGET_MS for value in ics_times)
    results["conditional_meets_target"] = results["programme_ics_conditional_median_ms"] < TARGET_CONDITIONAL_MS
    page = results["programme_page_median_ms"]
    page_times = [page, results.get("programme_page_after_a_change_median_ms")]
    results["programme_page_meets_target"] = None if page is None else all(value < TARGET_MS for value in page_times)
    return results


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2, ensure_ascii=False))
