"""E-mail to registrants, queued in the outbox in the registrant's language.

Each notice is a subject and two templates, templates/emails/registration/<notice>.txt and
.html, which share the event's practical details, the workshop choices and the personal link
(emails/registration/_base.*). A seat comes with the event as an .ics attachment.
"""

from __future__ import annotations

import enum

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from forum.db import utcnow
from forum.i18n import DEFAULT_LANGUAGE, LANGUAGES, event_when, format_when
from forum.mail.services import enqueue, tidy_text
from forum.urls import external_url


class Notice(enum.StrEnum):
    CONFIRMATION = "confirmation"  # a seat: link, practical details, the event as .ics
    WAITING = "waiting"  # on the waiting list, with the position
    PENDING = "pending"  # received, awaiting an organiser's approval
    PROMOTION = "promotion"  # moved from the waiting list to a seat (.ics)
    APPROVAL = "approval"  # approved: a seat (.ics) or the waiting list
    DECLINE = "decline"  # declined by the organiser
    CANCELLATION = "cancellation"  # receipt of a cancellation
    LINK = "link"  # the personal link again (same e-mail registered again, or a new link)
    WORKSHOP_SEAT = "workshop_seat"  # a seat in a workshop whose waiting list they were on


# Notices about a registration that is over carry neither the practical details nor the link.
ENDED = (Notice.DECLINE, Notice.CANCELLATION)
# Notices that can announce a seat: with one, the event comes along as an .ics attachment.
SEATED = (Notice.CONFIRMATION, Notice.PROMOTION, Notice.APPROVAL)


def send_notice(registration, notice: Notice, item=None):
    """Queue the notice to the registrant (in the caller's transaction); returns the OutboxMessage."""
    from forum.calendar import ics

    event = registration.event
    language = registration.language if registration.language in LANGUAGES else DEFAULT_LANGUAGE
    with force_locale(language):
        context = _context(registration, notice, item)
        subject = " ".join(_subject(notice, event, item).split())  # no line breaks in a header
        body_text = tidy_text(render_template(f"emails/registration/{notice.value}.txt", subject=subject, **context))
        body_html = render_template(f"emails/registration/{notice.value}.html", subject=subject, **context)
    return enqueue(
        recipient=registration.email,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        event=event,
        purpose=f"registration.{notice.value}",
        attachments=[ics.attachment(event), _ticket(registration)] if context["with_calendar"] else [],
    )


def _ticket(registration) -> dict:
    """The ticket PDF (with the badge code's QR). The code is made now, in the registration's
    transaction; the PDF is drawn by the worker when it sends (forum.mail.services.RENDERERS)."""
    from forum.badges.services import ensure_code

    ensure_code(registration)
    return {
        "filename": "ticket.pdf",
        "content_type": "application/pdf",
        "render": "ticket",
        "args": {"registration_id": registration.id},
    }


def _subject(notice: Notice, event, item) -> str:
    title = event.title
    match notice:
        case Notice.CONFIRMATION:
            return _("Bekräftelse: %(title)s", title=title)
        case Notice.WAITING:
            return _("Väntelista: %(title)s", title=title)
        case Notice.PENDING:
            return _("Anmälan mottagen: %(title)s", title=title)
        case Notice.PROMOTION:
            return _("Du har fått en plats: %(title)s", title=title)
        case Notice.APPROVAL:
            return _("Anmälan godkänd: %(title)s", title=title)
        case Notice.DECLINE:
            return _("Anmälan avböjd: %(title)s", title=title)
        case Notice.CANCELLATION:
            return _("Avbokning: %(title)s", title=title)
        case Notice.LINK:
            return _("Din länk till anmälan: %(title)s", title=title)
        case Notice.WORKSHOP_SEAT:
            return _("Plats i %(item)s: %(title)s", item=item.title if item else "", title=title)
    raise ValueError(notice)


def _context(registration, notice: Notice, item) -> dict:
    from forum.registration import links, services
    from forum.registration.models import RegistrationStatus

    event = registration.event
    zone = event.timezone
    confirmed = registration.status == RegistrationStatus.CONFIRMED
    with_link = notice not in ENDED
    signups = sorted(
        (signup for signup in registration.signups if signup.programme_item is not None),
        key=lambda signup: (signup.programme_item.starts_at, signup.programme_item.id),
    )
    venue = (event.venue_name, event.venue_address, event.venue_city)
    return {
        "notice": notice,
        "registration": registration,
        "event": event,
        "item": item,
        "item_when": format_when(item.starts_at, item.ends_at, zone) if item else "",
        "confirmed": confirmed,
        "waiting": registration.status == RegistrationStatus.WAITING,
        "position": services.waiting_position(registration),
        "when": event_when(event),
        "venue": ", ".join(part.strip() for part in venue if part and part.strip()),
        # (programme item, its date and time, SignupStatus value)
        "workshops": [
            (
                signup.programme_item,
                format_when(signup.programme_item.starts_at, signup.programme_item.ends_at, zone),
                signup.status.value,
            )
            for signup in signups
        ],
        "with_details": notice not in ENDED,
        "with_link": with_link,
        "with_calendar": confirmed and notice in SEATED,
        "link": links.url_for_registration(registration) if with_link else "",
        "calendar_link": links.url_for_registration(registration, "registration.calendar") if with_link else "",
        "event_link": external_url("events.event_page", slug=event.slug),
        "registration_open": event.is_registration_open(utcnow()),
        "contact": event.contact_email or (event.organisation.contact_email if event.organisation else ""),
    }
