"""The public programme, read-only: items by day with parallel groups, seats left, and the
machine-readable schedules (/e/<slug>/schedule.json and the frab-compatible schedule.xml)."""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from forum.events.models import Event, FocusArea
from forum.extensions import db
from forum.programme.models import Appearance, ProgrammeItem, ProgrammeItemStatus
from forum.urls import external_url

# Bumped when the JSON document's keys change incompatibly.
JSON_SCHEMA_VERSION = 1


@dataclass
class Entry:
    """One item as the public sees it."""

    item: ProgrammeItem
    # Seats left for a sign-up item with a capacity; None when there is no limit to show.
    seats_left: int | None = None

    @property
    def cancelled(self) -> bool:
        return self.item.status == ProgrammeItemStatus.CANCELLED


@dataclass
class Slot:
    """Items that overlap in time (directly or through each other): shown side by side."""

    starts_at: datetime
    ends_at: datetime
    entries: list[Entry] = field(default_factory=list)

    @property
    def parallel(self) -> bool:
        return len(self.entries) > 1


@dataclass
class Day:
    date: date
    slots: list[Slot] = field(default_factory=list)

    @property
    def entries(self) -> list[Entry]:
        return [entry for slot in self.slots for entry in slot.entries]


def focus_area(event: Event, raw: str | None) -> FocusArea | None:
    """The event's focus area named by a query parameter, or None (unknown ids are ignored)."""
    if not raw or not str(raw).isdigit():
        return None
    return next((area for area in event.focus_areas if area.id == int(raw)), None)


def public_items(event: Event, focus: FocusArea | None = None) -> list[ProgrammeItem]:
    """The event's items in time order (cancelled ones included: they are shown as cancelled).

    With a focus area: the items of that area and the items that belong to no area (plenaries,
    breaks, meals), which concern everyone."""
    query = (
        select(ProgrammeItem)
        .where(ProgrammeItem.event_id == event.id)
        .options(
            selectinload(ProgrammeItem.room),
            selectinload(ProgrammeItem.focus_areas),
            selectinload(ProgrammeItem.appearances).selectinload(Appearance.speaker),
        )
        .order_by(ProgrammeItem.starts_at, ProgrammeItem.ends_at, ProgrammeItem.id)
    )
    if focus is not None:
        query = query.where(
            or_(ProgrammeItem.focus_areas.any(FocusArea.id == focus.id), ~ProgrammeItem.focus_areas.any())
        )
    return list(db.session.scalars(query))


def seats_left(items: list[ProgrammeItem]) -> dict[int, int | None]:
    """Seats left per item id: for sign-up items with a capacity, None for the others."""
    from forum.registration.services import workshop_taken

    limited = [item for item in items if item.requires_signup and item.capacity is not None]
    taken = workshop_taken(limited)
    left: dict[int, int | None] = dict.fromkeys((item.id for item in items), None)
    for item in limited:
        left[item.id] = max(item.capacity - taken.get(item.id, 0), 0)
    return left


def zone_of(event: Event) -> ZoneInfo:
    return ZoneInfo(event.timezone or current_app.config.get("FORUM_TIMEZONE", "Europe/Stockholm"))


def by_day(event: Event, items: list[ProgrammeItem], seats: dict[int, int | None] | None = None) -> list[Day]:
    """Items grouped by local day (the event's time zone) and, within a day, into slots of items that overlap."""
    zone = zone_of(event)
    seats = seats if seats is not None else seats_left(items)
    days: dict[date, Day] = {}
    for item in sorted(items, key=lambda i: (i.starts_at, i.ends_at, i.id)):
        local_day = item.starts_at.astimezone(zone).date()
        day = days.setdefault(local_day, Day(local_day))
        entry = Entry(item, seats.get(item.id))
        slot = day.slots[-1] if day.slots else None
        if slot is not None and item.starts_at < slot.ends_at:
            slot.entries.append(entry)
            slot.ends_at = max(slot.ends_at, item.ends_at)
        else:
            day.slots.append(Slot(item.starts_at, item.ends_at, [entry]))
    return [days[key] for key in sorted(days)]


# -- Machine-readable schedules ----------------------------------------------------------------


