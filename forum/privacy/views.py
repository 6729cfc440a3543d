"""Public privacy pages: the privacy notice of an event, linked from its registration form."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from sqlalchemy import exists, select

from forum.auth.policy import public
from forum.events.services import public_event
from forum.extensions import db
from forum.programme.models import ProgrammeItem
from forum.registration.models import OptionalField, Question

bp = Blueprint("privacy", __name__)


@bp.get("/e/<slug>/privacy")
@public
def notice(slug: str):
    event = public_event(slug)
    if event is None:
        abort(404)
    hidden = set(event.hidden_fields or [])
    # What the registration form asks for: the standard notice names exactly that.
    asks = {field.value: field.value not in hidden for field in OptionalField}
    asks[OptionalField.FOCUS_AREAS.value] = asks[OptionalField.FOCUS_AREAS.value] and bool(event.focus_areas)
    asks["workshops"] = db.session.scalar(
        select(exists().where(ProgrammeItem.event_id == event.id, ProgrammeItem.requires_signup.is_(True)))
    )
    asks["questions"] = db.session.scalar(select(exists().where(Question.event_id == event.id)))
    asks["health"] = asks[OptionalField.DIETARY.value] or asks[OptionalField.ACCESSIBILITY.value]
    return render_template("public/privacy.html", event=event, asks=asks)
