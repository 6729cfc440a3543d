"""A real SMTP server for tests: aiosmtpd on 127.0.0.1 at a free port, keeping what it receives.

Use it from any test directory. In that directory's conftest.py:

    from tests.smtp import smtp_server  # noqa: F401

then ask for `smtp_server` in a test. The fixture starts the server and points the test's `app`
at it: MAIL_SERVER and MAIL_PORT, MAIL_SUPPRESS_SEND off, and Flask-Mail initialised again
(Flask-Mail copies the settings when it is initialised, so changing app.config alone does nothing).
E-mail the outbox worker delivers (forum.mail.worker.deliver_due, or `flask outbox send`) then
arrives in `smtp_server.messages` as email.message.EmailMessage objects, in order; sending is
synchronous, so they are there as soon as the worker returns.

- `smtp_server.port`: where it listens.
- `smtp_server.messages`, `smtp_server.envelopes` (mail_from, rcpt_tos) of each received message.
- `smtp_server.connections`: how many SMTP sessions greeted it (EHLO/HELO).
- `smtp_server.refused`: add addresses the server answers with 550 at RCPT.
- `smtp_server.stop()` takes it down (the port then refuses connections); `start()` brings it back
  on the same port.
"""

from __future__ import annotations

import socket
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest
from aiosmtpd.controller import Controller

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class SMTPServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.connections = 0
        self.refused: set[str] = set()
        self._controller: Controller | None = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> SMTPServer:
        # A stopped Controller has closed its event loop, so every start takes a new one.
        self._controller = Controller(_Handler(self), hostname=HOST, port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def configure(self, app) -> None:
        """Point the app's Flask-Mail at this server."""
        from forum.extensions import mail

        app.config.update(
            MAIL_SERVER=HOST,
            MAIL_PORT=self.port,
            MAIL_USE_TLS=False,
            MAIL_USE_SSL=False,
            MAIL_USERNAME=None,
            MAIL_PASSWORD=None,
            MAIL_SUPPRESS_SEND=False,
        )
        mail.init_app(app)

    def to(self, address: str) -> list[EmailMessage]:
        """The messages whose envelope went to this address."""
        return [message for message, (_, rcpt) in zip(self.messages, self.envelopes, strict=True) if address in rcpt]


class _Handler:
    def __init__(self, server: SMTPServer) -> None:
        self.server = server

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.server.connections += 1
        session.host_name = hostname
        return responses

    async def handle_HELO(self, server, session, envelope, hostname):
        self.server.connections += 1
        session.host_name = hostname
        return f"250 {server.hostname}"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.server.refused:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        self.server.messages.append(BytesParser(policy=policy.default).parsebytes(raw))
        self.server.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(app):
    """A running SMTP server that the test's app sends to (see the module docstring)."""
    server = SMTPServer().start()
    server.configure(app)
    yield server
    server.stop()
