"""Public calendar files: /e/<slug>/event.ics (the URL contract of DESIGN.md)."""

from __future__ import annotations

from flask import Blueprint, Response, abort

from forum.auth.policy import public
from forum.calendar import ics
from forum.events import services as events

bp = Blueprint("calendar", __name__)


@bp.get("/e/<slug>/event.ics")
@public
def event_ics(slug: str):
    event = events.public_event(slug)
    if event is None:
        abort(404)
    return calendar_response(ics.event_calendar(event), f"{event.slug}.ics")


def calendar_response(text: str, filename: str) -> Response:
    """An .ics download; also for the other modules' calendar routes (personal and speaker calendars)."""
    response = Response(text, content_type=ics.CONTENT_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Calendars change (times, cancellations): a subscriber must not keep an old copy for long.
    response.headers["Cache-Control"] = "no-cache"
    return response
