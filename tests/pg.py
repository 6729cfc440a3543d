"""Throw-away PostgreSQL databases next to a given server URL, for tests and benchmarks that need a
database of their own (migrations from empty, backups and restores, the production recipe, benches)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url


@contextmanager
def throwaway_database(server_url: str, prefix: str = "forum_tmp", template: str | None = None) -> Iterator[str]:
    """Create a new database on the server of `server_url` (empty, or a copy of `template`); yield its
    URL; drop it afterwards, with any connections still open."""
    server = make_url(server_url)
    name = f"{prefix}_{secrets.token_hex(6)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    copy = f' TEMPLATE "{template}"' if template else ""
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"{copy}')
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()
