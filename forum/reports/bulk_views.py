"""Bulk actions on rows of the organisers' participant list (the list itself is the registrations
page, forum.registration.admin_views.registrations): send a message, print badges, approve, and
cancel after a confirmation page.

The rows are the ticked ones of the page, or every row that matches the list's filters. Message
and badges hand over to their own pages (forum.mail.broadcast_views through forum.reports.selection,
forum.badges.admin_views with the ids); approve and cancel go through the registration services,
which e-mail each person and write the audit log.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from forum.auth.policy import Permission, requires
from forum.badges.admin_views import LAYOUT_CHOICES
from forum.events.models import Event
from forum.extensions import db
from forum.registration.admin_forms import ActionForm
from forum.registration.models import Registration, RegistrationStatus
from forum.reports import participants, selection
from forum.reports.participants import Filters

bp = Blueprint("bulk_admin", __name__, url_prefix="/admin/events/<slug>/registrations")

ACTIONS = ("message", "badges", "approve", "cancel")
# Names shown on the cancel confirmation before "and N more".
SHOWN_NAMES = 50


def _back(event: Event, filters: Filters):
    return redirect(url_for("registrations_admin.registrations", slug=event.slug, **filters.args()), code=303)


def _chosen(event: Event, filters: Filters) -> list[Registration]:
    if request.form.get("scope") == "all":
        return participants.of_event(event, participants.ids(event, filters))
    return participants.of_event(event, request.form.getlist("selected"))


@bp.post("/bulk")
@requires(Permission.EVENT_MANAGE)
def bulk(event: Event):
    filters = Filters.from_args(request.form)
    form = ActionForm()
    action = request.form.get("action", "")
    if not form.validate_on_submit() or action not in ACTIONS:
        flash(_("Välj en åtgärd."), "error")
        return _back(event, filters)
    chosen = _chosen(event, filters)
    if not chosen:
        flash(_("Markera minst en anmälan, eller välj alla som matchar urvalet."), "error")
        return _back(event, filters)
    if action == "message":
        if request.form.get("scope") == "all":
            selection.remember(event, filters=filters)
        else:
            selection.remember(event, ids=[registration.id for registration in chosen])
        flash(
            ngettext(
                "%(num)d markerad mottagare: välj ”Markerade i deltagarlistan” som mottagare.",
                "%(num)d markerade mottagare: välj ”Markerade i deltagarlistan” som mottagare.",
                len(chosen),
            ),
            "info",
        )
        return redirect(url_for("messages_admin.compose", slug=event.slug), code=303)
    if action == "badges":
        confirmed = [registration for registration in chosen if registration.status == RegistrationStatus.CONFIRMED]
        return render_template(
            "admin/registrations/bulk_badges.html",
            event=event,
            form=form,
            chosen=chosen,
            confirmed=confirmed,
            layouts=LAYOUT_CHOICES,
            filters=filters,
        )
    if action == "approve":
        outcome = participants.approve_many(chosen, by=current_user)
        db.session.commit()
        _flash_outcome(outcome, approved=True)
        return _back(event, filters)
    active = [registration for registration in chosen if registration.is_active]
    if not active:
        flash(_("Ingen av de markerade har en aktiv anmälan att avboka."), "error")
        return _back(event, filters)
    return render_template(
        "admin/registrations/bulk_cancel.html",
        event=event,
        form=form,
        active=active,
        shown=active[:SHOWN_NAMES],
        skipped=len(chosen) - len(active),
        filters=filters,
    )


@bp.post("/bulk/cancel")
@requires(Permission.EVENT_MANAGE)
def bulk_cancel(event: Event):
    """The confirmation's button: cancel exactly the registrations the confirmation page listed."""
    filters = Filters.from_args(request.form)
    if not ActionForm().validate_on_submit():
        flash(_("Formuläret hade gått ut. Försök igen."), "error")
        return _back(event, filters)
    chosen = participants.of_event(event, request.form.getlist("selected"))
    if not chosen:
        flash(_("Markera minst en anmälan, eller välj alla som matchar urvalet."), "error")
        return _back(event, filters)
    outcome = participants.cancel_many(chosen, by=current_user)
    db.session.commit()
    _flash_outcome(outcome, approved=False)
    return _back(event, filters)


def _flash_outcome(outcome: participants.BulkOutcome, *, approved: bool) -> None:
    count = len(outcome.done)
    if approved:
        if count:
            flash(
                ngettext(
                    "%(num)d anmälan godkändes. Personen får ett e-postmeddelande.",
                    "%(num)d anmälningar godkändes. Var och en får ett e-postmeddelande.",
                    count,
                ),
                "success",
            )
        if outcome.waiting:
            flash(
                ngettext(
                    "Evenemanget är fullt: %(num)d av dem står på väntelistan.",
                    "Evenemanget är fullt: %(num)d av dem står på väntelistan.",
                    len(outcome.waiting),
                ),
                "warning",
            )
        if outcome.skipped:
            flash(
                ngettext(
                    "%(num)d markerad väntade inte på godkännande och ändrades inte.",
                    "%(num)d markerade väntade inte på godkännande och ändrades inte.",
                    outcome.skipped,
                ),
                "info",
            )
        return
    flash(
        ngettext(
            "%(num)d anmälan avbokades. Personen får en bekräftelse per e-post.",
            "%(num)d anmälningar avbokades. Var och en får en bekräftelse per e-post.",
            count,
        ),
        "success",
    )
    if outcome.skipped:
        flash(
            ngettext(
                "%(num)d var redan avbokad eller avböjd och ändrades inte.",
                "%(num)d var redan avbokade eller avböjda och ändrades inte.",
                outcome.skipped,
            ),
            "info",
        )
