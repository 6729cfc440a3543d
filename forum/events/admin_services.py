"""Organiser-side event logic: creating and editing events, their status, focus areas, rooms and hosts.

Every function that changes something owns its transaction (commits) and writes the audit log.
Problems the organiser can fix are raised as Invalid (messages per field, the form shows them
next to the fields) or Refused (one message for the whole action). Messages are lazy strings:
these functions also run from the CLI, where there is no request to choose a language from.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from forum.auth.models import EventRole, Role
from forum.auth.policy import visible_events_query
from forum.events.models import (
    SLUG_PATTERN,
    AccessibilityAssessment,
    AccessibilityCompliance,
    Event,
    EventKind,
    EventLanguage,
    EventStatus,
    FocusArea,
    Organisation,
    Room,
    Visibility,
)
from forum.extensions import db
from forum.pagination import Page, paginate
from forum.privacy import audit
from forum.privacy.models import AuditLog
from forum.programme.models import ProgrammeItem, programme_item_focus_areas

ADMIN_PAGE_SIZE = 50
DEFAULT_ZONE = "Europe/Stockholm"
# The zones offered in the event form; any valid IANA zone is accepted by the services.
ZONES = (
    "Europe/Stockholm",
    "Europe/Oslo",
    "Europe/Copenhagen",
    "Europe/Helsinki",
    "Europe/Tallinn",
    "Europe/Riga",
    "Europe/Vilnius",
    "Europe/Berlin",
    "Europe/London",
    "UTC",
)
SLUG_MAX = 80
# The largest value an INTEGER column holds on PostgreSQL.
MAX_COUNT = 2_147_483_647

# Longest accepted text per event field: the column lengths, and a sane bound for TEXT columns.
EVENT_TEXT_LIMITS = {
    "title": 200,
    "summary": 500,
    "description": 20_000,
    "preliminary_date_text": 120,
    "venue_name": 200,
    "venue_address": 300,
    "venue_city": 100,
    "venue_directions": 5_000,
    "contact_email": 254,
}
EVENT_TIME_FIELDS = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")
EVENT_FIELDS = (
    "slug",
    "title",
    "summary",
    "description",
    "organisation_id",
    "kind",
    "language",
    "timezone",
    "starts_at",
    "ends_at",
    "date_is_preliminary",
    "preliminary_date_text",
    "venue_name",
    "venue_address",
    "venue_city",
    "venue_directions",
    "capacity",
    "registration_opens_at",
    "registration_closes_at",
    "visibility",
    "contact_email",
)

SLUG_TAKEN = _l("Adressen används redan av ett annat evenemang.")


class Invalid(Exception):
    """The input has problems; errors maps field names to messages."""

    def __init__(self, errors: dict[str, Any]):
        super().__init__(", ".join(errors))
        self.errors = errors


class Refused(Exception):
    """The action cannot be done in the current state; message (and reasons, if any) say why."""

    def __init__(self, message, reasons=()):
        super().__init__("refused")
        self.message = message
        self.reasons = list(reasons)

    def explanation(self) -> str:
        """The message and its reasons as one text, in the request's language."""
        return " ".join(str(part) for part in (self.message, *self.reasons))


def too_long(limit: int):
    return _l("Får vara högst %(max)d tecken.", max=limit)


# --- slugs and small parsers -------------------------------------------------------------------

_TRANSLITERATION = str.maketrans({"å": "a", "ä": "a", "ö": "o", "æ": "ae", "ø": "o", "ß": "ss", "–": "-", "—": "-"})


def slugify(text: str) -> str:
    """ "Temamöte om beredskap – Halland" → "temamote-om-beredskap-halland"."""
    text = (text or "").lower().translate(_TRANSLITERATION)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if len(slug) > SLUG_MAX:
        slug = slug[:SLUG_MAX].rsplit("-", 1)[0] if "-" in slug[:SLUG_MAX] else slug[:SLUG_MAX]
    return slug.strip("-")


