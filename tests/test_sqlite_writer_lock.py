"""SQLite's writers' lock (forum.db.SQLiteConnection): a writer waits for the one ahead of it and begins
the moment it is done, the lock is released by commit, rollback and close, and a writer that waits too
long fails with "database is locked" instead of waiting for ever."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from forum import db as forum_db
from forum.extensions import db


@pytest.fixture
def app_config():
    return {"FORUM_SQLITE_BUSY_TIMEOUT_MS": 100}


@pytest.fixture
def sqlite_url(database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's writers' lock")
    return database_url


def _hold_write(seconds: float, end: str = "commit") -> threading.Thread:
    """Another connection of the app begins writing, holds the lock for `seconds`, then ends with `end`."""
    started = threading.Event()
    engine = db.engine

    def hold():
        connection = engine.raw_connection()
        try:
            forum_db.begin_sqlite_write(connection.driver_connection)
            started.set()
            time.sleep(seconds)
            getattr(connection.driver_connection, end)()
        finally:
            if end != "close":
                connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert started.wait(5)
    return thread


def _lock_is_free(sqlite_url: str) -> bool:
    """Whether another process could take the writers' lock now (a flock of its own on the lock file)."""
    descriptor = os.open(f"{sqlite_url.removeprefix('sqlite:///')}-writers", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(descriptor)  # and the flock with it
    return True


def _write_now() -> float:
    """Seconds this connection waited to begin and make a write (UPDATE events: no rows needed)."""
    started = time.monotonic()
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE events SET title = title"))
    return time.monotonic() - started


def test_the_lock_file_sits_beside_the_database(app, sqlite_url):
    _write_now()
    assert Path(f"{sqlite_url.removeprefix('sqlite:///')}-writers").exists()


@pytest.mark.parametrize("end", ["commit", "rollback", "close"])
def test_a_writer_begins_when_the_one_ahead_ends(app, sqlite_url, end):
    holder = _hold_write(0.3, end)
    assert not _lock_is_free(sqlite_url)  # held by the writer (not only SQLite's own busy handling)
    waited = _write_now()
    holder.join()
    assert 0.2 <= waited < 2.0, waited
    assert _lock_is_free(sqlite_url)  # released by commit, rollback or close


def test_a_writer_waiting_too_long_is_told_the_database_is_locked(app, sqlite_url, monkeypatch):
    monkeypatch.setattr(forum_db, "BEGIN_RETRY_SECONDS", 0.2)
    db.engine.dispose()  # new connections: the lock's patience is set when a connection opens
    holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), factory=forum_db.SQLiteConnection)
    holder.open_writer_lock(sqlite_url.removeprefix("sqlite:///"), timeout=30)
    holder.take_writer_lock()  # like another worker's writer, holding the lock and not finishing
    try:
        started = time.monotonic()
        with pytest.raises(Exception, match="database is locked"):
            _write_now()
        assert time.monotonic() - started < 5
    finally:
        holder.close()
    assert _write_now() < 1.0  # closing released it
