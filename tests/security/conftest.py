"""Fixtures of the security tests: an app with real CSRF whose context is pushed only while the
world is built (each request then gets its own context, as in production), and the world."""

from __future__ import annotations

import pytest

from forum import create_app
from forum.extensions import db
from tests.conftest import _empty_tables, _test_config
from tests.security import world as worlds


def _cleanup(app) -> None:
    with app.app_context():
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


@pytest.fixture
def csrf_app(database_url):
    """Real CSRF (the test configuration leaves Flask-WTF's check on)."""
    app = create_app(_test_config(database_url))
    assert app.config.get("WTF_CSRF_ENABLED", True), "the security tests need real CSRF"
    yield app
    _cleanup(app)


@pytest.fixture
def world(csrf_app) -> worlds.SecurityWorld:
    return worlds.build(csrf_app)
