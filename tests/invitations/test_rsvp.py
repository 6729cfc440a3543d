"""The invitee's link /i/<token>: open, accept (pre-filled, e-mail fixed), decline; invitation-only events."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from forum.events.models import Visibility
from forum.extensions import db
from forum.invitations import services
from forum.invitations.models import InvitationState, Invitee, InviteeSource
from forum.registration.models import Registration, RegistrationStatus
from tests import factories
from tests.conftest import csrf_from, in_days


def invite(event, email="asa@example.org", **fields) -> tuple[Invitee, str]:
    person = services.InviteeData(email=email, first_name="Åsa", last_name="Öberg", organisation="Laholms kommun")
    [invitee] = services.add_invitees(event, [person], InviteeSource.MANUAL)
    db.session.commit()
    return invitee, services.token_for(invitee)


def fresh(invitee) -> Invitee:
    db.session.expire_all()
    return db.session.get(Invitee, invitee.id)


@pytest.fixture
def event(app):
    return factories.event(visibility=Visibility.INVITATION, capacity=10)


def accept(client, token, **fields):
    page = client.get(f"/i/{token}/accept")
    html = page.get_data(as_text=True)
    submission = re.search(r'name="submission" type="hidden" value="([^"]*)"', html)
    data = {
        "first_name": "Åsa",
        "last_name": "Öberg",
        "email": "someone-else@example.org",
        "privacy_consent": "y",
        "csrf_token": csrf_from(html),
        "submission": submission.group(1) if submission else "",
    }
    data.update(fields)
    return client.post(f"/i/{token}/accept", data=data)


def test_wrong_token_is_404(client, event):
    invite(event)
    assert client.get("/i/not-a-token").status_code == 404


def test_opening_the_link_is_recorded_and_shows_the_invitation(client, event):
    invitee, token = invite(event)
    response = client.get(f"/i/{token}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert event.title in html
    assert "Hej Åsa!" in html
    assert "Tacka ja" in html and "Tacka nej" in html
    assert fresh(invitee).state == InvitationState.OPENED


def test_accept_registers_with_the_invited_address(client, event):
    invitee, token = invite(event)
    form = client.get(f"/i/{token}/accept").get_data(as_text=True)
    assert 'value="asa@example.org"' in form
    assert "readonly" in form
    assert 'value="Laholms kommun"' in form
    response = accept(client, token)
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/r/")
    invitee = fresh(invitee)
    assert invitee.state == InvitationState.REGISTERED
    assert invitee.registration.email == "asa@example.org"
    assert invitee.registration.status == RegistrationStatus.CONFIRMED
    assert client.get(response.headers["Location"]).status_code == 200
    assert "Du är anmäld" in client.get(f"/i/{token}").get_data(as_text=True)


def test_a_token_registers_one_person(client, event):
    invitee, token = invite(event)
    accept(client, token)
    csrf = csrf_from(client.get("/admin/login").get_data(as_text=True))
    again = client.post(f"/i/{token}/accept", data={"first_name": "Bo", "csrf_token": csrf})
    assert again.status_code == 302
    assert len(db.session.scalars(select(Registration)).all()) == 1


def test_full_event_puts_the_invitee_on_the_waiting_list(client, app):
    event = factories.event(visibility=Visibility.INVITATION, capacity=0)
    invitee, token = invite(event)
    accept(client, token)
    assert fresh(invitee).registration.status == RegistrationStatus.WAITING


def test_decline_with_a_reason_and_a_change_of_mind(client, event):
    invitee, token = invite(event)
    page = client.get(f"/i/{token}/decline").get_data(as_text=True)
    response = client.post(f"/i/{token}/decline", data={"csrf_token": csrf_from(page), "reason": "Krockar <b>"})
    assert response.status_code == 303
    invitee = fresh(invitee)
    assert invitee.state == InvitationState.DECLINED
    assert invitee.decline_reason == "Krockar <b>"
    html = client.get(f"/i/{token}").get_data(as_text=True)
    assert "Du har tackat nej" in html
    assert "Anmäl mig ändå" in html
    accept(client, token)
    assert fresh(invitee).state == InvitationState.REGISTERED


def test_invitation_only_event_refuses_registration_without_a_token(client, event):
    html = client.get(f"/e/{event.slug}/register").get_data(as_text=True)
    assert "endast för inbjudna" in html
    assert 'name="first_name"' not in html
    csrf = csrf_from(client.get("/admin/login").get_data(as_text=True))
    response = client.post(
        f"/e/{event.slug}/register", data={"first_name": "X", "email": "x@example.org", "csrf_token": csrf}
    )
    assert response.status_code == 200
    assert db.session.scalars(select(Registration)).all() == []


def test_token_through_the_event_form(client, event):
    invitee, token = invite(event)
    other = factories.event(visibility=Visibility.INVITATION)
    db.session.commit()
    response = client.get(f"/e/{event.slug}/register?invitation={token}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/i/{token}/accept")
    wrong = client.get(f"/e/{other.slug}/register?invitation={token}")
    assert wrong.status_code == 404
    assert "annat evenemang" in wrong.get_data(as_text=True)
    unknown = client.get(f"/e/{event.slug}/register?invitation=nope")
    assert "ogiltig eller gammal" in unknown.get_data(as_text=True)


def test_closed_registration_cannot_be_accepted_but_can_be_declined(client, app):
    event = factories.event(
        visibility=Visibility.INVITATION, registration_opens_at=in_days(-5), registration_closes_at=in_days(-1)
    )
    invitee, token = invite(event)
    html = client.get(f"/i/{token}").get_data(as_text=True)
    assert "Anmälan är inte öppen just nu." in html
    assert "Tacka ja" not in html
    client.get(f"/i/{token}/accept")
    assert db.session.scalars(select(Registration)).all() == []
