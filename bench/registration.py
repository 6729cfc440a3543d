"""Registration throughput through a real server: gunicorn, two workers, on SQLite and on PostgreSQL,
beside a bare Flask endpoint (bench/bare_app.py) served with the same gunicorn configuration in the
same run.

One registration is what a browser does: GET the form (a new visitor: fresh session cookie, CSRF
token and submission key), then POST it; the answer must be the 303 to the thanks page. The event
has 200 seats and takes 400 registrations, so both the confirmed and the waiting-list paths run;
the database must then hold exactly 200 confirmed and 200 waiting. E-mails are queued in the
outbox and not sent (no inline delivery, no worker).

A second baseline in the same server, the smallest Flask-WTF form round trip (bench/bare_app.py
/form: GET with a CSRF token, POST, 303; no database, no page layout), shows what any form costs
before the registration's own work.

Besides the rates, the servers' own CPU time per registration and per bare request is reported
(Linux): on a shared machine the rates move with the load, the CPU cost per request much less.

Targets (issue 3): registrations/s >= 25% of the bare endpoint's requests/s, and >= 100/s on SQLite.

Settings (environment): FORUM_BENCH_REGISTRATIONS (400), FORUM_BENCH_CLIENTS (8 client threads),
FORUM_BENCH_THREADS (4 gunicorn threads per worker), FORUM_BENCH_POSTGRES_URL
(postgresql+psycopg://postgres@127.0.0.1:5432/forum_bench; empty to skip PostgreSQL). That database
is created when missing, and its schema is dropped and migrated afresh on every run.
"""

from __future__ import annotations

import http.client
import os
import re
import statistics
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from tests.live_server import HOST, LiveServer, hidden_value, server_environment

REGISTRATIONS = int(os.environ.get("FORUM_BENCH_REGISTRATIONS", "400"))
CAPACITY = REGISTRATIONS // 2
CLIENTS = int(os.environ.get("FORUM_BENCH_CLIENTS", "8"))
WORKERS = 2
THREADS = int(os.environ.get("FORUM_BENCH_THREADS", "4"))
BARE_SECONDS = 3.0
POSTGRES_URL = os.environ.get("FORUM_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/forum_bench")
SLUG = "bench-registration"
WARM_UP = "bench-warm-up"
TARGET_RATIO = 0.25
TARGET_SQLITE_RPS = 100.0
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
COOKIE = re.compile(r"^\s*([^=;\s]+)=([^;]*)")


class Visitor:
    """One keep-alive connection and a cookie jar just big enough for Flask's session cookie.
    (Lighter than urllib, so that the client takes as little of the machine as it can.)"""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection(HOST, port, timeout=60)
        self.cookies: dict[str, str] = {}
        self.timings: dict[str, list[float]] = {"GET": [], "POST": []}

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict, str]:
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        payload = None
        if body is not None:
            payload = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        self.connection.request(method, path, body=payload, headers=headers)
        response = self.connection.getresponse()
        data = response.read().decode()
        self.timings[method].append(time.perf_counter() - started)
        for header in response.headers.get_all("Set-Cookie") or []:
            match = COOKIE.match(header)
            if match:
                self.cookies[match.group(1)] = match.group(2)
        return response.status, dict(response.headers), data

    def close(self) -> None:
        self.connection.close()


def _in_parallel(port: int, work: Callable[[Visitor, int], None], jobs: list[int]) -> tuple[float, dict]:
    """work(visitor, job) for every job, on CLIENTS threads; returns the seconds and the request timings."""
    lock = threading.Lock()
    pending = list(reversed(jobs))
    errors: list[BaseException] = []
    visitors = [Visitor(port) for _ in range(CLIENTS)]
    start_together = threading.Barrier(CLIENTS + 1)

    def client(visitor: Visitor) -> None:
        start_together.wait()
        try:
            while True:
                with lock:
                    if not pending or errors:
                        return
                    job = pending.pop()
                work(visitor, job)
        except BaseException as error:  # noqa: BLE001 - raised again after the run
            errors.append(error)
        finally:
            visitor.close()

    threads = [threading.Thread(target=client, args=(visitor,)) for visitor in visitors]
    for thread in threads:
        thread.start()
    start_together.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    timings = {method: [t for v in visitors for t in v.timings[method]] for method in ("GET", "POST")}
    return elapsed, timings


