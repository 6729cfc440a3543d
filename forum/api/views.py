"""The check-in API (/api/v1) for scanning devices.

CSRF: these routes are exempt from Flask-WTF's CSRF check because they never use the session cookie:
a request is authenticated only by `Authorization: Bearer <device token>`, a header a browser never
adds on its own to a cross-site request, so a forged request from another site carries no credential.
Each route is declared @public for the access policy (which refuses undeclared routes) and checks the
device token itself: 401 when it is missing, unknown or revoked, 403 when it belongs to another event.
Errors are JSON ({"error": message}); malformed input answers 400, never 500.

The common scan (POST …/checkins with a valid token and body) is answered in front of Flask by
forum.api.door through door_scan() below, with the answer this view gives; the rest comes here.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import select

from forum.auth.policy import public
from forum.checkin import services
from forum.checkin.models import CheckIn, Device
from forum.db import utcnow
from forum.dbapi import Disconnected
from forum.events.models import Event
from forum.extensions import csrf, db
from forum.i18n import select_locale
from forum.registration.models import BadgeRole

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

MAX_FIELD = {"code": 64, "entrance": 100, "client_scan_id": 64}


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    response = jsonify(error=error.message)
    response.status_code = error.status
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="forum"'
    return response


def _bearer_token() -> str:
    token = bearer_token(request.headers.get("Authorization", ""))
    if token is None:
        raise ApiError(401, "A device token is required (Authorization: Bearer <token>).")
    return token


def bearer_token(header: str) -> str | None:
    """The token of an `Authorization: Bearer <token>` header; None for anything else."""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _check_slug(event_slug: str, slug: str) -> None:
    if event_slug != slug:
        if db.session.scalar(select(Event.id).where(Event.slug == slug)) is None:
            raise ApiError(404, "No such event.")
        raise ApiError(403, "The device token belongs to another event.")


def _device_for(slug: str):
    """The authenticated device and its event, or ApiError(401/403/404)."""
    found = services.find_device_with_event(_bearer_token())
    if found is None:
        raise ApiError(401, "The device token is unknown or revoked.")
    device, event = found
    _check_slug(event.slug, slug)
    return device, event


def _json_body() -> dict:
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # JSON nested thousands deep (silent=True covers only ValueError)
        data = None
    if not isinstance(data, dict):
        raise ApiError(400, "The body must be a JSON object.")
    return data


def _text(data: dict, name: str, required: bool = False) -> str | None:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise ApiError(400, f"{name} is required.")
        return None
    if not isinstance(value, str):
        raise ApiError(400, f"{name} must be a string.")
    if len(value) > MAX_FIELD[name]:
        raise ApiError(400, f"{name} is longer than {MAX_FIELD[name]} characters.")
    _no_nul(value, name)
    return value


def _no_nul(value: str, name: str) -> None:
    """PostgreSQL cannot store a NUL character in text: refuse it here rather than fail there (500)."""
    if "\x00" in value:
        raise ApiError(400, f"{name} must not contain NUL characters.")


def _moment(value, name: str) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ApiError(400, f"{name} must be an ISO 8601 string.")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ApiError(400, f"{name} is not an ISO 8601 date and time.") from None
    if moment.tzinfo is None:
        raise ApiError(400, f"{name} needs a time zone (for example Z or +01:00).")
    try:
        moment.astimezone(UTC)  # 0001-01-01T00:00:00+01:00 has no UTC time: comparing it would overflow
    except OverflowError:
        raise ApiError(400, f"{name} is out of range.") from None
    return moment


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def _outcome_json(outcome: services.ScanOutcome) -> dict:
    earlier = services.describe(outcome.earlier)
    if earlier is not None:
        earlier["at"] = _iso(earlier["at"])
    return {
        "result": outcome.result,
        "checkin_id": outcome.checkin.id,
        "registration": services.person(outcome.registration),
        "checked_in_at": _iso(outcome.checked_in_at),
        "earlier": earlier,
        "repeated": outcome.repeated,
    }


@bp.post("/events/<slug>/checkins")
@public
def scan(slug: str):
    # The body is read first, but answered after the token (401/403/404 before 400). The common scan is
    # answered by door_scan(), also without Flask (forum.api.door); what is rare goes through the ORM.
    token = _bearer_token()
    try:
        scan_input = _scan_body()
        problem = None
    except ApiError as error:
        scan_input = None
        problem = error
    row, body = door_scan(token, slug, scan_input, select_locale())
    if row is None:
        raise ApiError(401, "The device token is unknown or revoked.")
    _check_slug(row.event_slug, slug)
    if problem is not None:
        raise problem
    if body is None:
        body = _scan_orm(row, scan_input)
        db.session.commit()
    return jsonify(body), 200


def door_scan(token: str, slug: str, scan: services.DoorScan | None, language: str):
    """The door's hot path (bench/checkin.py; services.door_scan): one query answers the token and the
    scan, which is recorded (on PostgreSQL in the same statement). Returns (row, answer): row None when
    the token is unknown or revoked; answer None when nothing was recorded: the token is another
    event's, the scan is None (invalid input), or the scan is one for services.scan (a retry, a late
    earlier scan, a race)."""
    # A connection the database had closed (a restart) is found when used: once more on a new one. Had
    # the scan been recorded before the connection broke, its client_scan_id is found now and scan()
    # answers what was recorded; a scan without one is recorded again, as when a device itself retries.
    for last_try in (False, True):
        try:
            with services.door_connection() as door:
                row, body = services.door_scan(door, token, slug, scan, language)
            break
        except Disconnected:
            if last_try:
                raise
    if body is not None:
        body["checked_in_at"] = _iso(body["checked_in_at"])
        if body["earlier"] is not None:
            body["earlier"]["at"] = _iso(body["earlier"]["at"])
    return row, body


def _scan_body() -> services.DoorScan:
    return scan_fields(_json_body())


def scan_fields(data: dict) -> services.DoorScan:
    """The scan in a scan's JSON object; ApiError(400) for bad input."""
    code = data.get("code")
    if not isinstance(code, str):
        raise ApiError(400, "code must be a string.")
    if len(code) > 1000:
        raise ApiError(400, "code is too long.")
    _no_nul(code, "code")
    entrance = _text(data, "entrance") or ""
    client_scan_id = _text(data, "client_scan_id")
    scanned_at = _moment(data.get("scanned_at"), "scanned_at")
    return services.DoorScan(code, entrance, client_scan_id, scanned_at)


