"""The check-in API answers a scan in SQLAlchemy Core (services.door_scan) and leaves what is rare to the
ORM's services.scan: the two must answer and record alike. Each scenario runs twice, on two identical
events, once as the API does and once with record_at_door switched off (everything through services.scan)."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from forum.badges import services as badges
from forum.checkin import services
from forum.checkin.models import CheckIn, Device
from forum.db import utcnow
from forum.extensions import db
from forum.programme.models import Speaker
from forum.registration import services as registration
from forum.registration.models import BadgeRole, RegistrationStatus
from tests import factories


def _world(tag: str):
    """An event with a registration in every state the door can meet; returns (event, codes, token)."""
    event = factories.event()
    other = factories.event()
    codes = {}

    def confirmed(key: str, **fields):
        details = registration.Details(
            first_name="Zoë", last_name=f"Łukasz {key}", email=f"{tag}-{key}@example.org", **fields
        )
        reg = registration.register(event, details).registration
        assert reg.status == RegistrationStatus.CONFIRMED
        codes[key] = badges.ensure_code(reg).code
        return reg

    confirmed("plain", organisation="SOS Alarm")
    confirmed("again")
    confirmed("needs", health_consent=True, accessibility="Rullstol")
    confirmed("press").badge_role = BadgeRole.PRESS
    speaker = confirmed("speaker")
    db.session.add(
        Speaker(
            event_id=event.id,
            name="Talare",
            email=speaker.email,
            email_key=speaker.email_key,
            link_salt="x" * 32,
            token_hash=f"{tag}-speaker",
        )
    )
    team = confirmed("team")
    factories.user(email=f"  {team.email.upper()} ", roles={event: "organiser"})
    console_user = factories.user(name="Kim Dörr", roles={event: "checkin"})
    for key, status in [
        ("waiting", RegistrationStatus.WAITING),
        ("cancelled", RegistrationStatus.CANCELLED),
        ("declined", RegistrationStatus.DECLINED),
        ("pending", RegistrationStatus.PENDING),
    ]:
        confirmed(key).status = status
    revoked = confirmed("revoked")
    badges.revoke_and_reissue(revoked)
    confirmed("offline")
    at_console = confirmed("console")
    services.checkin_registration(event, at_console, entrance="Kassan", user=console_user)
    other_reg = registration.register(
        other, registration.Details(first_name="Per", last_name="Annat", email=f"{tag}-other@example.org")
    ).registration
    codes["other"] = badges.ensure_code(other_reg).code
    _device, token = services.create_device(event, "Norra ingången")
    _other_device, other_token = services.create_device(other, "Annan")
    db.session.commit()
    return event, other, codes, token, other_token


def _post(client, event, token, body):
    return client.post(
        f"/api/v1/events/{event.slug}/checkins",
        data=json.dumps(body),
        headers={"Authorization": f"Bearer {token}"},
        content_type="application/json",
    )


def _scenario(client, tag: str, base):
    event, other, codes, token, other_token = _world(tag)

    def at(minutes: int) -> str:
        return (base + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")

    scans = [
        {"code": codes["plain"].lower(), "entrance": "Norra", "scanned_at": at(1), "client_scan_id": f"{tag}-1"},
        {"code": codes["plain"], "entrance": "Södra", "scanned_at": at(2), "client_scan_id": f"{tag}-2"},
        {"code": codes["plain"], "entrance": "Norra", "scanned_at": at(1), "client_scan_id": f"{tag}-1"},  # retry
        {"code": codes["again"], "scanned_at": (base + timedelta(minutes=3)).isoformat()},  # +00:00, no scan id
        {"code": codes["again"], "entrance": "Ö" * 100, "scanned_at": at(4)},
        {"code": codes["needs"], "entrance": "Norra", "scanned_at": "2020-01-01T10:00:00+01:00"},
        {"code": codes["press"], "entrance": "Norra", "scanned_at": at(5)},
        {"code": codes["speaker"], "entrance": "Norra", "scanned_at": at(5)},
        {"code": codes["team"], "entrance": "Norra", "scanned_at": at(5)},
        {"code": codes["waiting"], "entrance": "Norra", "scanned_at": at(6)},
        {"code": codes["cancelled"], "entrance": "Norra", "scanned_at": at(6)},
        {"code": codes["declined"], "entrance": "Norra", "scanned_at": at(6)},
        {"code": codes["pending"], "entrance": "Norra", "scanned_at": at(6)},
        {"code": codes["revoked"], "entrance": "Norra", "scanned_at": at(6)},
        {"code": codes["other"], "entrance": "Norra", "scanned_at": at(6)},
        {"code": "NOSUCHCODE", "entrance": "Norra", "scanned_at": at(6)},
        {"code": "  <script>alert(1)</script> " + "x" * 80, "entrance": "Norra", "scanned_at": at(6)},
        {"code": "", "entrance": "Norra", "scanned_at": at(7)},
        {"code": codes["offline"], "entrance": "Södra", "scanned_at": at(20)},
        {"code": codes["offline"], "entrance": "Norra", "scanned_at": at(10)},  # earlier, synced late
        {"code": codes["offline"], "entrance": "Västra", "scanned_at": at(15)},
        {"code": codes["console"], "entrance": "Norra", "scanned_at": at(59)},
    ]
    answers = []
    for body in scans:
        response = _post(client, event, token, body)
        answers.append((response.status_code, response.json))
    # Another event's client_scan_id is refused.
    _post(client, other, other_token, {"code": codes["other"], "client_scan_id": f"shared-{tag}"})
    refused = _post(client, event, token, {"code": codes["plain"], "client_scan_id": f"shared-{tag}"})
    answers.append((refused.status_code, refused.json))
    db.session.expire_all()
    key_of = {code: key for key, code in codes.items()}
    rows = [
        (
            key_of.get(c.code, c.code),
            c.result,
            c.entrance,
            c.scanned_at if c.device_id is not None else None,  # the console's check-in is made at "now"
            (c.client_scan_id or "").replace(tag, "TAG"),
            c.device_id is not None,
            c.undone_at,
        )
        for c in db.session.scalars(select(CheckIn).where(CheckIn.event_id == event.id).order_by(CheckIn.id))
    ]
    device = db.session.scalar(select(Device).where(Device.event_id == event.id))
    return answers, rows, device.last_seen_at is not None, tag


def _comparable(answers, tag):
    """Answers without the ids (the two events have their own) and with the scenario's tag removed."""
    text = json.dumps(answers, sort_keys=True).replace(tag, "TAG")
    data = json.loads(text)
    for _status, body in data:
        if isinstance(body, dict):
            body.pop("checkin_id", None)
            for key in ("registration", "earlier"):
                if isinstance(body.get(key), dict):
                    body[key].pop("id", None)
    return data


