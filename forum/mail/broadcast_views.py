"""Organiser screens for messages to an event's people: compose, preview with a real recipient's
copy and the recipient count, send (queued in the outbox), and the messages sent so far (from the log).

Compose, preview and send post the same form; the preview page carries the fields as hidden inputs,
with a button back to editing. Sending is forum.mail.broadcast.send (one transaction, audited).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from forum.auth.policy import Permission, requires
from forum.events.models import Event
from forum.extensions import db
from forum.mail import broadcast
from forum.mail.forms import MessageForm
from forum.privacy import audit

bp = Blueprint("messages_admin", __name__, url_prefix="/admin/events/<slug>/messages")

# What this module's audit actions mean, for the event's log page.
AUDIT_LABELS = {
    broadcast.SENT: _l("Meddelande skickades"),
    broadcast.UNSUBSCRIBED: _l("Avslutade utskicken om nätverkets arbete"),
}
audit.register_labels(AUDIT_LABELS)


def _form(event: Event) -> tuple[MessageForm, list[broadcast.Segment], dict[str, int]]:
    segments = broadcast.segments(event)
    counts = {segment.key: segment.count() for segment in segments}
    form = MessageForm()
    form.offer(segments, counts)
    return form, segments, counts


def _compose_page(event: Event, form: MessageForm):
    return render_template(
        "admin/messages/compose.html",
        event=event,
        form=form,
        sent=broadcast.sent_messages(event, request.args.get("page", 1, type=int)),
    )


def _preview_page(event: Event, form: MessageForm, segment: broadcast.Segment, changed: bool = False):
    draft = broadcast.clean(form.draft())
    result = broadcast.preview(event, segment, draft)
    form.expected.data = str(result.count)
    return render_template(
        "admin/messages/preview.html", event=event, form=form, draft=draft, preview=result, changed=changed
    )


@bp.route("", methods=["GET", "POST"])
@requires(Permission.EVENT_MANAGE)
def compose(event: Event):
    """The form (a POST comes from the preview's "edit" button and fills it in), and the messages sent."""
    form, _segments, _counts = _form(event)
    return _compose_page(event, form)


@bp.post("/preview")
@requires(Permission.EVENT_MANAGE)
def preview(event: Event):
    form, _segments, _counts = _form(event)
    if not form.validate_on_submit():
        return _compose_page(event, form)
    segment = broadcast.find_segment(event, form.segment.data)
    return _preview_page(event, form, segment)


@bp.post("/send")
@requires(Permission.EVENT_MANAGE)
def send(event: Event):
    form, _segments, counts = _form(event)
    if not form.validate_on_submit():
        return _compose_page(event, form)
    segment = broadcast.find_segment(event, form.segment.data)
    if str(counts[segment.key]) != form.expected.data:
        # Registrations changed since the preview: show the new count before anything is sent.
        return _preview_page(event, form, segment, changed=True)
    try:
        count = broadcast.send(event, segment.key, form.draft(), by=current_user, submission=form.submission.data or "")
    except broadcast.Refused as refusal:
        db.session.rollback()
        if "" in refusal.errors:
            flash(refusal.errors[""], "error")
            return redirect(url_for("messages_admin.compose", slug=event.slug), code=303)
        form.attach(refusal.errors)
        return _compose_page(event, form)
    flash(
        ngettext(
            "Meddelandet ligger i utkorgen och skickas till %(num)d mottagare.",
            "Meddelandet ligger i utkorgen och skickas till %(num)d mottagare.",
            count,
        ),
        "success",
    )
    return redirect(url_for("messages_admin.compose", slug=event.slug), code=303)
