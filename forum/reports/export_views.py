"""The organisers' export page: the filtered participant list as CSV, "Excel (svenska)" CSV or XLSX
with the columns they choose (remembered), and the printed lists as PDF. Organisers only: check-in
staff may look people up at the door but not take the list away.

The page carries the list's filters (query arguments on the GET, hidden inputs in the POST), so
every file holds the rows of the list the organiser came from. Each download is audited
(forum.reports.exports.record).
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm

from forum.auth.policy import Permission, requires
from forum.db import utcnow
from forum.events.models import Event
from forum.extensions import db
from forum.privacy import audit
from forum.registration import services as registration_services
from forum.reports import exports, pdf
from forum.reports.participants import Filters, select_registrations
from forum.security import private

bp = Blueprint("exports_admin", __name__, url_prefix="/admin/events/<slug>/exports")

AUDIT_LABELS = {
    exports.EXPORTED: _l("Deltagarlistan exporterades"),
    exports.HEALTH_EXPORTED: _l("Lista med särskilda kostbehov (känsliga uppgifter) exporterades"),
}
audit.register_labels(AUDIT_LABELS)

SIGN_IN, DOOR, WORKSHOPS, CATERING, DIETARY_NAMES = "signin", "door", "workshops", "catering", "dietary_names"
PDF_FORMATS = {
    SIGN_IN: _l("Närvarolista med namnteckning"),
    DOOR: _l("Dörrlista"),
    WORKSHOPS: _l("Listor per pass"),
    CATERING: _l("Kostsammanställning (bara antal)"),
}
PDF_NAMES = {
    SIGN_IN: "narvarolista",
    DOOR: "dorrlista",
    WORKSHOPS: "pass",
    CATERING: "kost",
    DIETARY_NAMES: "kost-namn",
}
# The fixed columns of each printed list, for the audit log.
PDF_COLUMNS = {
    SIGN_IN: ["last_name", "first_name", "organisation", "signature"],
    DOOR: ["last_name", "first_name", "organisation", "workshops", "checked_in"],
    WORKSHOPS: ["last_name", "first_name", "organisation", "workshops"],
    CATERING: ["dietary_counts"],
    DIETARY_NAMES: ["last_name", "first_name", "organisation", "dietary", "dietary_other"],
}


class ExportForm(FlaskForm):
    """Only the CSRF token: the columns and format are read from the posted values and checked
    against what the event offers."""


def _page(event: Event, filters: Filters, form: ExportForm, columns: list[str], error: str = "", status: int = 200):
    matching = db.session.scalar(select_registrations(event, filters).with_only_columns(db.func.count()).order_by(None))
    return (
        render_template(
            "admin/registrations/exports.html",
            event=event,
            form=form,
            filters=filters,
            matching=matching or 0,
            columns=exports.available_columns(event),
            chosen=set(columns),
            spreadsheet_formats=exports.SPREADSHEET_FORMATS,
            pdf_formats=PDF_FORMATS,
            error=error,
        ),
        status,
    )


@bp.get("")
@requires(Permission.EVENT_MANAGE)
def export_page(event: Event):
    filters = Filters.from_args(request.args)
    return _page(event, filters, ExportForm(), exports.remembered_columns(current_user, event))


@bp.post("")
@requires(Permission.EVENT_MANAGE)
def export(event: Event):
    filters = Filters.from_args(request.form)
    form = ExportForm()
    keys = request.form.getlist("columns")
    fmt = request.form.get("format", "")
    if not form.validate_on_submit():
        return _page(event, filters, form, keys, _("Sidan hade gått ut. Försök igen."), 400)
    if fmt in exports.SPREADSHEET_FORMATS:
        columns = exports.chosen_columns(event, keys)
        if not columns:
            return _page(event, filters, form, keys, _("Välj minst en kolumn."))
        result = exports.spreadsheet(event, filters, fmt, columns, by=current_user)
        db.session.commit()
        return _download(result.body, result.mimetype, result.filename)
    if fmt in PDF_NAMES:
        body = _pdf(event, filters, fmt)
        db.session.commit()
        return _download(body, "application/pdf", f"{event.slug}-{PDF_NAMES[fmt]}-{utcnow():%Y%m%d}.pdf")
    return _page(event, filters, form, keys, _("Välj vad du vill hämta."))


def _pdf(event: Event, filters: Filters, fmt: str) -> bytes:
    """A printed list of the confirmed participants in the filtered list; audited."""
    needs = {DOOR: {"workshops", "checkins"}, WORKSHOPS: {"workshops"}}.get(fmt, set())
    rows = exports.rows(event, filters, needs, confirmed_only=True)
    if fmt == SIGN_IN:
        body = pdf.sign_in_sheet(event, rows)
    elif fmt == DOOR:
        body = pdf.door_list(event, rows)
    elif fmt == WORKSHOPS:
        body = pdf.workshop_lists(event, rows, registration_services.workshops(event))
    elif fmt == CATERING:
        body = pdf.catering_summary(event, rows)
    else:
        body = pdf.dietary_names(event, rows)
        rows = [row for row in rows if row.dietary or row.dietary_other.strip()]
    exports.record(
        event,
        by=current_user,
        fmt=f"pdf:{fmt}",
        rows=len(rows),
        columns=PDF_COLUMNS[fmt],
        filters=filters,
        health=fmt == DIETARY_NAMES,
    )
    return body


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    # Personal data: not kept by caches on the way, and no referrer (forum.security.private).
    response = private(Response(body, mimetype=mimetype))
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
