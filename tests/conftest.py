"""Test set-up: a real database migrated by Alembic (SQLite by default, PostgreSQL when
TEST_DATABASE_URL is set), emptied after every test; a fresh app per test; real CSRF."""

from __future__ import annotations

import contextvars
import os
import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from forum import create_app
from forum.extensions import db

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


def _reset_database(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    if TEST_DATABASE_URL:
        url = TEST_DATABASE_URL
        _reset_database(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'forum-test.sqlite3'}"
    app = create_app(_test_config(url))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    return url


def _test_config(url: str, **extra) -> dict:
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SERVER_NAME": "localhost",
        "FORUM_BASE_URL": "http://localhost",
        "RATELIMIT_ENABLED": False,
        "MAIL_SUPPRESS_SEND": True,
        "MAIL_DEFAULT_SENDER": "Forum <forum@example.org>",
    }
    config.update(extra)
    return config


@pytest.fixture
def app_config() -> dict:
    """Override in a test module to change the app's configuration."""
    return {}


class IsolatedClient(FlaskClient):
    """Each request runs in its own application context, as in production.

    The test keeps an app context open for its own database work; without this, requests would
    share its `g` (cached locale, logged-in user) and its database session. The test's session is
    committed first, so what the test wrote is visible to the request, and objects are expired,
    so that the test sees what the request changed.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            db.session.commit()
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def app(database_url, app_config):
    app = create_app(_test_config(database_url, **app_config))
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


def _empty_tables() -> None:
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def organiser(app, event):
    """An organiser of the test module's `event` (each module defines its own `event` fixture)."""
    from tests import factories

    user = factories.user(name="Olle Arrangör", roles={event: "organiser"})
    db.session.commit()
    return user


@pytest.fixture
def signed_in(client, organiser):
    """The test client, logged in as the organiser."""
    login_as(client, organiser)
    return client


# --- helpers -----------------------------------------------------------------------------------

CSRF_PATTERN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_PATTERN.search(html)
    assert match, "no csrf_token in the page"
    return match.group(1) or match.group(2)


def submit(client, form_url: str, data: dict, post_url: str | None = None, **kwargs):
    """GET the page with the form, take its CSRF token, POST the data as a browser would."""
    page = client.get(form_url)
    assert page.status_code == 200, f"{form_url} answered {page.status_code}"
    payload = dict(data)
    payload["csrf_token"] = csrf_from(page.get_data(as_text=True))
    return client.post(post_url or form_url, data=payload, **kwargs)


def login_as(client, user) -> None:
    """Log a user in through the session cookie (the login form itself is tested in tests/auth)."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


def in_days(days: int, hour: int = 9) -> datetime:
    moment = datetime.now(UTC) + timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)