def _server_cpu_seconds(server: LiveServer) -> float | None:
    """User + system CPU of the gunicorn master and its workers (its process group), from /proc."""
    group = server.process.pid
    return processes_cpu_seconds(lambda _entry, fields: int(fields[2]) == group)  # pgrp


def processes_cpu_seconds(chosen) -> float | None:
    """User + system CPU (s) of the processes for which chosen(pid, /proc/<pid>/stat fields after the
    command name) is true; None without /proc."""
    ticks = 0
    try:
        entries = os.listdir("/proc")
    except OSError:
        return None
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()
            if chosen(entry, fields):
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
        except OSError:
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


def _cpu_ms(before: float | None, after: float | None, count: int) -> float | None:
    return None if before is None or after is None else round(1000 * (after - before) / count, 3)


def _latency(values: list[float]) -> dict:
    ordered = sorted(values)
    return {
        "p50_ms": round(1000 * statistics.median(ordered), 1),
        "p95_ms": round(1000 * ordered[int(0.95 * (len(ordered) - 1))], 1),
    }


def _bare() -> dict:
    with LiveServer(app="bench.bare_app:app", workers=WORKERS, threads=THREADS, env=_env("")) as server:

        def hit(visitor: Visitor, _job: int) -> None:
            status, _, body = visitor.request("GET", "/")
            assert status == 200 and body == "ok", status

        def form_round_trip(visitor: Visitor, _job: int) -> None:
            visitor.cookies.clear()
            status, _, page = visitor.request("GET", "/form")
            assert status == 200, status
            status, _, _ = visitor.request("POST", "/form", {"csrf_token": _csrf(page), "name": "Åsa"})
            assert status == 303, status

        _in_parallel(server.port, hit, list(range(300)))  # warm up
        _in_parallel(server.port, form_round_trip, list(range(100)))
        results = {}
        for name, work, batch, unit in (
            ("requests", hit, 1000, "request"),
            ("form_round_trips", form_round_trip, 200, "round_trip"),
        ):
            count, seconds = 0, 0.0
            cpu_before = _server_cpu_seconds(server)
            while seconds < BARE_SECONDS:  # a fixed time rather than a count: machines differ
                elapsed, _ = _in_parallel(server.port, work, list(range(batch)))
                count, seconds = count + batch, seconds + elapsed
            cpu_after = _server_cpu_seconds(server)
            results[f"{name}_per_s"] = round(count / seconds, 1)
            results[f"server_cpu_ms_per_{unit}"] = _cpu_ms(cpu_before, cpu_after, count)
    return results


def _csrf(page: str) -> str:
    match = CSRF.search(page)
    assert match, "no csrf_token in the page"
    return match.group(1) or match.group(2)


def register_once(visitor: Visitor, n: int, slug: str = SLUG) -> None:
    visitor.cookies.clear()  # a new visitor
    url = f"/e/{slug}/register"
    status, _, page = visitor.request("GET", url)
    assert status == 200, (status, page[:300])
    data = {
        "csrf_token": _csrf(page),
        "submission": hidden_value(page, "submission"),
        "first_name": "Åsa",
        "last_name": f"Öberg {n}",
        "email": f"bench{n}@example.org",
        "organisation": "Bänkföreningen",
        "privacy_consent": "y",
    }
    status, headers, body = visitor.request("POST", url, data)
    assert status == 303 and headers.get("Location", "").endswith(f"{url}/thanks"), (status, body[:500])


def _registrations(database_url: str) -> dict:
    _prepare(database_url)
    with LiveServer(app="app:app", workers=WORKERS, threads=THREADS, env=_env(database_url)) as server:
        # Warm up every worker (imports, templates, caches) on another event; the measured one starts empty.
        _in_parallel(server.port, partial(register_once, slug=WARM_UP), list(range(-5 * CLIENTS, 0)))
        cpu_before = _server_cpu_seconds(server)
        elapsed, timings = _in_parallel(server.port, register_once, list(range(REGISTRATIONS)))
        cpu_after = _server_cpu_seconds(server)
        server.stop()
        log = server.log()
    if "Traceback" in log:
        raise RuntimeError(f"the server logged an error:\n{log}")
    return {
        "registrations_per_s": round(REGISTRATIONS / elapsed, 1),
        "seconds": round(elapsed, 2),
        "server_cpu_ms_per_registration": _cpu_ms(cpu_before, cpu_after, REGISTRATIONS),
        "form_get": _latency(timings["GET"]),
        "post": _latency(timings["POST"]),
        **_counts(database_url),
    }


