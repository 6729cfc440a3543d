"""The organiser's view of an event's outbox: what was queued, sent or failed, and retrying a failure."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from forum.auth.policy import Permission, requires
from forum.events.models import Event
from forum.mail import services
from forum.mail.models import OutboxStatus

bp = Blueprint("outbox_admin", __name__, url_prefix="/admin/events/<slug>/outbox")

# What each kind of message is, for the list; other purposes are shown by their code.
PURPOSE_LABELS = {
    "registration.confirmation": _l("Bekräftelse"),
    "registration.waiting": _l("Väntelista"),
    "registration.pending": _l("Anmälan mottagen"),
    "registration.promotion": _l("Plats från väntelistan"),
    "registration.approval": _l("Godkännande"),
    "registration.decline": _l("Avböjande"),
    "registration.cancellation": _l("Avbokning"),
    "registration.link": _l("Personlig länk"),
    "registration.workshop_seat": _l("Plats i pass"),
    "message": _l("Meddelande"),
    "invitation": _l("Inbjudan"),
    "invitation.reminder": _l("Påminnelse"),
}


@bp.context_processor
def _purpose_label():
    return {"purpose_label": lambda purpose: PURPOSE_LABELS.get(purpose, purpose)}


@bp.get("")
@requires(Permission.EVENT_MANAGE)
def outbox(event: Event):
    status = _status(request.args.get("status", ""))
    page = services.event_messages(event, status, request.args.get("page", 1, type=int))
    return render_template(
        "admin/outbox/list.html",
        event=event,
        page=page,
        status=status,
        counts=services.status_counts(event),
        statuses=list(OutboxStatus),
    )


@bp.post("/<int:message_id>/retry")
@requires(Permission.EVENT_MANAGE)
def retry(event: Event, message_id: int):
    message = services.event_message(event, message_id)
    if message is None:
        abort(404)
    if services.retry(event, message, by=current_user):
        flash(_("Meddelandet till %(recipient)s ligger i kön igen.", recipient=message.recipient), "success")
    else:
        flash(_("Bara misslyckade meddelanden kan skickas igen."), "error")
    return redirect(url_for("outbox_admin.outbox", slug=event.slug, status=request.args.get("status") or None))


def _status(value: str) -> OutboxStatus | None:
    try:
        return OutboxStatus(value) if value else None
    except ValueError:
        return None
