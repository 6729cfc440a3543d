"""Changes reach people: moving, re-rooming or cancelling an item raises its SEQUENCE and queues one
e-mail to each of its speakers and signed-up attendees, in their language."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.mail.models import OutboxMessage
from forum.programme.models import ProgrammeItem, ProgrammeItemKind
from forum.registration.models import Registration, RegistrationStatus, SignupStatus, WorkshopSignup
from tests import factories
from tests.auth.helpers import actions, text
from tests.conftest import login_as, submit
from tests.programme.test_admin_programme import SLUG, form, item, local, speaker

BASE = f"/admin/events/{SLUG}/programme"


@pytest.fixture
def event(app):
    return factories.event(
        slug=SLUG,
        title="Beredskapsdagar Skåne",
        starts_at=datetime(2027, 3, 25, 8, 0, tzinfo=UTC),
        ends_at=datetime(2027, 3, 26, 15, 0, tzinfo=UTC),
    )


@pytest.fixture
def organiser(app, event):
    user = factories.user(roles={event: "organiser"})
    db.session.commit()
    return user


def registration(event, email: str, *, language: str = "sv", status=RegistrationStatus.CONFIRMED) -> Registration:
    row = Registration(
        event=event,
        status=status,
        first_name="Åsa",
        last_name="Öberg",
        email=email,
        email_key=email.casefold(),
        language=language,
        link_salt=secrets.token_hex(16),
        token_hash=secrets.token_hex(32),
    )
    db.session.add(row)
    db.session.flush()
    return row


def sign_up(person: Registration, programme_item: ProgrammeItem, status=SignupStatus.CONFIRMED) -> None:
    db.session.add(WorkshopSignup(registration=person, programme_item=programme_item, status=status))
    db.session.flush()


def outbox() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.purpose == "programme.changed").order_by(OutboxMessage.id)
        )
    )


@pytest.fixture
def workshop(event):
    factories.room(event, "Stora salen")
    small = factories.room(event, "Lilla salen")
    anna = speaker(event, "Anna Andersson", "anna@example.org")
    john = speaker(event, "John Smith", "john@example.org", language="en")
    row = item(
        event,
        "Workshop om mat",
        local(25, 13),
        local(25, 14),
        room=small,
        speakers=[anna, john],
        kind=ProgrammeItemKind.WORKSHOP,
        requires_signup=True,
        capacity=20,
        description="Om matberedskap.",
    )
    other = item(event, "Annan workshop", local(25, 13), local(25, 14), kind=ProgrammeItemKind.WORKSHOP)
    sign_up(registration(event, "seated@example.org"), row)
    sign_up(registration(event, "waiting@example.org", language="en"), row, SignupStatus.WAITING)
    sign_up(registration(event, "other@example.org"), other)  # another workshop
    registration(event, "nothing@example.org")  # no workshop
    gone = registration(event, "gone@example.org", status=RegistrationStatus.CANCELLED)
    sign_up(gone, row)
    # A speaker also signed up for the workshop is told once.
    sign_up(registration(event, "Anna@example.org"), row)
    speaker(event, "Bo Berg", "bo@example.org")  # a speaker of the event, not of this item
    db.session.commit()
    return row


def saved_form(row: ProgrammeItem, **changes) -> dict:
    values = form(
        title=row.title,
        kind=row.kind.value,
        starts_at="2027-03-25T13:00",
        ends_at="2027-03-25T14:00",
        room_id=str(row.room_id),
        description=row.description,
        capacity=str(row.capacity),
        speaker_ids=[str(s.id) for s in row.speakers],
        requires_signup="y",
    )
    values.update(changes)
    return values


def test_moving_an_item_tells_each_speaker_and_signed_up_attendee_once(client, event, organiser, workshop):
    login_as(client, organiser)
    item_id = workshop.id
    response = submit(
        client,
        f"{BASE}/{item_id}/edit",
        saved_form(workshop, starts_at="2027-03-26T10:00", ends_at="2027-03-26T11:00"),
        follow_redirects=True,
    )

    assert "Ändringarna är sparade." in text(response)
    db.session.expire_all()
    moved = db.session.get(ProgrammeItem, item_id)  # same id: the calendar UID is built from it
    assert moved.starts_at == local(26, 10) and moved.sequence == 1
    messages = outbox()
    assert sorted(m.recipient.casefold() for m in messages) == [
        "anna@example.org",
        "john@example.org",
        "seated@example.org",
        "waiting@example.org",
    ]
    by_recipient = {m.recipient.casefold(): m for m in messages}
    swedish = by_recipient["seated@example.org"]
    assert swedish.subject == "Ändrat i programmet: Workshop om mat – Beredskapsdagar Skåne"
    assert "25 mars 2027, kl. 13.00–14.00 → 26 mars 2027, kl. 10.00–11.00" in swedish.body_text
    assert "Lokal: Lilla salen" in swedish.body_text
    assert "Workshop om mat" in swedish.body_html
    english = by_recipient["john@example.org"]
    assert english.subject.startswith("Programme change: Workshop om mat")
    assert "→" in english.body_text and "Time:" in english.body_text
    assert by_recipient["waiting@example.org"].subject.startswith("Programme change")
    assert actions("programme_item.updated")[0].details["notified"] == 4

    # Saving again without a change queues nothing more.
    again = saved_form(moved, starts_at="2027-03-26T10:00", ends_at="2027-03-26T11:00")
    submit(client, f"{BASE}/{item_id}/edit", again)
    assert len(outbox()) == 4
    assert db.session.get(ProgrammeItem, item_id).sequence == 1


def test_a_change_of_description_only_tells_no_one(client, event, organiser, workshop):
    login_as(client, organiser)
    submit(client, f"{BASE}/{workshop.id}/edit", saved_form(workshop, description="Ny beskrivning.", title="Mat"))

    db.session.expire_all()
    row = db.session.get(ProgrammeItem, workshop.id)
    assert row.description == "Ny beskrivning." and row.title == "Mat"
    assert row.sequence == 0
    assert outbox() == []


def test_a_new_room_and_a_cancellation_say_what_changed(client, event, organiser, workshop):
    login_as(client, organiser)
    hall = next(room for room in event.rooms if room.name == "Stora salen")
    submit(client, f"{BASE}/{workshop.id}/edit", saved_form(workshop, room_id=str(hall.id)))

    messages = outbox()
    assert len(messages) == 4
    assert all(
        "Lokal: Lilla salen → Stora salen" in m.body_text or "Room: Lilla salen → Stora salen" in m.body_text
        for m in messages
    )

    db.session.expire_all()
    row = db.session.get(ProgrammeItem, workshop.id)
    submit(client, f"{BASE}/{workshop.id}/edit", saved_form(row, room_id=str(hall.id), status="cancelled"))

    db.session.expire_all()
    assert db.session.get(ProgrammeItem, workshop.id).sequence == 2
    cancelled = outbox()[4:]
    assert len(cancelled) == 4
    swedish = next(m for m in cancelled if m.recipient == "seated@example.org")
    assert swedish.subject == "Inställt: Workshop om mat – Beredskapsdagar Skåne"
    assert "Programpunkten Workshop om mat på Beredskapsdagar Skåne är inställd." in swedish.body_text
    english = next(m for m in cancelled if m.recipient == "john@example.org")
    assert english.subject.startswith("Cancelled: Workshop om mat")


def test_cancelling_through_the_service_tells_people_once(app, event, organiser, workshop):
    from forum.programme import services

    services.cancel_item(organiser, workshop)
    services.cancel_item(organiser, workshop)  # already cancelled: nothing more

    assert db.session.get(ProgrammeItem, workshop.id).sequence == 1
    assert len(outbox()) == 4
    assert all(m.subject.startswith(("Inställt:", "Cancelled:")) for m in outbox())


def test_speakers_keep_the_order_typed_when_the_form_is_shown_again(client, event, organiser, workshop):
    login_as(client, organiser)
    anna, john = workshop.speakers
    data = saved_form(workshop, title="", **{f"speaker_order-{john.id}": "1", f"speaker_order-{anna.id}": "2"})
    html = submit(client, f"{BASE}/{workshop.id}/edit", data).get_data(as_text=True)

    assert html.index(f'id="speaker-{john.id}"') < html.index(f'id="speaker-{anna.id}"')
    assert outbox() == []
