"""Demo databases for the production tests, built once per run (migrations and demo data take a few
seconds): a SQLite file, and with TEST_DATABASE_URL a PostgreSQL template database. Each test
works on its own copy."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.pg import throwaway_database
from tests.production.recipe import TEST_DATABASE_URL, throwaway_postgres


def make_app(database_url: str):
    from forum import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "TESTING": True,
            "SECRET_KEY": "production-test-secret-key",
            "SERVER_NAME": "localhost",
            "RATELIMIT_ENABLED": False,
            "MAIL_SUPPRESS_SEND": True,
        }
    )


def load_demo(app) -> None:
    """Migrate (as `flask db upgrade`) and load the demo (as `flask demo`), in this process."""
    from flask_migrate import upgrade

    from forum import demo
    from forum.extensions import db

    with app.app_context():
        upgrade()
        demo.load(echo=lambda *_args, **_kwargs: None)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def demo_sqlite(tmp_path_factory) -> Callable[[Path], str]:
    """copy(path): a copy of the migrated demo database at path; its URL."""
    template = tmp_path_factory.mktemp("demo") / "template.sqlite3"
    load_demo(make_app(f"sqlite:///{template}"))

    def copy(path: Path) -> str:
        with sqlite3.connect(template) as source, sqlite3.connect(path) as target:
            source.backup(target)
        source.close()
        target.close()
        return f"sqlite:///{path}"

    return copy


@pytest.fixture(scope="session")
def demo_postgres() -> Iterator[Callable]:
    """copy(): a context manager giving a new PostgreSQL database made from the demo template."""
    if not TEST_DATABASE_URL:
        pytest.skip("PostgreSQL: set TEST_DATABASE_URL")
    with throwaway_postgres("forum_template") as template_url:
        load_demo(make_app(template_url))
        template = make_url(template_url).database

        def copy():
            return throwaway_database(TEST_DATABASE_URL, "forum_copy", template=template)

        yield copy
