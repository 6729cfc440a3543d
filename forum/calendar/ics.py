"""iCalendar output: the one place that builds .ics files (with the icalendar package).

What every file has (issue 5):

- Times are local times in the event's zone with a TZID parameter (DTSTART;TZID=Europe/Stockholm:…),
  and the file carries that zone as a VTIMEZONE written as rules (STANDARD/DAYLIGHT with a yearly
  RRULE, as Outlook and Google expect), derived from the IANA zone by `_timezone` for any zone whose
  changes follow "the n-th/last weekday of a month"; other zones get their changes listed one by one.
- UIDs are stable ("event-<id>@<host>", "programme-item-<id>@<host>"), so that a new import or a feed
  refresh updates the entry instead of adding a second one; SEQUENCE is ProgrammeItem.sequence
  (raised when the time, room or status changes; events: 0).
- DTSTAMP and LAST-MODIFIED are the row's updated_at: the same data gives byte-for-byte the same
  file, so that the ETag (a hash of the body, forum.calendar.views) stays valid between polls.
- No ORGANIZER or ATTENDEE: calendar programs would offer to send replies to them.
- Subscribable feeds (the programme, a speaker's schedule) carry X-WR-CALNAME/NAME, REFRESH-INTERVAL
  and X-PUBLISHED-TTL; single-entry files never do (Outlook would create a new calendar for them).
  A feed's identity is the RFC 7986 UID property on VCALENDAR, repeated as X-WR-RELCALID (Apple):
  "programme-<event id>@<host>" and "speaker-<speaker id>@<host>"; it does not change with the title.
- The personal calendar (registration_calendar) may carry a reminder (VALARM); no other file does.
- Text (titles, rooms, descriptions) is escaped by icalendar: a title with newlines, commas,
  semicolons or "BEGIN:VEVENT" stays one escaped property.
"""

from __future__ import annotations

import calendar as month_calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from icalendar import Timezone, TimezoneDaylight, TimezoneStandard, vDuration, vText
from sqlalchemy import select

from forum.caching import Kept
from forum.events.models import Event, EventStatus, FocusArea, Room
from forum.extensions import db
from forum.programme.models import (
    Appearance,
    ProgrammeItem,
    ProgrammeItemStatus,
    Speaker,
    programme_item_focus_areas,
)
from forum.urls import external_url

