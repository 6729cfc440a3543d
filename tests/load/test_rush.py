"""A registration rush (issue 8): 500 visitors register at the same moment for 100 seats on gunicorn
with four worker processes, on SQLite, or on PostgreSQL when TEST_DATABASE_URL is set.

All 500 POSTs are in flight together: one client thread runs 500 asyncio visitors, each on its own
connection (tests/load/rush.py), so the two-core machine is not spent on 500 client threads.
Exactly 100 are confirmed and 400 wait, and nobody sees a server error.
"""

from __future__ import annotations

from forum.extensions import db
from forum.registration.models import RegistrationStatus
from tests import factories
from tests.load.integrity import partial_registrations, status_counts, stored
from tests.load.rush import email_of, run_rush

VISITORS = 500
SEATS = 100
WORKERS = 4


def test_five_hundred_at_once_for_a_hundred_seats(server):
    event = factories.event(capacity=SEATS, registration_opens_at=None)
    slug, event_id = event.slug, event.id
    db.session.commit()

    rush = run_rush(server.port, slug, VISITORS, timeout=45)

    log = server.log()
    assert [a.form_error for a in rush.attempts if a.form_error] == []
    assert rush.statuses() == {303: VISITORS}, (
        [(a.status, a.error, a.body[:200]) for a in rush.attempts if not a.registered][:5],
        log[-3000:],
    )
    assert all(a.location.endswith(f"/e/{slug}/register/thanks") for a in rush.attempts)
    assert "Traceback" not in log, log
    state = stored(db.engine, event_id)
    assert status_counts(state) == {RegistrationStatus.CONFIRMED.value: SEATS, RegistrationStatus.WAITING.value: 400}
    assert sorted(state["registrations"]) == sorted(email_of(n) for n in range(VISITORS))
    # Each one got its one e-mail (confirmation or waiting-list notice) queued with it.
    assert partial_registrations(state, signups=0, answers=0) == {}
