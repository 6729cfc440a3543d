"""An invitee's personal link /i/<token>: the invitation, accept (the registration form, pre-filled,
e-mail fixed) and decline (with an optional reason)."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length

from forum.auth.policy import public
from forum.db import utcnow, writes_on_get
from forum.events.models import EventStatus
from forum.events.services import registration_state
from forum.extensions import db
from forum.invitations import services
from forum.invitations.models import DECLINE_REASON_LENGTH, Invitee
from forum.registration import links
from forum.registration import services as registration
from forum.registration.forms import PUBLIC, registration_form
from forum.registration.views import workshop_labels
from forum.security import private

bp = Blueprint("invitations", __name__)


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        _l("Vill du berätta varför? (frivilligt)"),
        [Length(max=DECLINE_REASON_LENGTH, message=_l("Får vara högst %(max)d tecken."))],
        render_kw={"maxlength": DECLINE_REASON_LENGTH, "rows": 3},
    )


def _invitee_or_404(token: str) -> Invitee:
    invitee = services.find_by_token(token)
    if invitee is None or invitee.event.status == EventStatus.DRAFT:
        abort(404)
    return invitee


def accepting(invitee: Invitee) -> bool:
    """Can the invitation be accepted now: the event is published, its date fixed, and registration
    open (for an invitation-only event the window still applies). A full event takes the waiting list."""
    event = invitee.event
    return (
        event.status == EventStatus.PUBLISHED and not event.date_is_preliminary and event.is_registration_open(utcnow())
    )


def _page(invitee: Invitee, token: str, **extra):
    registered = invitee.registration
    return private(
        render_template(
            "invitations/invitation.html",
            invitee=invitee,
            event=invitee.event,
            token=token,
            accepting=accepting(invitee),
            registration_link=(
                url_for("registration.manage", token=links.token_for(registered))
                if registered is not None and registered.is_active
                else None
            ),
            **extra,
        )
    )


@bp.get("/i/<token>")
@public
@writes_on_get
def invitation(token: str):
    invitee = _invitee_or_404(token)
    services.mark_opened(invitee)
    db.session.commit()
    return _page(invitee, token)


@bp.route("/i/<token>/accept", methods=["GET", "POST"])
@public
def accept(token: str):
    invitee = _invitee_or_404(token)
    event = invitee.event
    if invitee.registration is not None and invitee.registration.is_active:
        return redirect(url_for("invitations.invitation", token=token))
    if not accepting(invitee):
        return _page(invitee, token)
    form = registration_form(
        event,
        purpose=PUBLIC,
        workshop_labels=workshop_labels(event),
        event_questions=registration.questions(event),
        data={
            "first_name": invitee.first_name,
            "last_name": invitee.last_name,
            "email": invitee.email,
            "organisation": invitee.organisation,
        },
    )
    # The invitation is for this address: what the form sends for it is ignored.
    form.email.render_kw = {**(form.email.render_kw or {}), "readonly": True}
    if form.is_submitted():
        form.email.raw_data = [invitee.email]
        form.email.data = invitee.email
    if form.validate_on_submit():
        details = form.details()
        details.email = invitee.email
        try:
            outcome = registration.register(
                event,
                details,
                language=str(get_locale() or "sv")[:2],
                submission_key=form.submission.data or "",
                invitee=invitee,
            )
        except registration.Refused as refusal:
            db.session.rollback()
            form.attach(refusal.errors)
        else:
            token_for_registration = links.token_for(outcome.registration)
            db.session.commit()
            return redirect(url_for("registration.manage", token=token_for_registration), code=303)
    return private(
        render_template(
            "invitations/accept.html",
            form=form,
            event=event,
            invitee=invitee,
            token=token,
            state=registration_state(event),
        )
    )


@bp.route("/i/<token>/decline", methods=["GET", "POST"])
@public
def decline(token: str):
    invitee = _invitee_or_404(token)
    if invitee.registration is not None and invitee.registration.is_active:
        return redirect(url_for("invitations.invitation", token=token))
    form = DeclineForm()
    if form.validate_on_submit():
        services.decline(invitee, form.reason.data or "")
        db.session.commit()
        return redirect(url_for("invitations.invitation", token=token), code=303)
    return private(
        render_template("invitations/decline.html", form=form, invitee=invitee, event=invitee.event, token=token)
    )
