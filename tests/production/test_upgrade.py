"""The recipe's upgrade step (`flask db upgrade`) on a database that holds data, as in production:
the demo at the newest schema, the newest migration taken back, and the upgrade run again.
(tests/test_migrations.py checks the migrations on empty databases; SQLite's batch mode rebuilds
tables, which can fail on foreign keys only once rows refer to each other.)"""

from __future__ import annotations

from flask_migrate import downgrade, upgrade

from tests.production.conftest import make_app
from tests.production.recipe import at_newest_migration
from tests.production.test_backup import DEMO_TITLE, event_page, snapshot


def upgrade_with_data(database_url: str) -> None:
    app = make_app(database_url)
    before = snapshot(app)
    assert before["registrations"]
    with app.app_context():
        downgrade(revision="-1")
        assert not at_newest_migration(database_url)
        upgrade()
    assert at_newest_migration(database_url)
    after = snapshot(app)
    changed = [name for name in before if len(after[name]) != len(before[name])]
    assert changed == [], f"rows lost or added by the upgrade in: {changed}"
    assert DEMO_TITLE in event_page(app)


def test_upgrade_of_a_sqlite_database_with_data(demo_sqlite, tmp_path):
    upgrade_with_data(demo_sqlite(tmp_path / "forum.sqlite3"))


def test_upgrade_of_a_postgresql_database_with_data(demo_postgres):
    with demo_postgres() as url:
        upgrade_with_data(url)
