"""The e-mail to an event's organisers before the purge anonymises its personal data, so that they
can take the archive export first (forum.privacy.archive)."""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from forum.auth.models import EventRole, Role, User
from forum.extensions import db
from forum.i18n import LANGUAGES
from forum.mail.services import enqueue, tidy_text
from forum.urls import external_url

PURPOSE = "privacy.retention_notice"


def organisers(event) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(EventRole, EventRole.user_id == User.id)
            .where(EventRole.event_id == event.id, EventRole.role.in_([Role.OWNER, Role.ORGANISER]), User.active)
            .order_by(User.id)
        )
    )


def recipients(event) -> list[tuple[str, str, str]]:
    """(e-mail, name, language) of the event's owners and organisers; the host's address if it has none."""
    people = [(user.email, user.name, user.preferred_language) for user in organisers(event)]
    if not people and event.organisation.contact_email:
        people = [(event.organisation.contact_email, event.organisation.name, "sv")]
    return people


def send_retention_notice(event, rule) -> int:
    """Queue the notice to each owner and organiser of the event (or the host, if none); returns how many."""
    link = external_url("privacy_admin.event_privacy", slug=event.slug)
    people = recipients(event)
    for email, name, language in people:
        with force_locale(language if language in LANGUAGES else "sv"):
            subject = _("Personuppgifterna i %(event)s görs snart anonyma", event=event.title)
            context = {"subject": subject, "name": name, "event": event, "rule": rule, "link": link}
            body_text = tidy_text(render_template("emails/privacy/retention_notice.txt", **context))
            body_html = render_template("emails/privacy/retention_notice.html", **context)
        enqueue(
            recipient=email, subject=subject, body_text=body_text, body_html=body_html, event=event, purpose=PURPOSE
        )
    return len(people)
