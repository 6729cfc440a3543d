"""A real server process on loopback for tests that need one (concurrency, end-to-end): gunicorn
running `app:app` against the test database, and a small HTTP client with its own cookie jar.

    with LiveServer(database_url, workers=2, threads=4) as server:
        browser = Browser(server.url)
        page = browser.get("/e/slug/register")

The server binds port 0 (the kernel picks a free port; no race with other tests) and reads the
actual port from gunicorn's "Listening at" line. Its log (gunicorn's error log, where tracebacks
go) is kept in a temporary file: `server.log()` returns it (read it before close(), which the end
of the `with` block calls and which deletes it), and a failed start shows it.
Stop it (leaving the `with` block does) before the `app` fixture empties the tables, so that its
database connections are closed first.
"""

from __future__ import annotations

import contextlib
import http.client
import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
SECRET_KEY = "test-secret-key-not-for-production"
LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")


def server_environment(database_url: str, **extra: str) -> dict[str, str]:
    """The environment the app reads its settings from (forum/config.py): the test database, a fixed
    secret key, no rate limits, no e-mail sent (messages stay queued in the outbox)."""
    env = dict(os.environ)
    for name in ("FLASK_APP", "FORUM_MAIL_INLINE", "MAIL_SERVER", "MAIL_PORT"):
        env.pop(name, None)
    env.update(
        DATABASE_URL=database_url,
        FORUM_SECRET_KEY=SECRET_KEY,
        FORUM_BASE_URL="http://localhost",
        FORUM_RATELIMIT_ENABLED="0",
        FORUM_MAIL_INLINE="0",
        MAIL_SUPPRESS_SEND="1",
        MAIL_DEFAULT_SENDER="Forum <forum@example.org>",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class LiveServer:
    """gunicorn (gthread workers) on 127.0.0.1, started as its own process group."""

    def __init__(
        self,
        database_url: str | None = None,
        *,
        app: str = "app:app",
        workers: int = 2,
        threads: int = 4,
        env: dict[str, str] | None = None,
        ready_path: str = "/",
        start_timeout: float = 15.0,
        cwd: Path = ROOT,
    ) -> None:
        self.app = app
        self.workers = workers
        self.threads = threads
        self.env = env if env is not None else server_environment(database_url or "")
        self.ready_path = ready_path
        self.start_timeout = start_timeout
        self.cwd = cwd
        self.port: int | None = None
        self.process: subprocess.Popen | None = None
        self._log = tempfile.NamedTemporaryFile(prefix="gunicorn-", suffix=".log", delete=False)  # noqa: SIM115

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def log(self) -> str:
        return Path(self._log.name).read_text(errors="replace")

    def start(self) -> LiveServer:
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"{HOST}:0",
            "--workers",
            str(self.workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(self.threads),
            "--graceful-timeout",
            "5",
            "--timeout",
            "60",
            "--log-level",
            "info",
            "--error-logfile",
            "-",
            self.app,
        ]
        self.process = subprocess.Popen(
            command,
            cwd=self.cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() can end the workers too
        )
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while self.port is None:
            self._check_alive()
            match = LISTENING.search(self.log())
            if match:
                self.port = int(match.group(1))
            elif time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start listening:\n{self.log()}")
            else:
                time.sleep(0.05)
        while True:  # the socket listens at once; a worker answers once it has loaded the app
            self._check_alive()
            try:
                connection = http.client.HTTPConnection(HOST, self.port, timeout=5)
                connection.request("GET", self.ready_path)
                status = connection.getresponse().status
                connection.close()
                if status < 500:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer {self.ready_path}:\n{self.log()}")
            time.sleep(0.1)

    def _check_alive(self) -> None:
        if self.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log()}")

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM (graceful: requests in flight finish, connections close), then SIGKILL if it hangs."""
        process = self.process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=timeout)
        if process is not None:
            # Workers left behind by a killed master would keep database connections open.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
        self._log.close()

    def close(self) -> None:
        self.stop()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._log.name)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()


# --- a client ----------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    text: str

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the caller sees the 3xx itself


class Browser:
    """One visitor: its own cookie jar, no redirects followed, every status returned (not raised)."""

    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        if not base_url.startswith("http://"):
            raise ValueError(f"an http:// URL on loopback, not {base_url!r}")
        self.base_url = base_url
        self.timeout = timeout
        self.cookies = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects())

    def get(self, path: str) -> Response:
        return self._open(urllib.request.Request(self.base_url + path))  # noqa: S310 - http:// only

    def post(self, path: str, data: dict) -> Response:
        body = urllib.parse.urlencode(data, doseq=True).encode()
        request = urllib.request.Request(  # noqa: S310 - http:// only
            self.base_url + path, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        return self._open(request)

    def _open(self, request: urllib.request.Request) -> Response:
        try:
            with self._opener.open(request, timeout=self.timeout) as answer:
                return Response(answer.status, _headers(answer.headers), answer.read().decode("utf-8", "replace"))
        except urllib.error.HTTPError as error:
            with error:
                return Response(error.code, _headers(error.headers), error.read().decode("utf-8", "replace"))


def _headers(message) -> dict[str, str]:
    return {key.lower(): value for key, value in message.items()}


def hidden_value(html: str, name: str) -> str:
    """The value of a hidden input, whatever the order of its attributes."""
    for tag in re.findall(r"<input\b[^>]*>", html):
        if re.search(rf'\bname="{re.escape(name)}"', tag):
            match = re.search(r'\bvalue="([^"]*)"', tag)
            return match.group(1) if match else ""
    raise AssertionError(f"no input named {name} in the page")