def _slug_taken(slug: str, event: Event | None) -> bool:
    query = select(Event.id).where(Event.slug == slug)
    if event is not None and event.id is not None:
        query = query.where(Event.id != event.id)
    return db.session.scalar(query.limit(1)) is not None


def suggest_slug(title: str, event: Event | None = None) -> str:
    """A free slug made from the title: the title's slug, or with -2, -3 … appended."""
    base = slugify(title) or "evenemang"
    candidate, n = base, 1
    while _slug_taken(candidate, event):
        n += 1
        suffix = f"-{n}"
        candidate = base[: SLUG_MAX - len(suffix)].rstrip("-") + suffix
    return candidate


def parse_count(raw: str | int | None):
    """An optional whole number ≥ 0 typed by a person: (value, None) or (None, message)."""
    if raw is None:
        return None, None
    if isinstance(raw, int):
        value = raw
    else:
        text = raw.strip().replace(" ", "").replace("\u00a0", "")
        if not text:
            return None, None
        if not re.fullmatch(r"[+-]?\d+", text):
            return None, _l("Ange ett heltal, till exempel 120.")
        value = int(text)
    if value < 0:
        return None, _l("Antalet kan inte vara negativt.")
    if value > MAX_COUNT:
        return None, _l("Talet är för stort.")
    return value, None


def zone_or_none(name: str | None) -> ZoneInfo | None:
    if not name or len(name) > 64:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def localize(naive: datetime, zone: ZoneInfo) -> datetime | None:
    """A wall-clock time in the zone as an aware UTC time; None when the clock skips it (spring DST)."""
    aware = naive.replace(tzinfo=zone)
    if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive.replace(tzinfo=None):
        return None
    return aware.astimezone(UTC)


def local_wall_time(moment: datetime | None, zone_name: str | None) -> datetime | None:
    """The naive wall-clock time a form shows for a stored UTC time."""
    if moment is None:
        return None
    zone = zone_or_none(zone_name) or ZoneInfo(DEFAULT_ZONE)
    return moment.astimezone(zone).replace(tzinfo=None)


def normalise_email(address: str) -> tuple[str | None, Any]:
    try:
        return validate_email(address, check_deliverability=False).normalized, None
    except EmailNotValidError:
        return None, _l("Ange en giltig e-postadress, till exempel namn@example.se.")


# --- events ------------------------------------------------------------------------------------


