"""The check-in API: device tokens, scans, undo, the offline list with ETag, the OpenAPI document, the CLI."""

from __future__ import annotations

import json
import threading

import pytest

from forum.badges import services as badges
from forum.checkin import services
from forum.extensions import db
from forum.registration import services as registration
from tests import factories


@pytest.fixture
def setup(app):
    event = factories.event()
    reg = registration.register(
        event,
        registration.Details(first_name="Zoë", last_name="Łukasz", email="z@example.org", organisation="SOS Alarm"),
    ).registration
    code = badges.ensure_code(reg).code
    _device, token = services.create_device(event, "Norra ingången")
    db.session.commit()
    return event, code, token


def post(client, url, token, body):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(
        url, data=body if isinstance(body, str) else json.dumps(body), headers=headers, content_type="application/json"
    )


def test_scan_then_retry_then_again_then_undo(client, setup):
    event, code, token = setup
    url = f"/api/v1/events/{event.slug}/checkins"
    body = {"code": code, "entrance": "Norra", "scanned_at": "2026-01-01T08:00:00Z", "client_scan_id": "a1"}
    first = post(client, url, token, body)
    assert first.status_code == 200, first.get_data(as_text=True)
    assert first.json["result"] == "ok"
    assert first.json["registration"]["name"] == "Zoë Łukasz"
    assert first.json["checked_in_at"] == "2026-01-01T08:00:00Z"
    retry = post(client, url, token, body)
    assert retry.json["result"] == "ok" and retry.json["checkin_id"] == first.json["checkin_id"]
    again = post(client, url, token, {"code": code, "client_scan_id": "a2"})
    assert again.json["result"] == "already_checked_in"
    assert again.json["earlier"]["entrance"] == "Norra" and again.json["earlier"]["device"] == "Norra ingången"
    undo = post(client, f"{url}/{first.json['checkin_id']}/undo", token, {})
    assert undo.status_code == 200 and undo.json["undone"]
    assert post(client, f"{url}/{first.json['checkin_id']}/undo", token, {}).status_code == 409
    assert post(client, url, token, {"code": code}).json["result"] == "ok"


def test_unknown_and_bad_json_answer_without_500(client, setup):
    event, _code, token = setup
    url = f"/api/v1/events/{event.slug}/checkins"
    assert post(client, url, token, {"code": "NOPE"}).json["result"] == "unknown"
    for body in [
        "{not json",
        "[1, 2]",
        {"code": 5},
        {"code": "X", "scanned_at": "yesterday"},
        {"code": "X", "scanned_at": "2026-01-01T08:00:00"},
        {"code": "X", "client_scan_id": "x" * 65},
    ]:
        response = post(client, url, token, body)
        assert response.status_code == 400, body
        assert response.json["error"]


def test_device_tokens_missing_invalid_revoked_and_other_event(client, setup, app):
    event, code, token = setup
    url = f"/api/v1/events/{event.slug}/checkins"
    assert post(client, url, None, {"code": code}).status_code == 401
    assert post(client, url, "not-a-token", {"code": code}).status_code == 401
    other = factories.event()
    _device, other_token = services.create_device(other, "Annan")
    db.session.commit()
    assert post(client, url, other_token, {"code": code}).status_code == 403
    assert (
        client.get(
            f"/api/v1/events/{event.slug}/checkin-list", headers={"Authorization": f"Bearer {other_token}"}
        ).status_code
        == 403
    )
    services.revoke_device(services.find_device(token))
    db.session.commit()
    response = post(client, url, token, {"code": code})
    assert response.status_code == 401 and response.json["error"]


def test_checkin_list_with_etag_and_since(client, setup):
    event, code, token = setup
    url = f"/api/v1/events/{event.slug}/checkin-list"
    auth = {"Authorization": f"Bearer {token}"}
    first = client.get(url, headers=auth)
    assert first.status_code == 200
    assert [(row["code"], row["status"]) for row in first.json["entries"]] == [(code, "confirmed")]
    assert "accessibility" not in first.json["entries"][0]
    etag = first.headers["ETag"]
    assert client.get(url, headers={**auth, "If-None-Match": etag}).status_code == 304
    post(client, f"/api/v1/events/{event.slug}/checkins", token, {"code": code})
    changed = client.get(url, headers={**auth, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.json["entries"][0]["status"] == "checked_in"
    later = client.get(url, query_string={"since": changed.json["as_of"]}, headers=auth)
    assert later.json["entries"] == []
    assert client.get(url, query_string={"since": "soon"}, headers=auth).status_code == 400


def test_openapi_document_lists_the_paths(client):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) >= {
        "/events/{slug}/checkins",
        "/events/{slug}/checkins/{checkin_id}/undo",
        "/events/{slug}/checkin-list",
    }


def test_the_cli_prints_a_working_token(app, client):
    event = factories.event()
    reg = registration.register(
        event, registration.Details(first_name="Per", last_name="Ek", email="p@example.org")
    ).registration
    code = badges.ensure_code(reg).code
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["checkin", "device-token", event.slug, "Södra"])
    assert result.exit_code == 0, result.output
    token = result.output.split("Token: ")[1].split()[0]
    response = post(client, f"/api/v1/events/{event.slug}/checkins", token, {"code": code})
    assert response.json["result"] == "ok"
    assert app.test_cli_runner().invoke(args=["checkin", "device-token", "nosuch", "X"]).exit_code != 0


def test_two_devices_posting_the_same_badge_at_once_get_one_ok(app, setup):
    event, code, token = setup
    _device, second_token = services.create_device(event, "Södra ingången")
    url = f"/api/v1/events/{event.slug}/checkins"
    db.session.commit()  # and read nothing more here: on SQLite a new transaction would hold the write lock
    barrier = threading.Barrier(2)
    answers = []

    def scan(device_token: str, entrance: str):
        client = app.test_client()
        barrier.wait(timeout=10)
        answers.append(post(client, url, device_token, {"code": code, "entrance": entrance}))

    threads = [threading.Thread(target=scan, args=pair) for pair in ((token, "Norra"), (second_token, "Södra"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert [answer.status_code for answer in answers] == [200, 200]
    assert sorted(answer.json["result"] for answer in answers) == ["already_checked_in", "ok"]


def test_another_events_badge_shows_no_person(client, setup):
    event, _code, token = setup
    other = factories.event()
    reg = registration.register(
        other, registration.Details(first_name="Ida", last_name="Berg", email="i@example.org")
    ).registration
    other_code = badges.ensure_code(reg).code
    db.session.commit()
    response = post(client, f"/api/v1/events/{event.slug}/checkins", token, {"code": other_code})
    assert response.json == {**response.json, "result": "wrong_event", "registration": None}
