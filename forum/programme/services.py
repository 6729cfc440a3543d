"""Organiser-side programme logic: creating, editing, cancelling and deleting programme items,
the conflicts an organiser should see, and the notices that tell people when an item moves.

Like forum.events.admin_services, every function that changes something owns its transaction
(commits) and writes the audit log; problems the organiser can fix are raised as
admin_services.Invalid with messages per field. Times come in as wall-clock times in the
event's timezone (naive datetimes) and are stored in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from forum.events.admin_services import (
    DEFAULT_ZONE,
    Invalid,
    local_wall_time,
    localize,
    parse_count,
    too_long,
    zone_or_none,
)
from forum.events.models import Event, FocusArea, Room
from forum.extensions import db
from forum.i18n import DEFAULT_LANGUAGE, LANGUAGES, format_day, format_when
from forum.mail.services import enqueue
from forum.privacy import audit
from forum.programme.models import (
    Appearance,
    ProgrammeItem,
    ProgrammeItemKind,
    ProgrammeItemStatus,
    Speaker,
)
from forum.urls import external_url

__all__ = ["Invalid", "Conflict", "clean_item", "create_item", "update_item", "cancel_item", "delete_item"]

TITLE_MAX = 200
DESCRIPTION_MAX = 20_000
LINKS_MAX = 20
LINK_TITLE_MAX = 200
LINK_URL_MAX = 2_000
ITEM_LANGUAGES = ("", "sv", "en")
# A change to any of these reaches the item's speakers and signed-up attendees, and raises SEQUENCE.
NOTIFIED_FIELDS = ("starts_at", "ends_at", "room_id", "status")


# --- checking values ---------------------------------------------------------------------------


def parse_links(text: str) -> tuple[list[dict[str, str]], Any]:
    """ "Title | https://url" per line → ([{"title", "url"}], None) or ([], message)."""
    links: list[dict[str, str]] = []
    lines = [line.strip() for line in (text or "").splitlines()]
    lines = [line for line in lines if line]
    if len(lines) > LINKS_MAX:
        return [], _l("Högst %(max)d länkar.", max=LINKS_MAX)
    for number, line in enumerate(lines, start=1):
        title, separator, url = line.rpartition("|")
        if not separator:
            title, url = "", line
        title, url = title.strip(), url.strip()
        parts = urlsplit(url) if len(url) <= LINK_URL_MAX else None
        if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.netloc or " " in url:
            return [], _l(
                "Rad %(line)d: skriv länken som Titel | https://adress (bara http:// och https:// går).", line=number
            )
        if len(title) > LINK_TITLE_MAX:
            return [], _l("Rad %(line)d: titeln är för lång.", line=number)
        links.append({"title": title or url, "url": url})
    return links, None


def links_text(links: list[dict[str, str]] | None) -> str:
    return "\n".join(f"{link.get('title', '')} | {link.get('url', '')}" for link in links or [])


def event_days(event: Event) -> tuple[Any, Any] | None:
    """The event's first and last local day, or None when it has no dates."""
    if event.starts_at is None or event.ends_at is None:
        return None
    zone = zone_or_none(event.timezone) or zone_or_none(DEFAULT_ZONE)
    return event.starts_at.astimezone(zone).date(), event.ends_at.astimezone(zone).date()


def _ids(raw) -> list[int] | None:
    """Ids as typed in a form (strings or ints), in order, without repeats; None if one is not a number."""
    result: list[int] = []
    for value in raw or []:
        text = str(value).strip()
        if not text.isdigit() or len(text) > 12:
            return None
        number = int(text)
        if number not in result:
            result.append(number)
    return result


