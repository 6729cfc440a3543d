"""Every page reached by a secret link, and every API route, with links that do not admit: a wrong
token, a malformed one, an expired or used one, and another event's.

The routes are walked from the URL map (every rule with a <token> argument, every /api/v1 rule), so
a new token page is covered without editing this file. For each, every method it takes must refuse
without an error page of the server (no 5xx) and without showing anyone's data.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from sqlalchemy import select

from forum.auth import services as auth_services
from forum.checkin import services as checkin
from forum.db import utcnow
from forum.extensions import db
from forum.privacy.anonymise import anonymise_registration
from forum.registration import links, services
from tests import factories
from tests.conftest import login_as

NAME = "Åsa Hemligsdotter"


def token_rules(app):
    return [rule for rule in app.url_map.iter_rules() if "token" in rule.arguments]


def api_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")]


def methods(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def build(rule, token: str, slug: str = "x", checkin_id: int = 1) -> str:
    values = {"token": token, "slug": slug, "checkin_id": checkin_id}
    return rule.build({name: values[name] for name in rule.arguments}, append_unknown=False)[1]


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": False}  # a POST must reach the token check, not stop at CSRF


@pytest.fixture
def registration(app):
    event = factories.event(capacity=10)
    registration = services.register(
        event, services.Details(first_name="Åsa", last_name="Hemligsdotter", email="asa@example.org")
    ).registration
    db.session.commit()
    return registration


def assert_refused(response, url: str, method: str, allowed=(404, 410)) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code in allowed, f"{method} {url} answered {response.status_code}"
    assert NAME not in body and "asa@example.org" not in body, f"{method} {url} showed personal data"


@pytest.mark.parametrize(
    "token",
    [
        secrets.token_urlsafe(32),  # well formed, unknown
        "x",  # too short to be one
        "A" * 300,  # too long
        "..%2F..%2Fetc",  # path tricks
        "Zm9v%00bar",  # a NUL
    ],
    ids=["unknown", "short", "long", "path", "nul"],
)
def test_a_wrong_token_is_refused_on_every_token_page(app, client, registration, token):
    rules = token_rules(app)
    assert len(rules) >= 20  # /r, /i, /s, /c, password reset and their sub-pages
    for rule in rules:
        url = build(rule, "TOKEN").replace("TOKEN", token)
        for method in methods(rule):
            assert_refused(client.open(url, method=method), url, method)


def test_a_token_of_an_anonymised_registration_no_longer_opens_anything(app, client, registration):
    token = links.token_for(registration)
    assert client.get(f"/r/{token}").status_code == 200
    anonymise_registration(registration)
    db.session.commit()
    for rule in token_rules(app):
        if not rule.rule.startswith("/r/"):
            continue
        url = build(rule, token)
        for method in methods(rule):
            assert_refused(client.open(url, method=method), url, method)


@pytest.mark.parametrize("how", ["expired", "used"])
def test_an_expired_or_used_password_reset_link_is_refused(app, client, how):
    from forum.auth.models import PasswordResetToken

    user = factories.user(name="Olle Arrangör")
    db.session.flush()
    token = auth_services._send_reset_link(user, hours=2)
    db.session.commit()
    assert client.get(f"/admin/password/reset/{token}").status_code == 200
    stored = db.session.scalar(select(PasswordResetToken).where(PasswordResetToken.user_id == user.id))
    if how == "expired":
        stored.expires_at = utcnow() - timedelta(minutes=1)
    else:
        stored.used_at = utcnow()
    db.session.commit()
    for method in ("GET", "POST"):
        response = client.open(
            f"/admin/password/reset/{token}", method=method, data={"new_password": "Ett långt nytt lösenord 42"}
        )
        assert response.status_code == 410, (how, method, response.status_code)


# --- the API: device tokens ----------------------------------------------------------------------


@pytest.fixture
def two_events(app):
    event_a = factories.event(title="A", capacity=10)
    event_b = factories.event(title="B", capacity=10)
    _device_a, token_a = checkin.create_device(event_a, "Entré A")
    device_b, token_b = checkin.create_device(event_b, "Entré B")
    revoked, revoked_token = checkin.create_device(event_a, "Borttappad")
    checkin.revoke_device(revoked)
    db.session.commit()
    return event_a, token_a, token_b, revoked_token


def api_call(client, rule, slug: str, token: str | None):
    url = build(rule, "", slug=slug)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    method = methods(rule)[0]
    return client.open(url, method=method, json={"code": "X"}, headers=headers), url, method


def test_every_api_route_refuses_a_missing_wrong_revoked_or_other_events_token(app, client, two_events):
    event_a, token_a, token_b, revoked_token = two_events
    rules = [rule for rule in api_rules(app) if "slug" in rule.arguments]
    assert {rule.endpoint for rule in rules} >= {"api.scan", "api.undo", "api.checkin_list"}
    for rule in rules:
        for token, expected in (
            (None, 401),
            (secrets.token_urlsafe(32), 401),
            (revoked_token, 401),
            (token_b, 403),  # another event's device
        ):
            response, url, method = api_call(client, rule, event_a.slug, token)
            assert response.status_code == expected, (method, url, token, response.status_code)
            assert response.is_json and "error" in response.json
        # The right token works (or reaches the handler's own checks).
        response, url, method = api_call(client, rule, event_a.slug, token_a)
        assert response.status_code in (200, 404, 409), (method, url, response.status_code)


def test_the_api_ignores_an_organisers_session_without_a_device_token(app, client, two_events):
    event_a, *_ = two_events
    admin = factories.user(name="Admin", admin=True)
    db.session.commit()
    login_as(client, admin)
    for rule in api_rules(app):
        if "slug" not in rule.arguments:
            continue
        response, url, method = api_call(client, rule, event_a.slug, None)
        assert response.status_code == 401, (method, url)
