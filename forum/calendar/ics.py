"""iCalendar output: the one place that builds .ics files (with the icalendar package).

Times are written in UTC, so that every calendar program places them right whatever its own
time zone; text is escaped by icalendar. UIDs are stable ("event-<id>@<host>"), so that
importing a newer file updates the entry instead of adding a second one.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app
from icalendar import Calendar, vCalAddress, vText
from icalendar import Event as CalendarEvent

from forum.db import utcnow
from forum.events.models import Event, EventStatus
from forum.programme.models import ProgrammeItemStatus
from forum.urls import external_url

PRODUCT_ID = "-//Forum//Forum//SV"
CONTENT_TYPE = "text/calendar; charset=utf-8"
# For an e-mail attachment: the method tells mail programs it is a published entry, not an invitation.
ATTACHMENT_CONTENT_TYPE = "text/calendar; charset=utf-8; method=PUBLISH"


def event_calendar(event: Event) -> str:
    """The event as one calendar entry."""
    calendar = _calendar()
    calendar.add_component(_event_entry(event))
    return _text(calendar)


def registration_calendar(registration) -> str:
    """A registrant's own calendar: the event and each workshop they have a seat in."""
    from forum.registration.models import SignupStatus

    event = registration.event
    calendar = _calendar()
    calendar.add_component(_event_entry(event))
    signups = sorted(
        (signup for signup in registration.signups if signup.status == SignupStatus.CONFIRMED),
        key=lambda signup: (signup.programme_item.starts_at, signup.programme_item.id),
    )
    for signup in signups:
        calendar.add_component(_item_entry(event, signup.programme_item))
    return _text(calendar)


def attachment(event: Event) -> dict[str, str]:
    """The event's .ics as an outbox attachment (forum.mail.services.enqueue)."""
    return {"filename": f"{event.slug}.ics", "content_type": ATTACHMENT_CONTENT_TYPE, "data": event_calendar(event)}


def uid_host() -> str:
    return urlsplit(current_app.config["FORUM_BASE_URL"]).hostname or "localhost"


# --- inside ------------------------------------------------------------------------------------


def _calendar() -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    return calendar


def _text(calendar: Calendar) -> str:
    return calendar.to_ical().decode("utf-8")


def _entry(uid: str, starts_at, ends_at, summary: str) -> CalendarEvent:
    """A VEVENT with what every entry has; UIDs are stable so that calendars update, not duplicate."""
    entry = CalendarEvent()
    entry.add("uid", f"{uid}@{uid_host()}")
    entry.add("dtstamp", utcnow())
    entry.add("dtstart", starts_at)
    entry.add("dtend", ends_at)
    entry.add("summary", summary)
    return entry


def _event_entry(event: Event) -> CalendarEvent:
    url = external_url("events.event_page", slug=event.slug)
    entry = _entry(f"event-{event.id}", event.starts_at, event.ends_at, event.title)
    location = _location(event)
    if location:
        entry.add("location", location)
    entry.add("description", "\n\n".join(part for part in (event.summary.strip(), url) if part))
    entry.add("url", url)
    if event.updated_at is not None:
        entry.add("last-modified", event.updated_at)
    entry.add("status", _status(event))
    contact = event.contact_email or (event.organisation.contact_email if event.organisation else "")
    if contact:
        organizer = vCalAddress(f"mailto:{contact}")
        if event.organisation:
            organizer.params["cn"] = vText(event.organisation.name)
        entry.add("organizer", organizer)
    return entry


def _item_entry(event: Event, item) -> CalendarEvent:
    url = external_url("events.event_page", slug=event.slug)
    entry = _entry(f"programme-item-{item.id}", item.starts_at, item.ends_at, item.title)
    room = item.room.name if item.room else ""
    location = ", ".join(part for part in (room, _location(event)) if part)
    if location:
        entry.add("location", location)
    entry.add("description", "\n\n".join((event.title, url)))
    entry.add("url", url)
    cancelled = item.status == ProgrammeItemStatus.CANCELLED or event.status == EventStatus.CANCELLED
    entry.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return entry


def _location(event: Event) -> str:
    parts = (event.venue_name, event.venue_address, event.venue_city)
    return ", ".join(part.strip() for part in parts if part and part.strip())


def _status(event: Event) -> str:
    if event.status == EventStatus.CANCELLED:
        return "CANCELLED"
    # A preliminary date is only a plan: calendars show the entry as tentative.
    return "TENTATIVE" if event.date_is_preliminary else "CONFIRMED"
