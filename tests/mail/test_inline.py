"""Development inline delivery (FORUM_MAIL_INLINE): mail queued by a request is sent right after it."""

from __future__ import annotations

import pytest
from flask import request
from flask_wtf.csrf import generate_csrf
from markupsafe import escape

import forum.mail
from forum.auth.policy import public
from forum.extensions import db, mail
from forum.mail.models import OutboxMessage, OutboxStatus
from forum.mail.services import enqueue
from tests.conftest import submit


@pytest.fixture
def app_config():
    return {"FORUM_MAIL_INLINE": True}


@pytest.fixture(autouse=True)
def contact_page(app):
    """A page whose form queues an e-mail, as the registration and invitation pages will."""
    if forum.mail._deliver_inline not in app.teardown_request_funcs.get(None, []):
        forum.mail.init_app(app)  # until create_app calls it

    @public
    def contact():
        if request.method == "POST":
            enqueue(recipient=request.form["email"], subject="Tack för ditt meddelande", body_text="Vi hör av oss.")
            if request.form.get("fail"):
                db.session.rollback()
                return "inte sparat", 400
            db.session.commit()
            return "skickat"
        return f'<form method="post"><input name="csrf_token" type="hidden" value="{escape(generate_csrf())}"></form>'

    app.add_url_rule("/test/contact", "test_contact", contact, methods=["GET", "POST"])


def outbox() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(OutboxMessage)))


def test_mail_queued_by_a_request_is_delivered_right_after_it(app, client, smtp_server):
    response = submit(client, "/test/contact", {"email": "anna@example.org"})

    assert response.status_code == 200
    [received] = smtp_server.messages
    assert received["Subject"] == "Tack för ditt meddelande"
    assert received["To"] == "anna@example.org"
    [message] = outbox()
    assert message.status == OutboxStatus.SENT
    assert received["Message-ID"] == message.message_id


def test_mail_of_a_rolled_back_request_is_not_sent(app, client, smtp_server):
    response = submit(client, "/test/contact", {"email": "anna@example.org", "fail": "1"})

    assert response.status_code == 400
    assert smtp_server.messages == []
    assert outbox() == []


def test_an_unreachable_server_logs_the_message_and_leaves_it_queued(app, client, smtp_server, caplog):
    smtp_server.stop()

    response = submit(client, "/test/contact", {"email": "anna@example.org"})

    assert response.status_code == 200
    assert response.get_data(as_text=True) == "skickat"
    [message] = outbox()
    assert message.status == OutboxStatus.QUEUED
    assert message.attempts == 0
    assert message.claimed_at is None
    assert "refused" in message.last_error.lower()
    # The log names the message, and holds no personal data.
    assert message.message_id in caplog.text
    assert "anna@example.org" not in caplog.text
    assert "Vi hör av oss." not in caplog.text

    # Nothing is lost: the worker delivers it once the server is back.
    smtp_server.start()
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert "Sent 1 message(s)." in result.output
    [received] = smtp_server.messages
    assert received["Message-ID"] == message.message_id


def test_an_unset_mail_server_is_logged_and_make_run_prints_the_message(app, client, smtp_server, caplog, capsys):
    app.config["MAIL_SERVER"] = ""
    app.config["FORUM_MAIL_PRINT_UNSENT"] = True  # as `make run` sets it
    mail.init_app(app)

    response = submit(client, "/test/contact", {"email": "anna@example.org"})

    assert response.status_code == 200
    assert "MAIL_SERVER is not set" in caplog.text
    assert "Vi hör av oss." not in caplog.text
    printed = capsys.readouterr().out
    assert "To: anna@example.org" in printed and "Vi hör av oss." in printed
    [message] = outbox()
    assert message.status == OutboxStatus.QUEUED


@pytest.mark.parametrize("app_config", [{"FORUM_MAIL_INLINE": False}])
def test_without_inline_delivery_a_request_only_queues(app, client, smtp_server):
    submit(client, "/test/contact", {"email": "anna@example.org"})

    assert smtp_server.messages == []
    [message] = outbox()
    assert message.status == OutboxStatus.QUEUED
