"""forum.dbapi: Core statements compiled once and run on the driver's connection read and write what
SQLAlchemy would, on SQLite and PostgreSQL: values written into a statement (not given at execution),
UTC times, enums; and writing() keeps a failed write out of the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import bindparam, insert, literal_column, select

from forum.checkin.models import CheckIn
from forum.dbapi import Prepared, driver_connection
from forum.extensions import db
from forum.registration import services as registration
from forum.registration.models import Registration, RegistrationStatus
from tests import factories

_checkins = CheckIn.__table__
_registrations = Registration.__table__

BY_RESULT = Prepared(
    select(_checkins.c.id, _checkins.c.scanned_at.label("at"), _checkins.c.code)
    .where(_checkins.c.event_id == bindparam("event_id"), _checkins.c.result == "ok")  # "ok" is bound by SQLAlchemy
    .where(_checkins.c.entrance != literal_column("'Bakdörren'"))
    .order_by(_checkins.c.id)
)
INSERT = Prepared(
    insert(_checkins).returning(_checkins.c.id),
    columns=["event_id", "code", "result", "entrance", "scanned_at", "recorded_at"],
)
STATUS = Prepared(select(_registrations.c.status).where(_registrations.c.id == bindparam("id")))


def _values(event_id: int, code: str, result: str, at: datetime, entrance: str = "Norra") -> dict:
    return {
        "event_id": event_id,
        "code": code,
        "result": result,
        "entrance": entrance,
        "scanned_at": at,
        "recorded_at": at,
    }


def test_statements_read_and_write_as_sqlalchemy_does(app):
    event = factories.event()
    details = registration.Details(first_name="Åsa", last_name="Öberg", email="asa@example.org")
    reg = registration.register(event, details).registration
    event_id, registration_id = event.id, reg.id
    db.session.commit()  # and nothing read through the session until the driver's connection is done (SQLite)
    at = datetime(2026, 3, 25, 8, 30, tzinfo=UTC) + timedelta(microseconds=123456)
    with driver_connection(db.engine) as connection:
        with connection.writing():
            first = INSERT.first(connection, _values(event_id, "AAA", "ok", at))[0]
            INSERT.first(connection, _values(event_id, "BBB", "unknown", at))
            INSERT.first(connection, _values(event_id, "CCC", "ok", at, entrance="Bakdörren"))
        rows = BY_RESULT.execute(connection, {"event_id": event_id}).all()
        assert [(row.id, row.at, row.code) for row in rows] == [(first, at, "AAA")]
        assert rows[0].at.tzinfo is not None
        assert STATUS.first(connection, {"id": registration_id}).status is RegistrationStatus.CONFIRMED
    stored = db.session.scalars(select(CheckIn).where(CheckIn.event_id == event_id).order_by(CheckIn.id)).all()
    assert [(c.code, c.result, c.scanned_at) for c in stored] == [
        ("AAA", "ok", at),
        ("BBB", "unknown", at),
        ("CCC", "ok", at),
    ]


def test_a_failed_write_leaves_nothing_behind(app):
    event_id = factories.event().id
    db.session.commit()
    at = datetime.now(UTC)
    with driver_connection(db.engine) as connection, pytest.raises(RuntimeError), connection.writing():
        INSERT.first(connection, _values(event_id, "DDD", "ok", at))
        if connection.dialect.name != "sqlite":
            raise RuntimeError("PostgreSQL: each statement is its own transaction, already committed")
        raise RuntimeError("stop before the commit")
    codes = db.session.scalars(select(CheckIn.code).where(CheckIn.event_id == event_id)).all()
    assert codes == ([] if db.engine.dialect.name == "sqlite" else ["DDD"])


def test_postgresql_lends_its_own_connections_in_autocommit_and_closes_them_with_the_engine(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite lends from the engine's pool")
    from forum.dbapi import AutocommitConnections

    with driver_connection(db.engine) as first, driver_connection(db.engine) as second:
        assert first.dbapi is not second.dbapi
        assert first.dbapi.autocommit and second.dbapi.autocommit
        lent = {first.dbapi, second.dbapi}
    connections = AutocommitConnections.of(db.engine)
    assert {idle.driver_connection for idle in connections.idle} == lent
    with driver_connection(db.engine) as again:
        assert again.dbapi is first.dbapi  # given back last (the with statement ends second first), lent first
    with pytest.raises(ZeroDivisionError), driver_connection(db.engine):
        raise ZeroDivisionError  # not the connection's fault: it goes back
    assert len(connections.idle) == 2
    db.engine.dispose()
    assert connections.idle == [] and all(connection.closed for connection in lent)
