import signal

import pytest

from tests.live_server import LiveServer, server_environment
from tests.smtp import smtp_server  # noqa: F401 - the real SMTP server fixture

WORKERS = 4


@pytest.fixture
def server(app, database_url, server_settings):
    """gunicorn with four workers of four threads on the test database. Depends on `app`, so it is
    stopped (its connections closed) before the tables are emptied. The start may be slow on a busy
    machine: four workers load the app at once."""
    env = server_environment(database_url, **server_settings)
    live = LiveServer(workers=WORKERS, threads=4, env=env, start_timeout=40)
    try:
        yield live.start()
    finally:
        if live.process is not None and live.process.poll() is None:
            live.process.send_signal(signal.SIGINT)  # quick shutdown: the test's requests are all answered
        live.close()


@pytest.fixture
def server_settings() -> dict[str, str]:
    """Override in a module for extra environment of the server."""
    return {}