PRODUCT_ID = "-//Forum//Forum//SV"
CONTENT_TYPE = "text/calendar; charset=utf-8"
# For an e-mail attachment: the method tells mail programs it is a published entry, not an invitation.
ATTACHMENT_CONTENT_TYPE = "text/calendar; charset=utf-8; method=PUBLISH"
# How often subscribed calendars should fetch a feed again.
REFRESH = timedelta(hours=1)
# The reminder in a personal calendar.
REMINDER = timedelta(hours=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def event_calendar(event: Event) -> str:
    """The event as one calendar entry (a single-event file: no calendar name, no refresh)."""
    with force_locale(_language(event.language)):
        return _event_calendar(event)


def _event_calendar(event: Event) -> str:
    calendar = _calendar(event)
    calendar.add(_event_entry(event))
    return _finish(calendar, event, [(event.starts_at, event.ends_at)])


def item_calendar(item: ProgrammeItem) -> str:
    """One programme item as a single-entry file."""
    with force_locale(_language(item.event.language)):
        return _item_calendar(item)


def _item_calendar(item: ProgrammeItem) -> str:
    event = item.event
    calendar = _calendar(event)
    calendar.add(_item_entry(event, _Item.of(item), _Links(event)))
    return _finish(calendar, event, [(item.starts_at, item.ends_at)])


def programme_calendar(event: Event) -> str:
    """Every programme item, cancelled ones included (as STATUS:CANCELLED): a feed to subscribe to."""
    with force_locale(_language(event.language)):
        return _programme_calendar(event)


def _programme_calendar(event: Event) -> str:
    items = _programme_items(event)
    calendar = _calendar(event)
    _feed(calendar, f"programme-{event.id}", _("%(title)s – program", title=event.title), event, "programme.ics")
    links = _Links(event)
    for item in items:
        calendar.add(_item_text(event, item, links))
    return _finish(calendar, event, [(item.starts_at, item.ends_at) for item in items])


def speaker_calendar(speaker: Speaker) -> str:
    """A speaker's own items: a feed (their schedule, subscribable from their page)."""
    with force_locale(_language(speaker.language)):
        return _speaker_calendar(speaker)


def _speaker_calendar(speaker: Speaker) -> str:
    event = speaker.event
    items = sorted(
        (appearance.programme_item for appearance in speaker.appearances),
        key=lambda item: (item.starts_at, item.id),
    )
    calendar = _calendar(event)
    _feed(calendar, f"speaker-{speaker.id}", f"{speaker.name} – {event.title}", event, None)
    links = _Links(event)
    for item in items:
        calendar.add(_item_text(event, _Item.of(item), links))
    return _finish(calendar, event, [(item.starts_at, item.ends_at) for item in items])


def registration_calendar(registration, reminder: timedelta | None = REMINDER) -> str:
    """A registrant's own calendar: the event and each workshop they have a seat in, each with a
    reminder `reminder` before it starts (None: no reminder)."""
    with force_locale(_language(registration.language)):
        return _registration_calendar(registration, reminder)


def _registration_calendar(registration, reminder: timedelta | None) -> str:
    from forum.registration.models import SignupStatus

    event = registration.event
    calendar = _calendar(event)
    entries = [_event_entry(event)]
    signups = sorted(
        (signup for signup in registration.signups if signup.status == SignupStatus.CONFIRMED),
        key=lambda signup: (signup.programme_item.starts_at, signup.programme_item.id),
    )
    links = _Links(event)
    items = [signup.programme_item for signup in signups]
    entries += [_item_entry(event, _Item.of(item), links) for item in items]
    summaries = [event.title] + [item.title for item in items]
    for entry, summary in zip(entries, summaries, strict=True):
        if reminder is not None:
            entry.add(_alarm(reminder, summary))
        calendar.add(entry)
    spans = [(event.starts_at, event.ends_at)] + [(item.starts_at, item.ends_at) for item in items]
    return _finish(calendar, event, spans)


def attachment(event: Event) -> dict[str, str]:
    """The event's .ics as an outbox attachment (forum.mail.services.enqueue)."""
    return {"filename": f"{event.slug}.ics", "content_type": ATTACHMENT_CONTENT_TYPE, "data": event_calendar(event)}


def _language(value) -> str:
    """The texts in a file ("Talare", the feed's name) are in the event's, speaker's or registrant's
    language, whoever fetches it: the same file for every subscriber."""
    value = getattr(value, "value", value)
    return "en" if value == "en" else "sv"


def uid_host() -> str:
    return urlsplit(current_app.config["FORUM_BASE_URL"]).hostname or "localhost"


def zone_of(event: Event) -> ZoneInfo:
    try:
        return ZoneInfo(event.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


# --- inside ------------------------------------------------------------------------------------


class _Links:
    """What the entries of one file share, worked out once per file (url_for and the zone lookups
    are measurable at 300 items)."""

    def __init__(self, event: Event) -> None:
        self.event_page = external_url("events.event_page", slug=event.slug)
        self.programme = self.event_page.rstrip("/") + "/programme"
        self.host = uid_host()
        self.zone = zone_of(event)
        self.location = _location(event)
        self.language = str(get_locale())

    def item(self, item: ProgrammeItem) -> str:
        return f"{self.programme}#item-{item.id}"


class _Component:
    """A calendar component as content lines. Values are escaped by icalendar (vText: backslash,
    comma, semicolon, newline) and lines folded at 75 octets by _fold; the writer itself only puts
    "NAME;PARAM=…:" in front. (icalendar's own Component.to_ical takes about 0.5 ms per entry, too
    slow for a 300-item feed; the result is the same text.)"""

    def __init__(self, name: str) -> None:
        self.name = name
        self.lines: list[str] = []
        self.components: list[_Component | str] = []

    def __contains__(self, name: str) -> bool:
        return any(line.split(":", 1)[0].split(";", 1)[0] == name for line in self.lines)

    def raw(self, name: str, value: str) -> None:
        """A value that needs no escaping (numbers, URIs we built, dates, keywords)."""
        self.lines.append(f"{name}:{value}")

    def text(self, name: str, value: str) -> None:
        self.lines.append(f"{name}:{_escape(value)}")

    def texts(self, name: str, values: Iterable[str]) -> None:
        self.lines.append(f"{name}:{','.join(_escape(value) for value in values)}")

    def utc(self, name: str, moment: datetime) -> None:
        self.lines.append(f"{name}:{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}")

    def local(self, name: str, moment: datetime, zone: ZoneInfo) -> None:
        self.lines.append(f"{name};TZID={zone.key}:{moment.astimezone(zone):%Y%m%dT%H%M%S}")

    def add(self, component: _Component | str) -> None:
        self.components.append(component)

    def write(self, out: list[str]) -> None:
        out.append(f"BEGIN:{self.name}")
        out.extend(_fold(line) for line in self.lines)
        for component in self.components:
            if isinstance(component, str):
                out.append(component)
            else:
                component.write(out)
        out.append(f"END:{self.name}")


_SPECIAL = re.compile(r"[\\;,\r\n]")


def _escape(value: str) -> str:
    """TEXT escaping by icalendar (vText); a value without any character to escape is written as is."""
    if not _SPECIAL.search(value):
        return value
    return vText(value).to_ical().decode("utf-8")


def _fold(line: str) -> str:
    """RFC 5545 3.1: lines of at most 75 octets, continued with CRLF and a space; never inside a
    UTF-8 character."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts, start, width = [], 0, 75
    while start < len(data):
        end = min(start + width, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # a continuation byte: cut before its character
            end -= 1
        parts.append(data[start:end].decode("utf-8"))
        start, width = end, 74
    return "\r\n ".join(parts)


def _calendar(event: Event) -> _Component:
    calendar = _Component("VCALENDAR")
    calendar.raw("VERSION", "2.0")
    calendar.text("PRODID", PRODUCT_ID)
    calendar.raw("CALSCALE", "GREGORIAN")
    calendar.raw("METHOD", "PUBLISH")
    return calendar


def _feed(calendar: _Component, identity: str, name: str, event: Event, path: str | None) -> None:
    """What only a subscribable feed has: a name, how often to refresh, a stable identity."""
    uid = f"{identity}@{uid_host()}"
    calendar.text("UID", uid)
    calendar.text("X-WR-RELCALID", uid)
    calendar.text("NAME", name)
    calendar.text("X-WR-CALNAME", name)
    calendar.text("X-WR-TIMEZONE", zone_of(event).key)
    refresh = vDuration(REFRESH).to_ical().decode()
    calendar.raw("REFRESH-INTERVAL;VALUE=DURATION", refresh)
    calendar.raw("X-PUBLISHED-TTL", refresh)
    if path:
        calendar.raw("SOURCE;VALUE=URI", external_url("events.event_page", slug=event.slug) + path)


def _finish(calendar: _Component, event: Event, spans: Iterable[tuple[datetime, datetime]]) -> str:
    """Put the VTIMEZONE first (before the entries that refer to it) and serialise (CRLF lines)."""
    zone = zone_of(event)
    years = sorted({moment.astimezone(zone).year for span in spans for moment in span})
    if years:
        calendar.components.insert(0, _timezone_text(zone.key, years[0] - 1, years[-1] + 1))
    out: list[str] = []
    calendar.write(out)
    return "\r\n".join(out) + "\r\n"


def _stamp(moment: datetime | None) -> datetime:
    return (moment or EPOCH).astimezone(UTC)


def _entry(uid: str, starts_at: datetime, ends_at: datetime, summary: str, zone: ZoneInfo, updated_at) -> _Component:
    """A VEVENT with what every entry has; UIDs are stable so that calendars update, not duplicate.
    DTSTAMP is the row's updated_at (not the time of the request): the same data, the same file."""
    entry = _Component("VEVENT")
    entry.text("UID", uid)
    entry.utc("DTSTAMP", _stamp(updated_at))
    entry.utc("LAST-MODIFIED", _stamp(updated_at))
    entry.local("DTSTART", starts_at, zone)
    entry.local("DTEND", ends_at, zone)
    entry.text("SUMMARY", summary)
    return entry


def _event_entry(event: Event) -> _Component:
    zone = zone_of(event)
    url = external_url("events.event_page", slug=event.slug)
    uid = f"event-{event.id}@{uid_host()}"
    entry = _entry(uid, event.starts_at, event.ends_at, event.title, zone, event.updated_at)
    entry.raw("SEQUENCE", "0")
    location = _location(event)
    if location:
        entry.text("LOCATION", location)
    entry.text("DESCRIPTION", "\n\n".join(part for part in (event.summary.strip(), url) if part))
    entry.raw("URL", url)
    entry.raw("STATUS", _status(event))
    return entry


@dataclass(frozen=True, slots=True)
class _Item:
    """What an entry shows of a programme item (read with plain queries for the feed: ORM objects
    for 300 items, their speakers and focus areas cost more than writing the file)."""

    id: int
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    room: str
    sequence: int
    status: ProgrammeItemStatus
    updated_at: datetime | None
    speakers: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()

    @classmethod
    def of(cls, item: ProgrammeItem) -> _Item:
        return cls(
            id=item.id,
            title=item.title,
            description=item.description or "",
            starts_at=item.starts_at,
            ends_at=item.ends_at,
            room=item.room.name if item.room else "",
            sequence=item.sequence or 0,
            status=item.status,
            updated_at=item.updated_at,
            speakers=tuple(
                _speaker_line(speaker.name, speaker.title, speaker.organisation) for speaker in item.speakers
            ),
            categories=tuple(area.name for area in item.focus_areas),
        )


def _programme_items(event: Event) -> list[_Item]:
    """The event's items in time order, with their speakers (in order) and focus areas: three queries
    (on the connection: the ORM's row handling would cost more than the rest of the feed)."""
    connection = db.session.connection()
    rows = connection.execute(
        select(
            ProgrammeItem.id,
            ProgrammeItem.title,
            ProgrammeItem.description,
            ProgrammeItem.starts_at,
            ProgrammeItem.ends_at,
            Room.name,
            ProgrammeItem.sequence,
            ProgrammeItem.status,
            ProgrammeItem.updated_at,
        )
        .outerjoin(Room, Room.id == ProgrammeItem.room_id)
        .where(ProgrammeItem.event_id == event.id)
        .order_by(ProgrammeItem.starts_at, ProgrammeItem.id)
    ).all()
    speakers: dict[int, list[str]] = {row[0]: [] for row in rows}
    categories: dict[int, list[str]] = {row[0]: [] for row in rows}
    ids = select(ProgrammeItem.id).where(ProgrammeItem.event_id == event.id)
    for item_id, name, title, organisation in connection.execute(
        select(Appearance.programme_item_id, Speaker.name, Speaker.title, Speaker.organisation)
        .join(Speaker, Speaker.id == Appearance.speaker_id)
        .where(Appearance.programme_item_id.in_(ids))
        .order_by(Appearance.programme_item_id, Appearance.position, Appearance.id)
    ):
        speakers[item_id].append(_speaker_line(name, title, organisation))
    links = programme_item_focus_areas.c
    for item_id, name in connection.execute(
        select(links.programme_item_id, FocusArea.name)
        .join(FocusArea, FocusArea.id == links.focus_area_id)
        .where(links.programme_item_id.in_(ids))
        .order_by(links.programme_item_id, FocusArea.position, FocusArea.id)
    ):
        categories[item_id].append(name)
    return [
        _Item(*row[:5], row[5] or "", row[6] or 0, *row[7:], tuple(speakers[row[0]]), tuple(categories[row[0]]))
        for row in rows
    ]


def _item_text(event: Event, item: _Item, links: _Links) -> str:
    """An item's VEVENT as text. A feed is built again after every change to the programme, mostly
    from unchanged items: their text is kept (keyed by everything it shows), so that a rebuild of
    a 300-item feed writes only the changed entries."""
    key = (
        item,
        event.title,
        event.status,
        event.date_is_preliminary,
        links.programme,
        links.host,
        links.zone.key,
        links.location,
        links.language,
    )
    return _cached_text(key, lambda: _item_entry(event, item, links))


_TEXTS: Kept[str] = Kept(4000)


def forget_texts() -> None:
    """Drop the kept entry texts (for measurements)."""
    _TEXTS.clear()


def _cached_text(key: tuple, build) -> str:
    def written() -> str:
        out: list[str] = []
        build().write(out)
        return "\r\n".join(out)

    return _TEXTS.get(key, written)


def _item_entry(event: Event, item: _Item, links: _Links) -> _Component:
    url = links.item(item)
    entry = _entry(
        f"programme-item-{item.id}@{links.host}", item.starts_at, item.ends_at, item.title, links.zone, item.updated_at
    )
    entry.raw("SEQUENCE", str(item.sequence or 0))
    location = ", ".join(part for part in (item.room, links.location) if part)
    if location:
        entry.text("LOCATION", location)
    speakers = ", ".join(item.speakers)
    parts = [
        f"{_('Talare')}: {speakers}" if speakers else "",
        (item.description or "").strip(),
        event.title,
        url,
    ]
    entry.text("DESCRIPTION", "\n\n".join(part for part in parts if part))
    entry.raw("URL", url)
    if item.categories:
        entry.texts("CATEGORIES", item.categories)
    if item.status == ProgrammeItemStatus.CANCELLED or event.status == EventStatus.CANCELLED:
        status = "CANCELLED"
    else:
        status = _status(event)
    entry.raw("STATUS", status)
    return entry


def _speaker_line(name: str, title: str, organisation: str) -> str:
    about = ", ".join(part for part in (title, organisation) if part)
    return f"{name} ({about})" if about else name


def _alarm(before: timedelta, summary: str) -> _Component:
    alarm = _Component("VALARM")
    alarm.raw("ACTION", "DISPLAY")
    alarm.text("DESCRIPTION", summary)
    alarm.raw("TRIGGER", vDuration(-before).to_ical().decode())
    return alarm


def _location(event: Event) -> str:
    parts = (event.venue_name, event.venue_address, event.venue_city)
    return ", ".join(part.strip() for part in parts if part and part.strip())


def _status(event: Event) -> str:
    if event.status == EventStatus.CANCELLED:
        return "CANCELLED"
    # A preliminary date is only a plan: calendars show the entry as tentative.
    return "TENTATIVE" if event.date_is_preliminary else "CONFIRMED"


# --- VTIMEZONE from the IANA zone ----------------------------------------------------------------


@lru_cache(maxsize=64)
def _timezone_text(key: str, first_year: int, last_year: int) -> str:
    """The VTIMEZONE as folded CRLF lines (without the last CRLF), built by icalendar."""
    return _timezone(key, first_year, last_year).to_ical().decode("utf-8").rstrip("\r\n")


def _timezone(key: str, first_year: int, last_year: int) -> Timezone:
    """The zone as a VTIMEZONE covering first_year..last_year (callers pass one year either side of
    their times, so that the observance in force on 1 January is defined): yearly rules when the
    zone's changes follow "the n-th (or last) weekday of a month at a fixed local time", else each
    change listed."""
    zone = ZoneInfo(key)
    timezone = Timezone()
    timezone.add("tzid", key)
    changes = [change for year in range(first_year, last_year + 1) for change in _changes(zone, year)]
    if not changes:
        moment = datetime(first_year, 1, 1, tzinfo=UTC)
        offset = moment.astimezone(zone).utcoffset()
        timezone.add_component(
            _observance(TimezoneStandard, datetime(1970, 1, 1), offset, offset, moment.astimezone(zone).tzname())
        )
        return timezone
    rules = _rules(zone, changes, first_year, last_year)
    if rules is not None:
        for component in rules:
            timezone.add_component(component)
        return timezone
    # Irregular changes: the state before the first change, then every change in the years covered.
    first = changes[0]
    timezone.add_component(
        _observance(
            TimezoneDaylight if first.dst_before else TimezoneStandard,
            datetime(first_year - 1, 1, 1),
            first.before,
            first.before,
            first.name_before,
        )
    )
    for change in changes:
        timezone.add_component(
            _observance(
                TimezoneDaylight if change.dst_after else TimezoneStandard,
                change.local_start,
                change.before,
                change.after,
                change.name_after,
            )
        )
    return timezone


class _Change:
    """One change of a zone's UTC offset."""

    def __init__(self, zone: ZoneInfo, instant: datetime) -> None:
        before = (instant - timedelta(seconds=1)).astimezone(zone)
        after = instant.astimezone(zone)
        self.before, self.after = before.utcoffset(), after.utcoffset()
        self.name_before, self.name_after = before.tzname(), after.tzname()
        self.dst_before, self.dst_after = bool(before.dst()), bool(after.dst())
        # The wall-clock time of the change as read before it (RFC 5545: DTSTART in TZOFFSETFROM).
        self.local_start = (instant + self.before).replace(tzinfo=None)

    def rule(self) -> tuple[int, int, int, timedelta]:
        """(month, weekday, n (1..4, or -1 for the last), time of day) of the change."""
        start = self.local_start
        days = month_calendar.monthrange(start.year, start.month)[1]
        n = -1 if start.day + 7 > days else (start.day - 1) // 7 + 1
        return start.month, start.weekday(), n, start - start.replace(hour=0, minute=0, second=0)


def _changes(zone: ZoneInfo, year: int) -> list[_Change]:
    """The changes of offset during `year` (scanned day by day, then to the second)."""
    changes = []
    moment = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    offset = moment.astimezone(zone).utcoffset()
    while moment < end:
        following = moment + timedelta(days=1)
        following_offset = following.astimezone(zone).utcoffset()
        if following_offset != offset:
            low, high = moment, following
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                middle = middle.replace(microsecond=0)
                if middle.astimezone(zone).utcoffset() == offset:
                    low = middle
                else:
                    high = middle
            changes.append(_Change(zone, high))
            offset = following_offset
        moment = following
    return changes


_BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _rules(zone: ZoneInfo, changes: list[_Change], first_year: int, last_year: int):
    """STANDARD and DAYLIGHT with RRULE when every year has the same changes by the same rules."""
    by_kind: dict[tuple, list[_Change]] = {}
    for change in changes:
        key = (change.dst_after, change.before, change.after, change.name_after, change.rule())
        by_kind.setdefault(key, []).append(change)
    years = last_year - first_year + 1
    if len(by_kind) > 2 or any(len(found) != years for found in by_kind.values()):
        return None
    components = []
    for (dst_after, before, after, name, rule), found in sorted(by_kind.items(), key=lambda pair: pair[0][4]):
        month, weekday, n, _time = rule
        if len({change.local_start.year for change in found}) != years:
            return None
        component = _observance(
            TimezoneDaylight if dst_after else TimezoneStandard, found[0].local_start, before, after, name
        )
        component.add("rrule", {"FREQ": "YEARLY", "BYMONTH": month, "BYDAY": f"{n}{_BYDAY[weekday]}"})
        components.append(component)
    return components


def _observance(kind, start: datetime, before: timedelta, after: timedelta, name: str | None):
    component = kind()
    component.add("dtstart", start)
    component.add("tzoffsetfrom", before)
    component.add("tzoffsetto", after)
    if name:
        component.add("tzname", name)
    return component
