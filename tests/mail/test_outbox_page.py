"""The organiser's outbox page: an event's e-mail, queued, sent and failed with the error; retrying."""

from __future__ import annotations

import re

from sqlalchemy import select

from forum.db import utcnow
from forum.extensions import db
from forum.mail import worker
from forum.mail.models import OutboxMessage, OutboxStatus
from forum.mail.services import enqueue
from forum.privacy.models import AuditLog
from tests import factories
from tests.conftest import csrf_from, login_as, submit


def queue(event, recipient: str, subject: str = "Bekräftelse: Temamötet", **fields) -> OutboxMessage:
    message = enqueue(
        recipient=recipient,
        subject=subject,
        body_text="Hej!",
        event=event,
        purpose=fields.pop("purpose", "registration.confirmation"),
    )
    for name, value in fields.items():
        setattr(message, name, value)
    db.session.commit()
    return message


def reload(message: OutboxMessage) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, message.id)


def rows(html: str) -> list[str]:
    return re.findall(r'<tr id="message-\d+">(.*?)</tr>', html, re.S)


def organiser_of(event):
    return factories.user(roles={event: "organiser"})


def a_week_of_mail(event, smtp_server):
    """Two delivered, one refused for the last time (failed), one waiting for its next attempt."""
    queue(event, "anna@example.org")
    queue(event, "bertil@example.org", purpose="registration.waiting", subject="Väntelista: Temamötet")
    smtp_server.refused.add("fel@example.org")
    failed = queue(event, "fel@example.org", attempts=worker.MAX_ATTEMPTS - 1)
    worker.deliver_due()
    smtp_server.refused.clear()
    later = queue(event, "david@example.org")
    later.attempts, later.last_error = 1, "Connection refused"
    later.next_attempt_at = utcnow() + worker.backoff(1)
    db.session.commit()
    return failed


def test_the_organiser_sees_the_events_mail_with_counts_status_and_errors(app, client, smtp_server):
    event = factories.event(title="Temamötet")
    other = factories.event(title="Ett annat möte")
    a_week_of_mail(event, smtp_server)
    queue(other, "annan@example.org")
    login_as(client, organiser_of(event))

    response = client.get(f"/admin/events/{event.slug}/outbox")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Alla (4)" in html
    assert "I kö (1)" in html
    assert "Skickas (0)" in html
    assert "Skickat (2)" in html
    assert "Misslyckades (1)" in html
    shown = rows(html)
    assert len(shown) == 4
    assert "annan@example.org" not in html
    [failed] = [row for row in shown if "fel@example.org" in row]
    assert "Misslyckades" in failed
    assert "No such mailbox" in failed
    assert "Skicka igen" in failed
    assert str(worker.MAX_ATTEMPTS) in failed
    [sent] = [row for row in shown if "bertil@example.org" in row]
    assert "Skickat" in sent and "Väntelista" in sent
    assert "Skicka igen" not in sent
    [waiting] = [row for row in shown if "david@example.org" in row]
    assert "I kö" in waiting and "Connection refused" in waiting


def test_the_list_filters_by_status(app, client, smtp_server):
    event = factories.event()
    a_week_of_mail(event, smtp_server)
    login_as(client, organiser_of(event))

    html = client.get(f"/admin/events/{event.slug}/outbox?status=failed").get_data(as_text=True)
    assert [("fel@example.org" in row) for row in rows(html)] == [True]
    assert 'aria-current="page">Misslyckades (1)' in html

    html = client.get(f"/admin/events/{event.slug}/outbox?status=sent").get_data(as_text=True)
    assert len(rows(html)) == 2

    # An unknown status shows everything rather than an error.
    assert len(rows(client.get(f"/admin/events/{event.slug}/outbox?status=nonsense").get_data(as_text=True))) == 4


