"""A registration rush against a live server, shared by tests/load and bench/ (make bench).

Every visitor is one asyncio task with its own connections and cookies, in one client thread: the
client takes little of the machine, and hundreds of visitors really are at the server at once (a
thread per visitor would spend the two cores on the GIL instead). A visitor GETs the form (its own
session cookie, CSRF token and submission key), waits until every visitor has its form, and then
all POST at the same moment: RUSH visitors have RUSH connections open to the server together.
The form GETs are spread over at most `form_concurrency` connections at once (they are not the rush).

Requests are HTTP/1.0 with one connection each (no chunked bodies, the end of the answer is the end
of the connection), so that a connection the server drops (a killed worker) shows as exactly that:
an Attempt with status None and the error, never a half-read answer taken for a real one.
"""

from __future__ import annotations

import asyncio
import re
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.live_server import HOST

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
COOKIE = re.compile(r"^\s*([^=;\s]+)=([^;]*)")


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    text: str


@dataclass
class Attempt:
    """One visitor's registration: what the client saw."""

    n: int
    email: str
    status: int | None = None  # of the POST; None when it got no complete answer
    location: str = ""
    error: str = ""  # why there was no answer (connection refused, reset, closed early, timed out)
    form_error: str = ""  # the form GET failed: the visitor never posted
    post_seconds: float | None = None
    body: str = ""

    @property
    def registered(self) -> bool:
        """The server said so: the 303 to the thanks page."""
        return self.status == 303 and self.location.endswith("/register/thanks")


@dataclass
class Rush:
    attempts: list[Attempt]
    seconds: float  # from the moment every visitor posts until the last answer
    form_seconds: float
    errors: list[str] = field(default_factory=list)

    def statuses(self) -> dict:
        counts: dict = {}
        for attempt in self.attempts:
            key = attempt.status if attempt.status is not None else "no answer"
            counts[key] = counts.get(key, 0) + 1
        return counts

    def post_latencies(self) -> list[float]:
        return sorted(a.post_seconds for a in self.attempts if a.status is not None and a.post_seconds is not None)

    def latency(self) -> dict:
        values = self.post_latencies()
        if not values:
            return {}

        def at(share: float) -> float:
            return round(1000 * values[min(len(values) - 1, int(share * len(values)))], 1)

        return {"p50_ms": at(0.50), "p95_ms": at(0.95), "p99_ms": at(0.99), "max_ms": round(1000 * values[-1], 1)}


async def request(
    port: int, method: str, path: str, cookies: dict[str, str], body: dict | None = None, timeout: float = 60.0
) -> Answer:
    """One HTTP/1.0 request on its own connection; raises OSError/TimeoutError/ConnectionError on failure."""

    async def exchange() -> bytes:
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            lines = [f"{method} {path} HTTP/1.0", f"Host: {HOST}:{port}"]
            if cookies:
                lines.append("Cookie: " + "; ".join(f"{name}={value}" for name, value in cookies.items()))
            payload = b""
            if body is not None:
                payload = urllib.parse.urlencode(body, doseq=True).encode()
                lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(payload)}"]
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + payload)
            await writer.drain()
            return await reader.read()
        finally:
            writer.close()

    raw = await asyncio.wait_for(exchange(), timeout)
    head, separator, content = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    parts = status_line.split(" ", 2)
    if not separator or len(parts) < 2 or not parts[0].startswith("HTTP/"):
        raise ConnectionError(f"no complete answer ({len(raw)} bytes)")
    headers: dict[str, str] = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip()
        if name == "set-cookie":
            match = COOKIE.match(value)
            if match:
                cookies[match.group(1)] = match.group(2)
        headers[name] = value
    length = headers.get("content-length")
    if length is not None and len(content) != int(length):
        raise ConnectionError(f"answer cut short: {len(content)} of {length} bytes")
    return Answer(int(parts[1]), headers, content.decode("utf-8", "replace"))


def hidden(page: str, name: str) -> str:
    for tag in re.findall(r"<input\b[^>]*>", page):
        if re.search(rf'\bname="{re.escape(name)}"', tag):
            match = re.search(r'\bvalue="([^"]*)"', tag)
            return match.group(1) if match else ""
    raise ValueError(f"no input named {name} in the form")


def csrf(page: str) -> str:
    match = CSRF.search(page)
    if not match:
        raise ValueError("no csrf_token in the form")
    return match.group(1) or match.group(2)


def email_of(n: int, prefix: str = "rusning") -> str:
    return f"{prefix}{n}@example.org"


def run_rush(
    port: int,
    slug: str,
    visitors: int,
    *,
    extra: Callable[[int], dict] | None = None,
    form_concurrency: int = 50,
    timeout: float = 50.0,
    on_answer: Callable[[int], None] | None = None,
    email_prefix: str = "rusning",
) -> Rush:
    """`visitors` registrations POSTed at once (see the module's doc). on_answer(k) is called after the
    k-th POST answer or failure, in the client's event loop (a fault test kills a worker from there)."""
    return asyncio.run(
        _rush(port, slug, visitors, extra, form_concurrency, timeout, on_answer, email_prefix), debug=False
    )


async def _rush(port, slug, visitors, extra, form_concurrency, timeout, on_answer, email_prefix) -> Rush:
    url = f"/e/{slug}/register"
    deadline = time.monotonic() + timeout
    left = lambda: max(deadline - time.monotonic(), 0.1)  # noqa: E731 - every wait ends by the deadline
    forms = asyncio.Semaphore(form_concurrency)
    everyone_ready = asyncio.Event()
    ready = 0
    answered = 0
    attempts = [Attempt(n, email_of(n, email_prefix)) for n in range(visitors)]
    started: list[float] = []

    async def visitor(attempt: Attempt) -> None:
        nonlocal ready, answered
        cookies: dict[str, str] = {}
        data = None
        try:
            async with forms:
                page = await request(port, "GET", url, cookies, timeout=left())
            if page.status != 200:
                raise ValueError(f"form answered {page.status}: {page.text[:200]}")
            data = {
                "csrf_token": csrf(page.text),
                "submission": hidden(page.text, "submission"),
                "first_name": "Zoë",
                "last_name": f"Åkesson-{attempt.n}",
                "email": attempt.email,
                "organisation": "Beredskapsnätverket",
                "privacy_consent": "y",
                **(extra(attempt.n) if extra else {}),
            }
        except Exception as error:  # noqa: BLE001 - recorded; the visitor does not post
            attempt.form_error = f"{type(error).__name__}: {error}"
        ready += 1
        if ready == visitors:
            started.append(time.perf_counter())
            everyone_ready.set()
        await asyncio.wait_for(everyone_ready.wait(), left())
        if data is None:
            return
        begun = time.perf_counter()
        try:
            answer = await request(port, "POST", url, cookies, data, timeout=left())
        except (OSError, TimeoutError, ConnectionError) as error:
            attempt.error = f"{type(error).__name__}: {error}"
        else:
            attempt.status, attempt.location = answer.status, answer.headers.get("location", "")
            attempt.post_seconds = time.perf_counter() - begun
            if answer.status >= 400:
                attempt.body = answer.text[:500]
        answered += 1
        if on_answer is not None:
            on_answer(answered)

    form_started = time.perf_counter()
    await asyncio.gather(*(visitor(attempt) for attempt in attempts))
    finished = time.perf_counter()
    begun = started[0] if started else finished
    return Rush(attempts, seconds=finished - begun, form_seconds=begun - form_started)
