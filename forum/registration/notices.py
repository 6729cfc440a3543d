"""E-mail to registrants, queued in the outbox in the registrant's language. (Stub: being written.)"""

from __future__ import annotations

import enum

from forum.mail.services import enqueue


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


def send_notice(registration, notice: Notice, item=None):
    from forum.registration import links

    link = links.url_for_registration(registration)
    return enqueue(
        recipient=registration.email,
        subject=f"{notice.value}: {registration.event.title}",
        body_text=f"{link}\n",
        event=registration.event,
        purpose=f"registration.{notice.value}",
    )