def _env(database_url: str) -> dict[str, str]:
    env = server_environment(database_url)
    if not database_url:
        env.pop("DATABASE_URL")
    return env


def _prepare(database_url: str) -> None:
    """A migrated, empty database with the measured event (200 seats) and a warm-up event."""
    from flask_migrate import upgrade

    from forum import create_app
    from forum.events.models import Event, EventKind, EventStatus, Organisation, Visibility
    from forum.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        host = Organisation(name="Bänkens nätverk", contact_email="bench@example.org")
        starts = (datetime.now(UTC) + timedelta(days=30)).replace(hour=8, minute=0, second=0, microsecond=0)
        for slug, capacity in ((SLUG, CAPACITY), (WARM_UP, None)):
            db.session.add(
                Event(
                    slug=slug,
                    title="Bänkmöte om beredskap",
                    organisation=host,
                    kind=EventKind.THEME_MEETING,
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=8),
                    venue_name="Stadshuset",
                    venue_city="Halmstad",
                    capacity=capacity,
                    status=EventStatus.PUBLISHED,
                    visibility=Visibility.PUBLIC,
                    contact_email="bench@example.org",
                )
            )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def _counts(database_url: str) -> dict:
    """Exactly the seats there are, and every registration accounted for."""
    from forum.events.models import Event
    from forum.registration.models import Registration

    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            select(Registration.status, func.count(Registration.id))
            .join(Event)
            .where(Event.slug == SLUG)
            .group_by(Registration.status)
        ).all()
    engine.dispose()
    counts = {str(status): n for status, n in rows}
    expected = {"confirmed": CAPACITY, "waiting": REGISTRATIONS - CAPACITY}
    if counts != expected:
        raise RuntimeError(f"expected {expected}, the database holds {counts}")
    return counts


def _postgres_database(url: str) -> str | None:
    """Create the bench database when missing and empty its schema; None when PostgreSQL is not there."""
    target = make_url(url)
    if target.database in (None, "", "test", "postgres"):
        raise RuntimeError(f"the bench needs a database of its own, not {target.database!r}")
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
            )
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    except Exception:  # noqa: BLE001 - whatever the failure, there is no PostgreSQL to measure
        return None
    finally:
        admin.dispose()
    engine = create_engine(target)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return target.render_as_string(hide_password=False)


def _against_targets(result: dict, bare: dict, sqlite: bool) -> dict:
    rate = result["registrations_per_s"]
    result["ratio_to_bare"] = round(rate / bare["requests_per_s"], 3)
    result["meets_ratio_target"] = rate >= TARGET_RATIO * bare["requests_per_s"]
    if sqlite:
        result["meets_rate_target"] = rate >= TARGET_SQLITE_RPS
    # Not a target of the issue: beside the smallest form round trip, the cost of the registration itself.
    result["ratio_to_bare_form_round_trip"] = round(rate / bare["form_round_trips_per_s"], 3)
    bare_cpu, cpu = bare["server_cpu_ms_per_request"], result["server_cpu_ms_per_registration"]
    if bare_cpu and cpu:
        # The ratio the rates would have if the server had the machine to itself (CPU-bound on both).
        result["cpu_ratio_to_bare"] = round(bare_cpu / cpu, 3)
    return result


def run() -> dict:
    bare = _bare()
    results: dict = {
        "server": f"gunicorn, {WORKERS} workers, gthread with {THREADS} threads each; {CLIENTS} client threads",
        "cpus": os.cpu_count(),
        "load_average_before": round(os.getloadavg()[0], 2),
        "registrations": REGISTRATIONS,
        "capacity": CAPACITY,
        "bare_endpoint": bare,
        "targets": {"ratio_to_bare": TARGET_RATIO, "sqlite_registrations_per_s": TARGET_SQLITE_RPS},
    }
    with tempfile.TemporaryDirectory() as folder:
        sqlite = _registrations(f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
        results["sqlite"] = _against_targets(sqlite, bare, sqlite=True)
    postgres_url = _postgres_database(POSTGRES_URL) if POSTGRES_URL else None
    if postgres_url:
        results["postgresql"] = _against_targets(_registrations(postgres_url), bare, sqlite=False)
    else:
        results["postgresql"] = {"skipped": f"PostgreSQL not reachable at {POSTGRES_URL or '(not set)'}"}
    return results
