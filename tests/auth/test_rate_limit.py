"""Login and reset requests are rate-limited (Flask-Limiter), with a page in the visitor's language."""

from __future__ import annotations

import pytest

from tests import factories
from tests.auth.helpers import english, log_in, outbox, text
from tests.conftest import csrf_from, submit


@pytest.fixture
def app_config() -> dict:
    return {"RATELIMIT_ENABLED": True, "FORUM_LOGIN_RATE_LIMIT": "3 per minute"}


def test_login_attempts_beyond_the_limit_get_429_in_swedish(app, client):
    factories.user("eva@example.org")
    for _ in range(3):
        assert log_in(client, "eva@example.org", "wrong password!").status_code == 200
    blocked = log_in(client, "eva@example.org")  # even the right password waits now
    assert blocked.status_code == 429
    html = text(blocked)
    assert "För många försök" in html
    assert "Vänta en stund" in html
    # Only POSTs count: the page itself still opens.
    assert client.get("/admin/login").status_code == 200


def test_the_limit_page_is_in_english_for_english_visitors(app, client):
    english(client)
    page = client.get("/admin/login")
    token = csrf_from(page.get_data(as_text=True))
    for _ in range(3):
        client.post("/admin/login", data={"csrf_token": token, "email": "x@example.org", "password": "nope-nope"})
    blocked = client.post("/admin/login", data={"csrf_token": token, "email": "x@example.org", "password": "nope"})
    assert blocked.status_code == 429
    assert "Too many attempts" in text(blocked)
    assert "För många försök" not in text(blocked)


def test_reset_requests_are_limited_too(app, client):
    factories.user("eva@example.org")
    for _ in range(3):
        assert submit(client, "/admin/password/reset", {"email": "eva@example.org"}).status_code == 200
    assert submit(client, "/admin/password/reset", {"email": "eva@example.org"}).status_code == 429
    assert len(outbox()) == 3
