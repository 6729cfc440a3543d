"""Capacity under concurrency, against a real server: gunicorn with several worker processes and
threads on loopback, 60 visitors who each load the form and then submit it at the same moment.
No request may fail, and the database must hold exactly the seats there are (SQLite and PostgreSQL).
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.programme.models import ProgrammeItem, ProgrammeItemKind
from forum.registration.models import Registration, RegistrationStatus, SignupStatus, WorkshopSignup
from tests import factories
from tests.conftest import csrf_from
from tests.live_server import Browser, LiveServer, hidden_value

VISITORS = 60
DEADLINE_SECONDS = 40  # for the visitors' part; with the server's start the test stays under a minute


@pytest.fixture
def server(app, database_url):
    """Depends on `app`, so it is stopped (and its connections closed) before the tables are emptied."""
    live = LiveServer(database_url, workers=2, threads=4)
    try:
        yield live.start()
    finally:
        live.close()


def register_together(server: LiveServer, slug: str, extra: dict | None = None) -> list:
    """Every visitor GETs the form (own cookies, own CSRF token and submission key), then all POST at once."""
    url = f"/e/{slug}/register"
    deadline = time.monotonic() + DEADLINE_SECONDS
    left = lambda: max(deadline - time.monotonic(), 0.1)  # noqa: E731 - every wait ends by the deadline
    barrier = threading.Barrier(VISITORS)

    def visitor(n: int):
        browser = Browser(server.url, timeout=left())
        try:
            page = browser.get(url)
            assert page.status == 200, (page.status, page.text[:500])
            data = {
                "csrf_token": csrf_from(page.text),
                "submission": hidden_value(page.text, "submission"),
                "first_name": "Zoë",
                "last_name": f"Łukasz-{n}",
                "email": f"besokare{n}@example.org",
                "privacy_consent": "y",
                **(extra or {}),
            }
        except BaseException:
            barrier.abort()  # the others stop waiting for this one
            raise
        barrier.wait(timeout=left())
        browser.timeout = left()
        return browser.post(url, data)

    with ThreadPoolExecutor(max_workers=VISITORS) as pool:
        futures = [pool.submit(visitor, n) for n in range(VISITORS)]
        return [future.result(timeout=left()) for future in futures]


def assert_all_redirected_to_thanks(server: LiveServer, responses: list, slug: str) -> None:
    failures = [(r.status, r.text[:300]) for r in responses if r.status != 303]
    assert not failures, (
        f"{len(failures)} of {len(responses)} failed: {failures[:3]}\n--- server log ---\n{server.log()}"
    )
    assert {r.location.replace(server.url, "") for r in responses} == {f"/e/{slug}/register/thanks"}
    assert "Traceback" not in server.log(), server.log()


def status_counts(model, event_filter) -> dict:
    db.session.expire_all()
    return dict(
        db.session.execute(select(model.status, func.count(model.id)).where(event_filter).group_by(model.status)).all()
    )


def test_sixty_at_once_for_twenty_seats_give_twenty_confirmed_and_forty_waiting(server):
    event = factories.event(capacity=20, registration_opens_at=None)
    slug, event_id = event.slug, event.id
    db.session.commit()
    # From here the test's session stays untouched until the visitors are done: on SQLite, loading an
    # expired attribute would begin a write transaction here and hold the lock the server needs.

    responses = register_together(server, slug)

    assert_all_redirected_to_thanks(server, responses, slug)
    counts = status_counts(Registration, Registration.event_id == event_id)
    assert counts == {RegistrationStatus.CONFIRMED: 20, RegistrationStatus.WAITING: 40}
    emails = db.session.scalars(select(Registration.email).where(Registration.event_id == event_id)).all()
    assert sorted(emails) == sorted(f"besokare{n}@example.org" for n in range(VISITORS))


def test_sixty_at_once_for_a_workshop_of_five_give_five_seats_and_fifty_five_waiting(server):
    event = factories.event(capacity=None, registration_opens_at=None)
    workshop = ProgrammeItem(
        event=event,
        title="Vattenförsörjning i kris",
        kind=ProgrammeItemKind.WORKSHOP,
        starts_at=event.starts_at + timedelta(hours=1),
        ends_at=event.starts_at + timedelta(hours=2),
        requires_signup=True,
        capacity=5,
    )
    db.session.add(workshop)
    db.session.flush()
    slug, event_id, workshop_id = event.slug, event.id, workshop.id
    db.session.commit()

    responses = register_together(server, slug, {"workshops": str(workshop_id)})

    assert_all_redirected_to_thanks(server, responses, slug)
    registrations = status_counts(Registration, Registration.event_id == event_id)
    assert registrations == {RegistrationStatus.CONFIRMED: VISITORS}
    signups = status_counts(WorkshopSignup, WorkshopSignup.programme_item_id == workshop_id)
    assert signups == {SignupStatus.CONFIRMED: 5, SignupStatus.WAITING: 55}
