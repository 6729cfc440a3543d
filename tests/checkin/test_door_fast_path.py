"""The door's scans answered in front of Flask (forum.api.door): the same answers and the same headers as
the view gives with the layer switched off (FORUM_DOOR_FAST_PATH=0), and everything that is not a common
scan left to Flask, body included. Many devices racing over the same badges admit each badge once."""

from __future__ import annotations

import json
import random
import threading

import pytest
from flask import request_started
from sqlalchemy import func, select

from forum import create_app
from forum.badges import services as badges
from forum.checkin import services
from forum.checkin.models import CheckIn
from forum.extensions import db
from forum.i18n import LANGUAGE_COOKIE
from forum.registration import services as registration
from forum.registration.models import BadgeRole, RegistrationStatus
from tests import factories
from tests.conftest import IsolatedClient, _test_config


def _world(tag: str):
    """An event with badges the door answers in every common way; returns (event, codes, token)."""
    event = factories.event()
    other = factories.event()
    codes = {}

    def register(key: str, target=event, **fields):
        details = registration.Details(
            first_name="Zoë", last_name=f"Łukasz {key}", email=f"{tag}-{key}@example.org", **fields
        )
        reg = registration.register(target, details).registration
        codes[key] = badges.ensure_code(reg).code
        return reg

    register("plain", organisation="SOS Alarm")
    register("needs", health_consent=True, accessibility="Hörslinga")
    register("press").badge_role = BadgeRole.PRESS
    register("english")
    register("waiting").status = RegistrationStatus.WAITING
    badges.revoke_and_reissue(register("revoked"))
    register("other", target=other)
    _device, token = services.create_device(event, "Norra ingången")
    db.session.commit()
    return event, codes, token


def _scan(client, slug, token, body, **headers):
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.post(
        f"/api/v1/events/{slug}/checkins",
        data=body if isinstance(body, str | bytes) else json.dumps(body),
        headers=headers,
        content_type=headers.pop("content_type", "application/json"),
    )


def _common_scans(codes, tag):
    return [
        ({"code": codes["plain"], "entrance": "Norra", "client_scan_id": f"{tag}-1"}, None),
        ({"code": codes["plain"].lower(), "entrance": "Södra", "scanned_at": "2030-01-01T08:00:00+01:00"}, None),
        ({"code": codes["needs"], "entrance": "Norra", "scanned_at": "2020-05-04T09:00:00Z"}, None),
        ({"code": codes["press"]}, None),
        ({"code": codes["english"], "entrance": "Västra"}, "en"),
        ({"code": codes["waiting"], "entrance": "Norra"}, None),
        ({"code": codes["revoked"], "entrance": "Norra"}, None),
        ({"code": codes["other"], "entrance": "Norra"}, None),
        ({"code": "NOSUCHCODE", "entrance": "Norra"}, None),
        ({"code": "<script>alert(1)</script>", "entrance": "<b>Norra</b>"}, None),
    ]


def _comparable(response, tag):
    body = json.loads(response.get_data(as_text=True).replace(tag, "TAG"))
    body.pop("checkin_id", None)
    for key in ("registration", "earlier"):
        if isinstance(body.get(key), dict):
            body[key].pop("id", None)
    if body.get("checked_in_at") and body["result"] == "ok" and not body["checked_in_at"].startswith("2020"):
        body["checked_in_at"] = "now"
    if isinstance(body.get("earlier"), dict):
        body["earlier"]["at"] = "earlier"
        body["checked_in_at"] = "earlier"
    headers = sorted((name, value) for name, value in response.headers.items() if name != "Content-Length")
    return response.status_code, body, headers


@pytest.fixture
def reached_flask(app):
    """The paths of the requests that reached Flask (its request_started signal)."""
    paths = []

    def note(_sender, **_extra):
        from flask import request

        paths.append(request.path)

    request_started.connect(note)
    yield paths
    request_started.disconnect(note)


@pytest.fixture
def view_only_app(database_url):
    """The same app, same database, with the layer switched off: every scan through the Flask view."""
    other = create_app(_test_config(database_url, FORUM_DOOR_FAST_PATH=False))
    other.test_client_class = IsolatedClient
    yield other
    with other.app_context():
        db.engine.dispose()  # and the door's own connections with it (PostgreSQL)


def _answers(client, tag: str) -> list:
    """The common scans of a new world, through this client, as _comparable answers."""
    event, codes, token = _world(tag)
    answers = []
    for body, language in _common_scans(codes, tag):
        if language:
            client.set_cookie(LANGUAGE_COOKIE, language, domain="localhost")
        answers.append(_comparable(_scan(client, event.slug, token, body), tag))
        client.delete_cookie(LANGUAGE_COOKIE, domain="localhost")
    return answers


def test_common_scans_are_answered_before_flask_exactly_as_the_view_answers_them(
    app, client, view_only_app, reached_flask
):
    fast_answers = _answers(client, "fast")
    assert reached_flask == [], "every common scan was answered in front of Flask"
    slow_answers = _answers(view_only_app.test_client(), "slow")
    assert len(reached_flask) == len(slow_answers)

    assert fast_answers == slow_answers
    results = [body["result"] for _status, body, _headers in fast_answers]
    assert results == [
        "ok",
        "already_checked_in",
        "ok",
        "ok",
        "ok",
        "waiting_list",
        "revoked",
        "wrong_event",
        "unknown",
        "unknown",
    ]
    by_result = {body["registration"]["role_label"] for _s, body, _h in fast_answers if body.get("registration")}
    assert {"Deltagare", "Press", "Participant"} <= by_result  # the English cookie's scan in English
    headers = dict(fast_answers[0][2])
    assert headers["Content-Type"] == "application/json"
    assert (
        headers["X-Content-Type-Options"] == "nosniff"
        and "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    )
    assert headers["Vary"] == "Cookie"
    stored = db.session.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.code.is_not(None)))
    assert stored == len(fast_answers) + len(slow_answers)


