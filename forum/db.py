"""Database plumbing shared by every module: the declarative base, UTC times, SQLite settings."""

from __future__ import annotations

import enum
import random
import sqlite3
import time
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy import Enum as SAEnum
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

try:
    import fcntl
except ImportError:  # Windows has no fcntl: writers then wait in SQLite's busy handler only
    fcntl = None

# Named constraints, so that Alembic can alter them on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A point in time, stored as naive UTC on every database and returned aware (UTC).

    SQLite has no time-zone type; storing UTC everywhere keeps ordering and comparisons
    identical on SQLite and PostgreSQL.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL, foreign keys, a busy timeout, and BEGIN IMMEDIATE for transactions that may write.

    pysqlite's own transaction handling is switched off so that we emit BEGIN ourselves.
    A deferred transaction that later writes fails at once with "database is locked" when
    another writer got in first, whatever the busy timeout; an immediate one waits its turn, in the
    writers' lock (SQLiteConnection) when the connection has one.
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        path = next((row[2] for row in cursor.execute("PRAGMA database_list") if row[1] == "main"), "")
        cursor.close()
        if path and isinstance(dbapi_connection, SQLiteConnection):
            dbapi_connection.open_writer_lock(path, busy_timeout_ms / 1000 + BEGIN_RETRY_SECONDS)

    @event.listens_for(engine, "begin")
    def _begin(connection):
        if _read_only_request():
            connection.exec_driver_sql("BEGIN DEFERRED")
        else:
            begin_sqlite_write(connection.connection.driver_connection, last_try=connection)


# How long a writer keeps trying to begin when SQLite still reports the database locked after its
# busy timeout (a short FORUM_SQLITE_BUSY_TIMEOUT_MS, many writers queueing): the request waits its
# turn instead of failing with a server error. The app's own writers first wait for the writers' lock
# (up to the busy timeout and this); the retries then meet only programs that do not take it.
BEGIN_RETRY_SECONDS = 10.0


# A writer waiting for the writers' lock tries again after this pause, doubled each time up to the last.
LOCK_FIRST_PAUSE = 0.00005
LOCK_LAST_PAUSE = 0.001


class SQLiteConnection(sqlite3.Connection):
    """pysqlite's connection with a lock for writers: a flock on the file <database>-writers,
    taken before BEGIN IMMEDIATE and released when the transaction ends (commit, rollback, close).

    SQLite's own busy handler makes a waiting writer sleep and try again for longer and longer (1, 2,
    5 … 100 ms): under many writers, a few wait far longer than the work ahead of them takes. A writer
    waiting for this lock tries again within a millisecond instead (bench/checkin.py measures the
    tail), and gives up as SQLite would after the busy timeout and BEGIN_RETRY_SECONDS, with "database
    is locked". Connections opened by other programs (the sqlite3 shell, a backup) do not take it, and
    SQLite's busy handler still serves them. The lock file is closed with the connection, or when it is
    garbage-collected.
    """

    writer_lock = None
    holds_writer_lock = False
    lock_timeout = BEGIN_RETRY_SECONDS

    def open_writer_lock(self, database_path: str, timeout: float) -> None:
        if fcntl is not None:
            self.writer_lock = open(f"{database_path}-writers", "a+b")  # noqa: SIM115 - closed with the connection
            self.lock_timeout = timeout

    def take_writer_lock(self) -> None:
        if self.writer_lock is None or self.holds_writer_lock:
            return
        descriptor = self.writer_lock.fileno()
        deadline = None
        pause = LOCK_FIRST_PAUSE
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                now = time.monotonic()
                deadline = deadline or now + self.lock_timeout
                if now >= deadline:
                    raise sqlite3.OperationalError("database is locked (waited in the writers' lock)") from None
                time.sleep(pause)
                pause = min(pause * 2, LOCK_LAST_PAUSE)
        self.holds_writer_lock = True

    def release_writer_lock(self) -> None:
        if self.holds_writer_lock:
            self.holds_writer_lock = False
            fcntl.flock(self.writer_lock.fileno(), fcntl.LOCK_UN)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.release_writer_lock()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.release_writer_lock()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.release_writer_lock()
            if self.writer_lock is not None:
                self.writer_lock.close()