def test_long_lists_are_paginated_keeping_the_filter(app, client):
    event = factories.event()
    for n in range(55):
        queue(event, f"person{n}@example.org", status=OutboxStatus.FAILED, last_error="550")
    queue(event, "sent@example.org", status=OutboxStatus.SENT)
    login_as(client, organiser_of(event))

    first = client.get(f"/admin/events/{event.slug}/outbox?status=failed").get_data(as_text=True)
    assert len(rows(first)) == 50
    assert f'href="/admin/events/{event.slug}/outbox?status=failed&amp;page=2"' in first
    second = client.get(f"/admin/events/{event.slug}/outbox?status=failed&page=2").get_data(as_text=True)
    assert len(rows(second)) == 5
    assert "sent@example.org" not in first + second


def test_a_failed_message_can_be_sent_again(app, client, smtp_server):
    event = factories.event()
    failed = a_week_of_mail(event, smtp_server)
    organiser = organiser_of(event)
    login_as(client, organiser)
    page = f"/admin/events/{event.slug}/outbox"

    response = submit(client, page, {}, post_url=f"{page}/{failed.id}/retry")

    assert response.status_code == 302
    assert response.headers["Location"].endswith(page)
    stored = reload(failed)
    assert stored.status == OutboxStatus.QUEUED
    assert stored.attempts == 0
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "outbox.retried"))
    assert entry.user_id == organiser.id
    assert entry.event_id == event.id
    assert entry.target_id == failed.id
    assert entry.details["attempts"] == worker.MAX_ATTEMPTS
    assert "Meddelandet till fel@example.org ligger i kön igen." in client.get(page).get_data(as_text=True)

    assert worker.deliver_due() == 1
    assert [m["To"] for m in smtp_server.messages] == ["anna@example.org", "bertil@example.org", "fel@example.org"]
    assert reload(failed).status == OutboxStatus.SENT


def test_only_failed_messages_of_this_event_can_be_retried(app, client, smtp_server):
    event = factories.event()
    other = factories.event()
    a_week_of_mail(event, smtp_server)
    sent = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "anna@example.org"))
    elsewhere = queue(other, "annan@example.org", status=OutboxStatus.FAILED)
    login_as(client, organiser_of(event))
    page = f"/admin/events/{event.slug}/outbox"

    not_failed = submit(client, page, {}, post_url=f"{page}/{sent.id}/retry", follow_redirects=True)
    assert "Bara misslyckade meddelanden kan skickas igen." in not_failed.get_data(as_text=True)
    assert reload(sent).status == OutboxStatus.SENT

    assert submit(client, page, {}, post_url=f"{page}/{elsewhere.id}/retry").status_code == 404
    assert reload(elsewhere).status == OutboxStatus.FAILED
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "outbox.retried")) is None


def test_retry_needs_the_csrf_token(app, client):
    event = factories.event()
    failed = queue(event, "fel@example.org", status=OutboxStatus.FAILED)
    login_as(client, organiser_of(event))

    response = client.post(f"/admin/events/{event.slug}/outbox/{failed.id}/retry", data={"csrf_token": "fel"})

    assert response.status_code == 400
    assert reload(failed).status == OutboxStatus.FAILED


def test_only_the_events_organisers_see_it(app, client):
    event = factories.event()
    queue(event, "anna@example.org")
    page = f"/admin/events/{event.slug}/outbox"

    assert client.get(page).status_code == 302  # to the login page
    login_as(client, factories.user(roles={event: "checkin"}))
    assert client.get(page).status_code == 403
    login_as(client, factories.user(roles={factories.event(): "organiser"}))
    assert client.get(page).status_code == 403
    login_as(client, factories.user(admin=True))
    assert "anna@example.org" in client.get(page).get_data(as_text=True)


def test_the_page_has_a_retry_form_with_a_token(app, client):
    event = factories.event()
    failed = queue(event, "fel@example.org", status=OutboxStatus.FAILED, last_error="550 No such mailbox")
    login_as(client, organiser_of(event))

    html = client.get(f"/admin/events/{event.slug}/outbox").get_data(as_text=True)

    assert f'action="/admin/events/{event.slug}/outbox/{failed.id}/retry"' in html
    assert csrf_from(html)


def test_an_event_without_mail_says_so(app, client):
    event = factories.event()
    login_as(client, organiser_of(event))
    html = client.get(f"/admin/events/{event.slug}/outbox").get_data(as_text=True)
    assert "Evenemanget har inte skickat någon e-post än." in html
