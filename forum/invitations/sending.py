"""Sending invitations and reminders: one outbox message per invitee, in the invitee's language.

An organiser sends to thousands at once, so a batch is queued with one multi-row INSERT into the
outbox and one bulk UPDATE of the invitees, rather than one ORM object each: what is the same for
every invitee of a language (the e-mail frame, the date and place, the link's beginning) is
prepared once, and each invitee costs a token (an HMAC), two text substitutions and a Message-ID.
The worker delivers after commit, as for any queued e-mail (forum.mail.worker).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from email.utils import make_msgid

from flask import g, has_request_context, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import func, insert, inspect, or_, select, update

from forum import tokens
from forum.db import utcnow
from forum.events.models import Event, EventStatus
from forum.extensions import db
from forum.invitations import services, texts
from forum.invitations.models import Invitee
from forum.mail.models import OutboxMessage, OutboxStatus
from forum.mail.services import INLINE_QUEUE, SUBJECT_LENGTH, _message_id_domain
from forum.privacy import audit
from forum.urls import external_url

PURPOSE_INVITATION = "invitation"
PURPOSE_REMINDER = "invitation.reminder"
# Invitees read per query (an IN list well below every database's limit on parameters).
CHUNK = 500
# Stand-ins in the prepared frame and link, replaced per invitee (letters only, so never escaped or encoded).
_SUBJECT_MARK = "FORUMINVITATIONSUBJECTMARK"
_BODY_MARK = "FORUMINVITATIONBODYMARK"
_LINK_MARK = "FORUMINVITATIONTOKENMARK"


@dataclass(frozen=True)
class _Letter:
    """What one language's messages of a batch share."""

    subject: str
    body: str
    values: dict[str, str]
    frame: str  # the HTML e-mail with _SUBJECT_MARK and _BODY_MARK
    prefix: str  # "Påminnelse: " for reminders
    intro: str  # a reminder's first paragraph


class NotSendable(Exception):
    """The event is not one to invite to now (see blocked)."""


def blocked(event: Event) -> str | None:
    """Why nothing can be sent for the event now, or None: a draft's or a cancelled event's link would
    lead nowhere, and an event that is over takes no answers."""
    if event.status == EventStatus.DRAFT:
        return _("Evenemanget är ett utkast. Publicera det innan du skickar inbjudningar: länkarna fungerar först då.")
    if event.status == EventStatus.CANCELLED:
        return _("Evenemanget är inställt, så inga inbjudningar eller påminnelser skickas.")
    if event.ends_at <= utcnow():
        return _("Evenemanget är över, så inga inbjudningar eller påminnelser skickas.")
    return None


def send_invitations(event: Event, invitees: Iterable[Invitee], by=None) -> int:
    """Queue an invitation to each of these invitees of the event who has not answered yet
    (registered or declined); returns how many were queued. Audited; the caller commits.
    Raises NotSendable when the event is not one to invite to now."""
    _check(event)
    people = list(_unanswered(event, _ids(invitees)))
    count = _queue(event, people, reminder=False)
    if count:
        audit.record("invitations.sent", user=by, event=event, count=count)
    return count


def send_reminders(event: Event, by=None) -> int:
    """Queue a reminder to everyone who was invited, whose invitation has left the outbox, who has not
    answered, and who has had fewer reminders than the organiser allows; returns how many. Audited;
    the caller commits. Raises NotSendable when the event is not one to invite to now."""
    _check(event)
    people = list(db.session.scalars(reminder_query(event).order_by(Invitee.id)))
    count = _queue(event, people, reminder=True)
    if count:
        audit.record("invitations.reminded", user=by, event=event, count=count)
    return count


def reminder_query(event: Event):
    """The invitees a reminder would go to now (see send_reminders)."""
    allowed = texts.text_for(event).max_reminders
    return (
        select(Invitee)
        .outerjoin(OutboxMessage, Invitee.message_id == OutboxMessage.id)
        .where(
            Invitee.event_id == event.id,
            Invitee.invited_at.is_not(None),
            Invitee.registration_id.is_(None),
            Invitee.declined_at.is_(None),
            Invitee.reminders_sent < allowed,
            # Not while the last message is still waiting to be delivered.
            or_(OutboxMessage.id.is_(None), OutboxMessage.status.in_([OutboxStatus.SENT, OutboxStatus.FAILED])),
        )
    )


def reminder_count(event: Event) -> int:
    return db.session.scalar(select(func.count()).select_from(reminder_query(event).subquery())) or 0


# --- inside ------------------------------------------------------------------------------------


def _check(event: Event) -> None:
    reason = blocked(event)
    if reason:
        raise NotSendable(reason)


