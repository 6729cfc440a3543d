"""Statements run on the database driver's own connection, for the one hot path that needs it: a door
scanner's check-in (forum.checkin.services.door_scan; bench/checkin.py).

A SQLAlchemy Core statement is compiled once per dialect (Prepared) and then executed on a DBAPI
cursor with SQLAlchemy's own type processing (bind and result processors of the statement's
columns: UTCDateTime, enums). What that skips is per-execution work that costs more than the
database does here: the statement's cache key, the execution context, the Result object, the ORM
session and its transaction bookkeeping, and on PostgreSQL the round trip of a BEGIN.

driver_connection() lends a connection outside a transaction: a read is a statement of its own, and
so a snapshot of its own; writes go in DriverConnection.writing(). On SQLite it comes from the
engine's pool, and the writers' lock is held only for the writes, not while the row is read and the
answer worked out. On PostgreSQL it is one of the door's own connections in autocommit
(AutocommitConnections), not pinged when lent: a statement is one round trip, its own transaction.
The callers rely on unique indexes, not on what they read, against a concurrent write.
"""

from __future__ import annotations

import threading
import weakref
from collections import namedtuple
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.pool import NullPool

_GIVEN = object()  # a parameter given at execution (bindparam("name")), not a literal of the statement


class Prepared:
    """A Core statement compiled once per dialect, run on a DBAPI cursor.

    For an INSERT, `columns` names the columns given at execution (like insert().values() keys).
    Rows come back as named tuples with the statement's column labels.
    """

    def __init__(self, statement, columns: Sequence[str] | None = None) -> None:
        self.statement = statement
        self.columns = list(columns) if columns is not None else None
        self._compiled: dict[str, _Compiled] = {}

    def compiled(self, dialect: Dialect) -> _Compiled:
        found = self._compiled.get(dialect.name)
        if found is None:
            found = self._compiled[dialect.name] = _Compiled(self.statement, dialect, self.columns)
        return found

    def execute(self, connection: DriverConnection, parameters: dict):
        """The cursor after executing with these parameters (by bind name)."""
        compiled = self.compiled(connection.dialect)
        cursor = connection.cursor or connection.dbapi.cursor()
        cursor.execute(compiled.sql, compiled.parameters(parameters))
        return _Rows(cursor, compiled, closes=connection.cursor is None)

    def first(self, connection: DriverConnection, parameters: dict):
        return self.execute(connection, parameters).first()


class _Compiled:
    def __init__(self, statement, dialect: Dialect, columns: list[str] | None) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=columns)
        self.sql = compiled.string
        self.positional = compiled.positiontup  # qmark (SQLite): parameters in this order; else by name
        self.binds = {}
        for bind, name in compiled.bind_names.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            fixed = bind.effective_value if not bind.required and bind.callable is None else _GIVEN
            self.binds[name] = (bind.key, fixed, processor)
        result_columns = compiled._result_columns  # noqa: SLF001 - the labels and types SQLAlchemy reads rows with
        self.row = namedtuple("Row", [column.keyname for column in result_columns])  # noqa: PYI024
        self.processors = [
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in result_columns
        ]

    def parameters(self, values: dict):
        processed = {}
        for name, (key, fixed, processor) in self.binds.items():
            value = values[key] if fixed is _GIVEN or key in values else fixed
            processed[name] = processor(value) if processor is not None and value is not None else value
        if self.positional is not None:
            return tuple(processed[name] for name in self.positional)
        return processed

    def make_row(self, raw):
        if raw is None:
            return None
        return self.row._make(
            value if processor is None or value is None else processor(value)
            for processor, value in zip(self.processors, raw, strict=True)
        )


class _Rows:
    def __init__(self, cursor, compiled: _Compiled, *, closes: bool = True) -> None:
        self.cursor = cursor
        self.compiled = compiled
        self.closes = closes  # not a connection's own cursor (DriverConnection.cursor), kept for the next

    def first(self):
        try:
            return self.compiled.make_row(self.cursor.fetchone())
        finally:
            self.close()

    def close(self) -> None:
        if self.closes:
            self.cursor.close()

    def all(self) -> list:
        try:
            return [self.compiled.make_row(raw) for raw in self.cursor.fetchall()]
        finally:
            self.close()


