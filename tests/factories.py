"""Small builders for test data. They write through the session and flush, nothing more."""

from __future__ import annotations

import itertools
from datetime import timedelta

from forum.auth.models import EventRole, Role, User
from forum.events.models import Event, EventKind, EventStatus, FocusArea, Organisation, Room, Visibility
from forum.extensions import db
from tests.conftest import in_days

_counter = itertools.count(1)
PASSWORD = "correct horse battery staple"


def organisation(**fields) -> Organisation:
    n = next(_counter)
    values = {"name": f"Organisation {n}", "contact_email": f"org{n}@example.org"}
    values.update(fields)
    org = Organisation(**values)
    db.session.add(org)
    db.session.flush()
    return org


def event(**fields) -> Event:
    n = next(_counter)
    starts = fields.pop("starts_at", in_days(30))
    values = {
        "slug": f"event-{n}",
        "title": f"Evenemang {n}",
        "summary": "En sammanfattning",
        "kind": EventKind.THEME_MEETING,
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=6),
        "venue_name": "Stadshuset",
        "venue_city": "Halmstad",
        "status": EventStatus.PUBLISHED,
        "visibility": Visibility.PUBLIC,
        "contact_email": "kontakt@example.org",
    }
    values.update(fields)
    if "organisation" not in values and "organisation_id" not in values:
        values["organisation"] = organisation()
    item = Event(**values)
    db.session.add(item)
    db.session.flush()
    return item


def focus_area(event: Event, name: str, position: int = 1, **fields) -> FocusArea:
    area = FocusArea(event=event, name=name, position=position, **fields)
    db.session.add(area)
    db.session.flush()
    return area


def room(event: Event, name: str = "Sal A", capacity: int | None = 40) -> Room:
    item = Room(event=event, name=name, capacity=capacity)
    db.session.add(item)
    db.session.flush()
    return item


def user(email: str | None = None, *, admin: bool = False, roles: dict | None = None, **fields) -> User:
    n = next(_counter)
    item = User(
        email=email or f"user{n}@example.org", name=fields.pop("name", f"Användare {n}"), is_admin=admin, **fields
    )
    item.set_password(PASSWORD)
    db.session.add(item)
    db.session.flush()
    for ev, role in (roles or {}).items():
        db.session.add(EventRole(user=item, event=ev, role=Role(role)))
    db.session.flush()
    return item
