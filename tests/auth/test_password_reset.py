"""Password reset by e-mailed link: neutral answer, the outbox row, the link, expiry and single use."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from forum.auth.models import PasswordResetToken
from forum.db import utcnow
from forum.extensions import db
from tests import factories
from tests.auth.helpers import actions, english, error_for, link_in, log_in, outbox, text, value_of
from tests.conftest import csrf_from, submit

NEUTRAL_SV = "Om det finns ett konto med den e-postadressen har vi skickat en länk"
NEW_PASSWORD = "ett helt nytt lösenord 2027"


def request_link(client, email: str):
    return submit(client, "/admin/password/reset", {"email": email})


def path_of(link: str) -> str:
    return urlsplit(link).path


def test_full_flow_from_request_to_logged_in_with_the_new_password(app, client):
    user = factories.user("karin.lund@example.org", name="Karin Lund")
    db.session.commit()
    old_session_token = user.session_token

    answer = request_link(client, "KARIN.lund@example.org")

    assert answer.status_code == 200
    assert NEUTRAL_SV in text(answer)
    [message] = outbox()
    assert message.recipient == "karin.lund@example.org"
    assert message.purpose == "password_reset"
    assert message.subject == "Återställ ditt lösenord för Forum"
    assert "Hej Karin Lund," in message.body_text
    assert "2 timmar" in message.body_text  # FORUM_PASSWORD_RESET_HOURS
    link = link_in(message)
    assert link.startswith("http://localhost/admin/password/reset/")  # FORUM_BASE_URL + path
    assert link in message.body_html
    # Only the token's SHA-256 is stored.
    token = path_of(link).rsplit("/", 1)[1]
    stored = db.session.scalar(select(PasswordResetToken))
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in stored.token_hash
    assert timedelta(hours=1, minutes=59) < stored.expires_at - utcnow() <= timedelta(hours=2)

    form = client.get(path_of(link))
    assert form.status_code == 200
    assert "Välj nytt lösenord" in text(form)
    assert "karin.lund@example.org" in text(form)

    done = submit(
        client,
        path_of(link),
        {"new_password": NEW_PASSWORD, "new_password_repeat": NEW_PASSWORD},
        follow_redirects=True,
    )
    assert done.request.path == "/admin/"
    assert "Ditt nya lösenord är sparat och du är inloggad." in text(done)
    db.session.refresh(user)
    assert user.check_password(NEW_PASSWORD)
    assert user.session_token != old_session_token
    assert db.session.scalar(select(PasswordResetToken.used_at)) is not None
    assert [entry.action for entry in actions()][-1] == "user.password_reset"

    # The new password works for a fresh login; the old one does not.
    other = app.test_client()
    assert "Fel e-postadress" in text(log_in(other, "karin.lund@example.org"))
    assert log_in(other, "karin.lund@example.org", NEW_PASSWORD).status_code == 302


def test_the_email_is_in_the_users_language(client):
    factories.user("john@example.org", name="John Smith", preferred_language="en")
    request_link(client, "john@example.org")  # the page is Swedish, the e-mail follows the account
    [message] = outbox()
    assert message.subject == "Reset your password for Forum"
    assert "Hello John Smith," in message.body_text
    assert "valid for 2 hours" in message.body_text
    assert "Hej" not in message.body_text


@pytest.mark.parametrize("email", ["nobody@example.org", "gone@example.org"])
def test_unknown_or_inactive_accounts_get_the_same_answer_and_no_mail(client, email):
    factories.user("gone@example.org", active=False)
    answer = request_link(client, email)
    assert answer.status_code == 200
    assert NEUTRAL_SV in text(answer)
    assert outbox() == []
    assert db.session.scalar(select(PasswordResetToken)) is None


@pytest.mark.parametrize(
    ("language", "email", "message"),
    [
        ("sv", "", "Fyll i e-postadress."),
        ("sv", "inte en adress", "Ange en giltig e-postadress"),
        ("sv", "x" * 250 + "@example.org", "högst 254 tecken"),
        ("en", "", "Enter your e-mail address."),
        ("en", "not an address", "Enter a valid e-mail address"),
    ],
)
def test_request_form_bad_input(client, language, email, message):
    if language == "en":
        english(client)
    answer = request_link(client, email)
    html = text(answer)
    assert message in error_for(html, "email")
    assert value_of(html, "email") == email
    assert outbox() == []


def _issue_link(client, email="eva@example.org") -> str:
    request_link(client, email)
    return path_of(link_in(outbox()[-1]))


def test_an_expired_link_explains_and_offers_a_new_one(client):
    user = factories.user("eva@example.org")
    path = _issue_link(client)
    stored = db.session.scalar(select(PasswordResetToken))
    stored.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()

    page = client.get(path)
    assert page.status_code == 410
    html = text(page)
    assert "Länken för att välja nytt lösenord har gått ut." in html
    assert 'href="/admin/password/reset"' in html
    # Posting to it (with a valid CSRF token from another form) changes nothing either.
    token = csrf_from(client.get("/admin/password/reset").get_data(as_text=True))
    posted = client.post(
        path, data={"csrf_token": token, "new_password": NEW_PASSWORD, "new_password_repeat": NEW_PASSWORD}
    )
    assert posted.status_code == 410
    db.session.refresh(user)
    assert user.check_password(factories.PASSWORD)


def test_a_link_works_once(client):
    user = factories.user("eva@example.org")
    path = _issue_link(client)
    data = {"new_password": NEW_PASSWORD, "new_password_repeat": NEW_PASSWORD}
    assert submit(client, path, data).status_code == 302

    other = client.application.test_client()
    again = other.get(path)
    assert again.status_code == 410
    assert "Länken för att välja nytt lösenord har redan använts." in text(again)
    assert "Begär en ny länk" in text(again)
    db.session.refresh(user)
    assert user.check_password(NEW_PASSWORD)


def test_a_used_link_in_english(client):
    factories.user("eva@example.org")
    path = _issue_link(client)
    submit(client, path, {"new_password": NEW_PASSWORD, "new_password_repeat": NEW_PASSWORD})
    other = client.application.test_client()
    english(other)
    page = other.get(path)
    assert page.status_code == 410
    assert "The link to choose a new password has already been used." in text(page)
    assert "Request a new link" in text(page)


def test_setting_a_password_invalidates_the_users_other_links(client):
    factories.user("eva@example.org")
    first = _issue_link(client)
    second = _issue_link(client)
    assert first != second
    submit(client, second, {"new_password": NEW_PASSWORD, "new_password_repeat": NEW_PASSWORD})
    other = client.application.test_client()
    assert other.get(first).status_code == 410


def test_an_unknown_link_is_404_with_a_way_forward(client):
    page = client.get("/admin/password/reset/not-a-real-token")
    assert page.status_code == 404
    assert "Vi känner inte igen länken" in text(page)
    assert 'href="/admin/password/reset"' in text(page)


def test_a_link_of_a_deactivated_account_no_longer_works(client):
    user = factories.user("eva@example.org")
    path = _issue_link(client)
    user.active = False
    db.session.commit()
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    ("language", "data", "field", "message"),
    [
        ("sv", {"new_password": "", "new_password_repeat": ""}, "new_password", "Fyll i ett nytt lösenord."),
        ("sv", {"new_password": "kort", "new_password_repeat": "kort"}, "new_password", "10–200 tecken"),
        ("sv", {"new_password": "p" * 201, "new_password_repeat": "p" * 201}, "new_password", "10–200 tecken"),
        (
            "sv",
            {"new_password": NEW_PASSWORD, "new_password_repeat": NEW_PASSWORD + "x"},
            "new_password_repeat",
            "Lösenorden är inte lika.",
        ),
        (
            "sv",
            {"new_password": "eva@example.org", "new_password_repeat": "eva@example.org"},
            "new_password",
            "får inte vara samma som e-postadressen",
        ),
        ("en", {"new_password": "short", "new_password_repeat": "short"}, "new_password", "10–200 characters"),
        (
            "en",
            {"new_password": NEW_PASSWORD, "new_password_repeat": "different password"},
            "new_password_repeat",
            "The passwords do not match.",
        ),
    ],
)
def test_reset_form_bad_input_keeps_the_link_usable(client, language, data, field, message):
    user = factories.user("eva@example.org")
    path = _issue_link(client)
    if language == "en":
        english(client)
    answer = submit(client, path, data)
    assert answer.status_code == 200
    assert message in error_for(text(answer), field)
    assert client.get(path).status_code == 200  # not used up by a mistake
    db.session.refresh(user)
    assert user.check_password(factories.PASSWORD)
