"""A real SMTP server (aiosmtpd) on 127.0.0.1 for bench/mail.py, run as its own process.

Its own process, so that the worker being measured does not share an interpreter (and its lock)
with the server; and a light handler that keeps, for each message, only its Message-ID and its
envelope recipients (tests/smtp.py parses every message in full, which is right for tests and
would make the server the bottleneck here).

    python -m bench.smtp_sink OUT.json

prints "ready PORT" once it listens; on SIGTERM or SIGINT it writes
{"connections": n, "deliveries": [[message_id, recipient], ...]} to OUT.json and exits.
"""

from __future__ import annotations

import json
import re
import signal
import sys
import threading

from aiosmtpd.controller import Controller

from tests.smtp import HOST, free_port

MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(.*?)\r?$", re.IGNORECASE | re.MULTILINE)


class Sink:
    def __init__(self) -> None:
        self.connections = 0
        self.deliveries: list[tuple[str, str]] = []

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_HELO(self, server, session, envelope, hostname):
        self.connections += 1
        session.host_name = hostname
        return f"250 {server.hostname}"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        head = raw.split(b"\r\n\r\n", 1)[0]
        match = MESSAGE_ID.search(head)
        message_id = match.group(1).decode(errors="replace").strip() if match else ""
        for recipient in envelope.rcpt_tos:
            self.deliveries.append((message_id, recipient))
        return "250 Message accepted for delivery"


def main(out: str) -> int:
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname=HOST, port=port)
    controller.start()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    print(f"ready {port}", flush=True)
    while not stop.wait(0.2):
        pass
    controller.stop()
    with open(out, "w") as handle:
        json.dump({"connections": sink.connections, "deliveries": sink.deliveries}, handle)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
