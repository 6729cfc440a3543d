"""A printed badge, end to end: its PDF is rendered to an image, a real QR decoder reads the code,
and that code checks in exactly its registration through the API; scanning again answers
"already checked in" with the time."""

from __future__ import annotations

from forum.badges.pdf import badges_pdf
from forum.checkin import services as checkin
from forum.extensions import db
from forum.registration import services
from tests import factories
from tests.badges.test_pdf import decoded


def test_a_printed_badge_checks_in_its_registration_once(app, client):
    event = factories.event(capacity=10)
    people = [
        services.register(
            event, services.Details(first_name=name, last_name="Öberg", email=f"{name.lower()}@example.org")
        ).registration
        for name in ("Asa", "Bo")
    ]
    db.session.commit()
    _device, token = checkin.create_device(event, "Entré A", by=None)
    db.session.commit()

    [code] = decoded(badges_pdf([people[0]], "a6"))
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/events/{event.slug}/checkins"
    first = client.post(url, json={"code": code, "entrance": "Entré A", "client_scan_id": "scan-1"}, headers=headers)
    assert first.status_code == 200
    assert first.json["result"] == "ok"
    assert first.json["registration"]["name"] == "Asa Öberg"

    again = client.post(url, json={"code": code, "entrance": "Entré B", "client_scan_id": "scan-2"}, headers=headers)
    assert again.json["result"] == "already_checked_in"
    assert again.json["checked_in_at"] == first.json["checked_in_at"]
    counts = checkin.counts(event)
    assert counts["checked_in"] == 1
    assert counts["entrances"] == {"Entré A": 1}
