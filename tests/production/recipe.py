"""What the production tests share: the recipe's commands run as the README says (`flask --app app …`
and gunicorn with deploy/gunicorn.conf.py) in processes of their own, with the settings in the
environment, and throw-away PostgreSQL databases next to TEST_DATABASE_URL's."""

from __future__ import annotations

import configparser
import contextlib
import http.client
import os
import re
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from tests.pg import throwaway_database

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = DEPLOY / "systemd"
INSTALLED = "/srv/forum"  # where the units expect the checkout
ENV_FILE = "/etc/forum/forum.env"
BIN = ROOT / ".venv" / "bin"
HOST = "127.0.0.1"
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


def unit(name: str) -> configparser.ConfigParser:
    """A systemd unit of deploy/systemd/, parsed."""
    parser = configparser.ConfigParser(interpolation=None, strict=False, comment_prefixes=("#", ";"))
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read(UNITS / name)
    return parser


def environment(database_url: str, **extra: str) -> dict[str, str]:
    """The settings a production process reads (forum/config.py), for a test on loopback."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("FORUM_", "MAIL_", "FLASK_"))}
    env.pop("DATABASE_URL", None)
    env.update(
        DATABASE_URL=database_url,
        FORUM_SECRET_KEY="production-test-secret-key",
        FORUM_BASE_URL="http://127.0.0.1",
        MAIL_DEFAULT_SENDER="Forum <forum@example.org>",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def flask(*args: str, env: dict[str, str], timeout: float = 60) -> str:
    """`flask --app app ARGS` as the README writes it; its output, or an error with the output."""
    answer = subprocess.run(
        [str(BIN / "flask"), "--app", "app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    if answer.returncode != 0:
        raise AssertionError(f"flask {' '.join(args)} failed ({answer.returncode}):\n{answer.stdout}\n{answer.stderr}")
    return answer.stdout


@contextlib.contextmanager
def throwaway_postgres(prefix: str = "forum_prod") -> Iterator[str]:
    """A new, empty database on TEST_DATABASE_URL's server (as tests/test_migrations.py does); its URL.
    Dropped afterwards, with any connections still open."""
    with throwaway_database(TEST_DATABASE_URL, prefix) as url:
        yield url


def libpq_url(database_url: str) -> str:
    """The SQLAlchemy URL in the form pg_dump and pg_restore take (no +psycopg)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


class Process:
    """A long-running command in its own process group, its output kept in a temporary file."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self._log = tempfile.NamedTemporaryFile(prefix="forum-prod-", suffix=".log", delete=False)  # noqa: SIM115
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log(self) -> str:
        return Path(self._log.name).read_text(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> int | None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=timeout)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=timeout)
        return self.process.returncode

    def close(self) -> None:
        self.stop()
        self._log.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._log.name)


class Gunicorn(Process):
    """`gunicorn -c deploy/gunicorn.conf.py` (the web unit's command) on a free loopback port."""

    def __init__(
        self, env: dict[str, str], command: list[str] | None = None, *, wait: bool = True, start_timeout: float = 30
    ) -> None:
        """Starts it; with wait=False, call wait_until_ready() before using it."""
        env = {"FORUM_BIND": f"{HOST}:0", **env}  # port 0: the kernel picks a free one
        env.setdefault("FORUM_WORKERS", "2")
        super().__init__(command or [str(BIN / "gunicorn"), "-c", str(GUNICORN_CONF)], env)
        self.port: int | None = None
        self.start_timeout = start_timeout
        if wait:
            self.wait_until_ready()

    def wait_until_ready(self) -> Gunicorn:
        try:
            self._wait_until_ready(self.start_timeout)
        except BaseException:
            self.close()
            raise
        return self

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def _wait_until_ready(self, start_timeout: float) -> None:
        deadline = time.monotonic() + start_timeout
        while True:
            if not self.alive():
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log()}")
            if self.port is None and (match := LISTENING.search(self.log())):
                self.port = int(match.group(1))
            if self.port is not None:
                with contextlib.suppress(OSError):
                    connection = http.client.HTTPConnection(HOST, self.port, timeout=5)
                    connection.request("GET", "/")
                    status = connection.getresponse().status
                    connection.close()
                    if status < 500:
                        return
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer:\n{self.log()}")
            time.sleep(0.1)

    def __enter__(self) -> Gunicorn:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def at_newest_migration(database_url: str) -> bool:
    """Whether the database's Alembic revision is the newest one in migrations/ (what
    `flask db current` reports as "(head)"), checked without starting a process."""
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory(str(ROOT / "migrations")).get_heads())
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return set(MigrationContext.configure(connection).get_current_heads()) == heads
    finally:
        engine.dispose()
