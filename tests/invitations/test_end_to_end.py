"""An invitation-only council meeting, end to end with real e-mail: invitations are sent and
delivered to an SMTP server on loopback, one invitee accepts through the link in the e-mail and
receives the confirmation, one declines, the one who does not answer is reminded (by the command),
and the event's own form refuses anyone without an invitation."""

from __future__ import annotations

import re

from sqlalchemy import select

from forum.events.models import Visibility
from forum.extensions import db
from forum.invitations import sending, services
from forum.invitations.models import InvitationState, Invitee, InviteeSource
from forum.mail import worker
from forum.registration.models import Registration, RegistrationStatus
from tests import factories
from tests.conftest import csrf_from
from tests.smtp import smtp_server  # noqa: F401 - the real SMTP server fixture

INVITATION_LINK = re.compile(r"http://localhost(/i/[A-Za-z0-9_-]{43})")
REGISTRATION_LINK = re.compile(r"http://localhost(/r/[A-Za-z0-9_-]{43})")


def deliver() -> int:
    sent = worker.deliver_due()
    db.session.expire_all()
    return sent


def text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def state(email: str) -> InvitationState:
    db.session.expire_all()
    return db.session.scalar(select(Invitee).where(Invitee.email == email)).state


def test_invitation_only_meeting_end_to_end(app, client, smtp_server):  # noqa: F811
    event = factories.event(
        title="Regionala rådet för samhällsberedskap", visibility=Visibility.INVITATION, capacity=14
    )
    people = [
        services.InviteeData(email=f"{address}@kommun.example.org", first_name=name, last_name="Öberg")
        for name, address in (("Åsa", "asa"), ("Bo", "bo"), ("Cia", "cia"))
    ]
    invitees = services.add_invitees(event, people, InviteeSource.IMPORTED)
    db.session.commit()
    sending.send_invitations(event, invitees)
    db.session.commit()
    assert deliver() == 3

    links = {message["To"]: INVITATION_LINK.search(text(message)).group(1) for message in smtp_server.messages}
    assert state("asa@kommun.example.org") == InvitationState.SENT

    # Åsa accepts: the form has her address fixed; she gets a seat and the confirmation e-mail.
    form = client.get(f"{links['asa@kommun.example.org']}/accept").get_data(as_text=True)
    submission = re.search(r'name="submission" type="hidden" value="([^"]*)"', form).group(1)
    response = client.post(
        f"{links['asa@kommun.example.org']}/accept",
        data={
            "csrf_token": csrf_from(form),
            "submission": submission,
            "first_name": "Åsa",
            "last_name": "Öberg",
            "email": "not-me@example.org",
            "privacy_consent": "y",
        },
    )
    assert response.status_code == 303
    assert state("asa@kommun.example.org") == InvitationState.REGISTERED
    assert deliver() == 1
    [confirmation] = [m for m in smtp_server.to("asa@kommun.example.org") if m["Subject"].startswith("Bekräftelse")]
    personal = REGISTRATION_LINK.search(text(confirmation)).group(1)
    assert "Bekräftad" in client.get(personal).get_data(as_text=True)
    registration = db.session.scalar(select(Registration))
    assert registration.email == "asa@kommun.example.org"
    assert registration.status == RegistrationStatus.CONFIRMED

    # Bo declines, with a reason.
    page = client.get(f"{links['bo@kommun.example.org']}/decline").get_data(as_text=True)
    client.post(f"{links['bo@kommun.example.org']}/decline", data={"csrf_token": csrf_from(page), "reason": "Resa"})
    assert state("bo@kommun.example.org") == InvitationState.DECLINED

    # Cia has not answered: the command reminds her, and only her.
    result = app.test_cli_runner().invoke(args=["invitations", "remind", event.slug])
    assert result.exit_code == 0, result.output
    assert deliver() == 1
    [reminder] = [m for m in smtp_server.messages if m["Subject"].startswith("Påminnelse")]
    assert reminder["To"] == "cia@kommun.example.org"
    assert INVITATION_LINK.search(text(reminder)).group(1) == links["cia@kommun.example.org"]

    # Without an invitation the event's form refuses, politely.
    refusal = client.get(f"/e/{event.slug}/register").get_data(as_text=True)
    assert "endast för inbjudna" in refusal
    assert 'name="first_name"' not in refusal
