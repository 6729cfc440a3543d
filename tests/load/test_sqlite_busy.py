"""SQLite busy under concurrent writers (issue 8): with a busy timeout of one millisecond, SQLite
itself gives up on a locked database almost at once; 200 registrations posted together to four
gunicorn workers must still all succeed (forum.db retries BEGIN IMMEDIATE with a backoff), with no
server error and no seat given twice."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from forum.extensions import db
from tests import factories
from tests.load.integrity import partial_registrations, status_counts, stored
from tests.load.rush import run_rush

VISITORS = 200
SEATS = 50


@pytest.fixture
def server_settings(database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's busy handling")
    return {"FORUM_SQLITE_BUSY_TIMEOUT_MS": "1"}


def test_writers_on_a_busy_database_are_retried_not_refused(server):
    event = factories.event(capacity=SEATS, registration_opens_at=None)
    slug, event_id = event.slug, event.id
    db.session.commit()

    rush = run_rush(server.port, slug, VISITORS, timeout=45, email_prefix="upptagen")

    log = server.log()
    failed = [(a.status, a.error, a.body[:300]) for a in rush.attempts if not a.registered]
    assert rush.statuses() == {303: VISITORS}, (rush.statuses(), failed[:3], log[-3000:])
    assert "database is locked" not in log and "Traceback" not in log, log[-3000:]
    state = stored(db.engine, event_id)
    assert status_counts(state) == {"confirmed": SEATS, "waiting": VISITORS - SEATS}
    assert partial_registrations(state, signups=0, answers=0) == {}


@pytest.fixture
def app_config():
    return {"FORUM_SQLITE_BUSY_TIMEOUT_MS": 1}


def test_a_writer_waits_for_the_lock_held_longer_than_the_busy_timeout(app, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's busy handling")
    from sqlalchemy import text

    path = database_url.removeprefix("sqlite:///")
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # another process's writer, holding the lock for half a second
    release = threading.Timer(0.5, holder.commit)
    release.start()
    started = time.monotonic()
    try:
        db.session.execute(text("UPDATE events SET title = title"))  # begins IMMEDIATE (not a GET request)
        db.session.commit()
    finally:
        release.join()
        holder.close()
    assert time.monotonic() - started >= 0.4
