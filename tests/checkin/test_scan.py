"""The check-in service: every outcome, retries, offline earliest-wins, undo, counts, search, concurrency."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from forum.badges import services as badges
from forum.badges.models import BadgeStatus
from forum.checkin import services
from forum.checkin.models import CheckIn
from forum.db import utcnow
from forum.extensions import db
from forum.registration import services as registration
from forum.registration.models import RegistrationStatus
from tests import factories


def person(n: int, **fields) -> registration.Details:
    return registration.Details(first_name=f"Åsa{n}", last_name="Öberg", email=f"p{n}@example.org", **fields)


def confirmed(event, n: int = 1, **fields):
    reg = registration.register(event, person(n, **fields)).registration
    assert reg.status == RegistrationStatus.CONFIRMED
    return reg, badges.ensure_code(reg).code


def test_codes_are_26_characters_of_0_9_a_z_and_normalised_when_scanned(app):
    event = factories.event()
    reg, code = confirmed(event)
    assert len(code) == 26 and set(code) <= set(badges.ALPHABET)
    assert badges.ensure_code(reg).code == code == badges.code_for(reg)
    assert badges.normalise(f"  {code.lower()}\n") == code
    assert badges.normalise("ABC-123") is None
    assert badges.normalise("A" * 27) is None


def test_a_confirmed_badge_checks_in_once_then_says_already_checked_in(app):
    event = factories.event()
    reg, code = confirmed(event, organisation="Räddningstjänsten Halmstad")
    first = services.scan(event, code.lower(), entrance="Norra")
    assert first.result == "ok"
    assert services.person(first.registration)["organisation"] == "Räddningstjänsten Halmstad"
    second = services.scan(event, code, entrance="Södra")
    assert second.result == "already_checked_in"
    assert services.describe(second.earlier)["entrance"] == "Norra"
    assert second.checked_in_at == first.checkin.scanned_at
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 2


def test_refusals_by_status_revoked_unknown_and_wrong_event(app):
    event = factories.event(capacity=1)
    other = factories.event()
    reg, code = confirmed(event)
    waiting = registration.register(event, person(2)).registration
    assert waiting.status == RegistrationStatus.WAITING
    # A waiting registration gets no new code; give it one made while it was confirmed.
    waiting.status = RegistrationStatus.CONFIRMED
    waiting_code = badges.ensure_code(waiting).code
    waiting.status = RegistrationStatus.WAITING
    _, other_code = confirmed(other, 3)
    assert services.scan(event, waiting_code).result == "waiting_list"
    assert services.scan(event, "NOSUCHCODE").result == "unknown"
    assert services.scan(event, "<script>").result == "unknown"
    outcome = services.scan(event, other_code)
    assert outcome.result == "wrong_event" and outcome.registration is None

    new = badges.revoke_and_reissue(reg)
    assert new.code != code
    assert services.scan(event, code).result == "revoked"
    for status, result in [
        (RegistrationStatus.PENDING, "pending"),
        (RegistrationStatus.DECLINED, "declined"),
        (RegistrationStatus.CANCELLED, "cancelled"),
    ]:
        reg.status = status
        assert services.scan(event, new.code).result == result
    reg.status = RegistrationStatus.CONFIRMED
    assert services.scan(event, new.code).result == "ok"
    # Every scan was recorded, refusals too.
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 9
    old = [b for b in [badges.find(code)] if b][0]
    assert old.status == BadgeStatus.REVOKED and old.revoked_at is not None


def test_a_retried_scan_returns_the_recorded_outcome_and_records_nothing(app):
    event = factories.event()
    _, code = confirmed(event)
    first = services.scan(event, code, client_scan_id="phone-1-scan-1")
    again = services.scan(event, code, client_scan_id="phone-1-scan-1")
    assert first.result == again.result == "ok" and again.repeated
    assert again.checkin.id == first.checkin.id
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 1


def test_offline_scans_the_earliest_counts_and_both_are_kept(app):
    event = factories.event()
    reg, code = confirmed(event)
    now = utcnow()
    late = services.scan(event, code, entrance="Södra", scanned_at=now - timedelta(minutes=2))
    early = services.scan(event, code, entrance="Norra", scanned_at=now - timedelta(minutes=5))
    assert late.result == "ok" and early.result == "ok"
    db.session.expire_all()
    assert late.checkin.result == "already_checked_in"
    assert services.admitted(reg).entrance == "Norra"
    assert services.counts(event) == {"checked_in": 1, "expected": 1, "entrances": {"Norra": 1}}
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 2


def test_undo_lets_the_badge_check_in_again_and_counts_follow(app):
    event = factories.event()
    organiser = factories.user(roles={event: "organiser"})
    _, code = confirmed(event)
    confirmed(event, 2)
    first = services.scan(event, code, entrance="Norra", user=organiser)
    assert services.counts(event) == {"checked_in": 1, "expected": 2, "entrances": {"Norra": 1}}
    assert services.describe(services.scan(event, code).earlier)["by"] == organiser.name
    assert services.undo(first.checkin, organiser)
    assert not services.undo(first.checkin, organiser)
    assert services.counts(event)["checked_in"] == 0
    assert services.scan(event, code).result == "ok"


def test_search_and_one_tap_checkin(app):
    event = factories.event()
    reg, code = confirmed(event, organisation="Länsstyrelsen i Hallands län")
    confirmed(event, 2, organisation="Kommunen")
    hits = services.search(event, "länsstyrelsen")
    assert [hit.registration.id for hit in hits] == [reg.id]
    assert services.search(event, "%") == []
    assert services.checkin_registration(event, reg, entrance="Norra").result == "ok"
    assert services.scan(event, code).result == "already_checked_in"
    rows = {row["code"]: row for row in services.checkin_list(event)}
    assert rows[code]["status"] == "checked_in" and rows[code]["checked_in_at"] is not None
    assert services.checkin_list(event, since=utcnow() + timedelta(seconds=1)) == []


def test_two_entrances_scanning_one_badge_at_once_give_one_ok(app):
    event = factories.event()
    _, code = confirmed(event)
    event_id = event.id
    db.session.commit()  # and touch nothing more here: a new transaction would hold SQLite's write lock
    barrier = threading.Barrier(2)
    results, errors = [], []

    def entrance(name: str):
        try:
            with app.app_context():
                from forum.events.models import Event

                here = db.session.get(Event, event_id)
                db.session.rollback()  # end the read's transaction (on SQLite it holds the write lock)
                barrier.wait(timeout=10)
                outcome = services.scan(here, code, entrance=name)
                db.session.commit()
                results.append(outcome.result)
                db.session.remove()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=entrance, args=(name,)) for name in ("Norra", "Södra")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    assert sorted(results) == ["already_checked_in", "ok"]


def test_declined_and_pending_registrations_are_not_admitted(app):
    event = factories.event()
    organiser = factories.user(roles={event: "organiser"})
    reg, code = confirmed(event)
    registration.decline(reg, by=organiser)
    assert services.scan(event, code).result == "declined"
    moderated = factories.event(requires_approval=True)
    pending = registration.register(moderated, person(5)).registration
    assert pending.status == RegistrationStatus.PENDING
    assert badges.ensure_code(pending) is None  # no badge before approval
    outcome = services.checkin_registration(moderated, pending)
    assert outcome.result == "pending" and services.admitted(pending) is None
