"""The public registration form: fields, validation, capacity, waiting list, approval, duplicates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.mail.models import OutboxMessage
from forum.programme.models import ProgrammeItem, ProgrammeItemKind
from forum.registration import services
from forum.registration.models import (
    Question,
    QuestionKind,
    Registration,
    RegistrationStatus,
    SignupStatus,
)
from tests import factories
from tests.conftest import csrf_from, in_days, submit


def form_data(**fields) -> dict:
    data = {
        "first_name": "Åsa",
        "last_name": "Öberg",
        "email": "asa.oberg@example.org",
        "privacy_consent": "y",
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def register(client, event, **fields):
    url = f"/e/{event.slug}/register"
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    payload = form_data(**fields)
    payload["csrf_token"] = csrf_from(html)
    if "submission" not in payload:
        payload["submission"] = _hidden(html, "submission")
    return client.post(url, data=payload)


def _hidden(html: str, name: str) -> str:
    import re

    match = re.search(
        rf'name="{name}" type="hidden" value="([^"]*)"|id="{name}" name="{name}" type="hidden" value="([^"]*)"', html
    )
    if match:
        return match.group(1) or match.group(2)
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', html)
    return match.group(1) if match else ""


def registrations(event) -> list[Registration]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(Registration).where(Registration.event_id == event.id).order_by(Registration.id))
    )


def messages(purpose: str | None = None) -> list[OutboxMessage]:
    db.session.expire_all()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if purpose:
        query = query.where(OutboxMessage.purpose == purpose)
    return list(db.session.scalars(query))


@pytest.fixture
def event(app):
    return factories.event(capacity=2)


def test_form_shows_the_fields_and_consents(client, event):
    factories.focus_area(event, "Vatten")
    html = client.get(f"/e/{event.slug}/register").get_data(as_text=True)
    for text in ("Förnamn", "Efternamn", "E-post", "Telefon", "Typ av organisation", "Kommun", "Vatten", "Kost"):
        assert text in html
    assert 'name="privacy_consent"' in html
    assert 'name="health_consent"' in html
    assert "checked" not in html  # no consent is ticked in advance
    assert "Halmstad" in html  # the municipality suggestions


def test_registering_confirms_and_queues_the_confirmation(client, event):
    response = register(client, event)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/e/{event.slug}/register/thanks")
    [registration] = registrations(event)
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.privacy_consent_at is not None
    assert registration.email_key == "asa.oberg@example.org"
    [message] = messages("registration.confirmation")
    assert message.recipient == "asa.oberg@example.org"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "personliga länk" in page


def test_unicode_names_are_kept_and_html_is_text(client, event):
    register(client, event, first_name="Łukasz", last_name="Nguyễn <b>Zoë</b>", email="l@example.org")
    [registration] = registrations(event)
    assert registration.first_name == "Łukasz"
    assert registration.last_name == "Nguyễn <b>Zoë</b>"


def test_errors_are_shown_next_to_the_fields_and_typed_values_kept(client, event):
    response = register(client, event, first_name="", email="inte-en-adress", last_name="Öberg", privacy_consent=None)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Fyll i fältet." in html
    assert "Skriv en giltig e-postadress" in html
    assert "Du behöver samtycka" in html
    assert 'value="inte-en-adress"' in html
    assert 'value="Öberg"' in html
    assert registrations(event) == []


def test_too_long_values_are_refused(client, event):
    html = register(client, event, first_name="A" * 101).get_data(as_text=True)
    assert "Får vara högst 100 tecken." in html
    assert registrations(event) == []


def test_english_messages(client, event):
    client.set_cookie("forum_lang", "en", domain="localhost")
    html = register(client, event, email="bad").get_data(as_text=True)
    assert "Enter a valid e-mail address" in html or "valid e-mail" in html


def test_full_event_puts_people_on_the_waiting_list_in_order(client, event):
    for n in range(4):
        assert register(client, event, email=f"p{n}@example.org").status_code == 303
    people = registrations(event)
    assert [r.status for r in people] == [RegistrationStatus.CONFIRMED] * 2 + [RegistrationStatus.WAITING] * 2
    assert [services.waiting_position(r) for r in people[2:]] == [1, 2]
    assert len(messages("registration.waiting")) == 2
    html = client.get(f"/e/{event.slug}/register").get_data(as_text=True)
    assert "väntelistan" in html


def test_same_email_twice_gives_one_registration_and_one_resent_link(client, event):
    first = register(client, event)
    second = register(client, event, email="ASA.OBERG@example.org", first_name="Någon")
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    [registration] = registrations(event)
    assert registration.first_name == "Åsa"
    assert len(messages("registration.link")) == 1


def test_double_clicked_submit_creates_one_registration_and_no_extra_mail(client, event):
    url = f"/e/{event.slug}/register"
    html = client.get(url).get_data(as_text=True)
    payload = form_data(csrf_token=csrf_from(html), submission=_hidden(html, "submission"))
    assert client.post(url, data=payload).status_code == 303
    assert client.post(url, data=payload).status_code == 303
    assert len(registrations(event)) == 1
    assert messages("registration.link") == []


def test_health_data_needs_its_own_consent(client, event):
    html = register(client, event, dietary="vegan", accessibility="Hörslinga").get_data(as_text=True)
    assert "Kryssa i samtycket" in html
    assert "Hörslinga" in html  # kept in the form
    assert registrations(event) == []
    register(client, event, dietary="vegan", accessibility="Hörslinga", health_consent="y")
    [registration] = registrations(event)
    assert registration.dietary == ["vegan"]
    assert registration.accessibility == "Hörslinga"
    assert registration.health_consent_at is not None


def test_approval_keeps_registrations_pending(client, app):
    event = factories.event(requires_approval=True)
    register(client, event)
    [registration] = registrations(event)
    assert registration.status == RegistrationStatus.PENDING
    assert len(messages("registration.pending")) == 1


def workshop(event, title, start_hour, capacity=None, hours=1):
    item = ProgrammeItem(
        event=event,
        title=title,
        kind=ProgrammeItemKind.WORKSHOP,
        starts_at=event.starts_at + timedelta(hours=start_hour),
        ends_at=event.starts_at + timedelta(hours=start_hour + hours),
        requires_signup=True,
        capacity=capacity,
    )
    db.session.add(item)
    db.session.flush()
    return item


def test_overlapping_workshops_are_refused(client, event):
    water = workshop(event, "Vatten", 1, hours=2)
    heat = workshop(event, "Värme", 2)
    html = register(client, event, workshops=[str(water.id), str(heat.id)]).get_data(as_text=True)
    assert "pågår samtidigt" in html
    assert registrations(event) == []


def test_full_workshop_puts_the_choice_on_its_waiting_list(client, app):
    event = factories.event()
    small = workshop(event, "Liten", 1, capacity=1)
    html = client.get(f"/e/{event.slug}/register").get_data(as_text=True)
    assert "1 platser kvar" in html or "1 plats" in html
    register(client, event, email="a@example.org", workshops=str(small.id))
    register(client, event, email="b@example.org", workshops=str(small.id))
    first, second = registrations(event)
    assert first.signups[0].status == SignupStatus.CONFIRMED
    assert second.signups[0].status == SignupStatus.WAITING
    assert "fullt" in client.get(f"/e/{event.slug}/register").get_data(as_text=True)


def test_custom_questions_are_asked_and_required_ones_enforced(client, event):
    question = Question(event=event, label="Vilken kommun tillhör du?", kind=QuestionKind.SHORT_TEXT, required=True)
    choice = Question(event=event, label="Lunch?", kind=QuestionKind.SINGLE_CHOICE, options=["Ja", "Nej"], position=2)
    db.session.add_all([question, choice])
    db.session.flush()
    html = register(client, event).get_data(as_text=True)
    assert "Vilken kommun tillhör du?" in html
    assert "Fyll i fältet." in html
    register(client, event, **{f"q_{question.id}": "Laholm", f"q_{choice.id}": "Ja"})
    [registration] = registrations(event)
    assert sorted(answer.value for answer in registration.answers) == ["Ja", "Laholm"]


def test_hidden_fields_are_left_off(client, app):
    event = factories.event(hidden_fields=["phone", "dietary", "accessibility", "municipality"])
    html = client.get(f"/e/{event.slug}/register").get_data(as_text=True)
    assert 'name="phone"' not in html
    assert 'name="health_consent"' not in html
    assert 'name="municipality"' not in html


def test_unknown_municipality_is_shown_back_with_an_error(client, event):
    html = register(client, event, municipality="Gotham").get_data(as_text=True)
    assert "Välj en kommun i listan" in html
    assert 'value="Gotham"' in html
    register(client, event, municipality="halmstad")
    assert registrations(event)[0].municipality_code == "1380"


@pytest.mark.parametrize(
    ("fields", "text"),
    [
        ({"registration_opens_at": in_days(3)}, "Anmälan öppnar"),
        ({"registration_closes_at": in_days(-1), "registration_opens_at": in_days(-5)}, "Anmälan är stängd"),
    ],
)
def test_closed_registration_shows_why(client, app, fields, text):
    event = factories.event(**fields)
    html = client.get(f"/e/{event.slug}/register").get_data(as_text=True)
    assert text in html
    assert 'name="first_name"' not in html


def test_draft_event_has_no_form(client, app):
    from forum.events.models import EventStatus

    event = factories.event(status=EventStatus.DRAFT)
    assert client.get(f"/e/{event.slug}/register").status_code == 404


def test_preliminary_date_gives_the_interest_form(client, app):
    event = factories.event(date_is_preliminary=True, preliminary_date_text="Våren 2027")
    html = client.get(f"/e/{event.slug}/register").get_data(as_text=True)
    assert "Intresseanmälan" in html
    assert "Följa arbetet" in html
    data = {
        "name": "Åsa Öberg",
        "email": "asa@example.org",
        "organisation": "Laholms kommun",
        "kinds": ["follow", "take_part"],
        "privacy_consent": "y",
    }
    response = submit(client, f"/e/{event.slug}/register", data)
    assert response.status_code == 303
    response = submit(client, f"/e/{event.slug}/register", {**data, "kinds": ["contribute"]})
    from forum.registration.models import Interest

    db.session.expire_all()
    [interest] = db.session.scalars(select(Interest)).all()
    assert interest.kinds == ["contribute"]
    assert db.session.scalar(select(func.count(Registration.id))) == 0


def test_resent_links_are_limited(client, event):
    for first_name in ("Åsa", "Bo", "Cia", "Dan"):
        register(client, event, first_name=first_name)
    assert len(registrations(event)) == 1
    assert len(messages("registration.link")) == 1


def test_non_ascii_local_part_is_refused_as_it_cannot_be_delivered(client, event):
    html = register(client, event, email="åsa@example.org").get_data(as_text=True)
    assert "Skriv en giltig e-postadress" in html
    assert registrations(event) == []
