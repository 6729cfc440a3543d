"""Configuration: environment settings, the generated secret key, cookies, SQLite settings."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import text

from forum import config, create_app
from forum.extensions import db


def test_settings_have_safe_defaults_and_read_the_environment():
    defaults = config.load_settings({})
    assert defaults["FORUM_HTTPS"] is False
    assert defaults["RATELIMIT_STORAGE_URI"] == "memory://"
    values = config.load_settings(
        {"FORUM_HTTPS": "true", "MAIL_PORT": "2525", "FORUM_RATELIMIT_STORAGE_URI": "redis://x"}
    )
    assert values["FORUM_HTTPS"] is True
    assert values["MAIL_PORT"] == 2525
    assert values["RATELIMIT_STORAGE_URI"] == "redis://x"


def test_secret_key_is_generated_once_and_kept(tmp_path):
    first = config.secret_key(tmp_path, {})
    second = config.secret_key(tmp_path, {})
    assert first == second
    assert len(first) >= 48
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert config.secret_key(tmp_path, {"FORUM_SECRET_KEY": "from-env"}) == "from-env"


def test_database_url_defaults_to_sqlite_in_instance(tmp_path):
    assert config.database_uri(tmp_path, None) == f"sqlite:///{tmp_path / 'forum.sqlite3'}"
    assert config.database_uri(tmp_path, "postgres://u@h/d") == "postgresql+psycopg://u@h/d"
    assert config.database_uri(tmp_path, "postgresql://u@h/d") == "postgresql+psycopg://u@h/d"


def test_session_cookie_is_httponly_lax_and_secure_only_with_https(database_url):
    plain = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "x"})
    assert plain.config["SESSION_COOKIE_HTTPONLY"] is True
    assert plain.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert plain.config["SESSION_COOKIE_SECURE"] is False
    https = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "x", "FORUM_HTTPS": True})
    assert https.config["SESSION_COOKIE_SECURE"] is True
    with https.test_client() as client:
        response = client.get("/", base_url="https://localhost")
        assert "max-age" in response.headers["Strict-Transport-Security"]


def test_login_cookie_flags_on_a_real_response(app, client):
    client.get("/admin/login")
    cookie = client.get_cookie("session")  # the login form's CSRF token lives in the session
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"


@pytest.fixture
def sqlite_app(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'f.sqlite3'}", "SECRET_KEY": "x"})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_sqlite_runs_with_wal_foreign_keys_and_busy_timeout(sqlite_app):
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000


def test_sqlite_writers_queue_instead_of_failing(sqlite_app, tmp_path):
    """Two transactions that read and then write: with BEGIN IMMEDIATE the second waits for the
    first instead of failing with "database is locked" when it tries to write."""
    with db.engine.begin() as connection:
        connection.execute(text("CREATE TABLE counter (n INTEGER)"))
        connection.execute(text("INSERT INTO counter VALUES (0)"))
    engine = db.engine
    errors: list[Exception] = []
    first_has_read = threading.Event()

    def increment(wait_for_other: bool):
        try:
            with engine.begin() as connection:
                value = connection.execute(text("SELECT n FROM counter")).scalar()
                if wait_for_other:
                    first_has_read.set()
                    threading.Event().wait(0.3)
                connection.execute(text("UPDATE counter SET n = :n"), {"n": value + 1})
        except Exception as error:  # noqa: BLE001 - the test reports whatever went wrong
            errors.append(error)

    first = threading.Thread(target=increment, args=(True,))
    first.start()
    first_has_read.wait(2)
    second = threading.Thread(target=increment, args=(False,))
    second.start()
    first.join()
    second.join()
    assert errors == []
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT n FROM counter")).scalar() == 2  # no lost update


def test_plain_sqlite_would_have_failed_without_it(tmp_path):
    """The control for the test above: deferred transactions lose a race in the same schedule."""
    path = tmp_path / "plain.sqlite3"
    setup = sqlite3.connect(path, isolation_level=None)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE counter (n INTEGER)")
    setup.execute("INSERT INTO counter VALUES (0)")
    one = sqlite3.connect(path, isolation_level=None, timeout=5)
    two = sqlite3.connect(path, isolation_level=None, timeout=5)
    one.execute("BEGIN DEFERRED")
    two.execute("BEGIN DEFERRED")
    one.execute("SELECT n FROM counter").fetchone()
    two.execute("SELECT n FROM counter").fetchone()
    one.execute("UPDATE counter SET n = 1")
    one.execute("COMMIT")
    # The busy timeout is 5 s, yet the stale reader fails at once: waiting cannot help it.
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        two.execute("UPDATE counter SET n = 1")
