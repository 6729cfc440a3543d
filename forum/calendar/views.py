"""Public calendar files (the URL contract of DESIGN.md):

- /e/<slug>/event.ics: the event as one entry ("add to calendar");
- /e/<slug>/programme.ics: every programme item, a feed to subscribe to (webcal://);
- /e/<slug>/programme/<item_id>.ics: one programme item.

Every .ics answer (also the personal and speaker calendars, through calendar_response) has an ETag
(a hash of the body) and Last-Modified (the latest LAST-MODIFIED in it, i.e. the latest updated_at),
and answers a conditional request that matches with 304 Not Modified. The files are deterministic
(DTSTAMP is the row's updated_at, see forum.calendar.ics), so an unchanged programme keeps its ETag.

The programme feed of a large event is polled often by calendar programs; its body is kept in a small
per-process cache keyed by a fingerprint of everything it shows (one query), so that an unchanged feed
is neither rebuilt nor hashed again.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from functools import lru_cache

from flask import Blueprint, Response, abort, request
from sqlalchemy import Integer, bindparam, func, select

from forum.auth.policy import public
from forum.caching import Kept
from forum.calendar import ics
from forum.events import services as events
from forum.events.models import Event, FocusArea, Room
from forum.extensions import db
from forum.programme.models import Appearance, ProgrammeItem, Speaker, programme_item_focus_areas
from forum.urls import external_url

bp = Blueprint("calendar", __name__)

LAST_MODIFIED = re.compile(r"^LAST-MODIFIED:(\d{8}T\d{6})Z\r?$", re.MULTILINE)


@bp.get("/e/<slug>/event.ics")
@public
def event_ics(slug: str):
    event = _event_or_404(slug)
    return calendar_response(ics.event_calendar(event), f"{event.slug}.ics")


@bp.get("/e/<slug>/programme.ics")
@public
def programme_ics(slug: str):
    event = _event_or_404(slug)
    text, etag, last_modified = _programme_feed(event)
    return calendar_response(text, f"{event.slug}-program.ics", etag=etag, last_modified=last_modified)


@bp.get("/e/<slug>/programme/<int:item_id>.ics")
@public
def item_ics(slug: str, item_id: int):
    event = _event_or_404(slug)
    item = db.session.get(ProgrammeItem, item_id)
    if item is None or item.event_id != event.id:
        abort(404)
    return calendar_response(ics.item_calendar(item), f"{event.slug}-{item.id}.ics")


@bp.app_template_global()
def webcal_url(endpoint: str, **values) -> str:
    """A webcal:// link (calendar programs subscribe to it): FORUM_BASE_URL with its scheme replaced."""
    return "webcal://" + external_url(endpoint, **values).split("://", 1)[1]


def calendar_response(
    text: str, filename: str, etag: str | None = None, last_modified: datetime | None = None
) -> Response:
    """An .ics download; also for the other modules' calendar routes (personal and speaker calendars).
    Answers 304 when the request's If-None-Match / If-Modified-Since match the body. etag and
    last_modified are worked out from the text unless given (body_etag, latest_modification)."""
    response = Response(text, content_type=ics.CONTENT_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Calendars change (times, cancellations): a subscriber must revalidate (cheap: ETag, 304).
    response.headers["Cache-Control"] = "no-cache"
    response.set_etag(etag or body_etag(text))
    last_modified = last_modified or latest_modification(text)
    if last_modified is not None:
        response.last_modified = last_modified
    return response.make_conditional(request)


def body_etag(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def latest_modification(text: str) -> datetime | None:
    """The latest LAST-MODIFIED of the file's entries (their rows' updated_at)."""
    stamps = LAST_MODIFIED.findall(text)
    if not stamps:
        return None
    return datetime.strptime(max(stamps), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)


def _event_or_404(slug: str) -> Event:
    event = events.public_event(slug)
    if event is None:
        abort(404)
    return event


# --- the programme feed's cache ------------------------------------------------------------------

_feeds: Kept[tuple[str, str, datetime | None]] = Kept(32)


def _programme_feed(event: Event) -> tuple[str, str, datetime | None]:
    """(body, etag, last modified) of the event's programme feed, rebuilt only when its fingerprint
    changes."""

    def built() -> tuple[str, str, datetime | None]:
        text = ics.programme_calendar(event)
        return (text, body_etag(text), latest_modification(text))

    return _feeds.get(_fingerprint(event), built)


def _fingerprint(event: Event) -> tuple:
    """Everything the feed shows, summarised: the event's row; for its items, speakers, appearances
    and focus-area links their count, highest id and latest change (or a checksum of the links); and
    the names of its rooms and focus areas (rows without updated_at). Two prepared queries."""
    from flask import current_app

    summary, names = _fingerprint_queries()
    row = db.session.execute(summary, {"event_id": event.id}).one()
    shown = db.session.execute(names, {"event_id": event.id}).all()
    return (
        event.id,
        event.updated_at,
        current_app.config["FORUM_BASE_URL"],
        tuple(row),
        tuple(sorted((int(ident), name) for ident, name in shown)),
    )


@lru_cache(maxsize=1)
def _fingerprint_queries():
    """Built once (building the statement costs more than running it)."""
    event_id = bindparam("event_id", type_=Integer)
    item_ids = select(ProgrammeItem.id).where(ProgrammeItem.event_id == event_id)
    links = programme_item_focus_areas.c

    def value(expression, model, *where):
        return select(expression).select_from(model).where(*where).scalar_subquery()

    items = (ProgrammeItem, ProgrammeItem.event_id == event_id)
    speakers = (Speaker, Speaker.event_id == event_id)
    appearances = (Appearance, Appearance.programme_item_id.in_(item_ids))
    focus_links = (programme_item_focus_areas, links.programme_item_id.in_(item_ids))
    summary = select(
        value(func.count(), *items),
        value(func.max(ProgrammeItem.id), *items),
        value(func.max(ProgrammeItem.updated_at), *items),
        value(func.count(), *speakers),
        value(func.max(Speaker.id), *speakers),
        value(func.max(Speaker.updated_at), *speakers),
        value(func.count(), *appearances),
        value(func.max(Appearance.id), *appearances),
        value(func.sum(Appearance.speaker_id * (Appearance.position + 1) * Appearance.programme_item_id), *appearances),
        value(func.count(), *focus_links),
        value(func.sum(links.focus_area_id * links.programme_item_id), *focus_links),
    )
    names = (
        select(Room.id, Room.name)
        .where(Room.event_id == event_id)
        .union_all(select(-FocusArea.id, FocusArea.name).where(FocusArea.event_id == event_id))
    )
    return summary, names
