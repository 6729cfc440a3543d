"""The attendee's own page /r/<token>: view, edit, cancel, calendar; tokens."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.mail.models import OutboxMessage
from forum.registration import links, services
from forum.registration.models import Registration, RegistrationStatus
from tests import factories
from tests.conftest import csrf_from, submit


def person(n: int = 1, **fields) -> services.Details:
    values = {"first_name": f"Person{n}", "last_name": "Öberg", "email": f"p{n}@example.org"}
    values.update(fields)
    return services.Details(**values)


@pytest.fixture
def event(app):
    return factories.event(capacity=1)


def registered(event, n=1, **fields) -> tuple[Registration, str]:
    registration = services.register(event, person(n, **fields)).registration
    db.session.commit()
    return registration, links.token_for(registration)


def test_token_is_long_and_only_its_hash_is_stored(event):
    registration, token = registered(event)
    assert len(token) >= 43  # 256 bits, base64
    assert token not in (registration.token_hash, registration.link_salt)
    assert registration.token_hash == links.hash_token(token)


def test_personal_page_shows_the_registration(client, event):
    registration, token = registered(event)
    response = client.get(f"/r/{token}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert "Person1 Öberg" in html
    assert "Bekräftad" in html


def test_wrong_or_old_token_is_404(client, event):
    registration, token = registered(event)
    assert client.get("/r/not-a-token").status_code == 404
    assert client.get(f"/r/{token[:-1]}x").status_code == 404
    services.new_link(registration)
    db.session.commit()
    assert client.get(f"/r/{token}").status_code == 404
    assert client.get(f"/r/{links.token_for(registration)}").status_code == 200


def test_waiting_position_is_visible(client, event):
    registered(event, 1)
    _, token = registered(event, 2)
    html = client.get(f"/r/{token}").get_data(as_text=True)
    assert "nummer 1 på väntelistan" in html


def test_edit_changes_details_and_keeps_typed_values_on_error(client, event):
    registration, token = registered(event)
    url = f"/r/{token}/edit"
    response = submit(client, url, {"first_name": "Zoë", "last_name": "", "email": "p1@example.org"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Fyll i fältet." in html
    assert 'value="Zoë"' in html
    response = submit(client, url, {"first_name": "Zoë", "last_name": "Öberg", "email": "p1@example.org"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).first_name == "Zoë"


def test_cancel_asks_first_then_frees_the_seat_and_promotes_the_waiting_list(client, event):
    first, token = registered(event, 1)
    second, _ = registered(event, 2)
    assert second.status == RegistrationStatus.WAITING
    page = client.get(f"/r/{token}/cancel")
    assert "Avboka din anmälan?" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Registration, first.id).status == RegistrationStatus.CONFIRMED
    response = client.post(f"/r/{token}/cancel", data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Registration, first.id).status == RegistrationStatus.CANCELLED
    assert db.session.get(Registration, second.id).status == RegistrationStatus.CONFIRMED
    purposes = [m.purpose for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]
    assert "registration.cancellation" in purposes
    assert purposes[-1] == "registration.promotion"
    promoted = db.session.scalars(select(OutboxMessage).where(OutboxMessage.purpose == "registration.promotion")).one()
    assert promoted.recipient == "p2@example.org"
    assert "Avbokad" in client.get(f"/r/{token}").get_data(as_text=True)


def test_cancel_without_csrf_is_refused(client, event):
    registration, token = registered(event)
    response = client.post(f"/r/{token}/cancel", data={})
    assert response.status_code in (200, 400)
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).status == RegistrationStatus.CONFIRMED


def test_calendar_file(client, event):
    registration, token = registered(event)
    response = client.get(f"/r/{token}/calendar.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    body = response.get_data(as_text=True)
    assert "BEGIN:VEVENT" in body
    assert re.search(r"SUMMARY:.*" + re.escape(event.title), body)


def test_the_same_email_can_register_again_after_cancelling(event):
    registration, _ = registered(event)
    services.cancel(registration)
    db.session.commit()
    again = services.register(event, person(1)).registration
    db.session.commit()
    assert again.id != registration.id
    assert again.status == RegistrationStatus.CONFIRMED
