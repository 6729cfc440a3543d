"""A speaker's personal page /s/<token>: their items (time in the event's zone, room, co-speakers),
the full programme, their presentation to edit, and their schedule as .ics (also to subscribe
through webcal://) and as PDF."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField

from forum.auth.policy import public
from forum.events.models import EventStatus
from forum.extensions import db
from forum.forms import limit, plain_text, strip
from forum.programme import photos
from forum.programme import speakers as services
from forum.programme.models import Speaker
from forum.security import private

bp = Blueprint("speakers", __name__)


class BioForm(FlaskForm):
    bio = TextAreaField(
        _l("Din presentation"),
        [limit(services.BIO_LENGTH), plain_text],
        filters=[strip],
        description=_l("Några meningar om dig och ditt arbete. Markdown går bra."),
        render_kw={"rows": 8, "maxlength": services.BIO_LENGTH},
    )


def _speaker_or_404(token: str) -> Speaker:
    speaker = services.find_by_token(token)
    if speaker is None or speaker.event.status == EventStatus.DRAFT:
        abort(404)
    return speaker


def _page(speaker: Speaker, token: str, form: BioForm):
    event = speaker.event
    return private(
        render_template(
            "programme/speaker.html",
            speaker=speaker,
            event=event,
            token=token,
            items=services.items_of(speaker),
            programme=services.programme(event),
            form=form,
            webcal=services.webcal_url(speaker),
        )
    )


@bp.get("/s/<token>")
@public
def page(token: str):
    speaker = _speaker_or_404(token)
    return _page(speaker, token, BioForm(formdata=None, data={"bio": speaker.bio}))


@bp.post("/s/<token>")
@public
def bio(token: str):
    speaker = _speaker_or_404(token)
    form = BioForm()
    if form.validate_on_submit():
        try:
            services.update_bio(speaker, form.bio.data or "")
        except services.Refused as refused:
            db.session.rollback()
            form.bio.errors = [*form.bio.errors, refused.errors.get("bio", "")]
        else:
            db.session.commit()
            flash(_("Din presentation är sparad."), "success")
            return redirect(url_for("speakers.page", token=token), code=303)
    return _page(speaker, token, form), 400 if form.errors else 200


@bp.get("/s/<token>/schedule.ics")
@public
def schedule_ics(token: str):
    from forum.calendar import ics
    from forum.calendar.views import calendar_response

    speaker = _speaker_or_404(token)
    response = calendar_response(ics.speaker_calendar(speaker), f"{speaker.event.slug}-schedule.ics")
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/s/<token>/schedule.pdf")
@public
def schedule_pdf(token: str):
    from forum.programme.pdf import programme_pdf

    speaker = _speaker_or_404(token)
    event = speaker.event
    title = _("%(name)s – %(title)s", name=speaker.name, title=event.title)
    body = programme_pdf(event, services.items_of(speaker), title)
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{event.slug}-schedule.pdf"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/media/speakers/<name>")
@public
def photo(name: str):
    """A speaker's photo. Only names we gave out resolve; the content type comes from the stored kind."""
    path = photos.path_for(name)
    if path is None:
        abort(404)
    response = send_file(path, mimetype=photos.content_type(name), max_age=86400)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
