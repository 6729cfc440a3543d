"""Statements run on the database driver's own connection, for the one hot path that needs it: a door
scanner's check-in (forum.checkin.services.scan_row, scan_answer; bench/checkin.py).

A SQLAlchemy Core statement is compiled once per dialect (Prepared) and then executed on a DBAPI
cursor with SQLAlchemy's own type processing (bind and result processors of the statement's
columns: UTCDateTime, enums). What that skips is per-execution work that costs more than the
database does here: the statement's cache key, the execution context, the Result object, the ORM
session and its transaction bookkeeping, and on PostgreSQL the round trip of a BEGIN.

driver_connection() lends a pooled connection from the engine, outside a transaction: a read is a
statement of its own, and so a snapshot of its own; writes go in DriverConnection.writing(). On
SQLite the writers' lock is then held only for the writes, not while the row is read and the answer
worked out; on PostgreSQL a read and an insert are two round trips, with no BEGIN and COMMIT. The
callers rely on unique indexes, not on what they read, against a concurrent write. The connection
goes back to the pool as SQLAlchemy left it.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy.engine import Dialect, Engine

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
        cursor = connection.dbapi.cursor()
        cursor.execute(compiled.sql, compiled.parameters(parameters))
        return _Rows(cursor, compiled)

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
    def __init__(self, cursor, compiled: _Compiled) -> None:
        self.cursor = cursor
        self.compiled = compiled

    def first(self):
        try:
            return self.compiled.make_row(self.cursor.fetchone())
        finally:
            self.cursor.close()

    def close(self) -> None:
        self.cursor.close()

    def all(self) -> list:
        try:
            return [self.compiled.make_row(raw) for raw in self.cursor.fetchall()]
        finally:
            self.cursor.close()


class DriverConnection:
    """A pooled DBAPI connection lent by driver_connection(), outside any transaction: each statement
    reads or writes on its own, except those run inside writing()."""

    def __init__(self, dbapi, dialect: Dialect) -> None:
        self.dbapi = dbapi
        self.dialect = dialect

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
    """A connection from the engine's pool for Prepared statements (see the module's text)."""
    pooled = engine.raw_connection()
    dbapi = pooled.driver_connection
    postgresql = engine.dialect.name == "postgresql"
    try:
        if postgresql:
            dbapi.autocommit = True
        yield DriverConnection(dbapi, engine.dialect)
    finally:
        if postgresql:
            dbapi.autocommit = False
        pooled.close()