def clean_event(values: dict[str, Any], event: Event | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check an event's values as a whole; returns (cleaned values, problems by field).

    Times may be naive (wall-clock in values["timezone"]) or aware. A value that is None where
    the form could not parse it is skipped here: the form already reported it.
    """
    problems: dict[str, Any] = {}
    data: dict[str, Any] = {}

    for name, limit in EVENT_TEXT_LIMITS.items():
        value = (values.get(name) or "").strip()
        if len(value) > limit:
            problems[name] = too_long(limit)
        data[name] = value
    if not data["title"]:
        problems["title"] = _l("Fyll i titel.")
    if data["contact_email"] and "contact_email" not in problems:
        address, message = normalise_email(data["contact_email"])
        if message:
            problems["contact_email"] = message
        else:
            data["contact_email"] = address

    slug = (values.get("slug") or "").strip().lower()
    if not slug:
        slug = event.slug if event is not None and event.slug else suggest_slug(data["title"], event)
    if len(slug) > SLUG_MAX:
        problems["slug"] = too_long(SLUG_MAX)
    elif not re.fullmatch(SLUG_PATTERN, slug):
        problems["slug"] = _l("Använd bara små bokstäver a–z, siffror och bindestreck, till exempel halland-2027.")
    elif _slug_taken(slug, event):
        problems["slug"] = SLUG_TAKEN
    elif event is not None and event.slug and slug != event.slug and event.status != EventStatus.DRAFT:
        # Links in e-mails, calendars and printed badges carry the slug: it is fixed once published.
        problems["slug"] = _l("Adressen kan bara ändras medan evenemanget är ett utkast.")
    data["slug"] = slug

    for name, enum_class in (("kind", EventKind), ("language", EventLanguage), ("visibility", Visibility)):
        try:
            data[name] = enum_class(values.get(name))
        except ValueError:
            problems[name] = _l("Välj ett av alternativen.")

    organisation_id = values.get("organisation_id")
    organisation = db.session.get(Organisation, organisation_id) if isinstance(organisation_id, int) else None
    if organisation is None:
        problems["organisation_id"] = _l("Välj värdorganisation.")
    data["organisation_id"] = organisation_id

    zone_name = values.get("timezone") or DEFAULT_ZONE
    zone = zone_or_none(zone_name)
    if zone is None:
        problems["timezone"] = _l("Välj en giltig tidszon.")
    data["timezone"] = zone_name

    for name in EVENT_TIME_FIELDS:
        value = values.get(name)
        if value is not None and value.tzinfo is None:
            value = localize(value, zone) if zone is not None else None
            if value is None and zone is not None:
                problems[name] = _l("Den tiden finns inte i tidszonen (klockan ställs fram då).")
        elif value is not None:
            value = value.astimezone(UTC)
        data[name] = value
    if values.get("starts_at") is None:
        problems.setdefault("starts_at", _l("Fyll i när evenemanget börjar."))
    if values.get("ends_at") is None:
        problems.setdefault("ends_at", _l("Fyll i när evenemanget slutar."))
    starts, ends = data["starts_at"], data["ends_at"]
    opens, closes = data["registration_opens_at"], data["registration_closes_at"]
    if starts and ends and ends <= starts:
        problems.setdefault("ends_at", _l("Slutet måste vara efter starten."))
    if opens and closes and closes <= opens:
        problems.setdefault("registration_closes_at", _l("Anmälan måste stänga efter att den öppnar."))
    if closes and ends and closes > ends:
        problems.setdefault("registration_closes_at", _l("Anmälan kan inte stänga efter att evenemanget har slutat."))

    capacity, message = parse_count(values.get("capacity"))
    if message:
        problems["capacity"] = message
    data["capacity"] = capacity
    data["date_is_preliminary"] = bool(values.get("date_is_preliminary"))
    return data, problems


def create_event(user, values: dict[str, Any]) -> Event:
    """A new draft event; its creator becomes its owner in the same transaction."""
    data, problems = clean_event(values)
    if problems:
        raise Invalid(problems)
    event = Event(status=EventStatus.DRAFT, **data)
    db.session.add(event)
    db.session.add(EventRole(user=user, event=event, role=Role.OWNER))
    try:
        db.session.flush()
        audit.record("event.created", user=user, event=event, target=event, slug=event.slug, title=event.title)
        db.session.commit()
    except IntegrityError:
        # Another request took the slug between our check and our insert.
        db.session.rollback()
        raise Invalid({"slug": SLUG_TAKEN}) from None
    return event


def update_event(user, event: Event, values: dict[str, Any]) -> list[str]:
    """Save the event's fields; returns the names of those that changed (audited)."""
    data, problems = clean_event(values, event)
    if problems:
        raise Invalid(problems)
    data = {name: data[name] for name in EVENT_FIELDS}
    changed = _save_changes(user, event, data, "event.updated", event=event, unique_field="slug", taken=SLUG_TAKEN)
    if "capacity" in changed:
        # More seats: the waiting list moves up at once, in order, and each promoted person is told.
        from forum.registration.services import promote_waiting

        promote_waiting(event)
        db.session.commit()
    return changed


def event_form_values(event: Event) -> dict[str, Any]:
    """An event's fields as the form shows them: times as wall-clock in the event's zone."""
    values = {name: getattr(event, name) for name in EVENT_FIELDS}
    for name in EVENT_TIME_FIELDS:
        values[name] = local_wall_time(values[name], event.timezone)
    for name in ("kind", "language", "visibility"):
        values[name] = values[name].value if values[name] is not None else None
    values["organisation_id"] = str(event.organisation_id) if event.organisation_id else ""
    values["capacity"] = "" if event.capacity is None else str(event.capacity)
    return values


# --- status ------------------------------------------------------------------------------------
#
# draft → published (publish), published → draft (unpublish), draft/published → cancelled (cancel),
# cancelled → draft (reopen). A cancelled event is never published again in one step: participants
# were told it is off, so the organiser first reopens it as a draft, checks the details (dates,
# capacity, registration window) and then publishes it deliberately.


def publish_problems(event: Event) -> list:
    problems = []
    if not (event.title or "").strip():
        problems.append(_l("Evenemanget saknar titel."))
    if event.organisation_id is None:
        problems.append(_l("Evenemanget saknar värdorganisation."))
    if event.starts_at is None or event.ends_at is None:
        problems.append(_l("Evenemanget saknar datum."))
    elif event.ends_at <= event.starts_at:
        problems.append(_l("Evenemanget slutar innan det börjar."))
    return problems


def publish_event(user, event: Event) -> None:
    if event.status == EventStatus.PUBLISHED:
        raise Refused(_l("Evenemanget är redan publicerat."))
    if event.status == EventStatus.CANCELLED:
        raise Refused(_l("Ett inställt evenemang måste först öppnas igen som utkast."))
    problems = publish_problems(event)
    if problems:
        raise Refused(_l("Evenemanget kan inte publiceras:"), problems)
    _change_status(user, event, EventStatus.PUBLISHED, "event.published")


def unpublish_event(user, event: Event) -> None:
    if event.status != EventStatus.PUBLISHED:
        raise Refused(_l("Bara ett publicerat evenemang kan avpubliceras."))
    _change_status(user, event, EventStatus.DRAFT, "event.unpublished")


def cancel_event(user, event: Event) -> None:
    if event.status == EventStatus.CANCELLED:
        raise Refused(_l("Evenemanget är redan inställt."))
    _change_status(user, event, EventStatus.CANCELLED, "event.cancelled")


def reopen_event(user, event: Event) -> None:
    if event.status != EventStatus.CANCELLED:
        raise Refused(_l("Bara ett inställt evenemang kan öppnas igen."))
    _change_status(user, event, EventStatus.DRAFT, "event.reopened")


def _change_status(user, event: Event, status: EventStatus, action: str) -> None:
    previous = event.status
    event.status = status
    audit.record(action, user=user, event=event, target=event, previous=previous, status=status)
    db.session.commit()


# --- the dashboard and the log -----------------------------------------------------------------


@dataclass(frozen=True)
class DashboardRow:
    event: Event
    role: Role | None  # None for an admin without a role in the event
    can_manage: bool
    can_own: bool


def dashboard(user, page: int = 1) -> Page:
    """The events the user sees in the organiser area, with the user's role in each."""
    events = paginate(visible_events_query(user).order_by(Event.id.desc()), page, ADMIN_PAGE_SIZE)
    ids = [event.id for event in events.items]
    roles = dict(
        db.session.execute(
            select(EventRole.event_id, EventRole.role).where(EventRole.user_id == user.id, EventRole.event_id.in_(ids))
        ).all()
    )
    rows = []
    for event in events.items:
        role = roles.get(event.id)
        rows.append(
            DashboardRow(
                event=event,
                role=role,
                can_manage=user.is_admin or role in (Role.OWNER, Role.ORGANISER),
                can_own=user.is_admin or role == Role.OWNER,
            )
        )
    return Page(items=rows, number=events.number, total=events.total, size=events.size)


def recent_log(event: Event, limit: int = 10) -> list[AuditLog]:
    query = select(AuditLog).where(AuditLog.event_id == event.id).order_by(AuditLog.id.desc()).limit(limit)
    return list(db.session.scalars(query))


def event_log(event: Event, page: int = 1) -> Page:
    return paginate(
        select(AuditLog).where(AuditLog.event_id == event.id).order_by(AuditLog.id.desc()), page, ADMIN_PAGE_SIZE
    )


# --- focus areas -------------------------------------------------------------------------------


def _clean_named(values: dict[str, Any], limits: dict[str, int], required_message) -> tuple[dict, dict]:
    data, problems = {}, {}
    for name, limit in limits.items():
        value = (values.get(name) or "").strip()
        if len(value) > limit:
            problems[name] = too_long(limit)
        data[name] = value
    if not data["name"]:
        problems["name"] = required_message
    return data, problems


def _name_taken(items, name: str, current=None) -> bool:
    wanted = name.casefold()
    return any(item is not current and item.name.casefold() == wanted for item in items)


def _renumber(event: Event) -> None:
    renumber(event.focus_areas)


def renumber(items) -> list:
    """Positions 1, 2, 3 … in the items' present order (ties by id); returns the items in that order."""
    ordered = sorted(items, key=lambda item: (item.position, item.id or 0))
    for position, item in enumerate(ordered, start=1):
        item.position = position
    return ordered


def swap_with_neighbour(items, item, direction: str) -> bool:
    """Swap the item's position with the one above ("up") or below ("down"); False when already at that end."""
    ordered = renumber(items)
    index = ordered.index(item)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(ordered):
        return False
    ordered[index].position, ordered[other].position = ordered[other].position, ordered[index].position
    return True


def _clean_focus_area(event: Event, values: dict[str, Any], area: FocusArea | None = None) -> dict:
    data, problems = _clean_named(values, {"name": 120, "description": 500}, _l("Fyll i namn."))
    if "name" not in problems and _name_taken(event.focus_areas, data["name"], area):
        problems["name"] = _l("Evenemanget har redan ett fokusområde med det namnet.")
    if problems:
        raise Invalid(problems)
    return data


def add_focus_area(user, event: Event, values: dict[str, Any]) -> FocusArea:
    data = _clean_focus_area(event, values)
    _renumber(event)
    area = FocusArea(event=event, position=len(event.focus_areas) + 1, **data)
    db.session.add(area)
    db.session.flush()
    audit.record("focus_area.created", user=user, event=event, target=area, name=area.name)
    _commit_or_name_taken(_l("Evenemanget har redan ett fokusområde med det namnet."))
    return area


def update_focus_area(user, area: FocusArea, values: dict[str, Any]) -> list[str]:
    data = _clean_focus_area(area.event, values, area)
    return _save_changes(
        user,
        area,
        data,
        "focus_area.updated",
        event=area.event,
        taken=_l("Evenemanget har redan ett fokusområde med det namnet."),
    )


def delete_focus_area(user, area: FocusArea) -> None:
    """Programme items that had the focus area keep existing, without it."""
    event = area.event
    unlinked = db.session.execute(
        delete(programme_item_focus_areas).where(programme_item_focus_areas.c.focus_area_id == area.id)
    ).rowcount
    audit.record("focus_area.deleted", user=user, event=event, target=area, name=area.name, unlinked_items=unlinked)
    event.focus_areas.remove(area)
    db.session.delete(area)
    _renumber(event)
    db.session.commit()


def move_focus_area(user, area: FocusArea, direction: str) -> bool:
    """Swap with the neighbour above ("up") or below ("down"); False when already at that end."""
    event = area.event
    if not swap_with_neighbour(event.focus_areas, area, direction):
        db.session.rollback()
        return False
    audit.record("focus_area.moved", user=user, event=event, target=area, name=area.name, position=area.position)
    db.session.commit()
    return True


# --- rooms -------------------------------------------------------------------------------------


def _clean_room(event: Event, values: dict[str, Any], room: Room | None = None) -> dict:
    data, problems = _clean_named(values, {"name": 120, "description": 300}, _l("Fyll i namn."))
    if "name" not in problems and _name_taken(event.rooms, data["name"], room):
        problems["name"] = _l("Evenemanget har redan en lokal med det namnet.")
    capacity, message = parse_count(values.get("capacity"))
    if message:
        problems["capacity"] = message
    data["capacity"] = capacity
    if problems:
        raise Invalid(problems)
    return data


def add_room(user, event: Event, values: dict[str, Any]) -> Room:
    data = _clean_room(event, values)
    room = Room(event=event, **data)
    db.session.add(room)
    db.session.flush()
    audit.record("room.created", user=user, event=event, target=room, name=room.name)
    _commit_or_name_taken(_l("Evenemanget har redan en lokal med det namnet."))
    return room


def update_room(user, room: Room, values: dict[str, Any]) -> list[str]:
    data = _clean_room(room.event, values, room)
    return _save_changes(
        user, room, data, "room.updated", event=room.event, taken=_l("Evenemanget har redan en lokal med det namnet.")
    )


def delete_room(user, room: Room) -> int:
    """Programme items in the room keep existing, with no room. Returns how many were moved out."""
    event = room.event
    moved = db.session.execute(
        update(ProgrammeItem).where(ProgrammeItem.room_id == room.id).values(room_id=None)
    ).rowcount
    audit.record("room.deleted", user=user, event=event, target=room, name=room.name, unassigned_items=moved)
    event.rooms.remove(room)
    db.session.delete(room)
    db.session.commit()
    return moved


def _commit_or_name_taken(message, field: str = "name") -> None:
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Invalid({field: message}) from None


def _save_changes(
    user, target, data: dict[str, Any], action: str, *, taken, event=None, unique_field="name"
) -> list[str]:
    """Set the fields that differ, audit their names, and commit; a unique clash (two organisers
    saving at once) is reported on `unique_field`. Returns the names of the changed fields."""
    changed = [name for name, value in data.items() if getattr(target, name) != value]
    if changed:
        for name in changed:
            setattr(target, name, data[name])
        audit.record(action, user=user, event=event, target=target, fields=changed)
        _commit_or_name_taken(taken, unique_field)
    return changed


# --- organisations -----------------------------------------------------------------------------

LOGO_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
# The host's parts of its accessibility statement (forum.events.accessibility).
ACCESSIBILITY_FIELDS = (
    "accessibility_compliance",
    "accessibility_known_issues",
    "accessibility_disproportionate_burden",
    "accessibility_assessment",
    "accessibility_assessed_on",
    "accessibility_contact_email",
    "accessibility_contact_phone",
    "accessibility_statement_updated_on",
)
ORGANISATION_FIELDS = ("name", "contact_email", "website", "logo", *ACCESSIBILITY_FIELDS)
PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9 ()-]{3,38}$")


