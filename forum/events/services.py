"""Event logic that views, the CLI and the API share."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from forum.db import LabelledEnum, utcnow
from forum.events.models import Event, EventStatus, Visibility
from forum.extensions import db
from forum.pagination import Page, paginate

PAGE_SIZE = 20


class RegistrationState(LabelledEnum):
    OPENS_LATER = "opens_later", _l("Anmälan öppnar")
    OPEN = "open", _l("Anmälan är öppen")
    FULL = "full", _l("Fullbokat")
    CLOSED = "closed", _l("Anmälan är stängd")
    INVITATION_ONLY = "invitation_only", _l("Endast för inbjudna")
    INTEREST = "interest", _l("Intresseanmälan är öppen")
    CANCELLED = "cancelled", _l("Inställt")


def seats_taken(event: Event) -> int:
    """Confirmed seats (forum.registration owns the count; imported here to avoid an import cycle)."""
    from forum.registration.services import confirmed_count

    return confirmed_count(event)


def registration_state(event: Event, now: datetime | None = None) -> RegistrationState:
    now = now or utcnow()
    if event.status == EventStatus.CANCELLED:
        return RegistrationState.CANCELLED
    if event.visibility == Visibility.INVITATION:
        return RegistrationState.INVITATION_ONLY
    if not event.is_registration_open(now):
        if event.registration_opens_at and now < event.registration_opens_at and now < event.ends_at:
            return RegistrationState.OPENS_LATER
        return RegistrationState.CLOSED
    if event.date_is_preliminary:
        return RegistrationState.INTEREST
    if event.capacity is not None and seats_taken(event) >= event.capacity:
        return RegistrationState.FULL
    return RegistrationState.OPEN


def _listing():
    """Events for a list page, with their hosts loaded in the same round trip (no query per row)."""
    return select(Event).options(joinedload(Event.organisation))


def upcoming_events(page: int = 1, now: datetime | None = None) -> Page:
    now = now or utcnow()
    condition = Event.is_listed(now)
    return paginate(_listing().where(condition).order_by(Event.starts_at, Event.id), page, PAGE_SIZE)


def past_events(page: int = 1, now: datetime | None = None) -> Page:
    now = now or utcnow()
    condition = (
        (Event.status == EventStatus.PUBLISHED) & (Event.visibility == Visibility.PUBLIC) & (Event.ends_at < now)
    )
    return paginate(_listing().where(condition).order_by(Event.starts_at.desc(), Event.id), page, PAGE_SIZE)


def public_event(slug: str) -> Event | None:
    """An event the public may see: published or cancelled (so that links keep explaining), never a draft."""
    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None or event.status == EventStatus.DRAFT:
        return None
    return event
