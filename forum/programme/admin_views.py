"""Organiser screens for an event's programme: the list grouped by day (with conflict warnings),
adding, editing and deleting items. Thin views over forum.programme.services."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from forum.auth.policy import Permission, requires
from forum.events.models import Event
from forum.extensions import db
from forum.i18n import format_time_range
from forum.privacy import audit
from forum.programme import services
from forum.programme.admin_forms import ConfirmForm, ProgrammeItemForm
from forum.programme.models import ProgrammeItem

bp = Blueprint("programme_admin", __name__, url_prefix="/admin/events/<slug>/programme")

audit.register_labels(
    {
        "programme_item.created": _l("Programpunkt lades till"),
        "programme_item.updated": _l("Programpunkt ändrades"),
        "programme_item.deleted": _l("Programpunkt togs bort"),
    }
)


def _item(event: Event, item_id: int) -> ProgrammeItem:
    item = db.session.get(ProgrammeItem, item_id)
    if item is None or item.event_id != event.id:
        abort(404)
    return item


def _speaker_order() -> dict[str, str]:
    prefix = "speaker_order-"
    return {key[len(prefix) :]: value for key, value in request.form.items() if key.startswith(prefix)}


def _to_list(event: Event, item: ProgrammeItem | None = None):
    anchor = f"#item-{item.id}" if item is not None else ""
    return redirect(url_for("programme_admin.programme", slug=event.slug) + anchor)


@bp.get("")
@requires(Permission.EVENT_MANAGE)
def programme(event: Event):
    items = services.items(event)
    conflicts = services.conflicts(event, items)
    return render_template(
        "admin/programme/list.html",
        event=event,
        days=services.by_day(event, items),
        conflicts=conflicts,
        span=lambda item: format_time_range(item.starts_at, item.ends_at, event.timezone),
        conflicting={item.id for conflict in conflicts for item in (conflict.first, conflict.second)},
    )


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.EVENT_MANAGE)
def item_new(event: Event):
    form = ProgrammeItemForm(event=event, formdata_order=_speaker_order())
    if form.validate_on_submit():
        try:
            item = services.create_item(current_user, event, form.values())
        except services.Invalid as error:
            form.attach(error.errors)
        else:
            flash(_("Programpunkten %(title)s är tillagd.", title=item.title), "success")
            return _to_list(event, item)
    return render_template("admin/programme/form.html", event=event, form=form, item=None)


@bp.route("/<int:item_id>/edit", methods=["GET", "POST"])
@requires(Permission.EVENT_MANAGE)
def item_edit(event: Event, item_id: int):
    item = _item(event, item_id)
    form = ProgrammeItemForm(data=services.form_values(item), event=event, formdata_order=_speaker_order())
    if form.validate_on_submit():
        try:
            changed = services.update_item(current_user, item, form.values())
        except services.Invalid as error:
            form.attach(error.errors)
        else:
            flash(_("Ändringarna är sparade.") if changed else _("Inget ändrades."), "success")
            return _to_list(event, item)
    return render_template("admin/programme/form.html", event=event, form=form, item=item)


@bp.route("/<int:item_id>/delete", methods=["GET", "POST"])
@requires(Permission.EVENT_MANAGE)
def item_delete(event: Event, item_id: int):
    item = _item(event, item_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        title = item.title
        services.delete_item(current_user, item)
        flash(_("Programpunkten %(title)s är borttagen.", title=title), "success")
        return _to_list(event)
    return render_template("admin/programme/delete.html", event=event, form=form, item=item)
