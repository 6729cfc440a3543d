"""The attendee's own data on their personal page /r/<token>: download everything as JSON (right of
access), and delete the registration (erasure), which frees the seat and keeps the statistics."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from forum.checkin.models import CheckIn
from forum.extensions import db
from forum.invitations.models import InviteeSource
from forum.invitations.services import InviteeData, add_invitees
from forum.mail.models import OutboxMessage, OutboxStatus
from forum.privacy.anonymise import PLACEHOLDER_NAME
from forum.privacy.models import AuditLog
from forum.registration import links
from forum.registration.models import (
    Answer,
    OrganisationType,
    Question,
    QuestionKind,
    Registration,
    RegistrationStatus,
)
from tests import factories
from tests.auth.helpers import text
from tests.conftest import csrf_from
from tests.privacy.helpers import past_event, register, statistics


@pytest.fixture
def host(app):
    return factories.organisation(name="Hela Sverige ska leva Halland")


@pytest.fixture
def event(app, host):
    return factories.event(slug="halland-beredskap", title="Temamöte om beredskap", organisation=host, capacity=1)


@pytest.fixture
def asa(event):
    question = Question(event=event, label="Vad vill du lära dig?", kind=QuestionKind.SHORT_TEXT, position=1)
    db.session.add(question)
    db.session.flush()
    registration = register(
        event,
        "Åsa",
        phone="070-111 22 33",
        organisation="Halmstads kommun",
        organisation_type=OrganisationType.MUNICIPALITY,
        municipality_code="1380",
        health_consent=True,
        dietary=["vegan"],
        accessibility="Hörslinga",
    )
    db.session.add(Answer(registration=registration, question_id=question.id, value="Om vattenförsörjning"))
    db.session.commit()
    return registration


@pytest.fixture
def bertil(event):
    """Second in line: the event has one seat."""
    registration = register(event, "Bertil", "Ek", phone="070-999 88 77", organisation="Region Halland")
    db.session.commit()
    return registration


def manage_url(registration) -> str:
    return f"/r/{links.token_for(registration)}"


def test_the_personal_page_offers_the_download_and_the_deletion(client, asa):
    url = manage_url(asa)
    html = text(client.get(url))
    assert "Dina personuppgifter" in html
    assert f'href="{url}/data.json"' in html
    assert f'href="{url}/delete"' in html
    assert 'href="/e/halland-beredskap/privacy"' in html


def test_the_download_holds_the_persons_data_and_no_one_elses(client, event, asa, bertil):
    add_invitees(event, [InviteeData(email=asa.email, first_name="Åsa", role="Samordnare")], InviteeSource.MANUAL)
    db.session.commit()
    response = client.get(f"{manage_url(asa)}/data.json")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    data = json.loads(response.get_data(as_text=True))
    own = data["registration"]
    assert (own["first_name"], own["last_name"], own["email"]) == ("Åsa", "Öberg", "åsa.öberg@example.org")
    assert own["phone"] == "070-111 22 33" and own["organisation"] == "Halmstads kommun"
    assert own["municipality"] == {"code": "1380", "name": "Halmstad"}
    assert own["health_data"] == {"dietary": ["vegan"], "dietary_other": "", "accessibility": "Hörslinga"}
    assert own["answers"] == [{"question": "Vad vill du lära dig?", "answer": "Om vattenförsörjning"}]
    assert own["consents"]["privacy_notice_at"]
    assert data["invitation"]["role"] == "Samordnare"
    assert data["controller"]["name"] == "Hela Sverige ska leva Halland"
    assert [email["subject"] for email in data["emails"]]  # the confirmation
    raw = response.get_data(as_text=True)
    for other in ("Bertil", "Ek", "bertil", "070-999 88 77", "Region Halland"):
        assert other not in raw


def test_an_unknown_link_downloads_nothing(client, asa):
    assert client.get("/r/not-a-token/data.json").status_code == 404
    assert client.get("/r/not-a-token/delete").status_code == 404


def delete(client, registration, confirm=True):
    url = f"{manage_url(registration)}/delete"
    page = client.get(url)
    assert page.status_code == 200
    data = {"csrf_token": csrf_from(page.get_data(as_text=True))}
    if confirm:
        data["confirm"] = "y"
    return client.post(url, data=data)


def test_deleting_asks_for_confirmation_first(client, asa):
    url = f"{manage_url(asa)}/delete"
    html = text(client.get(url))
    assert "Radera din anmälan och dina uppgifter?" in html
    assert "Du avbokas också" in html

    response = delete(client, asa, confirm=False)

    assert response.status_code == 200
    assert "Kryssa i rutan för att bekräfta." in text(response)
    db.session.expire_all()
    assert db.session.get(Registration, asa.id).first_name == "Åsa"


def test_deleting_erases_the_data_frees_the_seat_and_is_audited(client, event, asa, bertil):
    url = manage_url(asa)
    assert bertil.status == RegistrationStatus.WAITING
    before = statistics(event)

    response = delete(client, asa)

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/e/halland-beredskap/")
    assert "Din anmälan och dina uppgifter är raderade." in text(client.get("/e/halland-beredskap/"))
    db.session.expire_all()
    erased = db.session.get(Registration, asa.id)
    assert erased.first_name == PLACEHOLDER_NAME and erased.email == "" and erased.phone == ""
    assert erased.dietary == [] and erased.accessibility == "" and erased.answers == []
    assert erased.status == RegistrationStatus.CANCELLED
    # the seat went to the next in line, the ordinary way (with an e-mail to them)
    assert db.session.get(Registration, bertil.id).status == RegistrationStatus.CONFIRMED
    assert db.session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.recipient == bertil.email, OutboxMessage.purpose == "registration.promotion"
        )
    )
    # nothing more goes out to the erased address, and what went is redacted
    assert not list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "åsa.öberg@example.org")))
    # the link is dead
    assert client.get(url).status_code == 404
    # statistics: the same registrations, organisation types and municipalities (Åsa counts as cancelled)
    after = statistics(event)
    assert after["total"] == before["total"]
    assert after["organisation_type"] == before["organisation_type"]
    assert after["municipality"] == before["municipality"]
    (entry,) = db.session.scalars(select(AuditLog).where(AuditLog.action == "privacy.erased_by_attendee"))
    assert entry.event_id == event.id and entry.target_id == asa.id
    assert "Åsa" not in str(entry.details) and "@" not in str(entry.details)


def test_after_the_event_the_status_and_the_check_in_stay(client, host):
    event = past_event(host, days_ago=3)
    registration = register(event, "Åsa", health_consent=True, dietary=["vegan"])
    db.session.add(CheckIn(event_id=event.id, registration_id=registration.id, code="X", result="ok"))
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == registration.email))
    message.status = OutboxStatus.SENT
    db.session.commit()
    before = statistics(event)

    assert delete(client, registration).status_code == 303

    db.session.expire_all()
    erased = db.session.get(Registration, registration.id)
    assert erased.status == RegistrationStatus.CONFIRMED and erased.first_name == PLACEHOLDER_NAME
    assert statistics(event) == before
    message = db.session.get(OutboxMessage, message.id)
    assert message.recipient == "" and message.body_text == "" and message.body_html is None


def test_the_privacy_notice_names_the_rule_and_its_dates(client, host, event):
    html = re.sub(r"\s+", " ", text(client.get("/e/halland-beredskap/privacy")))
    assert "görs anonyma 180 dagar efter evenemanget, den" in html
    assert "raderas 14 dagar efter evenemanget, den" in html
    assert "ladda ner allt vi har sparat om dig" in html

    from forum.events.models import RetentionPolicy

    host.retention_policy = RetentionPolicy.KEEP
    db.session.commit()
    html = re.sub(r"\s+", " ", text(client.get("/e/halland-beredskap/privacy")))
    assert "sparas som allmän handling enligt arkivreglerna hos Hela Sverige ska leva Halland" in html
    assert "görs anonyma" not in html


def test_the_registration_form_links_to_the_notice(client, event):
    assert 'href="/e/halland-beredskap/privacy"' in text(client.get("/e/halland-beredskap/register"))
