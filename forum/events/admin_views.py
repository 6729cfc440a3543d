"""Organiser screens for events, focus areas, rooms and host organisations.

Thin views: parse the form, call forum.events.admin_services, render. Every route declares its
permission with @requires; event permissions resolve <slug> and pass `event`.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from forum.auth.policy import Permission, allows, requires
from forum.events import admin_services
from forum.events.forms import (
    CancelEventForm,
    ConfirmForm,
    EventForm,
    FocusAreaForm,
    OrganisationForm,
    RoomForm,
)
from forum.events.models import Event, FocusArea, Organisation, Room
from forum.extensions import db
from forum.privacy import audit

bp = Blueprint("events_admin", __name__, url_prefix="/admin")

# What the audit log's actions mean, for the log pages; other actions are shown by their code.
AUDIT_LABELS = {
    "event.created": _l("Evenemanget skapades"),
    "event.updated": _l("Uppgifterna ändrades"),
    "event.published": _l("Evenemanget publicerades"),
    "event.unpublished": _l("Evenemanget avpublicerades"),
    "event.cancelled": _l("Evenemanget ställdes in"),
    "event.reopened": _l("Evenemanget öppnades igen som utkast"),
    "focus_area.created": _l("Fokusområde lades till"),
    "focus_area.updated": _l("Fokusområde ändrades"),
    "focus_area.deleted": _l("Fokusområde togs bort"),
    "focus_area.moved": _l("Fokusområde flyttades"),
    "room.created": _l("Lokal lades till"),
    "room.updated": _l("Lokal ändrades"),
    "room.deleted": _l("Lokal togs bort"),
}
audit.register_labels(AUDIT_LABELS)


def _page_number() -> int:
    return request.args.get("page", 1, type=int)


def _to_overview(event: Event):
    return redirect(url_for("events_admin.event_overview", slug=event.slug))


# --- dashboard ---------------------------------------------------------------------------------


@bp.get("/")
@requires(Permission.LOGIN)
def dashboard():
    page = admin_services.dashboard(current_user, _page_number())
    return render_template(
        "admin/dashboard.html",
        page=page,
        can_create=allows(current_user, Permission.EVENT_CREATE),
    )


# --- events ------------------------------------------------------------------------------------


@bp.route("/events/new", methods=["GET", "POST"])
@requires(Permission.EVENT_CREATE)
def event_new():
    form = EventForm(organisations=admin_services.organisations())
    if form.validate_on_submit():
        try:
            event = admin_services.create_event(current_user, form.values())
        except admin_services.Invalid as error:
            form.attach(error.errors)
        else:
            flash(_("Evenemanget är skapat som utkast."), "success")
            return _to_overview(event)
    return render_template("admin/events/form.html", form=form, event=None)


@bp.route("/events/<slug>/edit", methods=["GET", "POST"])
@requires(Permission.EVENT_MANAGE)
def event_edit(event: Event):
    form = EventForm(
        data=admin_services.event_form_values(event), event=event, organisations=admin_services.organisations()
    )
    if form.validate_on_submit():
        try:
            changed = admin_services.update_event(current_user, event, form.values())
        except admin_services.Invalid as error:
            form.attach(error.errors)
        else:
            flash(_("Ändringarna är sparade.") if changed else _("Inget ändrades."), "success")
            return _to_overview(event)
    return render_template("admin/events/form.html", form=form, event=event)


@bp.get("/events/<slug>/")
@requires(Permission.EVENT_CHECKIN)
def event_overview(event: Event):
    can_manage = allows(current_user, Permission.EVENT_MANAGE, event)
    return render_template(
        "admin/events/overview.html",
        event=event,
        can_manage=can_manage,
        # The log can name people and what was done to them: only for those who manage the event.
        log=admin_services.recent_log(event) if can_manage else [],
        publish_problems=admin_services.publish_problems(event),
    )


@bp.get("/events/<slug>/log")
@requires(Permission.EVENT_MANAGE)
def event_log(event: Event):
    return render_template("admin/events/log.html", event=event, page=admin_services.event_log(event, _page_number()))


def _status_action(event: Event, action, done_message: str):
    try:
        action(current_user, event)
    except admin_services.Refused as refusal:
        flash(refusal.explanation(), "error")
    else:
        flash(done_message, "success")
    return _to_overview(event)


@bp.post("/events/<slug>/publish")
@requires(Permission.EVENT_MANAGE)
def event_publish(event: Event):
    return _status_action(event, admin_services.publish_event, _("Evenemanget är publicerat."))


@bp.post("/events/<slug>/unpublish")
@requires(Permission.EVENT_MANAGE)
def event_unpublish(event: Event):
    return _status_action(
        event, admin_services.unpublish_event, _("Evenemanget är avpublicerat och syns inte längre för allmänheten.")
    )


@bp.post("/events/<slug>/reopen")
@requires(Permission.EVENT_MANAGE)
def event_reopen(event: Event):
    return _status_action(event, admin_services.reopen_event, _("Evenemanget är öppnat igen som utkast."))


@bp.route("/events/<slug>/cancel", methods=["GET", "POST"])
@requires(Permission.EVENT_MANAGE)
def event_cancel(event: Event):
    form = CancelEventForm()
    if form.validate_on_submit():
        return _status_action(event, admin_services.cancel_event, _("Evenemanget är inställt."))
    return render_template("admin/events/cancel.html", event=event, form=form)


# --- focus areas -------------------------------------------------------------------------------


def _focus_area(event: Event, area_id: int) -> FocusArea:
    area = db.session.get(FocusArea, area_id)
    if area is None or area.event_id != event.id:
        abort(404)
    return area


@bp.route("/events/<slug>/focus-areas", methods=["GET", "POST"])
@requires(Permission.EVENT_MANAGE)
def focus_areas(event: Event):
    form = FocusAreaForm()
    if form.validate_on_submit():
        try:
            area = admin_services.add_focus_area(current_user, event, form.values())
        except admin_services.Invalid as error:
            form.attach(error.errors)
        else:
            flash(_("Fokusområdet %(name)s är tillagt.", name=area.name), "success")
            return redirect(url_for("events_admin.focus_areas", slug=event.slug))
    return render_template("admin/events/focus_areas.html", event=event, form=form)


@bp.route("/events/<slug>/focus-areas/<int:area_id>/edit", methods=["GET", "POST"])
@requires(Permission.EVENT_MANAGE)
def focus_area_edit(event: Event, area_id: int):
    area = _focus_area(event, area_id)
    form = FocusAreaForm(obj=area)
    if form.validate_on_submit():
        try:
            admin_services.update_focus_area(current_user, area, form.values())
        except admin_services.Invalid as error:
            form.attach(error.errors)
        else:
            flash(_("Fokusområdet är sparat."), "success")
            return redirect(url_for("events_admin.focus_areas", slug=event.slug))
    return render_template("admin/events/focus_area_form.html", event=event, area=area, form=form)


@bp.route("/events/<slug>/focus-areas/<int:area_id>/delete", methods=["GET", "POST"])
@requires(Permission.EVENT_MANAGE)
def focus_area_delete(event: Event, area_id: int):
    area = _focus_area(event, area_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = area.name
        admin_services.delete_focus_area(current_user, area)
        flash(_("Fokusområdet %(name)s är borttaget.", name=name), "success")
        return redirect(url_for("events_admin.focus_areas", slug=event.slug))
    linked = sum(1 for item in event.programme_items if area in item.focus_areas)
    return render_template(
        "admin/events/confirm_delete.html",
        event=event,
        form=form,
        title=_("Ta bort fokusområdet %(name)s?", name=area.name),
        consequence=(
            ngettext(
                "%(num)s programpunkt har fokusområdet. Den finns kvar, utan det.",
                "%(num)s programpunkter har fokusområdet. De finns kvar, utan det.",
                linked,
            )
            if linked
            else _("Inga programpunkter har fokusområdet.")
        ),
        back=url_for("events_admin.focus_areas", slug=event.slug),
    )


@bp.post("/events/<slug>/focus-areas/<int:area_id>/move")
@requires(Permission.EVENT_MANAGE)
def focus_area_move(event: Event, area_id: int):
    area = _focus_area(event, area_id)
    direction = request.form.get("direction", "")
    if direction not in ("up", "down"):
        abort(400)
    admin_services.move_focus_area(current_user, area, direction)
    return redirect(url_for("events_admin.focus_areas", slug=event.slug) + f"#focus-area-{area_id}")


# --- rooms -------------------------------------------------------------------------------------


def _room(event: Event, room_id: int) -> Room:
    room = db.session.get(Room, room_id)
    if room is None or room.event_id != event.id:
        abort(404)
    return room


@bp.route("/events/<slug>/rooms", methods=["GET", "POST"])
@requires(Permission.EVENT_MANAGE)
def rooms(event: Event):
    form = RoomForm()
    if form.validate_on_submit():
        try:
            room = admin_services.add_room(current_user, event, form.values())
        except admin_services.Invalid as error:
            form.attach(error.errors)
        else:
            flash(_("Lokalen %(name)s är tillagd.", name=room.name), "success")
            return redirect(url_for("events_admin.rooms", slug=event.slug))
    return render_template("admin/events/rooms.html", event=event, form=form)


@bp.route("/events/<slug>/rooms/<int:room_id>/edit", methods=["GET", "POST"])
@requires(Permission.EVENT_MANAGE)
def room_edit(event: Event, room_id: int):
    room = _room(event, room_id)
    form = RoomForm(obj=room)
    if form.validate_on_submit():
        try:
            admin_services.update_room(current_user, room, form.values())
        except admin_services.Invalid as error:
            form.attach(error.errors)
        else:
            flash(_("Lokalen är sparad."), "success")
            return redirect(url_for("events_admin.rooms", slug=event.slug))
    return render_template("admin/events/room_form.html", event=event, room=room, form=form)


@bp.route("/events/<slug>/rooms/<int:room_id>/delete", methods=["GET", "POST"])
@requires(Permission.EVENT_MANAGE)
def room_delete(event: Event, room_id: int):
    room = _room(event, room_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = room.name
        admin_services.delete_room(current_user, room)
        flash(_("Lokalen %(name)s är borttagen.", name=name), "success")
        return redirect(url_for("events_admin.rooms", slug=event.slug))
    in_room = sum(1 for item in event.programme_items if item.room_id == room.id)
    return render_template(
        "admin/events/confirm_delete.html",
        event=event,
        form=form,
        title=_("Ta bort lokalen %(name)s?", name=room.name),
        consequence=(
            ngettext(
                "%(num)s programpunkt är i lokalen. Den finns kvar, utan lokal.",
                "%(num)s programpunkter är i lokalen. De finns kvar, utan lokal.",
                in_room,
            )
            if in_room
            else _("Inga programpunkter är i lokalen.")
        ),
        back=url_for("events_admin.rooms", slug=event.slug),
    )


# --- organisations -----------------------------------------------------------------------------


def _organisation(org_id: int) -> Organisation:
    organisation = db.session.get(Organisation, org_id)
    if organisation is None:
        abort(404)
    return organisation


@bp.get("/organisations")
@requires(Permission.ADMIN)
def organisations():
    return render_template("admin/organisations/list.html", page=admin_services.organisation_page(_page_number()))


@bp.route("/organisations/new", methods=["GET", "POST"])
@requires(Permission.ADMIN)
def organisation_new():
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            organisation = admin_services.create_organisation(current_user, form.values())
        except admin_services.Invalid as error:
            form.attach(error.errors)
        else:
            flash(_("Organisationen %(name)s är tillagd.", name=organisation.name), "success")
            return redirect(url_for("events_admin.organisations"))
    return render_template("admin/organisations/form.html", form=form, organisation=None)


@bp.route("/organisations/<int:org_id>/edit", methods=["GET", "POST"])
@requires(Permission.ADMIN)
def organisation_edit(org_id: int):
    organisation = _organisation(org_id)
    form = OrganisationForm(obj=organisation)
    if form.validate_on_submit():
        try:
            admin_services.update_organisation(current_user, organisation, form.values())
        except admin_services.Invalid as error:
            form.attach(error.errors)
        else:
            flash(_("Organisationen är sparad."), "success")
            return redirect(url_for("events_admin.organisations"))
    return render_template("admin/organisations/form.html", form=form, organisation=organisation)


@bp.route("/organisations/<int:org_id>/delete", methods=["GET", "POST"])
@requires(Permission.ADMIN)
def organisation_delete(org_id: int):
    organisation = _organisation(org_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = organisation.name
        try:
            admin_services.delete_organisation(current_user, organisation)
        except admin_services.Refused as refusal:
            flash(refusal.explanation(), "error")
        else:
            flash(_("Organisationen %(name)s är borttagen.", name=name), "success")
        return redirect(url_for("events_admin.organisations"))
    return render_template(
        "admin/organisations/delete.html",
        organisation=organisation,
        form=form,
        event_count=admin_services.organisation_event_count(organisation),
    )
