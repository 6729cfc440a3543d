"""Public event pages: the front page, the past events, an event's page, the language switch."""

from __future__ import annotations

from flask import Blueprint, abort, make_response, redirect, render_template, request, url_for

from forum.auth.policy import public
from forum.events import services
from forum.i18n import LANGUAGE_COOKIE, LANGUAGES
from forum.security import safe_next

bp = Blueprint("events", __name__)


@bp.get("/")
@public
def index():
    page = services.upcoming_events(request.args.get("page", 1, type=int))
    return render_template("public/index.html", page=page, past=False)


@bp.get("/past")
@public
def past():
    page = services.past_events(request.args.get("page", 1, type=int))
    return render_template("public/index.html", page=page, past=True)


@bp.get("/e/<slug>/")
@public
def event_page(slug: str):
    event = services.public_event(slug)
    if event is None:
        abort(404)
    return render_template("public/event.html", event=event, state=services.registration_state(event))


@bp.get("/lang/<code>")
@public
def set_language(code: str):
    if code not in LANGUAGES:
        abort(404)
    response = make_response(redirect(safe_next(request.args.get("next"), url_for("events.index"))))
    response.set_cookie(
        LANGUAGE_COOKIE,
        code,
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )
    return response