class DriverConnection:
    """A pooled DBAPI connection lent by driver_connection(), outside any transaction: each statement
    reads or writes on its own, except those run inside writing()."""

    def __init__(self, dbapi, dialect: Dialect, cursor=None) -> None:
        self.dbapi = dbapi
        self.dialect = dialect
        # PostgreSQL: one cursor kept with the connection for all its statements. A psycopg cursor
        # costs a statement a third more of the app's CPU when made anew (its adapters, its loaders).
        self.cursor = cursor

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Statements that write. SQLite: one transaction, begun as every writing transaction of the app
        is (forum.db: IMMEDIATE, in the writers' lock), committed at the end of the block, rolled back
        on an exception. PostgreSQL: each statement is its own transaction (autocommit)."""
        if self.dialect.name != "sqlite":
            yield
            return
        from forum.db import begin_sqlite_write

        begin_sqlite_write(self.dbapi)
        try:
            yield
        except BaseException:
            self.dbapi.rollback()
            raise
        self.dbapi.commit()

    @property
    def integrity_error(self) -> type[Exception]:
        return self.dialect.loaded_dbapi.IntegrityError


@contextmanager
def driver_connection(engine: Engine) -> Iterator[DriverConnection]:
    """A connection for Prepared statements (see the module's text): on SQLite from the engine's pool; on
    PostgreSQL from the door's own connections (AutocommitConnections)."""
    if engine.dialect.name != "postgresql":
        pooled = engine.raw_connection()
        try:
            yield DriverConnection(pooled.driver_connection, engine.dialect)
        finally:
            pooled.close()
        return
    connections = AutocommitConnections.of(engine)
    lent = connections.lend()
    try:
        cursor = lent.info.get("forum_cursor")
        if cursor is None:
            cursor = lent.info["forum_cursor"] = lent.driver_connection.cursor()
        yield DriverConnection(lent.driver_connection, engine.dialect, cursor)
    except engine.dialect.loaded_dbapi.Error as error:
        if not engine.dialect.is_disconnect(error, lent.dbapi_connection, None):
            connections.give_back(lent)
        else:
            # The server went away (a restart, a dropped connection): the other idle connections are
            # as stale, so they go too, and the caller's next connection is a new one.
            lent.invalidate()
            connections.dispose()
            raise Disconnected(str(error)) from error
        raise
    except BaseException:
        connections.give_back(lent)
        raise
    connections.give_back(lent)


class Disconnected(Exception):  # noqa: N818 - what happened, as the caller reads it
    """driver_connection(): the connection was found broken (PostgreSQL); a new one may be tried."""


class AutocommitConnections:
    """PostgreSQL: the door's connections to the engine's database, in autocommit, lent last-in first-out
    and not pinged. The engine's own pool pings each connection it lends (pool_pre_ping, a round trip
    of its own) and lends it in a transaction; a scan is one statement, so the ping would double its
    round trips, and the pool's bookkeeping costs a scan more CPU than its JSON. A connection found
    broken when used is dropped with the others idle (driver_connection). Idle connections are closed
    when the engine is disposed; at most MAX_IDLE are kept."""

    MAX_IDLE = 8
    _of: weakref.WeakKeyDictionary[Engine, AutocommitConnections] = weakref.WeakKeyDictionary()
    _lock = threading.Lock()

    def __init__(self, engine: Engine) -> None:
        # Opens each connection as the engine would (its dialect's set-up on connect), without a pool.
        self.opener = create_engine(engine.url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self.idle: list = []
        self.generation = 0
        self.guard = threading.Lock()  # give_back() and dispose(); lend() pops without it (atomic)
        event.listen(engine, "engine_disposed", lambda _engine: self.dispose())

    @classmethod
    def of(cls, engine: Engine) -> AutocommitConnections:
        found = cls._of.get(engine)
        if found is None:
            with cls._lock:
                found = cls._of.get(engine)
                if found is None:
                    found = cls._of[engine] = cls(engine)
        return found

    def lend(self):
        """A connection (SQLAlchemy's wrapper of it: driver_connection is psycopg's), idle or new."""
        try:
            lent = self.idle.pop()  # atomic: threads share the list without a lock
        except IndexError:
            lent = self.opener.raw_connection()
            lent.info["forum_generation"] = self.generation
        return lent

    def give_back(self, lent) -> None:
        with self.guard:  # not between dispose()'s new generation and its emptying of the list
            keep = lent.info["forum_generation"] == self.generation and len(self.idle) < self.MAX_IDLE
            if keep:
                self.idle.append(lent)
        if not keep:
            lent.close()

    def dispose(self) -> None:
        """Close the idle connections; those lent now are closed when given back."""
        with self.guard:
            self.generation += 1
            stale, self.idle[:] = self.idle[:], []
        for connection in stale:
            connection.close()