def begin_sqlite_write(driver_connection, last_try=None) -> None:
    """BEGIN IMMEDIATE in the writers' lock, tried again with a growing, jittered pause while the
    database is still locked (by a program that does not take the writers' lock).

    Nothing has been done in the transaction yet, so beginning again is safe. The last try goes
    through `last_try` (a SQLAlchemy connection) when given, so that a failure is reported as usual.
    """
    take = getattr(driver_connection, "take_writer_lock", None)
    if take is not None:
        take()
    try:
        _begin_immediate(driver_connection, last_try)
    except BaseException:
        leave = getattr(driver_connection, "release_writer_lock", None)
        if leave is not None:
            leave()
        raise


def _begin_immediate(driver_connection, last_try) -> None:
    deadline = time.monotonic() + BEGIN_RETRY_SECONDS
    pause = 0.005
    while time.monotonic() < deadline:
        try:
            driver_connection.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) and "busy" not in str(error):
                raise
        time.sleep(min(pause * (0.5 + random.random()), max(deadline - time.monotonic(), 0)))
        pause = min(pause * 2, 0.2)
    if last_try is not None:
        last_try.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        driver_connection.execute("BEGIN IMMEDIATE")


_reading: ContextVar[bool] = ContextVar("forum_reading", default=False)


@contextmanager
def reading():
    """Read without queueing for SQLite's write lock: transactions begun inside begin DEFERRED. For
    work outside requests that only reads (the mail worker rendering an attachment)."""
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


def _read_only_request() -> bool:
    """True inside a GET/HEAD/OPTIONS request: those only read, so they need not queue for the writer lock.

    Anything else (POST requests, CLI commands, workers) may write and begins IMMEDIATE, and so do
    GET views declared with @writes_on_get.
    """
    from flask import g, has_request_context, request

    if _reading.get():
        return True
    return has_request_context() and request.method in {"GET", "HEAD", "OPTIONS"} and not g.get(WRITES_FLAG)


WRITES_FLAG = "forum_get_writes"


def writes_on_get(view):
    """For the rare GET view that writes (an invitation link records that it was opened): its
    transaction begins IMMEDIATE on SQLite, like a POST's, instead of failing on a busy database."""
    from functools import wraps

    from flask import g

    @wraps(view)
    def wrapper(*args, **kwargs):
        from forum.extensions import db

        db.session.rollback()  # nothing has been read yet that matters; the next begin is IMMEDIATE
        g.setdefault(WRITES_FLAG, True)
        return view(*args, **kwargs)

    return wrapper


class LabelledEnum(str, enum.Enum):  # noqa: UP042 - StrEnum cannot take a (value, label) pair
    """A string enum whose members carry their translated label: Member = "value", _l("Etikett")."""

    def __new__(cls, value: str, label=None):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label if label is not None else value
        return member

    def __str__(self) -> str:
        return self.value

    @classmethod
    def choices(cls) -> list[tuple[str, object]]:
        return [(member.value, member.label) for member in cls]


def enum_column(enum_class: type[LabelledEnum]) -> SAEnum:
    """Stored as its value in a VARCHAR with a CHECK constraint, the same on SQLite and PostgreSQL."""
    return SAEnum(
        enum_class,
        native_enum=False,
        create_constraint=True,
        length=32,
        name=enum_class.__name__.lower(),
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def count_by_status(status_column, condition, statuses: type[LabelledEnum]) -> dict:
    """{status: rows} for every member of `statuses` (zero when none), of the rows matching `condition`."""
    from sqlalchemy import func, select

    from forum.extensions import db

    rows = db.session.execute(select(status_column, func.count()).where(condition).group_by(status_column))
    counts = dict.fromkeys(statuses, 0)
    counts.update(dict(rows.all()))
    return counts
