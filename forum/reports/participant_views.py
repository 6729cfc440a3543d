"""The attendee participant list: /e/<slug>/participants when the organiser made it public, and
/r/<token>/participants for confirmed attendees when it is shown to attendees only.

The personal link is the only credential: no names, e-mail addresses or ids travel in URLs, and
pages reached by the link are private (not cached, no referrer).
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from forum.auth.policy import Permission, requires
from forum.events.models import ParticipantListVisibility
from forum.events.services import public_event
from forum.registration import services as registrations
from forum.reports import attendee_list
from forum.security import private

bp = Blueprint("participant_list", __name__)


def _grouping() -> str:
    by = request.args.get("group", attendee_list.BY_FOCUS_AREA)
    return by if by in attendee_list.GROUPINGS else attendee_list.BY_FOCUS_AREA


def _render(event, token: str | None = None):
    by = _grouping()
    page = attendee_list.page_of(event, by, request.args.get("page", 1, type=int))
    return render_template("reports/attendee_list.html", event=event, page=page, by=by, token=token)


@bp.get("/e/<slug>/participants")
@requires(Permission.PUBLIC)
def public_list(slug: str):
    event = public_event(slug)
    if event is None or event.participant_list == ParticipantListVisibility.HIDDEN:
        abort(404)
    if event.participant_list == ParticipantListVisibility.ATTENDEES:
        # The list exists, but only for those holding a confirmed registration's personal link.
        return render_template("reports/attendee_list_attendees_only.html", event=event), 403
    return _render(event)


@bp.get("/r/<token>/participants")
@requires(Permission.PUBLIC)
def attendee_view(token: str):
    registration = registrations.find_by_token(token)
    if registration is None:
        abort(404)
    event = public_event(registration.event.slug)
    if event is None or not attendee_list.visible_to(event, registration):
        abort(404)
    return private(_render(event, token=token))
