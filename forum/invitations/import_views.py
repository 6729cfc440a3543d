"""Organiser screens for importing invitees: upload a file or paste a list, check which column is which,
see every row that will and will not be imported (with its line number and reason), then import or cancel.

Nothing is invited before the confirmation: the uploaded table waits in an ImportBatch (at most 24 hours),
and the confirmation adds the valid rows and drops the batch in one transaction.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_number, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.routing import BuildError
from wtforms import TextAreaField
from wtforms.validators import DataRequired

from forum.auth.policy import Permission, requires
from forum.events.models import Event
from forum.extensions import db
from forum.invitations import importing
from forum.invitations.models import ImportBatch
from forum.invitations.services import invited_keys

bp = Blueprint("invitations_import", __name__, url_prefix="/admin/events/<slug>/invitees/import")

# How many rows of each kind the preview page lists; the counts are always complete.
SHOWN_ACCEPTED = 200
SHOWN_REJECTED = 500


class UploadForm(FlaskForm):
    file = FileField(
        _l("Fil (.xlsx eller .csv)"),
        [FileRequired(message=_l("Välj en fil att ladda upp."))],
        render_kw={"accept": ".xlsx,.csv"},
    )


class PasteForm(FlaskForm):
    text = TextAreaField(
        _l("Lista att klistra in"),
        [DataRequired(message=_l("Klistra in minst en person."))],
        description=_l(
            "En person per rad: ”Namn <e-post>”, bara e-postadressen, eller kolumner avgränsade med tabb "
            "(kopierat från Excel), semikolon eller komma, med eller utan rubrikrad."
        ),
        render_kw={"rows": 10, "spellcheck": "false"},
    )


class ImportForm(FlaskForm):
    """Confirm or cancel: only the CSRF token (the confirmation also posts the mapping that was shown)."""


# --- helpers -----------------------------------------------------------------------------------------


def invitee_list_url(event: Event) -> str:
    """The event's invitee list; the event overview while that screen is not there."""
    try:
        return url_for("invitations_admin.invitees", slug=event.slug)
    except BuildError:
        return url_for("events_admin.event_overview", slug=event.slug)


def _batch(event: Event, key: str) -> ImportBatch:
    batch = importing.find_batch(event, key)
    if batch is None:
        abort(404)
    return batch


def _expired(event: Event):
    flash(_("Uppladdningen har gått ut, ladda upp igen."), "warning")
    return redirect(url_for("invitations_import.upload", slug=event.slug), code=303)


def _render_upload(event: Event, upload_form: UploadForm, paste_form: PasteForm, status: int = 200):
    return (
        render_template(
            "admin/invitations/import_upload.html",
            event=event,
            upload_form=upload_form,
            paste_form=paste_form,
            max_megabytes=importing.MAX_FILE_BYTES >> 20,
            max_rows=format_number(importing.MAX_ROWS),
            back_url=invitee_list_url(event),
        ),
        status,
    )


def _add_error(field, message: str) -> None:
    field.errors = [*field.errors, message]


def _start(event: Event, table: importing.Table, filename: str):
    """Keep the table and show its preview."""
    mapping = importing.guess_mapping(table)
    importing.require_email_column(table, mapping)
    batch = importing.store_batch(event, table, mapping, filename=filename, by=current_user)
    db.session.commit()
    return redirect(url_for("invitations_import.preview", slug=event.slug, key=batch.key), code=303)


# --- upload or paste --------------------------------------------------------------------------------


@bp.route("", methods=["GET", "POST"])
@requires(Permission.EVENT_MANAGE)
def upload(event: Event):
    upload_form = UploadForm()
    paste_form = PasteForm(formdata=None)
    if upload_form.validate_on_submit():
        file = upload_form.file.data
        try:
            return _start(event, importing.read_upload(file.filename or "", file.stream), file.filename or "")
        except importing.Refused as refusal:
            db.session.rollback()
            _add_error(upload_form.file, refusal.message)
    return _render_upload(event, upload_form, paste_form)


@bp.post("/paste")
@requires(Permission.EVENT_MANAGE)
def paste(event: Event):
    upload_form = UploadForm(formdata=None)
    paste_form = PasteForm()
    if paste_form.validate_on_submit():
        try:
            return _start(event, importing.read_pasted(paste_form.text.data or ""), "")
        except importing.Refused as refusal:
            db.session.rollback()
            _add_error(paste_form.text, refusal.message)
    return _render_upload(event, upload_form, paste_form)


# --- mapping and preview ------------------------------------------------------------------------------


def _mapping(batch: ImportBatch, table: importing.Table, values) -> dict[str, int | None]:
    """The organiser's correction when the mapping form was sent ("mapped" marks it), else the stored guess."""
    if values.get("mapped"):
        return importing.mapping_from(values, table.width)
    return importing.stored_mapping(batch.mapping, table.width)


@bp.get("/<key>")
@requires(Permission.EVENT_MANAGE)
def preview(event: Event, key: str):
    batch = _batch(event, key)
    if importing.expired(batch):
        return _expired(event)
    table = importing.Table.from_json(batch.table)
    mapping = _mapping(batch, table, request.args)
    result = importing.check(table, mapping, invited_keys(event))
    return render_template(
        "admin/invitations/import_preview.html",
        event=event,
        batch=batch,
        table=table,
        columns=table.columns(),
        fields=[(name, importing.FIELD_LABELS[name]) for name in importing.FIELDS],
        mapping=mapping,
        preview=result,
        accepted=result.accepted[:SHOWN_ACCEPTED],
        rejected=result.rejected[:SHOWN_REJECTED],
        language_labels=importing.LANGUAGE_LABELS,
        form=ImportForm(formdata=None),
        back_url=invitee_list_url(event),
    )


@bp.post("/<key>/confirm")
@requires(Permission.EVENT_MANAGE)
def confirm(event: Event, key: str):
    batch = _batch(event, key)
    if not ImportForm().validate_on_submit():
        abort(400)
    if importing.expired(batch):
        importing.discard(batch)
        db.session.commit()
        return _expired(event)
    table = importing.Table.from_json(batch.table)
    mapping = _mapping(batch, table, request.form)
    if mapping["email"] is None:
        flash(_("Välj vilken kolumn som innehåller e-postadresserna."), "error")
        return redirect(
            url_for("invitations_import.preview", slug=event.slug, key=key, mapped=1, **_query(mapping)), code=303
        )
    added = importing.import_batch(event, batch, mapping, by=current_user)
    db.session.commit()
    flash(ngettext("%(num)d person lades till.", "%(num)d personer lades till.", len(added)), "success")
    return redirect(invitee_list_url(event), code=303)


def _query(mapping: dict[str, int | None]) -> dict[str, str]:
    return {name: "" if index is None else str(index) for name, index in mapping.items()}


@bp.post("/<key>/cancel")
@requires(Permission.EVENT_MANAGE)
def cancel(event: Event, key: str):
    batch = _batch(event, key)
    if not ImportForm().validate_on_submit():
        abort(400)
    importing.discard(batch)
    db.session.commit()
    flash(_("Importen avbröts. Ingen lades till."), "info")
    return redirect(invitee_list_url(event), code=303)