def clean_accessibility(values: dict[str, Any], organisation: Organisation | None = None) -> tuple[dict, dict]:
    """The statement fields, checked; a field missing from `values` keeps its present (or default) value."""
    data, problems = {}, {}

    def given(name: str, default):
        if name in values:
            return values[name]
        return getattr(organisation, name) if organisation is not None else default

    for name, enum_class, default in (
        ("accessibility_compliance", AccessibilityCompliance, AccessibilityCompliance.PARTIAL),
        ("accessibility_assessment", AccessibilityAssessment, AccessibilityAssessment.SELF),
    ):
        try:
            data[name] = enum_class(given(name, default) or default)
        except ValueError:
            problems[name] = _l("Välj ett av alternativen.")
    for name, limit in (
        ("accessibility_known_issues", 20000),
        ("accessibility_disproportionate_burden", 20000),
        ("accessibility_contact_email", 254),
        ("accessibility_contact_phone", 40),
    ):
        value = (given(name, "") or "").strip()
        if len(value) > limit:
            problems[name] = too_long(limit)
        data[name] = value
    for name in ("accessibility_assessed_on", "accessibility_statement_updated_on"):
        data[name] = given(name, None)
    email = data["accessibility_contact_email"]
    if email and "accessibility_contact_email" not in problems:
        address, message = normalise_email(email)
        if message:
            problems["accessibility_contact_email"] = message
        else:
            data["accessibility_contact_email"] = address
    phone = data["accessibility_contact_phone"]
    if phone and "accessibility_contact_phone" not in problems and not PHONE_PATTERN.match(phone):
        problems["accessibility_contact_phone"] = _l("Ange ett telefonnummer med siffror, till exempel 035-13 20 00.")
    return data, problems


