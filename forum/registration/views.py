"""Public registration: the form (or the interest form), and the attendee's own page /r/<token>."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from forum.auth.policy import public
from forum.calendar import ics
from forum.calendar.views import calendar_response
from forum.db import utcnow
from forum.events import services as events
from forum.events.services import RegistrationState
from forum.extensions import db
from forum.registration import services
from forum.registration.forms import PUBLIC, SELF_SERVICE, CancelForm, InterestForm, registration_form
from forum.registration.models import Registration, RegistrationStatus, SignupStatus
from forum.security import private

bp = Blueprint("registration", __name__)

FORM_STATES = {RegistrationState.OPEN, RegistrationState.FULL}


def _event_or_404(slug: str):
    event = events.public_event(slug)
    if event is None:
        abort(404)
    return event


def _language() -> str:
    return str(get_locale() or "sv")[:2]


def workshop_labels(event, registration: Registration | None = None) -> list[tuple[int, str]]:
    """Each workshop with its time and what is left: seats, or that a choice joins its waiting list."""
    from forum.i18n import format_when

    items = services.workshops(event)
    taken = services.workshop_taken(items)
    mine = {s.programme_item_id: s.status for s in registration.signups} if registration else {}
    labels = []
    for item in items:
        when = format_when(item.starts_at, item.ends_at, event.timezone)
        if mine.get(item.id) == SignupStatus.CONFIRMED:
            state = _("du har plats")
        elif mine.get(item.id) == SignupStatus.WAITING:
            state = _("du står på väntelistan")
        elif item.capacity is None:
            state = ""
        elif taken[item.id] >= item.capacity:
            state = _("fullt – du hamnar på väntelistan")
        else:
            state = _("%(count)d platser kvar", count=item.capacity - taken[item.id])
        labels.append((item.id, f"{item.title} ({when})" + (f" – {state}" if state else "")))
    return labels


def _form(event, purpose, registration=None, **kwargs):
    return registration_form(
        event,
        purpose=purpose,
        workshop_labels=workshop_labels(event, registration),
        event_questions=services.questions(event),
        registration=registration,
        **kwargs,
    )


@bp.route("/e/<slug>/register", methods=["GET", "POST"])
@public
def register(slug: str):
    event = _event_or_404(slug)
    if request.args.get("invitation"):
        return _by_invitation(event, request.args["invitation"])
    state = events.registration_state(event)
    if state == RegistrationState.INTEREST:
        return _interest(event)
    if state not in FORM_STATES:
        return render_template("registration/closed.html", event=event, state=state)
    form = _form(event, PUBLIC)
    if form.validate_on_submit():
        try:
            services.register(event, form.details(), language=_language(), submission_key=form.submission.data or "")
        except services.Refused as refusal:
            db.session.rollback()
            form.attach(refusal.errors)
        else:
            db.session.commit()
            # `slug`, not event.slug: the commit expired the event, and reading it would begin a new transaction.
            return redirect(url_for("registration.thanks", slug=slug), code=303)
    return render_template("registration/form.html", event=event, form=form, state=state)


def _by_invitation(event, token: str):
    """/e/<slug>/register?invitation=<token>: on to the invitation's own form, or say why not."""
    from forum.invitations.services import find_by_token

    invitee = find_by_token(token)
    if invitee is None:
        return render_template("registration/invitation_problem.html", event=event, problem="unknown"), 404
    if invitee.event_id != event.id:
        return render_template("registration/invitation_problem.html", event=event, problem="other_event"), 404
    return redirect(url_for("invitations.accept", token=token))


def _interest(event):
    form = InterestForm()
    if form.validate_on_submit():
        services.register_interest(
            event,
            name=form.name.data,
            email=form.email.data,
            organisation=form.organisation.data or "",
            kinds=form.kinds.data,
            language=_language(),
        )
        db.session.commit()
        return redirect(url_for("registration.thanks", slug=event.slug, interest=1), code=303)
    return render_template("registration/interest.html", event=event, form=form)


@bp.get("/e/<slug>/register/thanks")
@public
def thanks(slug: str):
    event = _event_or_404(slug)
    return render_template("registration/thanks.html", event=event, interest=bool(request.args.get("interest")))


# --- the attendee's own page -------------------------------------------------------------------


def registration_or_404(token: str) -> Registration:
    registration = services.find_by_token(token)
    if registration is None:
        abort(404)
    return registration


def _changeable(registration: Registration) -> bool:
    return registration.is_active and not services.is_over(registration)


@bp.get("/r/<token>")
@public
def manage(token: str):
    registration = registration_or_404(token)
    return private(
        render_template(
            "registration/manage.html",
            registration=registration,
            event=registration.event,
            token=token,
            position=services.waiting_position(registration),
            changeable=_changeable(registration),
            now=utcnow(),
        )
    )


@bp.route("/r/<token>/edit", methods=["GET", "POST"])
@public
def edit(token: str):
    registration = registration_or_404(token)
    if not _changeable(registration):
        flash(_("Anmälan kan inte längre ändras."), "info")
        return redirect(url_for("registration.manage", token=token))
    event = registration.event
    form = _form(event, SELF_SERVICE, registration=registration)
    if form.validate_on_submit():
        try:
            services.update(registration, form.details())
        except services.Refused as refusal:
            db.session.rollback()
            registration = registration_or_404(token)
            form.attach(refusal.errors)
        else:
            db.session.commit()
            flash(_("Ändringarna är sparade."), "success")
            return redirect(url_for("registration.manage", token=token), code=303)
    return private(
        render_template("registration/edit.html", registration=registration, event=event, form=form, token=token)
    )


@bp.route("/r/<token>/cancel", methods=["GET", "POST"])
@public
def cancel(token: str):
    registration = registration_or_404(token)
    if not _changeable(registration):
        return redirect(url_for("registration.manage", token=token))
    form = CancelForm()
    if form.validate_on_submit():
        services.cancel(registration)
        db.session.commit()
        flash(_("Din anmälan är avbokad. Du får en bekräftelse per e-post."), "success")
        return redirect(url_for("registration.manage", token=token), code=303)
    return private(
        render_template(
            "registration/cancel.html", registration=registration, event=registration.event, form=form, token=token
        )
    )


@bp.get("/r/<token>/calendar.ics")
@public
def calendar(token: str):
    registration = registration_or_404(token)
    if registration.status == RegistrationStatus.CANCELLED:
        abort(404)
    response = calendar_response(ics.registration_calendar(registration), f"{registration.event.slug}.ics")
    return private(response)