def test_the_core_hot_path_answers_and_records_as_the_orm_path(app, client, monkeypatch):
    base = utcnow().replace(microsecond=0) - timedelta(hours=1)
    orm_scans = []
    orm_scan = services.scan
    monkeypatch.setattr(
        services, "scan", lambda *args, **kwargs: orm_scans.append(args[1]) or orm_scan(*args, **kwargs)
    )
    fast_answers, fast_rows, fast_seen, fast_tag = _scenario(client, "fast", base)
    # Only the rare scans went through the ORM: the retry, the two offline scans earlier than the
    # check-in that counts, and the refused client_scan_id (the other event's scan with it was Core's).
    assert len(orm_scans) == 4
    # Nothing recorded in Core: every scan goes through scan().
    monkeypatch.setattr(
        services, "record_at_door", lambda door, parameters: (services._SCAN_ROW.first(door, parameters), None)
    )
    slow_answers, slow_rows, slow_seen, slow_tag = _scenario(client, "slow", base)
    assert _comparable(fast_answers, fast_tag) == _comparable(slow_answers, slow_tag)
    assert fast_rows == slow_rows
    assert fast_seen and slow_seen
    results = [body.get("result") for _status, body in fast_answers]
    assert results[:3] == ["ok", "already_checked_in", "ok"] and fast_answers[2][1]["repeated"]
    roles = {body["registration"]["role"] for _status, body in fast_answers if body.get("registration")}
    assert {"participant", "press", "speaker", "organiser"} <= roles
    assert fast_answers[-1][0] == 409
    assert {"waiting_list", "cancelled", "declined", "pending", "revoked", "wrong_event", "unknown"} <= set(results)