def clean_organisation(values: dict[str, Any], organisation: Organisation | None = None) -> dict[str, Any]:
    limits = {"name": 200, "contact_email": 254, "website": 500, "logo": 300}
    data, problems = _clean_named(values, limits, _l("Fyll i namn."))
    # Compared in Python: SQLite's lower() leaves å, ä, ö as they are. There are few organisations.
    others = db.session.scalars(select(Organisation))
    if "name" not in problems and _name_taken(others, data["name"], organisation):
        problems["name"] = _l("Det finns redan en organisation med det namnet.")
    if not data["contact_email"]:
        problems["contact_email"] = _l("Fyll i organisationens e-postadress.")
    elif "contact_email" not in problems:
        address, message = normalise_email(data["contact_email"])
        if message:
            problems["contact_email"] = message
        else:
            data["contact_email"] = address
    if data["website"] and "website" not in problems:
        parts = urlsplit(data["website"])
        if parts.scheme not in ("http", "https") or not parts.netloc or " " in data["website"]:
            problems["website"] = _l("Ange en webbadress som börjar med https:// eller http://.")
    if data["logo"] and "logo" not in problems and (not LOGO_PATTERN.match(data["logo"]) or ".." in data["logo"]):
        problems["logo"] = _l("Ange en sökväg under static/, till exempel img/logo.svg.")
    statement, statement_problems = clean_accessibility(values, organisation)
    data.update(statement)
    problems.update(statement_problems)
    if problems:
        raise Invalid(problems)
    data["website"] = data["website"] or None
    data["logo"] = data["logo"] or None
    return data


