"""Unsubscribing from the network's news: the List-Unsubscribe address /r/<token>/unsubscribe shows
a page with a button (GET) and unsubscribes on POST, including a mail client's one-click POST
(RFC 8058) that carries no CSRF token. Only keep_informed changes; a wrong token is a 404."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import delete, select

from forum.extensions import db
from forum.mail import broadcast, worker
from forum.mail.models import OutboxMessage
from forum.privacy.models import AuditLog
from forum.registration import links, services
from forum.registration.models import Registration, RegistrationStatus
from tests import factories
from tests.auth.helpers import text

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


@pytest.fixture
def event(app):
    return factories.event(slug="natverksmote", title="Nätverksmöte i Halland")


@pytest.fixture
def organiser(app, event):
    user = factories.user(roles={event: "organiser"})
    db.session.commit()
    return user


def add(event, first: str, keep_informed: bool = True) -> Registration:
    details = services.Details(
        first_name=first, last_name="Öberg", email=f"{first.casefold()}@example.org", keep_informed=keep_informed
    )
    registration = services.register(event, details).registration
    db.session.execute(delete(OutboxMessage))  # the confirmation is not what is tested here
    db.session.commit()
    return registration


def url(registration: Registration) -> str:
    return f"/r/{links.token_for(registration)}/unsubscribe"


def fresh(registration: Registration) -> Registration:
    db.session.expire_all()
    return db.session.get(Registration, registration.id)


def news(event, organiser) -> list[str]:
    """Send network news to those who asked for it; the recipients."""
    broadcast.send(event, "keep_informed", broadcast.Draft("Nytt från nätverket", "Hej alla!"), by=organiser)
    return sorted(
        db.session.scalars(
            select(OutboxMessage.recipient).where(
                OutboxMessage.purpose == broadcast.PURPOSE, OutboxMessage.sent_at.is_(None)
            )
        )
    )


def test_the_page_explains_and_offers_a_button_without_changing_anything(client, event):
    anna = add(event, "Anna")

    page = client.get(url(anna))

    assert page.status_code == 200
    shown = text(page)
    assert "Avsluta utskicken om nätverkets arbete?" in shown
    assert "Nätverksmöte i Halland" in shown
    button = r'<form method="post">\s*<button type="submit">Avsluta utskicken</button>'
    assert re.search(button, page.get_data(as_text=True))
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert fresh(anna).keep_informed is True


def test_the_button_unsubscribes(client, event):
    anna = add(event, "Anna")

    response = client.post(url(anna))

    assert response.status_code == 200
    assert "Du får inte fler utskick om nätverkets arbete" in text(response)
    stored = fresh(anna)
    assert stored.keep_informed is False
    assert stored.status == RegistrationStatus.CONFIRMED, "the registration itself stays"
    [entry] = db.session.scalars(select(AuditLog).where(AuditLog.action == "registration.unsubscribed")).all()
    assert entry.event_id == event.id
    assert entry.target_id == anna.id
    assert entry.user_id is None
    # Opened again later, the page says so and offers no button.
    again = client.get(url(anna))
    assert "Du får inte fler utskick om nätverkets arbete" in text(again)
    assert "<button" not in again.get_data(as_text=True).split("<main", 1)[-1]


def test_one_click_from_the_list_unsubscribe_header_of_a_received_message(client, event, organiser, smtp_server):
    anna = add(event, "Anna")
    add(event, "Bertil")
    add(event, "Cecilia", keep_informed=False)
    assert news(event, organiser) == ["anna@example.org", "bertil@example.org"]
    worker.run()
    [received] = smtp_server.to("anna@example.org")
    address = received["List-Unsubscribe"].strip().strip("<>")
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # What a mail provider does (RFC 8058): POST the body, no cookie, no CSRF token.
    response = client.post(address.removeprefix("http://localhost"), data=ONE_CLICK)

    assert response.status_code == 200
    assert fresh(anna).keep_informed is False
    assert news(event, organiser) == ["bertil@example.org"]


def test_unsubscribing_twice_is_harmless_and_logged_once(client, event):
    anna = add(event, "Anna")

    client.post(url(anna), data=ONE_CLICK)
    second = client.post(url(anna), data=ONE_CLICK)

    assert second.status_code == 200
    assert "Du får inte fler utskick om nätverkets arbete" in text(second)
    assert len(db.session.scalars(select(AuditLog).where(AuditLog.action == "registration.unsubscribed")).all()) == 1


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_wrong_token_is_not_found(client, event, method):
    add(event, "Anna")

    response = client.open("/r/not-a-real-token/unsubscribe", method=method, data=ONE_CLICK)

    assert response.status_code == 404


def test_only_this_route_is_exempt_from_csrf(client, event):
    anna = add(event, "Anna")

    # The personal page's cancel form still needs its token.
    response = client.post(f"/r/{links.token_for(anna)}/cancel", data={})

    assert response.status_code == 400
    assert fresh(anna).status == RegistrationStatus.CONFIRMED