def _scan_orm(row, scan: services.DoorScan) -> dict:
    device = db.session.get(Device, row.device_id)
    event = db.session.get(Event, row.event_id)
    try:
        outcome = services.scan(
            event,
            scan.code,
            entrance=scan.entrance,
            scanned_at=scan.scanned_at,
            client_scan_id=scan.client_scan_id,
            device=device,
        )
    except ValueError as refusal:
        db.session.rollback()
        raise ApiError(409, str(refusal)) from None
    services.seen(device)
    return _outcome_json(outcome)


@bp.post("/events/<slug>/checkins/<int:checkin_id>/undo")
@public
def undo(slug: str, checkin_id: int):
    device, event = _device_for(slug)
    checkin = db.session.get(CheckIn, checkin_id)
    if checkin is None or checkin.event_id != event.id:
        raise ApiError(404, "No such check-in.")
    if not services.undo(checkin, device=device):
        raise ApiError(409, "Only a check-in that admitted someone, and is not undone, can be undone.")
    db.session.commit()
    return jsonify(undone=True, checkin_id=checkin.id, undone_at=_iso(checkin.undone_at))


@bp.get("/events/<slug>/checkin-list")
@public
def checkin_list(slug: str):
    _device, event = _device_for(slug)
    since = _moment(request.args.get("since"), "since")
    now = utcnow()
    rows = services.checkin_list(event, since=since)
    language = select_locale()
    entries = [
        {
            "code": row["code"],
            "name": row["name"],
            "organisation": row["organisation"],
            "role": row["role"],
            "role_label": services.role_label(row["role"], language),
            "status": row["status"],
            "checked_in_at": _iso(row["checked_in_at"]),
            "changed_at": _iso(row["changed_at"]),
        }
        for row in rows
    ]
    payload = json.dumps({"since": _iso(since), "entries": entries}, sort_keys=True, separators=(",", ":"))
    etag = hashlib.sha256(payload.encode()).hexdigest()[:32]
    if etag in request.if_none_match:
        response = current_app.response_class(status=304)
    else:
        body = {"since": _iso(since), "entries": entries, "as_of": _iso(now), "counts": services.counts(event)}
        response = jsonify(body)
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/openapi.json")
@public
def openapi():
    return jsonify(OPENAPI)


