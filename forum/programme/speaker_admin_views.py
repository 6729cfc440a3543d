"""Organiser screens for an event's speakers: the list, adding and editing one, inviting by e-mail
(the personal link /s/<token>) and removing with confirmation. The changes are
forum.programme.speakers' (audited); the views check the input, commit and say what happened."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, StringField, TextAreaField

from forum.auth.policy import Permission, requires
from forum.events.forms import ChoiceField
from forum.events.models import Event
from forum.extensions import db
from forum.forms import LANGUAGE_CHOICES, email_address, limit, person_name, plain_text, required, strip
from forum.programme import photos
from forum.programme import speakers as services
from forum.programme.models import Speaker

bp = Blueprint("speakers_admin", __name__, url_prefix="/admin/events/<slug>/speakers")


class SpeakerForm(FlaskForm):
    name = StringField(
        _l("Namn"),
        [required(), limit(services.NAME_LENGTH), person_name],
        filters=[strip],
        render_kw={"autocomplete": "off"},
    )
    title = StringField(
        _l("Titel"),
        [limit(services.TITLE_LENGTH), plain_text],
        filters=[strip],
        description=_l("Till exempel länsråd eller forskare."),
    )
    organisation = StringField(_l("Organisation"), [limit(services.ORGANISATION_LENGTH), plain_text], filters=[strip])
    email = EmailField(_l("E-post"), [required(), limit(services.EMAIL_LENGTH), email_address], filters=[strip])
    language = ChoiceField(_l("Språk"), pairs=LANGUAGE_CHOICES, description=_l("Inbjudan skickas på det här språket."))
    bio = TextAreaField(
        _l("Kort presentation"),
        [limit(services.BIO_LENGTH), plain_text],
        filters=[strip],
        description=_l("Markdown går bra. Talaren kan själv ändra presentationen på sin sida."),
        render_kw={"rows": 6},
    )

    photo_upload = FileField(
        _l("Foto"),
        description=_l("Frivilligt. En JPEG- eller PNG-bild, högst 2 MB. Visas på talarens sida."),
        render_kw={"accept": "image/jpeg,image/png"},
    )
    remove_photo = BooleanField(_l("Ta bort fotot"))

    def data_for_service(self) -> services.SpeakerData:
        return services.SpeakerData(
            name=self.name.data or "",
            email=self.email.data or "",
            title=self.title.data or "",
            organisation=self.organisation.data or "",
            bio=self.bio.data or "",
            language=self.language.data or "sv",
        )


class ActionForm(FlaskForm):
    """A POST button: only the CSRF token."""


def _speaker(event: Event, speaker_id: int) -> Speaker:
    speaker = services.find(event, speaker_id)
    if speaker is None:
        abort(404)
    return speaker


def _to_list(event: Event):
    return redirect(url_for("speakers_admin.speakers", slug=event.slug), code=303)


def _show_refusal(form: FlaskForm, refused: services.Refused) -> None:
    for name, message in refused.errors.items():
        getattr(form, name).errors = [*getattr(form, name).errors, message]


@bp.get("")
@requires(Permission.EVENT_MANAGE)
def speakers(event: Event):
    return render_template(
        "admin/speakers/list.html",
        event=event,
        speakers=services.speakers(event),
        form=ActionForm(formdata=None),
    )


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.EVENT_MANAGE)
def speaker_new(event: Event):
    form = SpeakerForm()
    if request.method == "GET":
        form.language.data = "sv"
    if form.validate_on_submit():
        try:
            speaker = services.add_speaker(event, form.data_for_service(), by=current_user)
            photos.replace(speaker, form.photo_upload.data)
        except services.Refused as refused:
            db.session.rollback()
            _show_refusal(form, refused)
        except photos.PhotoRefused as refused:
            db.session.rollback()
            form.photo_upload.errors = [refused.message]
        else:
            db.session.commit()
            flash(_("%(name)s är tillagd som talare.", name=speaker.name), "success")
            return _to_list(event)
    return render_template("admin/speakers/form.html", event=event, form=form, speaker=None)


@bp.route("/<int:speaker_id>/edit", methods=["GET", "POST"])
@requires(Permission.EVENT_MANAGE)
def speaker_edit(event: Event, speaker_id: int):
    speaker = _speaker(event, speaker_id)
    form = SpeakerForm(obj=speaker)
    if form.validate_on_submit():
        try:
            services.update_speaker(speaker, form.data_for_service(), by=current_user)
            photos.replace(speaker, form.photo_upload.data, remove_current=form.remove_photo.data)
        except services.Refused as refused:
            db.session.rollback()
            _show_refusal(form, refused)
        except photos.PhotoRefused as refused:
            db.session.rollback()
            speaker = _speaker(event, speaker_id)
            form.photo_upload.errors = [refused.message]
        else:
            db.session.commit()
            flash(_("Ändringarna är sparade."), "success")
            return _to_list(event)
    return render_template("admin/speakers/form.html", event=event, form=form, speaker=speaker)


@bp.post("/<int:speaker_id>/invite")
@requires(Permission.EVENT_MANAGE)
def speaker_invite(event: Event, speaker_id: int):
    speaker = _speaker(event, speaker_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.invite(speaker, by=current_user)
    db.session.commit()
    flash(_("Inbjudan till %(name)s ligger i utkorgen och skickas nu.", name=speaker.name), "success")
    return _to_list(event)


@bp.route("/<int:speaker_id>/remove", methods=["GET", "POST"])
@requires(Permission.EVENT_MANAGE)
def speaker_remove(event: Event, speaker_id: int):
    speaker = _speaker(event, speaker_id)
    form = ActionForm()
    if form.validate_on_submit():
        name = speaker.name
        services.remove_speaker(speaker, by=current_user)
        db.session.commit()
        flash(_("%(name)s är borttagen som talare.", name=name), "success")
        return _to_list(event)
    return render_template(
        "admin/speakers/remove.html", event=event, speaker=speaker, items=services.items_of(speaker), form=form
    )