def item_guid(item: ProgrammeItem) -> str:
    """Stable across exports and edits: derived from the site's address and the item's id."""
    base = current_app.config["FORUM_BASE_URL"].rstrip("/")
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{base}/programme-items/{item.id}"))


def item_url(item: ProgrammeItem) -> str:
    return external_url("programme.programme", slug=item.event.slug) + f"#item-{item.id}"


def _slug(item: ProgrammeItem) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", item.title.lower()).strip("-")[:50].strip("-")
    return f"{item.event.slug}-{item.id}" + (f"-{words}" if words else "")


def _version(event: Event, items: list[ProgrammeItem]) -> str:
    stamps = [event.updated_at, *(item.updated_at for item in items)]
    latest = max(stamp for stamp in stamps if stamp is not None)
    return latest.strftime("%Y-%m-%dT%H:%M:%SZ")


def _duration(item: ProgrammeItem) -> str:
    minutes = int((item.ends_at - item.starts_at).total_seconds() // 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _abstract(markdown: str) -> str:
    """The description's first paragraph, as plain text."""
    first = (markdown or "").strip().split("\n\n", 1)[0]
    return " ".join(first.split())


def _event_days(event: Event) -> list[date]:
    zone = zone_of(event)
    first = event.starts_at.astimezone(zone).date()
    last = (event.ends_at - timedelta(microseconds=1)).astimezone(zone).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _day_bounds(event: Event, day: date, items: list[ProgrammeItem]) -> tuple[datetime, datetime]:
    zone = zone_of(event)
    if items:
        return min(i.starts_at for i in items).astimezone(zone), max(i.ends_at for i in items).astimezone(zone)
    midnight = datetime.combine(day, time(0), zone)
    following = datetime.combine(day + timedelta(days=1), time(0), zone)
    return max(event.starts_at.astimezone(zone), midnight), min(event.ends_at.astimezone(zone), following)


def _iso(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).isoformat()


def schedule_data(event: Event, items: list[ProgrammeItem] | None = None) -> dict[str, Any]:
    """The programme as plain data, for /e/<slug>/schedule.json.

    Keys: "schema" (JSON_SCHEMA_VERSION), "version" (UTC time of the last change), "event" {slug,
    title, url, programme_url, timezone, start, end, date_is_preliminary, venue {name, address, city}},
    "rooms" [{id, name}], "focus_areas" [{id, name}], "days" [{index (from 1), date, items [...]}] with
    each item {id, guid, title, description (Markdown), kind, kind_label, start, end (ISO 8601 with the
    event's UTC offset), duration_minutes, room {id, name} or null, focus_areas [{id, name}], speakers
    [{id, name, title, organisation}], language, requires_signup, capacity, seats_left, status
    ("scheduled" or "cancelled"), links [{title, url}], url}. Days are the event's days, also empty ones."""
    items = public_items(event) if items is None else items
    zone = zone_of(event)
    seats = seats_left(items)
    grouped = {day.date: day for day in by_day(event, items, seats)}
    days = []
    for index, day in enumerate(_event_days(event) + sorted(set(grouped) - set(_event_days(event))), start=1):
        entries = grouped[day].entries if day in grouped else []
        days.append({"index": index, "date": day.isoformat(), "items": [_item_data(e, zone) for e in entries]})
    return {
        "schema": JSON_SCHEMA_VERSION,
        "version": _version(event, items),
        "event": {
            "slug": event.slug,
            "title": event.title,
            "url": external_url("events.event_page", slug=event.slug),
            "programme_url": external_url("programme.programme", slug=event.slug),
            "timezone": event.timezone,
            "start": _iso(event.starts_at, zone),
            "end": _iso(event.ends_at, zone),
            "date_is_preliminary": event.date_is_preliminary,
            "venue": {"name": event.venue_name, "address": event.venue_address, "city": event.venue_city},
        },
        "rooms": [{"id": room.id, "name": room.name} for room in event.rooms],
        "focus_areas": [{"id": area.id, "name": area.name} for area in event.focus_areas],
        "days": days,
    }


def _item_data(entry: Entry, zone: ZoneInfo) -> dict[str, Any]:
    item = entry.item
    return {
        "id": item.id,
        "guid": item_guid(item),
        "title": item.title,
        "description": item.description or "",
        "kind": item.kind.value,
        "kind_label": str(item.kind.label),
        "start": _iso(item.starts_at, zone),
        "end": _iso(item.ends_at, zone),
        "duration_minutes": int((item.ends_at - item.starts_at).total_seconds() // 60),
        "room": {"id": item.room.id, "name": item.room.name} if item.room else None,
        "focus_areas": [{"id": area.id, "name": area.name} for area in item.focus_areas],
        "speakers": [
            {"id": s.id, "name": s.name, "title": s.title, "organisation": s.organisation} for s in item.speakers
        ],
        "language": item.language or item.event.language.value,
        "requires_signup": item.requires_signup,
        "capacity": item.capacity if item.requires_signup else None,
        "seats_left": entry.seats_left,
        "status": item.status.value,
        "links": [{"title": link.get("title", ""), "url": link.get("url", "")} for link in item.links or []],
        "url": item_url(item),
    }


# Characters XML 1.0 cannot hold at all.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: Any) -> str:
    return _NOT_XML.sub("", str(value if value is not None else ""))


def _sub(parent: ET.Element, tag: str, text: Any = "", **attributes: Any) -> ET.Element:
    element = ET.SubElement(parent, tag, {key: _text(val) for key, val in attributes.items()})
    element.text = _text(text)
    return element


def frab_xml(event: Event, items: list[ProgrammeItem] | None = None) -> bytes:
    """The programme as frab's schedule.xml (read by conference apps such as Giggity and ConfClerk).

    Times are in the event's time zone; an item without a room is placed in the venue (or an
    "unspecified room"); a cancelled item stays, with its title prefixed, so that apps update."""
    items = public_items(event) if items is None else items
    zone = zone_of(event)
    grouped = {day.date: day for day in by_day(event, items, {})}
    days = _event_days(event) + sorted(set(grouped) - set(_event_days(event)))

    root = ET.Element("schedule")
    _sub(root, "version", _version(event, items))
    conference = _sub(root, "conference")
    _sub(conference, "acronym", event.slug)
    _sub(conference, "title", event.title)
    _sub(conference, "start", event.starts_at.astimezone(zone).date().isoformat())
    _sub(conference, "end", event.ends_at.astimezone(zone).date().isoformat())
    _sub(conference, "days", len(days))
    _sub(conference, "timeslot_duration", "00:15")
    _sub(conference, "base_url", external_url("programme.programme", slug=event.slug))
    _sub(conference, "time_zone_name", event.timezone)

    no_room = event.venue_name or _("Lokal ej angiven")
    for index, day in enumerate(days, start=1):
        day_items = [entry.item for entry in grouped[day].entries] if day in grouped else []
        start, end = _day_bounds(event, day, day_items)
        day_element = _sub(root, "day", index=index, date=day.isoformat(), start=start.isoformat(), end=end.isoformat())
        rooms: dict[str, ET.Element] = {}
        for item in day_items:
            name = item.room.name if item.room else no_room
            if name not in rooms:
                rooms[name] = _sub(day_element, "room", name=name)
            _frab_event(rooms[name], item, name, zone)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _frab_event(parent: ET.Element, item: ProgrammeItem, room: str, zone: ZoneInfo) -> None:
    start = item.starts_at.astimezone(zone)
    element = _sub(parent, "event", guid=item_guid(item), id=item.id)
    _sub(element, "date", start.isoformat())
    _sub(element, "start", start.strftime("%H:%M"))
    _sub(element, "duration", _duration(item))
    _sub(element, "room", room)
    _sub(element, "slug", _slug(item))
    _sub(element, "url", item_url(item))
    title = item.title
    if item.status == ProgrammeItemStatus.CANCELLED:
        title = f"{_('Inställt')}: {title}"
    _sub(element, "title", title)
    _sub(element, "subtitle", "")
    _sub(element, "track", item.focus_areas[0].name if item.focus_areas else "")
    _sub(element, "type", item.kind.value)
    _sub(element, "language", item.language or item.event.language.value)
    _sub(element, "abstract", _abstract(item.description))
    _sub(element, "description", item.description or "")
    persons = _sub(element, "persons")
    for speaker in item.speakers:
        _sub(persons, "person", speaker.name, id=speaker.id)
    links = _sub(element, "links")
    for link in item.links or []:
        _sub(links, "link", link.get("title") or link.get("url", ""), href=link.get("url", ""))
