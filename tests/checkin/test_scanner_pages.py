"""The door console, device tokens in the UI, and the scanner app's shell, service worker and manifest.
(The scanner itself runs in Chromium in tests/e2e/test_scanner.py.)"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from forum.checkin import services as checkin
from forum.checkin.models import Device
from forum.extensions import db
from forum.registration import services
from tests import factories
from tests.conftest import csrf_from, login_as


@pytest.fixture
def event(app):
    event = factories.event(title="Temamöte i Halmstad", capacity=20)
    services.register(
        event, services.Details(first_name="Åsa", last_name="Öberg", email="asa@example.org", organisation="MSB")
    )
    db.session.commit()
    return event


@pytest.fixture
def staff(client, event):
    user = factories.user(name="Dörr Personal", roles={event: "checkin"})
    db.session.commit()
    login_as(client, user)
    return client


def token_from(location: str) -> tuple[str, str]:
    fragment = parse_qs(urlsplit(location).fragment)
    return fragment["token"][0], fragment["entrance"][0]


def list_status(client, slug: str, token: str) -> int:
    return client.get(f"/api/v1/events/{slug}/checkin-list", headers={"Authorization": f"Bearer {token}"}).status_code


def test_check_in_staff_start_the_scanner_on_their_device(staff, event):
    console = staff.get(f"/admin/events/{event.slug}/checkin")
    html = console.get_data(as_text=True)
    assert console.status_code == 200
    assert "0 av 1 incheckade" in html
    assert "Skanningsenheter" not in html  # creating and revoking devices is for organisers

    response = staff.post(
        f"/admin/events/{event.slug}/checkin/start", data={"csrf_token": csrf_from(html), "entrance": "Huvudentrén"}
    )
    assert response.status_code == 303
    location = response.headers["Location"]
    assert urlsplit(location).path == f"/admin/events/{event.slug}/checkin/device"
    token, entrance = token_from(location)
    assert entrance == "Huvudentrén"
    assert "token" not in urlsplit(location).query  # only in the fragment, which no server sees
    [device] = checkin.devices(event)
    assert device.name == "Huvudentrén – Dörr Personal"
    assert list_status(staff, event.slug, token) == 200


def test_staff_may_not_create_or_revoke_devices(staff, event):
    device, _token = checkin.create_device(event, "Entré B")
    db.session.commit()
    page = staff.get(f"/admin/events/{event.slug}/checkin").get_data(as_text=True)
    assert (
        staff.post(
            f"/admin/events/{event.slug}/checkin/devices", data={"csrf_token": csrf_from(page), "name": "X"}
        ).status_code
        == 403
    )
    assert staff.get(f"/admin/events/{event.slug}/checkin/devices/{device.id}/revoke").status_code == 403


def test_an_entrance_is_required_and_what_was_typed_stays(staff, event):
    page = staff.get(f"/admin/events/{event.slug}/checkin").get_data(as_text=True)
    response = staff.post(
        f"/admin/events/{event.slug}/checkin/start", data={"csrf_token": csrf_from(page), "entrance": "E" * 61}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="' + "E" * 61 + '"' in html
    assert "field-error" in html
    assert checkin.devices(event) == []


def test_organisers_create_a_device_shown_as_a_qr_code_and_revoke_it(signed_in, event):
    page = signed_in.get(f"/admin/events/{event.slug}/checkin").get_data(as_text=True)
    assert "Inga skanningsenheter än." in page
    response = signed_in.post(
        f"/admin/events/{event.slug}/checkin/devices", data={"csrf_token": csrf_from(page), "name": "Entré B"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"  # the token is on this page, once
    assert "<svg" in html and "<path" in html
    link = re.search(r'<code id="device-link">([^<]+)</code>', html).group(1).replace("&amp;", "&")
    token, entrance = token_from(link)
    assert entrance == "Entré B"
    assert link.startswith("http://localhost/admin/events/")
    assert list_status(signed_in, event.slug, token) == 200
    [device] = checkin.devices(event)

    confirm = signed_in.get(f"/admin/events/{event.slug}/checkin/devices/{device.id}/revoke")
    assert confirm.status_code == 200 and "Spärra enheten" in confirm.get_data(as_text=True)
    db.session.refresh(device)
    assert device.revoked_at is None  # asking is not doing
    done = signed_in.post(
        f"/admin/events/{event.slug}/checkin/devices/{device.id}/revoke",
        data={"csrf_token": csrf_from(confirm.get_data(as_text=True))},
    )
    assert done.status_code == 303
    assert list_status(signed_in, event.slug, token) == 401
    assert "Spärrad" in signed_in.get(f"/admin/events/{event.slug}/checkin").get_data(as_text=True)


def test_the_console_needs_a_login(client, event):
    response = client.get(f"/admin/events/{event.slug}/checkin")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_scanner_shell_is_public_and_holds_nothing_personal(client, event):
    response = client.get(f"/admin/events/{event.slug}/checkin/device")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "'wasm-unsafe-eval'" in policy and "unsafe-inline" not in policy and "'unsafe-eval'" not in policy
    assert "Öberg" not in html and "asa@example.org" not in html
    config = json.loads(
        re.search(r'<script type="application/json" id="scanner-config">(.*?)</script>', html, re.S).group(1)
    )
    assert config["slug"] == event.slug
    assert config["texts"]["results"]["wrong_event"] == "Bricka till ett annat evenemang"
    assert client.get("/admin/events/no-such-event/checkin/device").status_code == 404


def test_the_scanner_in_english(client, event):
    client.get("/lang/en")
    html = client.get(f"/admin/events/{event.slug}/checkin/device").get_data(as_text=True)
    assert "Checked in" in html


def test_the_service_worker_keeps_assets_that_exist(client, event):
    response = client.get(f"/admin/events/{event.slug}/checkin/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    body = response.get_data(as_text=True)
    assets = json.loads(re.search(r"const ASSETS = (\[.*?\]);", body).group(1))
    assert "/static/vendor/zxing-wasm/zxing_reader.wasm" in assets
    for asset in assets:  # cache.addAll fails on any missing file, and offline use with it
        assert client.get(asset).status_code == 200, asset
    assert f'const PAGE = "/admin/events/{event.slug}/checkin/device"' in body


def test_the_manifest_makes_the_scanner_installable(client, event):
    manifest = client.get(f"/admin/events/{event.slug}/checkin/manifest.webmanifest")
    body = json.loads(manifest.get_data(as_text=True))
    assert manifest.mimetype == "application/manifest+json"
    assert body["start_url"] == f"/admin/events/{event.slug}/checkin/device"
    assert body["display"] == "standalone"
    assert {icon["sizes"] for icon in body["icons"]} == {"192x192", "512x512"}
    for icon in body["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_the_cli_prints_a_link_that_opens_the_scanner(app, event):
    result = app.test_cli_runner().invoke(args=["checkin", "device-token", event.slug, "Entré C"])
    assert result.exit_code == 0, result.output
    link = re.search(r"Open the scanner with it: (\S+)", result.output).group(1)
    token, entrance = token_from(link)
    assert entrance == "Entré C"
    assert db.session.scalar(select(Device).where(Device.name == "Entré C")) is not None
    assert f"Token: {token}" in result.output


def test_organisers_check_a_person_in_and_undo_it_from_the_registration_page(signed_in, event):
    [registration] = event_registrations(event)
    detail = f"/admin/events/{event.slug}/registrations/{registration.id}"
    page = signed_in.get(detail).get_data(as_text=True)
    assert "Inte incheckad." in page
    assert f"/admin/events/{event.slug}/badges/{registration.id}.pdf" in page  # one badge for a walk-in

    done = signed_in.post(
        f"/admin/events/{event.slug}/checkin/registrations/{registration.id}", data={"csrf_token": csrf_from(page)}
    )
    assert done.status_code == 303 and done.headers["Location"].endswith(detail)
    page = signed_in.get(detail).get_data(as_text=True)
    assert "Åsa Öberg: Incheckad" in page
    assert "vid Arrangörssidan av Olle Arrangör" in page
    assert checkin.counts(event)["checked_in"] == 1

    signed_in.post(
        f"/admin/events/{event.slug}/checkin/registrations/{registration.id}/undo", data={"csrf_token": csrf_from(page)}
    )
    assert "Inte incheckad." in signed_in.get(detail).get_data(as_text=True)
    assert checkin.counts(event)["checked_in"] == 0


def test_checking_in_without_a_csrf_token_is_refused(signed_in, event):
    [registration] = event_registrations(event)
    response = signed_in.post(f"/admin/events/{event.slug}/checkin/registrations/{registration.id}", data={})
    assert response.status_code == 400
    assert checkin.counts(event)["checked_in"] == 0


def event_registrations(event):
    from forum.registration.models import Registration

    return list(db.session.scalars(select(Registration).where(Registration.event_id == event.id)))


def test_organisers_revoke_a_lost_badge_and_issue_a_new_one(signed_in, event):
    from forum.badges.services import code_for, ensure_code

    [registration] = event_registrations(event)
    old = ensure_code(registration).code
    db.session.commit()
    url = f"/admin/events/{event.slug}/badges/{registration.id}/reissue"
    confirm = signed_in.get(url)
    assert confirm.status_code == 200
    assert code_for(registration) == old  # asking is not doing
    done = signed_in.post(url, data={"csrf_token": csrf_from(confirm.get_data(as_text=True))})
    assert done.status_code == 302
    new = code_for(registration)
    assert new and new != old
    assert checkin.scan(event, old).result == "revoked"
    assert checkin.scan(event, new).result == "ok"
