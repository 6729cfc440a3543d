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
    another writer got in first, whatever the busy timeout; an immediate one waits its turn.
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        if _read_only_request():
            connection.exec_driver_sql("BEGIN DEFERRED")
        else:
            _begin_immediate(connection)


# How long a writer keeps trying to begin when SQLite still reports the database locked after its
# busy timeout (a short FORUM_SQLITE_BUSY_TIMEOUT_MS, many writers queueing): the request waits its
# turn instead of failing with a server error. At most this plus one busy timeout in all.
BEGIN_RETRY_SECONDS = 10.0


def _begin_immediate(connection) -> None:
    """BEGIN IMMEDIATE, tried again with a growing, jittered pause while the database is locked.

    Nothing has been done in the transaction yet, so beginning again is safe. The retries go to the
    driver directly; the last try goes through SQLAlchemy, so that a failure is reported as usual.
    """
    driver_connection = connection.connection.driver_connection
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
    connection.exec_driver_sql("BEGIN IMMEDIATE")


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
