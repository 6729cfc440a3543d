"""Organiser screens for name badges: print all confirmed, only those not printed yet, or a
selection, in one of the layouts; and one badge at a time for a walk-in at the check-in desk."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import RadioField, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from forum.auth.policy import Permission, requires
from forum.badges import pdf
from forum.badges.models import BadgeCode, BadgeStatus
from forum.badges.services import ensure_code, revoke_and_reissue
from forum.db import utcnow
from forum.events.models import Event
from forum.extensions import db
from forum.forms import as_choices
from forum.registration import services as registrations
from forum.registration.models import Registration, RegistrationStatus

bp = Blueprint("badges_admin", __name__, url_prefix="/admin/events/<slug>/badges")

LAYOUT_CHOICES = [
    ("a6", _l("A6, en namnbricka per sida")),
    ("a4-8", _l("A4 med åtta insticksbrickor 90 × 55 mm och skärmärken")),
    ("labels-2x4", _l("A4-etikettark 2 × 4 (99,1 × 67,7 mm)")),
]
WHICH_CHOICES = [
    ("all", _l("Alla bekräftade")),
    ("unprinted", _l("Bara de som inte har skrivits ut än")),
    ("selected", _l("De som är markerade nedan")),
]


class BadgesForm(FlaskForm):
    layout = RadioField(_l("Format"), choices=as_choices(LAYOUT_CHOICES), default="a4-8")
    which = RadioField(_l("Vilka"), choices=as_choices(WHICH_CHOICES), default="unprinted")
    selected = SelectMultipleField(
        _l("Markerade"),
        coerce=int,
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


def _confirmed(event: Event) -> list[Registration]:
    return list(
        db.session.scalars(
            select(Registration)
            .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED)
            .order_by(Registration.last_name, Registration.first_name, Registration.id)
        )
    )


def _printed(event: Event) -> dict[int, object]:
    """{registration id: printed_at} of the active codes."""
    return dict(
        db.session.execute(
            select(BadgeCode.registration_id, BadgeCode.printed_at).where(
                BadgeCode.event_id == event.id, BadgeCode.status == BadgeStatus.ACTIVE
            )
        ).all()
    )


def _pdf_response(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _print(registrations: list[Registration], layout: str) -> bytes:
    """The PDF, with a code made where missing; marks them printed. The caller commits."""
    badges = [ensure_code(registration) for registration in registrations]
    body = pdf.badges_pdf(registrations, layout, {b.registration_id: b.code for b in badges if b is not None})
    now = utcnow()
    for badge in badges:
        if badge is not None:
            badge.printed_at = now
    return body


@bp.route("", methods=["GET", "POST"])
@requires(Permission.EVENT_MANAGE)
def badges(event: Event):
    form = BadgesForm()
    registrations = _confirmed(event)
    printed = _printed(event)
    error = ""
    if form.validate_on_submit():
        if form.which.data == "all":
            chosen = registrations
        elif form.which.data == "unprinted":
            chosen = [registration for registration in registrations if printed.get(registration.id) is None]
        else:
            wanted = set(form.selected.data or [])
            chosen = [registration for registration in registrations if registration.id in wanted]
        if chosen:
            body = _print(chosen, form.layout.data)
            db.session.commit()
            return _pdf_response(body, f"{event.slug}-badges-{form.layout.data}.pdf")
        error = _("Det finns inga namnbrickor att skriva ut med det valet.")
    return render_template(
        "admin/badges/index.html",
        event=event,
        form=form,
        registrations=registrations,
        printed=printed,
        selected=set(form.selected.data or []),
        error=error,
    )


@bp.get("/<int:registration_id>.pdf")
@requires(Permission.EVENT_CHECKIN)
def badge(event: Event, registration_id: int):
    registration = registrations.of_event(event, registration_id, confirmed=True)
    if registration is None:
        abort(404)
    body = _print([registration], "a6")
    db.session.commit()
    return _pdf_response(body, f"{event.slug}-badge-{registration.id}.pdf")


@bp.route("/<int:registration_id>/reissue", methods=["GET", "POST"])
@requires(Permission.EVENT_MANAGE)
def reissue(event: Event, registration_id: int):
    """Revoke a lost or misused badge's code and issue a new one, after a confirmation."""
    registration = registrations.of_event(event, registration_id, confirmed=True)
    if registration is None:
        abort(404)
    form = FlaskForm()
    if form.validate_on_submit():
        revoke_and_reissue(registration, by=current_user)
        db.session.commit()
        flash(_("Den gamla brickan är spärrad och en ny kod är utfärdad. Skriv ut den nya brickan."), "success")
        return redirect(url_for("registrations_admin.registration", slug=event.slug, registration_id=registration.id))
    return render_template("admin/badges/reissue.html", event=event, registration=registration, form=form)
