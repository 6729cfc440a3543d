"""Schemathesis runs the API's own OpenAPI document (/api/v1/openapi.json) against the API.

In-process against the WSGI app (no server), with a valid device token: for every operation of
the document, generated requests (valid and invalid ones) must never answer 5xx, and every answer
must match the document (status codes, content types, bodies). Requests go to the device's own
event most of the time, and carry real badge codes often, so that the scans reach the outcomes
ok, already checked in and unknown, and undo finds check-ins to undo; a made-up slug checks the
refusals. Bounded: a few dozen examples per operation, no deadline.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode, checks

from forum.extensions import db
from tests.security import world as worlds

EXAMPLES = 30


@pytest.fixture
def api(csrf_app):
    """The app, a device token of event A, its badge codes and the OpenAPI document loaded from the app."""
    from sqlalchemy import select

    from forum.badges.models import BadgeCode
    from forum.checkin.models import CheckIn

    world = worlds.build(csrf_app)
    with csrf_app.app_context():
        codes = list(db.session.scalars(select(BadgeCode.code)))
        checkins = list(db.session.scalars(select(CheckIn.id)))
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", csrf_app)
    return schema, world, codes, checkins


def _operations(schema):
    operations = [result.ok() for result in schema.get_all_operations()]
    labels = {operation.label for operation in operations}
    assert labels >= {
        "POST /events/{slug}/checkins",
        "POST /events/{slug}/checkins/{checkin_id}/undo",
        "GET /events/{slug}/checkin-list",
    }, labels
    return operations


def _valid_scan(body) -> bool:
    """Whether a scan body keeps to the document's Scan schema, in the parts the API checks."""
    if not isinstance(body, dict) or not isinstance(body.get("code"), str) or "\x00" in body["code"]:
        return False
    # null for an optional field is taken as its absence (lenient, as the API has always been).
    for name, maximum in (("entrance", 100), ("client_scan_id", 64)):
        value = body.get(name)
        if value is not None and not (isinstance(value, str) and len(value) <= maximum and "\x00" not in value):
            return False
    return body.get("scanned_at") is None or isinstance(body["scanned_at"], str)


def _fuzz(operation, mode, world, codes, checkins, seen):
    headers = {"Authorization": f"Bearer {world.device_token}"}

    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def run(case, data):
        if "slug" in (case.path_parameters or {}) and data.draw(st.integers(0, 4), label="own event") > 0:
            case.path_parameters["slug"] = world.slug
        if "checkin_id" in (case.path_parameters or {}) and data.draw(st.booleans(), label="real check-in"):
            case.path_parameters["checkin_id"] = data.draw(st.sampled_from(checkins), label="check-in")
        if isinstance(case.body, dict) and "code" in case.body and data.draw(st.booleans(), label="real code"):
            case.body["code"] = data.draw(st.sampled_from(codes), label="badge code")
        # Negative mode: the device token is added to every request, so a case whose "mistake" is
        # a missing Authorization header is in fact valid, and unknown query parameters are ignored
        # as HTTP allows; schemathesis' check that invalid requests are refused would flag both. It
        # is left out there, and the refusal of invalid bodies is checked below instead.
        excluded = [checks.negative_data_rejection] if mode == GenerationMode.NEGATIVE else []
        response = case.call_and_validate(headers=headers, excluded_checks=excluded)
        own_scan = operation.label == "POST /events/{slug}/checkins" and case.path_parameters.get("slug") == world.slug
        if own_scan and not _valid_scan(case.body):
            assert response.status_code == 400, (case.body, response.status_code, response.text)
        seen.setdefault(operation.label, set()).add(response.status_code)
        seen.setdefault(mode.value, set()).add(response.status_code)

    return run


def test_the_api_keeps_to_its_openapi_document(api):
    schema, world, codes, checkins = api
    seen: dict[str, set[int]] = {}
    for operation in _operations(schema):
        for mode in GenerationMode:  # requests the document allows, and requests it does not
            _fuzz(operation, mode, world, codes, checkins, seen)()
    # The run reached the answers that matter, not only refusals.
    assert 200 in seen["POST /events/{slug}/checkins"], seen
    assert 400 in seen["POST /events/{slug}/checkins"], seen
    assert 200 in seen["GET /events/{slug}/checkin-list"], seen
    assert 400 in seen["negative"], seen


def test_numbers_too_large_for_an_id_are_404_not_500(csrf_app, world):
    """Found by the run above: /undo with a 24-digit id overflowed the database integer (500).
    Every route with an <int:…> argument, as the admin, with a number no id column holds."""
    from werkzeug.routing import IntegerConverter

    client = worlds.client_as(csrf_app, world.admin_identity)
    headers = {"Authorization": f"Bearer {world.device_token}"}
    failures = []
    for rule in worlds.get_rules(csrf_app) + worlds.post_rules(csrf_app):
        numbers = [name for name, converter in rule._converters.items() if isinstance(converter, IntegerConverter)]
        if not numbers:
            continue
        url = worlds.url_for(csrf_app, rule, world)
        for name in numbers:
            good = str(world.base.ids.get(_model(name), 1))
            huge = url.replace(f"/{good}", f"/{2**70}", 1).replace(f"/{good}.", f"/{2**70}.", 1)
            assert huge != url, (url, name)
            method = "GET" if "GET" in rule.methods else "POST"
            response = client.open(huge, method=method, headers=headers)
            if response.status_code != 404:
                failures.append(f"{method} {huge} ({rule.endpoint}) answered {response.status_code}")
    assert not failures, "\n".join(failures)


def _model(argument: str):
    from tests.auth.test_route_access import model_for

    return model_for(argument)


@pytest.mark.parametrize(
    "moment", ["0001-01-01T00:00:00+01:00", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59-23:59", "9999-12-31T23:59:59Z"]
)
def test_moments_at_the_ends_of_the_calendar_are_answered_not_500(csrf_app, world, moment):
    """Found while checking the run's dates: a scan at 0001-01-01T00:00:00+01:00 (a valid date-time
    with no UTC equivalent) overflowed when compared (500). Now: 400 with a message, or a normal answer."""
    client = worlds.client_as(csrf_app, None)
    headers = {"Authorization": f"Bearer {world.device_token}"}
    scan = client.post(
        f"/api/v1/events/{world.slug}/checkins", json={"code": "X", "scanned_at": moment}, headers=headers
    )
    listing = client.get(f"/api/v1/events/{world.slug}/checkin-list", query_string={"since": moment}, headers=headers)
    for response in (scan, listing):
        assert response.status_code in (200, 400), (moment, response.status_code, response.get_data(as_text=True))
        assert response.is_json
    if moment.startswith("0001") and moment.endswith("+01:00"):
        assert scan.status_code == 400 and scan.json["error"] == "scanned_at is out of range."


@pytest.mark.parametrize("field", ["code", "entrance", "client_scan_id"])
def test_a_nul_character_is_refused_before_the_database(csrf_app, world, field):
    """PostgreSQL cannot store NUL in text (a 500 there, while SQLite takes it): the API answers 400."""
    client = worlds.client_as(csrf_app, None)
    body = {"code": "ABC123", field: "A\x00B"}
    response = client.post(
        f"/api/v1/events/{world.slug}/checkins", json=body, headers={"Authorization": f"Bearer {world.device_token}"}
    )
    assert response.status_code == 400
    assert response.json["error"] == f"{field} must not contain NUL characters."
