"""Public privacy pages: the privacy notice of an event, linked from its registration form; and on
the attendee's personal link, the download of their own data and the deletion of their registration."""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import exists, select

from forum.auth.policy import public
from forum.events.services import public_event
from forum.extensions import db
from forum.privacy import access, erasure, retention
from forum.privacy.forms import EraseOwnForm
from forum.programme.models import ProgrammeItem
from forum.registration.models import OptionalField, Question
from forum.registration.views import registration_or_404
from forum.security import private

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
    return render_template("public/privacy.html", event=event, asks=asks, rule=retention.rule_for(event))


@bp.get("/r/<token>/data.json")
@public
def own_data(token: str):
    registration = registration_or_404(token)
    response = make_response(access.to_json(registration))
    response.mimetype = "application/json"
    response.headers["Content-Disposition"] = 'attachment; filename="mina-uppgifter.json"'
    return private(response)


@bp.route("/r/<token>/delete", methods=["GET", "POST"])
@public
def erase_own(token: str):
    registration = registration_or_404(token)
    event = registration.event
    form = EraseOwnForm()
    if form.validate_on_submit():
        slug = event.slug
        erasure.erase_own_registration(registration)
        db.session.commit()
        flash(_("Din anmälan och dina uppgifter är raderade."), "success")
        return redirect(url_for("events.event_page", slug=slug), code=303)
    return private(
        render_template("privacy/erase_own.html", registration=registration, event=event, form=form, token=token)
    )