def test_everything_else_is_left_to_flask_with_its_body(app, client, reached_flask):
    event, codes, token = _world("rest")
    other_event, _other_codes, other_token = _world("rest-other")
    cases = [
        ("no token", lambda: _scan(client, event.slug, None, {"code": codes["plain"]}), 401),
        ("unknown token", lambda: _scan(client, event.slug, "x" * 40, {"code": codes["plain"]}), 401),
        ("another event's token", lambda: _scan(client, event.slug, other_token, {"code": codes["plain"]}), 403),
        ("no such event", lambda: _scan(client, "finns-inte", token, {"code": codes["plain"]}), 404),
        ("broken JSON", lambda: _scan(client, event.slug, token, '{"code": '), 400),
        ("a JSON list", lambda: _scan(client, event.slug, token, [codes["plain"]]), 400),
        ("not JSON", lambda: _scan(client, event.slug, token, codes["plain"], content_type="text/plain"), 400),
        ("a long body", lambda: _scan(client, event.slug, token, {"code": "A" * 5000}), 400),
        (
            "no time zone",
            lambda: _scan(client, event.slug, token, {"code": codes["plain"], "scanned_at": "2026-01-01T10:00"}),
            400,
        ),
        ("a NUL", lambda: _scan(client, event.slug, token, {"code": codes["plain"], "entrance": "A\x00"}), 400),
        ("JSON nested deep", lambda: _scan(client, event.slug, token, "[" * 4000), 400),
    ]
    for name, send, status in cases:
        response = send()
        assert response.status_code == status, (name, response.get_data(as_text=True))
        assert "error" in response.json, name
    assert len(reached_flask) == len(cases)

    first = _scan(client, event.slug, token, {"code": codes["plain"], "client_scan_id": "rest-1"})
    retried = _scan(client, event.slug, token, {"code": codes["plain"], "client_scan_id": "rest-1"})
    assert first.json["result"] == retried.json["result"] == "ok"
    assert retried.json["repeated"] is True and retried.json["checkin_id"] == first.json["checkin_id"]
    assert len(reached_flask) == len(cases) + 1  # the retry went to the view (services.scan)
    assert client.get(f"/api/v1/events/{event.slug}/checkins").status_code == 405
    assert other_event.id != event.id


@pytest.fixture
def app_config(request):
    return getattr(request, "param", {})


@pytest.mark.parametrize("app_config", [{"FORUM_HTTPS": True}], indirect=True)
def test_on_https_the_answer_carries_hsts_as_every_page(app, client, reached_flask):
    event, codes, token = _world("https")
    response = _scan(client, event.slug, token, {"code": codes["plain"]})
    assert response.json["result"] == "ok" and reached_flask == []
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


DEVICES = 6
BADGES = 20


def test_many_devices_racing_over_the_same_badges_admit_each_badge_once(app):
    event = factories.event()
    codes = []
    for n in range(BADGES):
        details = registration.Details(first_name="Kö", last_name=f"Person {n}", email=f"race-{n}@example.org")
        codes.append(badges.ensure_code(registration.register(event, details).registration).code)
    tokens = [services.create_device(event, f"Enhet {n}")[1] for n in range(DEVICES)]
    slug = event.slug
    db.session.commit()  # and read nothing more here until the threads are done (SQLite's write lock)
    barrier = threading.Barrier(DEVICES)
    answers: list[tuple[str, int, dict]] = []

    def device(token: str, seed: int) -> None:
        client = app.test_client()
        order = codes[:]
        random.Random(seed).shuffle(order)
        barrier.wait(timeout=10)
        for code in order:
            response = _scan(client, slug, token, {"code": code, "entrance": f"Entré {seed}"})
            answers.append((code, response.status_code, response.json))

    threads = [threading.Thread(target=device, args=(token, n)) for n, token in enumerate(tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(answers) == DEVICES * BADGES
    assert {status for _code, status, _body in answers} == {200}
    for code in codes:
        results = sorted(body["result"] for scanned, _status, body in answers if scanned == code)
        assert results == ["already_checked_in"] * (DEVICES - 1) + ["ok"], code
    admitted = db.session.scalar(
        select(func.count()).select_from(CheckIn).where(CheckIn.event_id == event.id, CheckIn.result == "ok")
    )
    assert admitted == BADGES


def test_a_door_connection_the_database_closed_is_replaced_without_failing_a_scan(app, client, reached_flask):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the door's own connections are PostgreSQL's (forum.dbapi.AutocommitConnections)")
    from forum.dbapi import AutocommitConnections

    event, codes, token = _world("restart")
    first = _scan(client, event.slug, token, {"code": codes["plain"], "entrance": "Norra"})
    assert first.json["result"] == "ok"
    door = AutocommitConnections.of(db.engine)
    [idle] = door.idle
    pid = idle.driver_connection.info.backend_pid
    # What a database restart does to a pooled connection: the server ends it.
    assert db.session.scalar(select(func.pg_terminate_backend(pid))) is True
    db.session.commit()

    again = _scan(client, event.slug, token, {"code": codes["plain"], "entrance": "Södra"})
    assert again.status_code == 200 and again.json["result"] == "already_checked_in"
    assert reached_flask == []  # answered in front of Flask, on a new connection
    [replaced] = door.idle
    assert replaced is not idle and replaced.driver_connection.info.backend_pid != pid
    assert _scan(client, event.slug, token, {"code": codes["press"]}).json["result"] == "ok"
