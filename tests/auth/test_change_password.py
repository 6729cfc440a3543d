"""Changing one's own password: checks, other sessions end, this one stays, audit."""

from __future__ import annotations

import pytest

from forum.extensions import db
from tests import factories
from tests.auth.helpers import actions, english, error_for, log_in, text
from tests.conftest import submit

NEW = "mitt nya fina lösenord"


def test_change_keeps_this_session_and_ends_the_others(app, client):
    user = factories.user("eva@example.org")
    db.session.commit()
    log_in(client, "eva@example.org")
    elsewhere = app.test_client()
    log_in(elsewhere, "eva@example.org")
    assert elsewhere.get("/admin/password").status_code == 200

    response = submit(
        client,
        "/admin/password",
        {"current_password": factories.PASSWORD, "new_password": NEW, "new_password_repeat": NEW},
        follow_redirects=True,
    )

    assert response.request.path == "/admin/"
    assert "Ditt lösenord är bytt." in text(response)
    assert client.get("/admin/password").status_code == 200  # still logged in here
    assert elsewhere.get("/admin/password").status_code == 302  # logged out there
    db.session.refresh(user)
    assert user.check_password(NEW)
    changed = actions("user.password_changed")
    assert [(entry.user_id, entry.target_id) for entry in changed] == [(user.id, user.id)]
    assert changed[0].details == {}  # never the password


def test_needs_a_login(client):
    response = client.get("/admin/password")
    assert response.status_code == 302
    assert "/admin/login" in response.headers["Location"]


@pytest.mark.parametrize(
    ("language", "data", "field", "message"),
    [
        ("sv", {}, "current_password", "Fyll i ditt nuvarande lösenord."),
        ("sv", {}, "new_password", "Fyll i ett nytt lösenord."),
        ("sv", {}, "new_password_repeat", "Skriv det nya lösenordet en gång till."),
        ("sv", {"current_password": "fel lösenord"}, "current_password", "Det nuvarande lösenordet stämmer inte."),
        ("sv", {"new_password": "kort", "new_password_repeat": "kort"}, "new_password", "10–200 tecken"),
        ("sv", {"new_password": "x" * 201, "new_password_repeat": "x" * 201}, "new_password", "10–200 tecken"),
        ("sv", {"new_password_repeat": NEW + "!"}, "new_password_repeat", "Lösenorden är inte lika."),
        (
            "sv",
            {"new_password": "Eva@Example.org", "new_password_repeat": "Eva@Example.org"},
            "new_password",
            "Lösenordet får inte vara samma som e-postadressen.",
        ),
        (
            "sv",
            {"new_password": factories.PASSWORD, "new_password_repeat": factories.PASSWORD},
            "new_password",
            "Välj ett annat lösenord än det nuvarande.",
        ),
        ("en", {}, "current_password", "Enter your current password."),
        ("en", {"current_password": "wrong one"}, "current_password", "The current password is not correct."),
        ("en", {"new_password": "short", "new_password_repeat": "short"}, "new_password", "10–200 characters"),
        ("en", {"new_password_repeat": NEW + "!"}, "new_password_repeat", "The passwords do not match."),
        (
            "en",
            {"new_password": "eva@example.org", "new_password_repeat": "eva@example.org"},
            "new_password",
            "must not be the same as the e-mail address",
        ),
    ],
)
def test_bad_input(client, language, data, field, message):
    user = factories.user("eva@example.org")
    db.session.commit()
    log_in(client, "eva@example.org")
    if language == "en":
        english(client)
    values = {"current_password": factories.PASSWORD, "new_password": NEW, "new_password_repeat": NEW}
    values.update(data)
    if not data:
        values = {"current_password": "", "new_password": "", "new_password_repeat": ""}
    response = submit(client, "/admin/password", values)
    assert response.status_code == 200
    assert message in error_for(text(response), field)
    db.session.refresh(user)
    assert user.check_password(factories.PASSWORD)
    assert actions("user.password_changed") == []
