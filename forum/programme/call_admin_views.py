"""Organiser screens for an event's call for contributions: opening and closing the call (its text and
closing time), the proposals by status, and reviewing one (accept: it becomes a programme item with
its presenters as speakers; decline), each with a note to the submitter.

Thin views: the changes are forum.programme.calls' (audited); the view checks input and commits.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import ValidationError

from forum.auth.policy import Permission, requires
from forum.events.admin_services import local_wall_time, localize, zone_or_none
from forum.events.forms import ChoiceField, LocalDateTimeField
from forum.events.models import Event, Room
from forum.extensions import db
from forum.forms import limit, plain_text, strip
from forum.programme import calls
from forum.programme.models import CallStatus, Proposal, ProposalStatus

bp = Blueprint("calls_admin", __name__, url_prefix="/admin/events/<slug>")


class CallForm(FlaskForm):
    status = ChoiceField(_l("Inbjudan"), pairs=CallStatus.choices())
    text = TextAreaField(
        _l("Text ovanför formuläret"),
        filters=[strip],
        validators=[limit(calls.TEXT_LENGTH), plain_text],
        description=_l("Vad efterfrågas? Markdown går bra."),
        render_kw={"rows": 8},
    )
    closes_at = LocalDateTimeField(
        _l("Stänger"), description=_l("Valfritt. Efter den tiden går det inte att skicka in fler bidrag.")
    )


class DecisionForm(FlaskForm):
    note = TextAreaField(
        _l("Meddelande till den som skickade in"),
        filters=[strip],
        validators=[limit(calls.NOTE_LENGTH), plain_text],
        description=_l("Valfritt. Skickas med beskedet via e-post."),
        render_kw={"rows": 4},
    )


class AcceptForm(DecisionForm):
    starts_at = LocalDateTimeField(
        _l("Starttid"),
        description=_l("Valfritt. Utan tid läggs punkten vid evenemangets start; flytta den sedan i programmet."),
    )
    room = ChoiceField(_l("Lokal"), default="")

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        self.room.set_pairs([("", _l("Ingen lokal än"))] + [(str(room.id), room.name) for room in event.rooms])

    def validate_starts_at(self, field) -> None:
        if field.data is None:
            return
        zone = zone_or_none(self.event.timezone)
        moment = localize(field.data, zone) if zone else None
        if moment is None:
            raise ValidationError(_l("Den tiden finns inte (sommartid). Välj en annan tid."))
        if not (self.event.starts_at <= moment < self.event.ends_at):
            raise ValidationError(_l("Tiden måste ligga inom evenemanget."))
        self.moment = moment

    def chosen_room(self) -> Room | None:
        if not self.room.data:
            return None
        room = db.session.get(Room, int(self.room.data))
        return room if room is not None and room.event_id == self.event.id else None


def _proposal(event: Event, proposal_id: int) -> Proposal:
    proposal = calls.find(event, proposal_id)
    if proposal is None:
        abort(404)
    return proposal


@bp.route("/call", methods=["GET", "POST"])
@requires(Permission.EVENT_MANAGE)
def call_settings(event: Event):
    call = calls.call_for(event)
    data = {
        "status": (call.status if call else CallStatus.CLOSED).value,
        "text": call.text if call else "",
        "closes_at": local_wall_time(call.closes_at, event.timezone) if call else None,
    }
    form = CallForm(data=data)
    if form.validate_on_submit():
        closes_at = None
        if form.closes_at.data is not None:
            zone = zone_or_none(event.timezone)
            closes_at = localize(form.closes_at.data, zone) if zone else None
            if closes_at is None:
                form.closes_at.errors = [_("Den tiden finns inte (sommartid). Välj en annan tid.")]
        if not form.closes_at.errors:
            calls.save_call(
                event, by=current_user, status=CallStatus(form.status.data), text=form.text.data, closes_at=closes_at
            )
            db.session.commit()
            flash(_("Inbjudan att skicka in bidrag är sparad."), "success")
            return redirect(url_for("calls_admin.call_settings", slug=event.slug), code=303)
    return render_template(
        "admin/calls/call.html",
        event=event,
        call=call,
        form=form,
        open_now=call is not None and calls.call_is_open(call),
    )


@bp.get("/proposals")
@requires(Permission.EVENT_MANAGE)
def proposals(event: Event):
    value = request.args.get("status", "")
    status = ProposalStatus(value) if value in {member.value for member in ProposalStatus} else None
    return render_template(
        "admin/calls/proposals.html",
        event=event,
        proposals=calls.proposals(event, status),
        counts=calls.counts(event),
        status=status,
        statuses=list(ProposalStatus),
        call=calls.call_for(event),
        call_open=calls.is_open(event),
    )


def _detail(event: Event, proposal: Proposal, accept_form=None, decline_form=None):
    return render_template(
        "admin/calls/proposal.html",
        event=event,
        proposal=proposal,
        accept_form=accept_form or AcceptForm(formdata=None, event=event),
        decline_form=decline_form or DecisionForm(formdata=None, prefix="decline"),
    )


@bp.get("/proposals/<int:proposal_id>")
@requires(Permission.EVENT_MANAGE)
def proposal(event: Event, proposal_id: int):
    return _detail(event, _proposal(event, proposal_id))


@bp.post("/proposals/<int:proposal_id>/accept")
@requires(Permission.EVENT_MANAGE)
def accept(event: Event, proposal_id: int):
    proposal = _proposal(event, proposal_id)
    form = AcceptForm(event=event)
    if form.validate_on_submit():
        try:
            item = calls.accept(
                proposal,
                by=current_user,
                note=form.note.data or "",
                starts_at=getattr(form, "moment", None),
                room=form.chosen_room(),
            )
        except calls.Refused as refusal:
            db.session.rollback()
            for message in refusal.errors.values():
                flash(message, "error")
            return redirect(url_for("calls_admin.proposal", slug=event.slug, proposal_id=proposal_id), code=303)
        db.session.commit()
        flash(
            _(
                "Bidraget är antaget och finns nu i programmet som ”%(title)s”. Flytta punkten till rätt tid i programmet.",  # noqa: E501
                title=item.title,
            ),
            "success",
        )
        return redirect(url_for("calls_admin.proposal", slug=event.slug, proposal_id=proposal_id), code=303)
    return _detail(event, proposal, accept_form=form)


@bp.post("/proposals/<int:proposal_id>/decline")
@requires(Permission.EVENT_MANAGE)
def decline(event: Event, proposal_id: int):
    proposal = _proposal(event, proposal_id)
    form = DecisionForm(prefix="decline")
    if form.validate_on_submit():
        try:
            calls.decline(proposal, by=current_user, note=form.note.data or "")
        except calls.Refused as refusal:
            db.session.rollback()
            for message in refusal.errors.values():
                flash(message, "error")
        else:
            db.session.commit()
            flash(_("Bidraget är avböjt och den som skickade in det har fått besked."), "success")
        return redirect(url_for("calls_admin.proposal", slug=event.slug, proposal_id=proposal_id), code=303)
    return _detail(event, proposal, decline_form=form)
