"""Logging in and out: the real form, generic failures, safe `next`, last login and audit."""

from __future__ import annotations

import pytest

from forum.extensions import db
from tests import factories
from tests.auth.helpers import actions, english, error_for, log_in, text, value_of
from tests.conftest import login_as, submit

FAILURE_SV = "Fel e-postadress eller lösenord."
FAILURE_EN = "Wrong e-mail address or password."


def test_login_page_has_the_form_and_a_reset_link(client):
    page = client.get("/admin/login")
    assert page.status_code == 200
    html = text(page)
    assert 'name="email"' in html and 'name="password"' in html
    assert "/admin/password/reset" in html
    assert "Glömt lösenordet?" in html
    assert '="None"' not in html


def test_login_is_case_insensitive_records_last_login_and_audits(app, client):
    user = factories.user("anna.berg@example.org", name="Anna Berg")
    db.session.commit()
    assert user.last_login_at is None

    response = log_in(client, "  Anna.BERG@Example.ORG ", follow_redirects=True)

    assert response.request.path == "/admin/"
    assert "Du är inloggad." in text(response)
    db.session.refresh(user)
    assert user.last_login_at is not None
    logged = actions("user.logged_in")
    assert [(entry.user_id, entry.target_id) for entry in logged] == [(user.id, user.id)]
    # The session works: a page that needs a login is shown.
    assert client.get("/admin/password").status_code == 200


@pytest.mark.parametrize("case", ["wrong password", "unknown account", "inactive account"])
def test_failures_all_say_the_same(app, client, case):
    factories.user("karin@example.org")
    factories.user("old@example.org", active=False)
    db.session.commit()
    email, password = {
        "wrong password": ("karin@example.org", "not the password at all"),
        "unknown account": ("nobody@example.org", factories.PASSWORD),
        "inactive account": ("old@example.org", factories.PASSWORD),
    }[case]

    response = log_in(client, email, password)

    assert response.status_code == 200
    html = text(response)
    assert FAILURE_SV in html
    assert value_of(html, "email") == email  # what was typed is kept
    assert value_of(html, "password") in (None, "")  # the password is never echoed back
    assert client.get("/admin/", follow_redirects=False).status_code == 302  # still not logged in
    assert actions("user.logged_in") == []


def test_failure_message_in_english(client):
    english(client)
    response = log_in(client, "nobody@example.org", "whatever-password")
    assert FAILURE_EN in text(response)
    assert FAILURE_SV not in text(response)


@pytest.mark.parametrize(
    ("language", "data", "field", "message"),
    [
        ("sv", {"email": "", "password": ""}, "email", "Fyll i e-postadress."),
        ("sv", {"email": "a@example.org", "password": ""}, "password", "Fyll i lösenord."),
        ("sv", {"email": "inte-en-adress", "password": "x"}, "email", "Ange en giltig e-postadress"),
        ("sv", {"email": "a" * 250 + "@example.org", "password": "x"}, "email", "högst 254 tecken"),
        ("sv", {"email": "a@example.org", "password": "p" * 201}, "password", "högst 200 tecken"),
        ("en", {"email": "", "password": ""}, "email", "Enter your e-mail address."),
        ("en", {"email": "not-an-address", "password": "x"}, "email", "Enter a valid e-mail address"),
        ("en", {"email": "a" * 250 + "@example.org", "password": "x"}, "email", "at most 254 characters"),
    ],
)
def test_bad_input_is_explained_next_to_the_field(client, language, data, field, message):
    if language == "en":
        english(client)
    response = submit(client, "/admin/login", data)
    assert response.status_code == 200
    html = text(response)
    assert message in error_for(html, field)
    assert 'aria-invalid="true"' in html
    assert value_of(html, "email") == data["email"]
    assert FAILURE_SV not in html  # a form error is not a failed login


def test_next_is_honoured_for_own_paths(client):
    factories.user("eva@example.org")
    db.session.commit()
    response = submit(
        client, "/admin/login?next=/admin/password", {"email": "eva@example.org", "password": factories.PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/password")


@pytest.mark.parametrize("target", ["https://evil.example", "//evil.example", "/\\evil.example", "javascript:alert(1)"])
def test_next_to_another_site_goes_to_the_dashboard(client, target):
    factories.user("eva@example.org")
    db.session.commit()
    page = f"/admin/login?next={target}"
    response = submit(client, page, {"email": "eva@example.org", "password": factories.PASSWORD})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "evil" not in location
    assert location.endswith("/admin/")


def test_a_protected_page_sends_to_login_and_back(client):
    factories.user("eva@example.org")
    db.session.commit()
    first = client.get("/admin/password")
    assert first.status_code == 302
    assert "/admin/login?next=" in first.headers["Location"]
    login_page = first.headers["Location"]
    response = submit(client, login_page, {"email": "eva@example.org", "password": factories.PASSWORD})
    assert response.headers["Location"].endswith("/admin/password")


def test_logged_in_user_visiting_login_goes_to_dashboard(client):
    user = factories.user()
    db.session.commit()
    login_as(client, user)
    response = client.get("/admin/login")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/")


def test_logout_says_so_and_ends_the_session(client):
    user = factories.user("eva@example.org")
    db.session.commit()
    log_in(client, "eva@example.org")
    page = client.get("/admin/password")
    assert page.status_code == 200
    response = submit(client, "/admin/password", {}, post_url="/admin/logout", follow_redirects=True)
    assert "Du är utloggad." in text(response)
    assert client.get("/admin/password").status_code == 302
    assert user.id


def test_logout_needs_a_post_with_csrf(client):
    user = factories.user()
    db.session.commit()
    login_as(client, user)
    assert client.get("/admin/logout").status_code == 405
    assert client.post("/admin/logout").status_code == 400  # no CSRF token
    assert client.get("/admin/password").status_code == 200  # still logged in