def _ids(invitees: Iterable[Invitee | int]) -> list[int]:
    """Their ids without loading them (an expired object would be read one by one)."""
    ids = []
    for invitee in invitees:
        if isinstance(invitee, int):
            ids.append(invitee)
            continue
        identity = inspect(invitee).identity
        if identity is not None:
            ids.append(identity[0])
    return sorted(set(ids))


def _unanswered(event: Event, ids: list[int]) -> Iterator[Invitee]:
    for start in range(0, len(ids), CHUNK):
        yield from db.session.scalars(
            select(Invitee)
            .where(
                Invitee.event_id == event.id,
                Invitee.id.in_(ids[start : start + CHUNK]),
                Invitee.registration_id.is_(None),
                Invitee.declined_at.is_(None),
            )
            .order_by(Invitee.id)
        )


def _queue(event: Event, people: list[Invitee], *, reminder: bool) -> int:
    if not people:
        return 0
    text = texts.text_for(event)
    letters = {language: _letter(event, text, language, reminder) for language in texts.LANGUAGES}
    link_start, _mark, link_end = external_url("invitations.invitation", token=_LINK_MARK).partition(_LINK_MARK)
    domain = _message_id_domain()
    now = utcnow()
    purpose = PURPOSE_REMINDER if reminder else PURPOSE_INVITATION
    rows = []
    for invitee in people:
        letter = letters["en" if invitee.language == "en" else "sv"]
        values = dict(letter.values)
        if invitee.name:
            values[texts.NAME] = invitee.name
        values[texts.LINK] = link_start + tokens.token_for(services.PURPOSE, invitee) + link_end
        subject = (letter.prefix + texts.render_subject(letter.subject, values))[:SUBJECT_LENGTH]
        body = letter.intro + texts.render(letter.body, values)
        html = letter.frame.replace(_SUBJECT_MARK, str(escape(subject))).replace(
            _BODY_MARK, texts.html_paragraphs(body)
        )
        rows.append(
            {
                "status": OutboxStatus.QUEUED,
                "recipient": invitee.email,
                "subject": subject,
                "body_text": body,
                "body_html": html,
                "message_id": make_msgid(domain=domain),
                "event_id": event.id,
                "purpose": purpose,
                "attachments": [],
                "headers": {},
                "attempts": 0,
                "next_attempt_at": now,
                "last_error": "",
                "created_at": now,
            }
        )
    message_ids = db.session.scalars(
        insert(OutboxMessage).returning(OutboxMessage.id, sort_by_parameter_order=True), rows
    ).all()
    changes = []
    for invitee, message_id in zip(people, message_ids, strict=True):
        change = {"id": invitee.id, "message_id": message_id}
        if reminder:
            change.update(reminders_sent=invitee.reminders_sent + 1, last_reminded_at=now)
        else:
            change["invited_at"] = now
        changes.append(change)
    db.session.execute(update(Invitee), changes)
    for invitee in people:  # the bulk UPDATE went past the objects in the session
        db.session.expire(invitee, ["message_id", "message", "invited_at", "reminders_sent", "last_reminded_at"])
    if has_request_context():  # development inline delivery after commit (forum.mail.init_app)
        g.setdefault(INLINE_QUEUE, []).extend(row["message_id"] for row in rows)
    return len(rows)


def _letter(event: Event, text: texts.Text, language: str, reminder: bool) -> _Letter:
    with force_locale(language):
        frame = render_template(
            "emails/invitations/invitation.html",
            subject=_SUBJECT_MARK,
            body=Markup(_BODY_MARK),  # noqa: S704 - our constant
            event=event,
        )
        prefix = _("Påminnelse:") + " " if reminder else ""
        intro = (
            _("Vi har inte fått något svar från dig ännu, så här kommer inbjudan en gång till.") + "\n\n"
            if reminder
            else ""
        )
    return _Letter(
        subject=text.subject(language),
        body=text.body(language),
        values=texts.event_values(event, language),
        frame=frame,
        prefix=prefix,
        intro=intro,
    )


def preview(event: Event, invitee: Invitee, text: texts.Text | None = None, language: str | None = None):
    """(subject, plain text) of the invitation as this invitee would receive it, in their language
    unless another is asked for; the link is their real one."""
    text = text or texts.text_for(event)
    language = language or ("en" if invitee.language == "en" else "sv")
    values = texts.event_values(event, language)
    if invitee.name:
        values[texts.NAME] = invitee.name
    values[texts.LINK] = services.invitation_url(invitee)
    return texts.render_subject(text.subject(language), values), texts.render(text.body(language), values)
