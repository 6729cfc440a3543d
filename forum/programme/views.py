"""The public programme: /e/<slug>/programme (and .pdf), /e/<slug>/schedule.json and schedule.xml."""

from __future__ import annotations

import functools

from flask import Blueprint, Response, abort, jsonify, render_template, request
from flask_babel import gettext as _

from forum.auth.policy import public
from forum.events import services as events
from forum.events.models import Event, EventLanguage
from forum.i18n import format_clock
from forum.programme import page, schedule
from forum.programme.pdf import programme_pdf

bp = Blueprint("programme", __name__)


def _event(slug: str) -> Event:
    event = events.public_event(slug)
    if event is None:
        abort(404)
    return event


@bp.get("/e/<slug>/programme")
@public
def programme(slug: str):
    event = _event(slug)
    focus = schedule.focus_area(event, request.args.get("focus"))
    items = schedule.public_items(event, focus)
    has_items = bool(items) or (focus is not None and bool(schedule.public_items(event)))
    clock = functools.partial(format_clock, zone=event.timezone)
    return render_template(
        "public/programme.html",
        event=event,
        days=schedule.by_day(event, items),
        focus=focus,
        has_items=has_items,
        clock=clock,
        item_html=page.item_renderer(event, clock, _language_label),
    )


def _language_label(code: str) -> str:
    try:
        return str(EventLanguage(code).label)
    except ValueError:
        return code


@bp.get("/e/<slug>/programme.pdf")
@public
def programme_pdf_file(slug: str):
    event = _event(slug)
    title = _("Program: %(title)s", title=event.title)
    response = Response(programme_pdf(event, schedule.public_items(event), title), content_type="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{event.slug}-program.pdf"'
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/e/<slug>/schedule.json")
@public
def schedule_json(slug: str):
    response = jsonify(schedule.schedule_data(_event(slug)))
    return _shared(response)


@bp.get("/e/<slug>/schedule.xml")
@public
def schedule_xml(slug: str):
    response = Response(schedule.frab_xml(_event(slug)), content_type="application/xml; charset=utf-8")
    return _shared(response)


def _shared(response: Response) -> Response:
    """Public data that apps and screens poll: any origin may read it, nobody keeps a stale copy."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "no-cache"
    return response
