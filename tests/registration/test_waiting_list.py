"""The waiting list moves when seats free up or are added, and the person promoted is told."""

from __future__ import annotations

from sqlalchemy import select

from forum.events import admin_services
from forum.extensions import db
from forum.mail.models import OutboxMessage
from forum.registration import services
from forum.registration.models import Registration, RegistrationStatus
from tests import factories


def person(n: int) -> services.Details:
    return services.Details(first_name=f"P{n}", last_name="Öberg", email=f"p{n}@example.org")


def statuses(event) -> list[RegistrationStatus]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Registration.status).where(Registration.event_id == event.id).order_by(Registration.id)
        )
    )


def promotions() -> list[str]:
    return list(
        db.session.scalars(select(OutboxMessage.recipient).where(OutboxMessage.purpose == "registration.promotion"))
    )


def test_raising_the_capacity_promotes_the_waiting_list_in_order(app):
    event = factories.event(capacity=1)
    organiser = factories.user(roles={event: "organiser"})
    for n in range(4):
        services.register(event, person(n))
    db.session.commit()
    assert statuses(event) == [RegistrationStatus.CONFIRMED] + [RegistrationStatus.WAITING] * 3
    values = admin_services.event_form_values(event)
    values.update(capacity=3, organisation_id=event.organisation_id)
    admin_services.update_event(organiser, event, values)
    assert statuses(event) == [RegistrationStatus.CONFIRMED] * 3 + [RegistrationStatus.WAITING]
    assert promotions() == ["p1@example.org", "p2@example.org"]


def test_declining_a_confirmed_registration_promotes_the_first_waiting(app):
    event = factories.event(capacity=1)
    organiser = factories.user(roles={event: "organiser"})
    first = services.register(event, person(1)).registration
    services.register(event, person(2))
    services.register(event, person(3))
    db.session.commit()
    services.decline(first, by=organiser)
    db.session.commit()
    assert statuses(event) == [RegistrationStatus.DECLINED, RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING]
    assert promotions() == ["p2@example.org"]


def test_approval_gives_a_seat_or_the_waiting_list(app):
    event = factories.event(capacity=1, requires_approval=True)
    organiser = factories.user(roles={event: "organiser"})
    one = services.register(event, person(1)).registration
    two = services.register(event, person(2)).registration
    db.session.commit()
    assert statuses(event) == [RegistrationStatus.PENDING] * 2
    services.approve(one, by=organiser)
    services.approve(two, by=organiser)
    db.session.commit()
    assert statuses(event) == [RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING]
    assert services.waiting_position(two) == 1
