"""Builders shared by the privacy tests: a host, past events with registrations, and the counts
statistics are made of."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from forum.checkin.models import CheckIn
from forum.db import utcnow
from forum.extensions import db
from forum.programme.models import ProgrammeItem, ProgrammeItemKind
from forum.registration import services
from forum.registration.models import (
    OrganisationType,
    Registration,
    WorkshopSignup,
    registration_focus_areas,
)
from tests import factories


def past_event(host, days_ago: int, **fields):
    """An event that ended `days_ago` days ago."""
    ends = utcnow().replace(microsecond=0) - timedelta(days=days_ago)
    return factories.event(organisation=host, starts_at=ends - timedelta(hours=6), ends_at=ends, **fields)


def workshop(event, title="Workshop Vatten"):
    item = ProgrammeItem(
        event=event,
        title=title,
        kind=ProgrammeItemKind.WORKSHOP,
        starts_at=event.starts_at,
        ends_at=event.starts_at + timedelta(hours=1),
        requires_signup=True,
        capacity=50,
    )
    db.session.add(item)
    db.session.flush()
    return item


def person(first: str, last: str = "Öberg", **fields) -> services.Details:
    email = fields.pop("email", f"{first.casefold()}.{last.casefold()}@example.org")
    return services.Details(first_name=first, last_name=last, email=email, **fields)


def register(event, first: str, last: str = "Öberg", **fields) -> Registration:
    return services.register(event, person(first, last, **fields)).registration


def populate(event) -> list[Registration]:
    """Five registrations of all kinds: health data, focus areas, a workshop, answers, a check-in, a cancellation."""
    area = factories.focus_area(event, "Vatten")
    item = workshop(event)
    people = [
        register(
            event,
            "Åsa",
            phone="070-111 22 33",
            organisation="Halmstads kommun",
            organisation_type=OrganisationType.MUNICIPALITY,
            municipality_code="1380",
            focus_area_ids=[area.id],
            workshop_ids=[item.id],
            health_consent=True,
            dietary=["vegan"],
            accessibility="Rullstol",
            contribution="Vattenplan",
        ),
        register(
            event,
            "Björn",
            organisation="Region Halland",
            organisation_type=OrganisationType.REGION,
            municipality_code="1380",
            health_consent=True,
            dietary_other="Inga svampar",
        ),
        register(event, "Cecilia", organisation_type=OrganisationType.NON_PROFIT, municipality_code="1382"),
        register(event, "David", organisation_type=OrganisationType.MUNICIPALITY, municipality_code="1315"),
        register(event, "Eva", organisation_type=OrganisationType.COMPANY),
    ]
    services.cancel(people[3])
    db.session.add(
        CheckIn(event_id=event.id, registration_id=people[0].id, code="X", result="ok", client_scan_id=f"s{event.id}")
    )
    db.session.flush()
    return people


def statistics(event) -> dict:
    """What a statistics page counts: registrations by status, organisation type, municipality,
    focus area and workshop, and check-ins."""
    rows = db.session.execute(
        select(Registration.status, Registration.organisation_type, Registration.municipality_code).where(
            Registration.event_id == event.id
        )
    ).all()
    return {
        "status": Counter(row[0] for row in rows),
        "organisation_type": Counter(row[1] for row in rows),
        "municipality": Counter(row[2] for row in rows),
        "focus_areas": db.session.scalar(
            select(func.count())
            .select_from(registration_focus_areas)
            .join(Registration, Registration.id == registration_focus_areas.c.registration_id)
            .where(Registration.event_id == event.id)
        ),
        "workshops": db.session.scalar(
            select(func.count()).select_from(WorkshopSignup).join(Registration).where(Registration.event_id == event.id)
        ),
        "checkins": db.session.scalar(
            select(func.count()).select_from(CheckIn).where(CheckIn.event_id == event.id, CheckIn.result == "ok")
        ),
        "total": len(rows),
    }
