"""Backups and restores as the README's production recipe does them, performed for real.

SQLite: the documented `sqlite3 FILE ".backup 'COPY'"` (and Python's sqlite3 backup API, for hosts
without the sqlite3 program) while the app has the database open and a write transaction going on;
restored with `sqlite3 NEW ".restore 'COPY'"`; the app on the restored file reads the same data,
and an attendee's personal link opens their registration.
PostgreSQL (only with TEST_DATABASE_URL): `pg_dump -Fc` of a throw-away database holding the demo,
`pg_restore` into another throw-away database, the same comparison, and `flask db upgrade` finds the
restored database up to date.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select, text

from forum.extensions import db
from tests.production.conftest import make_app
from tests.production.recipe import (
    TEST_DATABASE_URL,
    at_newest_migration,
    libpq_url,
    throwaway_postgres,
)

DEMO_EVENT = "halland-beredskap"
DEMO_TITLE = "Temamöte om långsiktig beredskap i Halland"


def snapshot(app) -> dict[str, list[tuple]]:
    """Every row of every table, ordered by primary key: what the app reads."""
    rows = {}
    with app.app_context():
        with db.engine.connect() as connection:
            for table in db.metadata.sorted_tables:
                order = list(table.primary_key.columns) or list(table.columns)
                rows[table.name] = [tuple(row) for row in connection.execute(select(table).order_by(*order))]
        db.engine.dispose()
    return rows


def event_page(app) -> str:
    with app.app_context():
        page = app.test_client().get(f"/e/{DEMO_EVENT}/")
        assert page.status_code == 200
        db.session.remove()
        db.engine.dispose()
        return page.get_data(as_text=True)


def personal_page(app) -> tuple[str, str]:
    """(the attendee's name, their personal page /r/<token>) of a demo registration, opened as the
    link from an e-mail would (the link is rebuilt from the database and the secret key)."""
    from forum.registration import links
    from forum.registration.models import Registration

    with app.app_context():
        registration = db.session.scalar(select(Registration).order_by(Registration.id).limit(1))
        name, token_hash = registration.first_name, registration.token_hash
        token = links.token_for(registration)
        assert registration.token_hash == token_hash, "the link is the one sent before the backup"
        db.session.rollback()
        page = app.test_client().get(f"/r/{token}")
        assert page.status_code == 200
        db.session.remove()
        db.engine.dispose()
        return name, page.get_data(as_text=True)


def registration_count(app) -> int:
    from forum.registration.models import Registration

    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Registration))
        db.session.remove()
        db.engine.dispose()
        return count


def assert_same_data(restored, before: dict) -> None:
    assert snapshot(restored) == before
    assert registration_count(restored) == len(before["registrations"])
    name, page = personal_page(restored)
    assert name in page


# --- SQLite ---------------------------------------------------------------------------------------


def sqlite3_cli_backup(source: Path, target: Path) -> None:
    """The README's command: sqlite3 instance/forum.sqlite3 ".backup '/var/backups/forum/….sqlite3'"."""
    subprocess.run(["sqlite3", str(source), f".backup '{target}'"], check=True, timeout=60, capture_output=True)


def python_api_backup(source: Path, target: Path) -> None:
    """The README's alternative without the sqlite3 program: Python's sqlite3 backup API."""
    command = (
        "import sqlite3, sys; s = sqlite3.connect(sys.argv[1]); t = sqlite3.connect(sys.argv[2]); "
        "s.backup(t); t.close(); s.close()"
    )
    subprocess.run(["python3", "-c", command, str(source), str(target)], check=True, timeout=60, capture_output=True)


@pytest.mark.parametrize("backup", [sqlite3_cli_backup, python_api_backup], ids=["sqlite3-cli", "python-api"])
def test_sqlite_backup_while_the_app_runs_and_restore(backup, demo_sqlite, tmp_path):
    if shutil.which("sqlite3") is None:
        pytest.skip("the sqlite3 program is not installed (apt install sqlite3)")
    live = tmp_path / "forum.sqlite3"
    app = make_app(demo_sqlite(live))
    before = snapshot(app)
    assert before["registrations"], "the demo wrote registrations to back up"
    with sqlite3.connect(live) as check:  # so a copy of the file alone could miss committed data
        assert check.execute("PRAGMA journal_mode").fetchone() == ("wal",)

    # The app is open and in the middle of a write when the backup runs: the copy holds what was
    # committed, and the writer is not disturbed.
    copy = tmp_path / "backup" / "forum-2026-11-24.sqlite3"
    copy.parent.mkdir()
    with app.app_context():
        with db.engine.begin() as writer:  # the app's BEGIN IMMEDIATE (forum/db.py)
            writer.execute(
                text("UPDATE events SET title = 'Ändrad under säkerhetskopieringen' WHERE slug = :slug"),
                {"slug": DEMO_EVENT},
            )
            backup(live, copy)
        db.engine.dispose()
    assert "Ändrad under" in event_page(app), "the write after the backup went through"

    # Restore into a new file, as after losing the server: the app on it reads what was backed up.
    restored = tmp_path / "restored" / "forum.sqlite3"
    restored.parent.mkdir()
    subprocess.run(["sqlite3", str(restored), f".restore '{copy}'"], check=True, timeout=60, capture_output=True)
    with sqlite3.connect(restored) as check:
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    restored_app = make_app(f"sqlite:///{restored}")
    assert_same_data(restored_app, before)
    page = event_page(restored_app)
    assert DEMO_TITLE in page
    assert "Ändrad under" not in page, "the backup is the state committed when it ran"
    # The restored database is at the newest migration: `flask db upgrade` has nothing to do.
    assert at_newest_migration(f"sqlite:///{restored}")


# --- PostgreSQL -----------------------------------------------------------------------------------


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="PostgreSQL: set TEST_DATABASE_URL")
def test_postgresql_pg_dump_and_pg_restore(demo_postgres, tmp_path):
    for program in ("pg_dump", "pg_restore"):
        if shutil.which(program) is None:
            pytest.fail(f"{program} is not installed (apt install postgresql-client)")
    dump = tmp_path / "forum.dump"
    with demo_postgres() as source_url:
        source = make_app(source_url)
        before = snapshot(source)
        assert before["registrations"]
        # The README's command (the app may keep running: pg_dump reads one consistent snapshot).
        subprocess.run(
            ["pg_dump", "-Fc", f"--dbname={libpq_url(source_url)}", "-f", str(dump)],
            check=True,
            timeout=60,
            capture_output=True,
        )
    assert dump.read_bytes().startswith(b"PGDMP"), "pg_dump's custom format"

    with throwaway_postgres("forum_restore") as target_url:
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={libpq_url(target_url)}", str(dump)],
            check=True,
            timeout=60,
            capture_output=True,
        )
        restored = make_app(target_url)
        assert_same_data(restored, before)
        assert DEMO_TITLE in event_page(restored)
        assert at_newest_migration(target_url)
        with restored.app_context():  # after a restore, the recipe's upgrade step is safe
            upgrade()
            db.engine.dispose()
        assert at_newest_migration(target_url)
        assert_same_data(restored, before)