_ERROR = {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_NO_NUL = "^[^\\u0000]*$"  # no NUL character (PostgreSQL text cannot hold one)
_SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
_AUTH = {
    "400": _ERROR,
    "401": _ERROR,
    "403": _ERROR,
    "404": _ERROR,
}

OPENAPI = {
    "openapi": "3.1.0",
    "info": {"title": "Forum check-in API", "version": "1.0.0"},
    "servers": [{"url": "/api/v1"}],
    "security": [{"deviceToken": []}],
    "components": {
        "securitySchemes": {
            "deviceToken": {"type": "http", "scheme": "bearer", "description": "A device token of the event."}
        },
        "schemas": {
            "Error": {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]},
            "Registration": {
                "type": ["object", "null"],
                "properties": {
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                    "organisation": {"type": "string"},
                    "status": {"type": "string", "enum": ["confirmed", "waiting", "pending", "declined", "cancelled"]},
                    "role": {"type": "string", "enum": [role.value for role in BadgeRole]},
                    "role_label": {"type": "string", "description": "The role in words, as on the badge"},
                    "accessibility": {"type": "string"},
                },
            },
            "Scan": {
                "type": "object",
                "required": ["code"],
                "properties": {
                    "code": {"type": "string", "maxLength": 1000, "pattern": _NO_NUL},
                    "entrance": {"type": "string", "maxLength": 100, "pattern": _NO_NUL},
                    "scanned_at": {"type": "string", "format": "date-time"},
                    "client_scan_id": {"type": "string", "maxLength": 64, "pattern": _NO_NUL},
                },
            },
            "ScanOutcome": {
                "type": "object",
                "properties": {
                    "result": {"type": "string", "enum": list(services.RESULTS)},
                    "checkin_id": {"type": "integer"},
                    "registration": {"$ref": "#/components/schemas/Registration"},
                    "checked_in_at": {"type": ["string", "null"], "format": "date-time"},
                    "earlier": {
                        "type": ["object", "null"],
                        "properties": {
                            "id": {"type": "integer"},
                            "at": {"type": "string", "format": "date-time"},
                            "entrance": {"type": "string"},
                            "by": {"type": ["string", "null"]},
                            "device": {"type": ["string", "null"]},
                        },
                    },
                    "repeated": {"type": "boolean"},
                },
            },
            "CheckinListEntry": {
                "type": "object",
                "required": ["code", "name", "organisation", "role", "role_label", "status", "checked_in_at"],
                "properties": {
                    "code": {"type": "string"},
                    "name": {"type": "string"},
                    "organisation": {"type": "string"},
                    "role": {"type": "string", "enum": [role.value for role in BadgeRole]},
                    "role_label": {"type": "string"},
                    "status": {
                        "type": "string",
                        "enum": ["checked_in", "revoked", "confirmed", "waiting", "pending", "declined", "cancelled"],
                    },
                    "checked_in_at": {"type": ["string", "null"], "format": "date-time"},
                    "changed_at": {"type": ["string", "null"], "format": "date-time"},
                },
            },
            "CheckinList": {
                "type": "object",
                "required": ["since", "entries", "as_of", "counts"],
                "properties": {
                    "since": {"type": ["string", "null"], "format": "date-time"},
                    "entries": {"type": "array", "items": {"$ref": "#/components/schemas/CheckinListEntry"}},
                    "as_of": {"type": "string", "format": "date-time"},
                    "counts": {
                        "type": "object",
                        "required": ["checked_in", "expected", "entrances"],
                        "properties": {
                            "checked_in": {"type": "integer", "minimum": 0},
                            "expected": {"type": "integer", "minimum": 0},
                            "entrances": {"type": "object", "additionalProperties": {"type": "integer"}},
                        },
                    },
                },
            },
            "Undone": {
                "type": "object",
                "required": ["undone", "checkin_id", "undone_at"],
                "properties": {
                    "undone": {"type": "boolean"},
                    "checkin_id": {"type": "integer"},
                    "undone_at": {"type": "string", "format": "date-time"},
                },
            },
        },
    },
    "paths": {
        "/events/{slug}/checkins": {
            "post": {
                "summary": "Record a scan (idempotent by client_scan_id)",
                "parameters": [_SLUG],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Scan"}}},
                },
                "responses": {
                    "200": {
                        "description": "The scan's outcome",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ScanOutcome"}}},
                    },
                    "409": _ERROR,
                    **_AUTH,
                },
            }
        },
        "/events/{slug}/checkins/{checkin_id}/undo": {
            "post": {
                "summary": "Undo a mistaken check-in",
                "parameters": [
                    _SLUG,
                    {"name": "checkin_id", "in": "path", "required": True, "schema": {"type": "integer"}},
                ],
                "responses": {
                    "200": {
                        "description": "Undone",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Undone"}}},
                    },
                    "409": _ERROR,
                    **_AUTH,
                },
            }
        },
        "/events/{slug}/checkin-list": {
            "get": {
                "summary": "The offline copy of the check-in list (with ETag; changes since a time)",
                "parameters": [
                    _SLUG,
                    {"name": "since", "in": "query", "schema": {"type": "string", "format": "date-time"}},
                    {"name": "If-None-Match", "in": "header", "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": {
                        "description": "Rows code, name, organisation, role, role_label, status, checked_in_at, "
                        "changed_at",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CheckinList"}}},
                    },
                    "304": {"description": "Not modified"},
                    **_AUTH,
                },
            }
        },
        "/openapi.json": {
            "get": {"summary": "This document", "security": [], "responses": {"200": {"description": "OK"}}}
        },
    },
}
