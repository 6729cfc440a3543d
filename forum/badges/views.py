"""The attendee's ticket: /r/<token>/ticket.pdf (the personal link of the registration)."""

from __future__ import annotations

from flask import Blueprint, Response, abort

from forum.auth.policy import public
from forum.badges import pdf
from forum.badges.services import ensure_code
from forum.db import writes_on_get
from forum.extensions import db
from forum.registration import services
from forum.registration.models import RegistrationStatus
from forum.security import private

bp = Blueprint("badges", __name__)


@bp.get("/r/<token>/ticket.pdf")
@public
@writes_on_get
def ticket(token: str):
    registration = services.find_by_token(token)
    if registration is None or registration.status != RegistrationStatus.CONFIRMED:
        abort(404)
    badge = ensure_code(registration)
    db.session.commit()
    body = pdf.ticket_pdf(registration, badge.code)
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{registration.event.slug}-ticket.pdf"'
    return private(response)
