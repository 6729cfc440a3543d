"""Rows chosen in the organisers' participant list, for the actions that happen on other pages.

The list's "send a message" remembers the chosen rows in the organiser's session (the ids of the
ticked rows, or the filters when the organiser chose every row that matches); the message page
then offers them as a segment of its own ("Markerade i deltagarlistan"), counted and listed when
the message is previewed and sent, like every other segment.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import has_request_context, session
from flask_babel import gettext as _
from sqlalchemy import select

from forum.events.models import Event
from forum.mail import broadcast
from forum.registration.models import Registration
from forum.reports.participants import Filters, select_registrations

SESSION_KEY = "forum_participant_selection"
SEGMENT = "selection"
# Ticked rows come from one page of the list (at most its largest page size): small for the cookie.
MAX_IDS = 500


def remember(event: Event, *, ids: list[int] | None = None, filters: Filters | None = None) -> None:
    if filters is not None:
        session[SESSION_KEY] = {"event": event.id, "filters": filters.args()}
    else:
        session[SESSION_KEY] = {"event": event.id, "ids": sorted(set(ids or []))[:MAX_IDS]}


def query(event: Event):
    """The remembered rows of this event as a select of Registration, or None."""
    if not has_request_context():
        return None
    chosen = session.get(SESSION_KEY)
    if not isinstance(chosen, dict) or chosen.get("event") != event.id:
        return None
    if "filters" in chosen:
        return select_registrations(event, Filters.from_args(chosen["filters"])).order_by(None)
    ids = [value for value in chosen.get("ids", []) if isinstance(value, int)]
    return select(Registration).where(Registration.event_id == event.id, Registration.id.in_(ids))


@broadcast.segment_provider
def _selection(event: Event) -> Iterable[broadcast.Segment]:
    chosen = query(event)
    if chosen is not None:
        yield broadcast.registration_segment(SEGMENT, _("Markerade i deltagarlistan"), chosen)