def create_organisation(user, values: dict[str, Any]) -> Organisation:
    data = clean_organisation(values)
    organisation = Organisation(**data)
    db.session.add(organisation)
    db.session.flush()
    audit.record("organisation.created", user=user, target=organisation, name=organisation.name)
    _commit_or_name_taken(_l("Det finns redan en organisation med det namnet."))
    return organisation


def update_organisation(user, organisation: Organisation, values: dict[str, Any]) -> list[str]:
    data = clean_organisation(values, organisation)
    data = {name: data[name] for name in ORGANISATION_FIELDS}
    return _save_changes(
        user, organisation, data, "organisation.updated", taken=_l("Det finns redan en organisation med det namnet.")
    )


def organisation_event_count(organisation: Organisation) -> int:
    return db.session.scalar(select(func.count(Event.id)).where(Event.organisation_id == organisation.id)) or 0


def delete_organisation(user, organisation: Organisation) -> None:
    count = organisation_event_count(organisation)
    if count:
        raise Refused(
            _l(
                "%(name)s är värd för evenemang (%(count)s st.) och kan inte tas bort. "
                "Byt värd för evenemangen eller ta bort dem först.",
                name=organisation.name,
                count=count,
            )
        )
    audit.record("organisation.deleted", user=user, target=organisation, name=organisation.name)
    db.session.delete(organisation)
    db.session.commit()


def organisations() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name)))


def organisation_page(page: int = 1) -> Page:
    return paginate(select(Organisation).order_by(Organisation.name, Organisation.id), page, ADMIN_PAGE_SIZE)