def clean_item(event: Event, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check a programme item's values; returns (cleaned values, problems by field).

    values: title, description, kind, starts_at, ends_at (naive wall-clock in the event's zone, or
    aware), room_id, focus_area_ids, speaker_ids (in order), language, requires_signup, capacity,
    links (text, one "Title | URL" per line, or a list of dicts), status.
    """
    problems: dict[str, Any] = {}
    data: dict[str, Any] = {}

    title = (values.get("title") or "").strip()
    if not title:
        problems["title"] = _l("Fyll i titel.")
    elif "\n" in title or "\r" in title:
        problems["title"] = _l("Titeln ska stå på en rad.")
    elif len(title) > TITLE_MAX:
        problems["title"] = too_long(TITLE_MAX)
    data["title"] = title

    description = (values.get("description") or "").strip()
    if len(description) > DESCRIPTION_MAX:
        problems["description"] = _l(
            "Beskrivningen är %(length)d tecken lång; den får vara högst %(max)d tecken.",
            length=len(description),
            max=DESCRIPTION_MAX,
        )
    data["description"] = description

    for name, enum_class in (("kind", ProgrammeItemKind), ("status", ProgrammeItemStatus)):
        value = values.get(name)
        try:
            data[name] = enum_class(value.value if isinstance(value, enum_class) else value)
        except ValueError:
            problems[name] = _l("Välj ett av alternativen.")

    language = values.get("language") or ""
    if language not in ITEM_LANGUAGES:
        problems["language"] = _l("Välj ett av alternativen.")
    data["language"] = language

    zone = zone_or_none(event.timezone) or zone_or_none(DEFAULT_ZONE)
    for name in ("starts_at", "ends_at"):
        value = values.get(name)
        if value is not None and value.tzinfo is None:
            value = localize(value, zone)
            if value is None:
                problems[name] = _l("Den tiden finns inte i tidszonen (klockan ställs fram då).")
        elif value is not None:
            value = value.astimezone(UTC)
        data[name] = value
    if values.get("starts_at") is None:
        problems.setdefault("starts_at", _l("Fyll i när programpunkten börjar."))
    if values.get("ends_at") is None:
        problems.setdefault("ends_at", _l("Fyll i när programpunkten slutar."))
    starts, ends = data["starts_at"], data["ends_at"]
    days = event_days(event)
    if days is not None:
        first, last = days
        span = format_day(first) if first == last else f"{format_day(first)} – {format_day(last)}"
        message = _l("Programpunkten måste ligga inom evenemangets dagar (%(days)s).", days=span)
        if starts is not None and not first <= starts.astimezone(zone).date() <= last:
            problems.setdefault("starts_at", message)
        if ends is not None and not first <= ends.astimezone(zone).date() <= last:
            problems.setdefault("ends_at", message)
    if starts and ends and ends <= starts:
        problems.setdefault("ends_at", _l("Slutet måste vara efter starten."))

    room_id = values.get("room_id")
    data["room_id"] = None
    if room_id not in (None, ""):
        ids = _ids([room_id])
        room = db.session.get(Room, ids[0]) if ids else None
        if room is None or room.event_id != event.id:
            problems["room_id"] = _l("Välj en av evenemangets lokaler.")
        else:
            data["room_id"] = room.id

    area_ids = _ids(values.get("focus_area_ids"))
    areas = {area.id: area for area in event.focus_areas}
    if area_ids is None or any(area_id not in areas for area_id in area_ids):
        problems["focus_area_ids"] = _l("Välj bland evenemangets fokusområden.")
        area_ids = []
    data["focus_areas"] = [areas[area_id] for area_id in areas if area_id in area_ids]

    speaker_ids = _ids(values.get("speaker_ids"))
    speakers: dict[int, Speaker] = {}
    if speaker_ids:
        speakers = {
            speaker.id: speaker
            for speaker in db.session.scalars(
                select(Speaker).where(Speaker.event_id == event.id, Speaker.id.in_(speaker_ids))
            )
        }
    if speaker_ids is None or any(speaker_id not in speakers for speaker_id in speaker_ids):
        problems["speaker_ids"] = _l("Välj bland evenemangets talare.")
        speaker_ids = []
    data["speakers"] = [speakers[speaker_id] for speaker_id in speaker_ids]

    data["requires_signup"] = bool(values.get("requires_signup"))
    capacity = values.get("capacity")
    capacity, message = parse_count(capacity)
    if message:
        problems["capacity"] = message
    data["capacity"] = capacity

    links = values.get("links")
    if isinstance(links, list):
        links = links_text(links)
    data["links"], message = parse_links(links or "")
    if message:
        problems["links"] = message
    return data, problems


# --- saving ------------------------------------------------------------------------------------

SCALAR_FIELDS = (
    "title",
    "description",
    "kind",
    "starts_at",
    "ends_at",
    "room_id",
    "language",
    "requires_signup",
    "capacity",
    "links",
    "status",
)


def _apply(item: ProgrammeItem, data: dict[str, Any]) -> list[str]:
    """Set what differs; returns the names of the changed fields."""
    changed = [name for name in SCALAR_FIELDS if getattr(item, name) != data[name]]
    for name in changed:
        setattr(item, name, data[name])
    if [area.id for area in item.focus_areas] != [area.id for area in data["focus_areas"]]:
        item.focus_areas = list(data["focus_areas"])
        changed.append("focus_areas")
    if [speaker.id for speaker in item.speakers] != [speaker.id for speaker in data["speakers"]]:
        _set_speakers(item, data["speakers"])
        changed.append("speakers")
    return changed


def _set_speakers(item: ProgrammeItem, speakers: list[Speaker]) -> None:
    by_speaker = {appearance.speaker_id: appearance for appearance in item.appearances}
    keep = []
    for position, speaker in enumerate(speakers, start=1):
        appearance = by_speaker.get(speaker.id) or Appearance(speaker=speaker)
        appearance.position = position
        keep.append(appearance)
    item.appearances = keep


def create_item(user, event: Event, values: dict[str, Any]) -> ProgrammeItem:
    data, problems = clean_item(event, values)
    if problems:
        raise Invalid(problems)
    item = ProgrammeItem(event=event, **{name: data[name] for name in SCALAR_FIELDS})
    item.focus_areas = list(data["focus_areas"])
    db.session.add(item)
    _set_speakers(item, data["speakers"])
    db.session.flush()
    audit.record("programme_item.created", user=user, event=event, target=item, title=item.title)
    db.session.commit()
    return item


@dataclass
class Before:
    """What people were told about an item before a save: its time, room and status."""

    starts_at: datetime
    ends_at: datetime
    room: Room | None
    status: ProgrammeItemStatus
    speakers: list[Speaker]

    @classmethod
    def of(cls, item: ProgrammeItem) -> Before:
        return cls(item.starts_at, item.ends_at, item.room, item.status, list(item.speakers))


def update_item(user, item: ProgrammeItem, values: dict[str, Any]) -> list[str]:
    """Save the item; returns the names of the changed fields (audited). A change of time, room
    or status raises the item's SEQUENCE and queues one e-mail per affected person."""
    data, problems = clean_item(item.event, values)
    if problems:
        raise Invalid(problems)
    return _save(user, item, data)


def _save(user, item: ProgrammeItem, data: dict[str, Any]) -> list[str]:
    before = Before.of(item)
    changed = _apply(item, data)
    if not changed:
        return changed
    db.session.flush()
    db.session.refresh(item, ["room"])
    notified = [name for name in changed if name in NOTIFIED_FIELDS]
    recipients = 0
    if notified:
        item.sequence = (item.sequence or 0) + 1
        recipients = notify_change(item, before)
    audit.record(
        "programme_item.updated",
        user=user,
        event=item.event,
        target=item,
        title=item.title,
        fields=changed,
        notified=recipients,
    )
    db.session.commit()
    return changed


def cancel_item(user, item: ProgrammeItem) -> list[str]:
    """Cancel the item (it stays in the programme and the calendars, marked cancelled)."""
    data = item_values(item)
    data["status"] = ProgrammeItemStatus.CANCELLED
    cleaned, problems = clean_item(item.event, data)
    # Its time or room may no longer be valid (the event moved): cancelling must still work.
    for name in problems:
        cleaned[name] = getattr(item, name, cleaned.get(name))
    if "focus_area_ids" in problems:
        cleaned["focus_areas"] = list(item.focus_areas)
    if "speaker_ids" in problems:
        cleaned["speakers"] = list(item.speakers)
    return _save(user, item, cleaned)


def delete_item(user, item: ProgrammeItem) -> None:
    event = item.event
    audit.record("programme_item.deleted", user=user, event=event, target=item, title=item.title)
    db.session.delete(item)
    db.session.commit()


def item_values(item: ProgrammeItem) -> dict[str, Any]:
    """An item's values as clean_item takes them (times as stored, aware)."""
    return {
        "title": item.title,
        "description": item.description,
        "kind": item.kind,
        "starts_at": item.starts_at,
        "ends_at": item.ends_at,
        "room_id": item.room_id,
        "focus_area_ids": [area.id for area in item.focus_areas],
        "speaker_ids": [speaker.id for speaker in item.speakers],
        "language": item.language or "",
        "requires_signup": item.requires_signup,
        "capacity": item.capacity,
        "links": list(item.links or []),
        "status": item.status,
    }


def form_values(item: ProgrammeItem) -> dict[str, Any]:
    """An item's fields as the form shows them: times as wall-clock in the event's zone."""
    zone = item.event.timezone
    return {
        "title": item.title,
        "description": item.description,
        "kind": item.kind.value,
        "starts_at": local_wall_time(item.starts_at, zone),
        "ends_at": local_wall_time(item.ends_at, zone),
        "room_id": str(item.room_id) if item.room_id else "",
        "focus_area_ids": [str(area.id) for area in item.focus_areas],
        "speaker_ids": [str(speaker.id) for speaker in item.speakers],
        "language": item.language or "",
        "requires_signup": item.requires_signup,
        "capacity": "" if item.capacity is None else str(item.capacity),
        "links": links_text(item.links),
        "status": item.status.value,
    }


# --- reading -----------------------------------------------------------------------------------


def items(event: Event) -> list[ProgrammeItem]:
    return list(
        db.session.scalars(
            select(ProgrammeItem)
            .where(ProgrammeItem.event_id == event.id)
            .order_by(ProgrammeItem.starts_at, ProgrammeItem.ends_at, ProgrammeItem.id)
        )
    )


def by_day(event: Event, programme: list[ProgrammeItem] | None = None) -> list[tuple[Any, list[ProgrammeItem]]]:
    """The items grouped by their local day, in time order: [(date, [items])]."""
    zone = zone_or_none(event.timezone) or zone_or_none(DEFAULT_ZONE)
    days: dict[Any, list[ProgrammeItem]] = {}
    for item in programme if programme is not None else items(event):
        days.setdefault(item.starts_at.astimezone(zone).date(), []).append(item)
    return sorted(days.items())


def speakers(event: Event) -> list[Speaker]:
    return list(db.session.scalars(select(Speaker).where(Speaker.event_id == event.id).order_by(Speaker.name)))


def rooms(event: Event) -> list[Room]:
    return list(db.session.scalars(select(Room).where(Room.event_id == event.id).order_by(Room.name)))


def focus_areas(event: Event) -> list[FocusArea]:
    return list(event.focus_areas)


@dataclass
class Conflict:
    """Two scheduled items at the same time that share a room (speaker is None) or a speaker."""

    first: ProgrammeItem
    second: ProgrammeItem
    room: Room | None = None
    speaker: Speaker | None = None

    @property
    def message(self) -> str:
        if self.speaker is not None:
            return _(
                "%(speaker)s är med i både %(first)s och %(second)s samtidigt.",
                speaker=self.speaker.name,
                first=self.first.title,
                second=self.second.title,
            )
        return _(
            "%(room)s används av både %(first)s och %(second)s samtidigt.",
            room=self.room.name if self.room else "",
            first=self.first.title,
            second=self.second.title,
        )


def conflicts(event: Event, programme: list[ProgrammeItem] | None = None) -> list[Conflict]:
    """Warnings: a room used by two overlapping items, a speaker in two overlapping items.
    Cancelled items take no room and no one's time."""
    scheduled = [
        item
        for item in (programme if programme is not None else items(event))
        if item.status == ProgrammeItemStatus.SCHEDULED
    ]
    scheduled.sort(key=lambda item: (item.starts_at, item.ends_at, item.id))
    found: list[Conflict] = []
    for index, first in enumerate(scheduled):
        first_speakers = {speaker.id: speaker for speaker in first.speakers}
        for second in scheduled[index + 1 :]:
            if second.starts_at >= first.ends_at:
                break  # sorted by start: no later item overlaps `first`
            if first.room_id is not None and first.room_id == second.room_id:
                found.append(Conflict(first, second, room=first.room))
            for speaker in second.speakers:
                if speaker.id in first_speakers:
                    found.append(Conflict(first, second, speaker=speaker))
    return found


# --- telling people about changes --------------------------------------------------------------


def affected_people(item: ProgrammeItem) -> list[tuple[str, str, str]]:
    """(e-mail, language, name) of each person to tell about a change: the item's speakers and the
    active registrations with a seat or a waiting place in it. Each address once."""
    from forum.registration.models import Registration, RegistrationStatus, SignupStatus, WorkshopSignup

    people: dict[str, tuple[str, str, str]] = {}
    for speaker in item.speakers:
        people.setdefault(speaker.email.casefold(), (speaker.email, speaker.language, speaker.name))
    registrations = db.session.scalars(
        select(Registration)
        .join(WorkshopSignup, WorkshopSignup.registration_id == Registration.id)
        .where(
            WorkshopSignup.programme_item_id == item.id,
            WorkshopSignup.status.in_([SignupStatus.CONFIRMED, SignupStatus.WAITING]),
            Registration.status.in_(
                [RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING, RegistrationStatus.PENDING]
            ),
        )
        .order_by(Registration.id)
    )
    for registration in registrations:
        name = f"{registration.first_name} {registration.last_name}".strip()
        people.setdefault(registration.email.casefold(), (registration.email, registration.language, name))
    return list(people.values())


def notify_change(item: ProgrammeItem, before: Before) -> int:
    """Queue one e-mail per affected person saying what changed; returns how many were queued."""
    people = affected_people(item)
    for address, language, name in people:
        language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        with force_locale(language):
            context = _change_context(item, before, name)
            subject = " ".join(context["subject"].split())
            body_text = render_template("emails/programme/changed.txt", **context)
            body_html = render_template("emails/programme/changed.html", **context)
        enqueue(
            recipient=address,
            subject=subject,
            body_text=body_text.strip("\n") + "\n",
            body_html=body_html,
            event=item.event,
            purpose="programme.changed",
        )
    return len(people)


def _change_context(item: ProgrammeItem, before: Before, name: str) -> dict[str, Any]:
    event = item.event
    zone = event.timezone
    cancelled = item.status == ProgrammeItemStatus.CANCELLED
    was_cancelled = before.status == ProgrammeItemStatus.CANCELLED
    old_when = format_when(before.starts_at, before.ends_at, zone)
    new_when = format_when(item.starts_at, item.ends_at, zone)
    old_room = before.room.name if before.room else _("ingen lokal angiven")
    new_room = item.room.name if item.room else _("ingen lokal angiven")
    if cancelled and not was_cancelled:
        subject = _("Inställt: %(item)s – %(event)s", item=item.title, event=event.title)
    else:
        subject = _("Ändrat i programmet: %(item)s – %(event)s", item=item.title, event=event.title)
    return {
        "subject": subject,
        "name": name,
        "event": event,
        "item": item,
        "cancelled": cancelled and not was_cancelled,
        "reinstated": was_cancelled and not cancelled,
        "time_changed": (old_when != new_when),
        "room_changed": (old_room != new_room),
        "old_when": old_when,
        "new_when": new_when,
        "old_room": old_room,
        "new_room": new_room,
        "event_link": external_url("events.event_page", slug=event.slug),
    }
