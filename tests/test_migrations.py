"""The migrations produce exactly the models' schema (no drift), on SQLite and on PostgreSQL.

Each test migrates its own fresh, empty database: a temporary SQLite file, and when
TEST_DATABASE_URL is set, a PostgreSQL database created for the test next to it and dropped after.
"""

from __future__ import annotations

import os
from pprint import pformat

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from forum import create_app
from forum.extensions import db
from tests.pg import throwaway_database

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


def _postgresql_database():
    """A throw-away database on TEST_DATABASE_URL's server; its URL; dropped afterwards."""
    with throwaway_database(TEST_DATABASE_URL, "forum_drift") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'drift.sqlite3'}"
    elif not TEST_DATABASE_URL:
        pytest.skip("PostgreSQL: set TEST_DATABASE_URL")
    else:
        yield from _postgresql_database()


@pytest.fixture
def fresh_app(empty_database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url, "TESTING": True, "SECRET_KEY": "x"})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def schema_differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def assert_no_drift() -> None:
    differences = schema_differences()
    assert differences == [], "the migrations differ from the models:\n" + pformat(differences)


def application_tables() -> set[str]:
    with db.engine.connect() as connection:
        return set(inspect(connection).get_table_names()) - {"alembic_version"}


def test_an_empty_database_differs_from_the_models(fresh_app):
    """The comparison can fail: before any migration every table is reported missing."""
    differences = schema_differences()
    added = {diff[1].name for diff in differences if diff[0] == "add_table"}
    assert added == {table.name for table in db.metadata.sorted_tables}


def test_migrations_produce_exactly_the_models_schema(fresh_app):
    upgrade()
    assert application_tables() == set(db.metadata.tables)
    assert_no_drift()


def test_downgrade_to_base_and_upgrade_again(fresh_app):
    upgrade()
    downgrade(revision="base")
    assert application_tables() == set()
    upgrade()
    assert_no_drift()
