"""Check-in API latency and throughput through a real server: gunicorn, two workers, on SQLite and on
PostgreSQL, beside the bare Flask endpoint (bench/bare_app.py) served the same way in the same run.

Events of 2,000 confirmed registrations with badge codes are bulk-inserted, and 20 scanning devices
(forum.checkin.services.create_device) each get their own token. 20 scanner threads, one per device,
each with one keep-alive connection, post POST /api/v1/events/<slug>/checkins as fast as the answers
come (a closed loop: the worst a door can ask, 20 scanners never waiting for people), with {"code",
"entrance", "scanned_at", "client_scan_id"}; every answer must be 200 and "ok". The scans' bodies are
made before a pass and the answers read after it: the scanners' own JSON work is not the server's.
A second pass scans the first event's badges again: each must answer "already_checked_in" (the path
a queue of returning people takes). The database must then hold exactly one admitted check-in per
badge and one "already_checked_in" per badge of the first event.

Rounds: the machine's speed moves from second to second on a shared host (the bare endpoint's rate
alone moves by a fifth between windows a few seconds apart), so a ratio of two rates measured minutes
apart says more about the machine than about the app. Each database is measured in FORUM_BENCH_ROUNDS
rounds (3), each a window of the bare endpoint (BARE_SECONDS) then at once a pass over an event of its
own; a round's ratio is its pass's rate over its window's. The figures judged are the rounds'
medians: scans/s, ratio_to_bare, p50 and p99 (each round's over its 2,000 scans); all_scans has the
latencies over every scan of every round, and rounds each round's figures.

A closed loop measures the server's capacity, and its latencies are mostly queueing (20 requests
wait for 2 workers). The latency a person at the door sees is measured too ("paced", on an event of
its own): the same 20 scanners, each scanning every FORUM_BENCH_PACE seconds (0.5 s: 40 scans/s in
all, several times a real door's rate), staggered.

The bare endpoint (GET /, "ok") is measured with the same 20 client threads. Both spread their 20
connections evenly over the two workers (_balanced): left to themselves, most connections go to one
worker, and a run then measures one core, by chance in one run and not the other.
Latency is per request at the client; throughput is scans per second of a whole pass. Besides, the
servers' own CPU time per scan and per bare request (Linux, /proc), and on PostgreSQL the database's:
on a shared machine the rates move with the load, the CPU cost per request much less.

Targets (issue 6): p99 < 25 ms, and scans/s >= 40% of the bare endpoint's requests/s. Both are
judged on the closed loop (meets_p99_target, meets_ratio_target); the paced run's p99 has its own
boolean (paced.meets_p99_target).

Settings (environment): FORUM_BENCH_ATTENDEES (2000), FORUM_BENCH_SCANNERS (20), FORUM_BENCH_ROUNDS
(3), FORUM_BENCH_THREADS (2 gunicorn threads per worker; with 4 they contend for the GIL and the p99
grows by half), FORUM_BENCH_PACE (0.5 s), FORUM_BENCH_POSTGRES_URL (postgresql+psycopg://postgres@
127.0.0.1:5432/forum_bench as for bench/registration.py, of which only the server is used; empty to
skip PostgreSQL). On PostgreSQL a throw-away database (forum_bench_checkin_<random>) is created for
the run and dropped after it.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import secrets
import statistics
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url

from bench.registration import _env, _server_cpu_seconds, processes_cpu_seconds
from tests.live_server import HOST, LiveServer
from tests.load.integrity import worker_pids
from tests.pg import throwaway_database

ATTENDEES = int(os.environ.get("FORUM_BENCH_ATTENDEES", "2000"))
SCANNERS = int(os.environ.get("FORUM_BENCH_SCANNERS", "20"))
WORKERS = 2
THREADS = int(os.environ.get("FORUM_BENCH_THREADS", "2"))
ROUNDS = int(os.environ.get("FORUM_BENCH_ROUNDS", "3"))
BARE_SECONDS = 1.5
POSTGRES_SERVER = os.environ.get("FORUM_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/forum_bench")
SLUG = "bench-checkin"  # the measured events: bench-checkin-1 … -ROUNDS
WARM_UP = "bench-checkin-warm-up"
WARM_UP_ATTENDEES = 10 * SCANNERS
PACED = "bench-checkin-paced"
PACE = float(os.environ.get("FORUM_BENCH_PACE", "0.5"))
PACED_SCANS = 15  # per scanner
TARGET_P99_MS = 25.0
TARGET_RATIO = 0.40


class Scanner:
    """One device at the door: one keep-alive connection, its token, and the time of each answer."""

    def __init__(self, port: int, token: str | None = None) -> None:
        self.port = port
        self.connect()
        self.headers = {"Content-Type": "application/json"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        self.timings: list[float] = []

    def connect(self) -> None:
        self.connection = http.client.HTTPConnection(HOST, self.port, timeout=60)
        self.connection.connect()

    @property
    def local_port(self) -> int:
        return self.connection.sock.getsockname()[1]

    def get(self, path: str) -> tuple[int, bytes]:
        started = time.perf_counter()
        self.connection.request("GET", path)
        response = self.connection.getresponse()
        body = response.read()
        self.timings.append(time.perf_counter() - started)
        return response.status, body

    @staticmethod
    def body(code: str, entrance: str) -> bytes:
        """A scan's JSON, made before the run: the scanners' own work is not the server's to measure."""
        scanned_at = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        return json.dumps(
            {"code": code, "entrance": entrance, "scanned_at": scanned_at, "client_scan_id": uuid.uuid4().hex}
        ).encode()

    def scan(self, slug: str, body: bytes) -> tuple[int, bytes]:
        """The status and the raw answer (parsed after the run, for the same reason)."""
        started = time.perf_counter()
        self.connection.request("POST", f"/api/v1/events/{slug}/checkins", body=body, headers=self.headers)
        response = self.connection.getresponse()
        data = response.read()
        self.timings.append(time.perf_counter() - started)
        return response.status, data

    def close(self) -> None:
        self.connection.close()


def _balanced(server: LiveServer, scanners: list[Scanner]) -> dict[int, int]:
    """Spread the scanners' connections evenly over the workers: returns {worker pid: connections}.

    Each worker accepts connections from the shared socket as it can; 20 opened at once mostly go to
    the one that is running, which then serves them all on one core while the other idles, and the
    rate measured is half the server's. So the bench looks up which worker holds each connection
    (/proc: the workers' socket inodes, and in /proc/net/tcp the client port of each) and reconnects
    those of the busier worker until the split is even, the same for the bare endpoint and the scans.
    Without /proc (not Linux) the connections stay as they were accepted."""
    shares: dict[int, int] = {}
    for _attempt in range(200):
        holders = _connection_workers(server, {scanner.local_port for scanner in scanners})
        if holders is None:
            return {}
        shares = dict.fromkeys(_workers(server), 0)
        for pid in holders.values():
            shares[pid] = shares.get(pid, 0) + 1
        if len(holders) < len(scanners):
            time.sleep(0.005)  # not all accepted yet
            continue
        busiest = max(shares, key=shares.get)
        if shares[busiest] - min(shares.values()) <= 1:
            break
        moved = next(s for s in scanners if holders[s.local_port] == busiest)
        moved.close()
        moved.connect()
        time.sleep(0.002)
    return shares


def _workers(server: LiveServer) -> list[int]:
    return worker_pids(server.process.pid)


def _connection_workers(server: LiveServer, ports: set[int]) -> dict[int, int] | None:
    """{client port: worker pid} for the connections from these client ports that a worker accepted."""
    try:
        inode_port = {}
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            if not Path(table).exists():
                continue
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                local, remote, inode = fields[1], fields[2], fields[9]
                if int(local.rsplit(":", 1)[1], 16) == server.port and int(remote.rsplit(":", 1)[1], 16) in ports:
                    inode_port[f"socket:[{inode}]"] = int(remote.rsplit(":", 1)[1], 16)
        holders = {}
        for pid in _workers(server):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with contextlib.suppress(OSError):
                    port = inode_port.get(os.readlink(f"/proc/{pid}/fd/{fd}"))
                    if port is not None:
                        holders[port] = pid
        return holders
    except OSError:
        return None


def _together(scanners: list[Scanner], work) -> float:
    """work(index, scanner) on one thread per scanner, started together; returns the seconds."""
    errors: list[BaseException] = []
    start = threading.Barrier(len(scanners) + 1)

    def run(index: int, scanner: Scanner) -> None:
        start.wait()
        try:
            work(index, scanner)
        except BaseException as error:  # noqa: BLE001 - raised again after the run
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i, s)) for i, s in enumerate(scanners)]
    for thread in threads:
        thread.start()
    start.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return elapsed


def _latency(values: list[float]) -> dict:
    ordered = sorted(values)
    return {
        "p50_ms": round(1000 * statistics.median(ordered), 2),
        "p99_ms": round(1000 * ordered[int(0.99 * (len(ordered) - 1))], 2),
        "max_ms": round(1000 * ordered[-1], 2),
    }


def _bare_window(server: LiveServer) -> dict:
    """The bare endpoint for BARE_SECONDS, on fresh balanced connections after a short warm-up."""
    scanners = [Scanner(server.port) for _ in range(SCANNERS)]

    def hit(_index: int, scanner: Scanner, until: float) -> None:
        while time.perf_counter() < until:
            status, body = scanner.get("/")
            assert status == 200 and body == b"ok", status

    try:
        shares = _balanced(server, scanners)
        warm_until = time.perf_counter() + 0.3
        _together(scanners, lambda i, s: hit(i, s, warm_until))
        for scanner in scanners:
            scanner.timings.clear()
        cpu_before = _server_cpu_seconds(server)
        until = time.perf_counter() + BARE_SECONDS
        elapsed = _together(scanners, lambda i, s: hit(i, s, until))
        cpu_after = _server_cpu_seconds(server)
    finally:
        for scanner in scanners:
            scanner.close()
    timings = [t for scanner in scanners for t in scanner.timings]
    return {
        "requests_per_s": round(len(timings) / elapsed, 1),
        "timings": timings,
        "requests": len(timings),
        "server_cpu_seconds": _difference(cpu_before, cpu_after),
        "connections_per_worker": sorted(shares.values()),
    }


def _bare_summary(windows: list[dict]) -> dict:
    """The bare endpoint over its windows: the median rate, latency over every request."""
    requests = sum(window["requests"] for window in windows)
    cpu = [window["server_cpu_seconds"] for window in windows]
    return {
        "requests_per_s": round(statistics.median(window["requests_per_s"] for window in windows), 1),
        "windows": len(windows),
        "requests_per_s_each": [window["requests_per_s"] for window in windows],
        **_latency([t for window in windows for t in window["timings"]]),
        "server_cpu_ms_per_request": _per_scan_ms(cpu, requests) if requests else None,
        "connections_per_worker": [window["connections_per_worker"] for window in windows],
    }


def _prepare(database_url: str) -> dict[str, tuple[list[str], list[str]]]:
    """A migrated database with the measured events (ROUNDS, each of ATTENDEES confirmed registrations
    with badge codes, bulk-inserted), a warm-up event and the paced run's event; one device per scanner
    on each. Returns {slug: (codes, tokens)}."""
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from forum import create_app
    from forum.badges.models import BadgeCode, BadgeStatus
    from forum.badges.services import new_code
    from forum.checkin.services import create_device
    from forum.events.models import Event, EventKind, EventStatus, Organisation, Visibility
    from forum.extensions import db
    from forum.registration.models import Registration, RegistrationStatus

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})
    prepared = {}
    with app.app_context():
        upgrade()
        host = Organisation(name="Bänkens nätverk", contact_email="bench@example.org")
        starts = datetime.now(UTC).replace(hour=8, minute=0, second=0, microsecond=0)
        now = datetime.now(UTC)
        events = [*((_measured(n), ATTENDEES) for n in range(ROUNDS)), (WARM_UP, WARM_UP_ATTENDEES)]
        for slug, attendees in (*events, (PACED, PACED_SCANS * SCANNERS)):
            event = Event(
                slug=slug,
                title="Bänkmöte om beredskap",
                organisation=host,
                kind=EventKind.THEME_MEETING,
                starts_at=starts,
                ends_at=starts + timedelta(hours=8),
                venue_name="Stadshuset",
                venue_city="Halmstad",
                status=EventStatus.PUBLISHED,
                visibility=Visibility.PUBLIC,
                contact_email="bench@example.org",
            )
            db.session.add(event)
            db.session.flush()
            db.session.execute(
                insert(Registration),
                [
                    {
                        "event_id": event.id,
                        "status": RegistrationStatus.CONFIRMED,
                        "first_name": "Åsa",
                        "last_name": f"Öberg {n}",
                        "email": f"{slug}-{n}@example.org",
                        "email_key": f"{slug}-{n}@example.org",
                        "organisation": "Bänkföreningen",
                        "link_salt": secrets.token_hex(16),
                        "token_hash": secrets.token_hex(32),
                        "privacy_consent_at": now,
                        "confirmed_at": now,
                    }
                    for n in range(attendees)
                ],
            )
            ids = db.session.scalars(select(Registration.id).where(Registration.event_id == event.id)).all()
            codes = [new_code() for _ in ids]
            db.session.execute(
                insert(BadgeCode),
                [
                    {"registration_id": rid, "event_id": event.id, "code": code, "status": BadgeStatus.ACTIVE}
                    for rid, code in zip(ids, codes, strict=True)
                ],
            )
            tokens = [create_device(event, f"Skanner {n + 1}")[1] for n in range(SCANNERS)]
            prepared[slug] = (codes, tokens)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return prepared


@dataclass
class Pass:
    """One pass of the scanners: its seconds, each scan's latency, the connections' split over the
    workers, and the CPU the server (and PostgreSQL) spent while the scanners scanned."""

    elapsed: float
    timings: list[float]
    shares: list[int]
    server_cpu_seconds: float | None
    database_cpu_seconds: float | None


def _scan_all(
    server: LiveServer,
    slug: str,
    codes: list[str],
    tokens: list[str],
    expected: str,
    pace: float = 0.0,
    postgresql: bool = False,
) -> Pass:
    """Every code scanned once, split over the scanners (device n scans codes n, n+SCANNERS, …); with
    a pace, each scanner scans once every `pace` seconds, the scanners staggered over the interval.

    Each connection first sends one request, all together (a 405, not timed): gunicorn gives a new
    connection to a worker thread that waits for its first request, and a scanner staggered to start
    later would otherwise hold a thread the others wait behind."""
    scanners = [Scanner(server.port, token) for token in tokens]
    bodies = [
        [Scanner.body(code, f"Entré {index % 4 + 1}") for code in codes[index :: len(scanners)]]
        for index in range(len(scanners))
    ]
    answers: list[list[tuple[int, bytes]]] = [[] for _ in scanners]

    def work(index: int, scanner: Scanner) -> None:
        next_scan = time.perf_counter() + pace * index / len(scanners)
        for body in bodies[index]:
            if pace:
                time.sleep(max(0.0, next_scan - time.perf_counter()))
                next_scan += pace
            answers[index].append(scanner.scan(slug, body))

    try:
        shares = _balanced(server, scanners)
        _together(scanners, lambda _index, scanner: scanner.get(f"/api/v1/events/{slug}/checkins"))
        for scanner in scanners:
            scanner.timings.clear()
        cpu_before, database_before = _server_cpu_seconds(server), _database_cpu_seconds(postgresql)
        elapsed = _together(scanners, work)
        cpu_after, database_after = _server_cpu_seconds(server), _database_cpu_seconds(postgresql)
    finally:
        for scanner in scanners:
            scanner.close()
    for status, data in (answer for each in answers for answer in each):
        result = json.loads(data).get("result") if status == 200 else None
        assert result == expected, (status, data)
    return Pass(
        elapsed,
        [t for scanner in scanners for t in scanner.timings],
        sorted(shares.values()),
        _difference(cpu_before, cpu_after),
        _difference(database_before, database_after),
    )


def _checkins(database_url: str) -> dict:
    from forum.checkin.models import CheckIn
    from forum.events.models import Event

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(CheckIn.result, func.count())
                .join(Event, Event.id == CheckIn.event_id)
                .where(Event.slug.in_([_measured(n) for n in range(ROUNDS)]), CheckIn.undone_at.is_(None))
                .group_by(CheckIn.result)
            ).all()
    finally:
        engine.dispose()
    return dict(rows)


def _measured(round_: int) -> str:
    return f"{SLUG}-{round_ + 1}"


def _measure(database_url: str, bare_server: LiveServer) -> tuple[dict, list[dict]]:
    """ROUNDS rounds, each a window of the bare endpoint then a closed-loop pass over a fresh event of
    ATTENDEES; then a second pass over the first event (already checked in), and the paced run.
    Returns the results and the bare endpoint's windows."""
    prepared = _prepare(database_url)
    postgresql = database_url.startswith("postgresql")
    rounds, windows = [], []
    with LiveServer(app="app:app", workers=WORKERS, threads=THREADS, env=_env(database_url)) as server:
        # Warm up every worker (imports, queries, caches) on another event; the measured ones are untouched.
        _scan_all(server, WARM_UP, *prepared[WARM_UP], expected="ok")
        for n in range(ROUNDS):
            bare = _bare_window(bare_server)
            windows.append(bare)
            scans = _scan_all(server, _measured(n), *prepared[_measured(n)], expected="ok", postgresql=postgresql)
            rounds.append(
                {
                    "bare_requests_per_s": bare["requests_per_s"],
                    "scans_per_s": round(ATTENDEES / scans.elapsed, 1),
                    "ratio_to_bare": round(ATTENDEES / scans.elapsed / bare["requests_per_s"], 3),
                    **_latency(scans.timings),
                    "server_cpu_seconds": scans.server_cpu_seconds,
                    **({"database_cpu_seconds": scans.database_cpu_seconds} if postgresql else {}),
                    "connections_per_worker": scans.shares,
                    "bare_connections_per_worker": bare["connections_per_worker"],
                    "timings": scans.timings,
                }
            )
        first = _measured(0)
        again = _scan_all(server, first, *prepared[first], expected="already_checked_in")
        paced = _scan_all(server, PACED, *prepared[PACED], expected="ok", pace=PACE)
        server.stop()
        log = server.log()
    if "Traceback" in log:
        raise RuntimeError(f"the server logged an error:\n{log}")
    counts = _checkins(database_url)
    expected = {"ok": ATTENDEES * ROUNDS, "already_checked_in": ATTENDEES}
    if counts != expected:
        raise RuntimeError(f"expected {expected}, the database holds {counts}")
    results = _summary(rounds, windows, postgresql) | {
        "rescan_already_checked_in": {"scans_per_s": round(ATTENDEES / again.elapsed, 1), **_latency(again.timings)},
        "paced": _paced(paced.timings),
        "checkins": counts,
    }
    return results, windows


def _summary(rounds: list[dict], bare_windows: list[dict], postgresql: bool) -> dict:
    """The rounds in one: the median rate and ratio, latency over every scan, CPU per scan over all."""
    scans = ATTENDEES * len(rounds)
    pooled = _latency([t for round_ in rounds for t in round_["timings"]])
    latency = {
        "p50_ms": statistics.median(round_["p50_ms"] for round_ in rounds),
        "p99_ms": statistics.median(round_["p99_ms"] for round_ in rounds),
        "max_ms": pooled["max_ms"],
        "all_scans": pooled,
    }
    server_cpu = _per_scan_ms([round_["server_cpu_seconds"] for round_ in rounds], scans)
    bare = _bare_summary(bare_windows)
    ratio = statistics.median(round_["ratio_to_bare"] for round_ in rounds)
    return {
        "scans_per_s": round(statistics.median(round_["scans_per_s"] for round_ in rounds), 1),
        "ratio_to_bare": round(ratio, 3),
        **latency,
        "server_cpu_ms_per_scan": server_cpu,
        **(
            {"database_cpu_ms_per_scan": _per_scan_ms([round_["database_cpu_seconds"] for round_ in rounds], scans)}
            if postgresql
            else {}
        ),
        # The ratio the rates would have if the server had the machine to itself (CPU-bound on both):
        # steadier than the rates on a shared machine.
        "cpu_ratio_to_bare": _ratio(bare["server_cpu_ms_per_request"], server_cpu),
        "meets_p99_target": latency["p99_ms"] < TARGET_P99_MS,
        "meets_ratio_target": ratio >= TARGET_RATIO,
        "rounds": [{key: value for key, value in round_.items() if key != "timings"} for round_ in rounds],
    }


def _paced(timings: list[float]) -> dict:
    paced = _latency(timings)
    return {
        "scans_per_s": round(SCANNERS / PACE, 1),
        "scans": len(timings),
        **paced,
        "meets_p99_target": paced["p99_ms"] < TARGET_P99_MS,
    }


def _difference(before: float | None, after: float | None) -> float | None:
    return round(after - before, 4) if before is not None and after is not None else None


def _per_scan_ms(seconds: list[float | None], scans: int) -> float | None:
    return round(1000 * sum(seconds) / scans, 3) if None not in seconds else None


def _database_cpu_seconds(postgresql: bool) -> float | None:
    return _postgres_cpu_seconds() if postgresql else None


def _postgres_cpu_seconds() -> float | None:
    """User + system CPU of this machine's PostgreSQL server processes (Linux, /proc): the database shares
    the cores with the app and the scanners; its share of a scan is reported beside the server's."""
    return processes_cpu_seconds(lambda pid, _fields: Path(f"/proc/{pid}/comm").read_text().strip() == "postgres")


def _ratio(bare_cpu: float | None, cpu: float | None) -> float | None:
    return round(bare_cpu / cpu, 3) if bare_cpu and cpu else None


def _postgres_database(server_url: str):
    """A throw-away database on the server (like tests/test_migrations.py): yields its URL, or None
    when PostgreSQL is not reachable; dropped afterwards."""
    server = make_url(server_url).set(database="postgres")  # only the server is taken from the URL
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(throwaway_database(server.render_as_string(hide_password=False), "forum_bench"))
        except Exception:  # noqa: BLE001 - whatever the failure, there is no PostgreSQL to measure
            url = None
        yield url


def run() -> dict:
    results: dict = {
        "server": f"gunicorn, {WORKERS} workers, gthread with {THREADS} threads each",
        "scanners": f"{SCANNERS} client threads, one device token and keep-alive connection each, closed loop",
        "rounds": f"{ROUNDS} per database, each a {BARE_SECONDS} s window of the bare endpoint, then a pass over "
        f"{ATTENDEES} attendees; rates and ratios are the rounds' medians",
        "cpus": os.cpu_count(),
        "load_average_before": round(os.getloadavg()[0], 2),
        "attendees": ATTENDEES,
        "targets": {"p99_ms_below": TARGET_P99_MS, "ratio_to_bare": TARGET_RATIO},
    }
    all_windows: list[dict] = []
    with LiveServer(app="bench.bare_app:app", workers=WORKERS, threads=THREADS, env=_env("")) as bare_server:
        with tempfile.TemporaryDirectory() as folder:
            results["sqlite"], windows = _measure(f"sqlite:///{Path(folder) / 'bench.sqlite3'}", bare_server)
            all_windows += windows
        if POSTGRES_SERVER:
            databases = _postgres_database(POSTGRES_SERVER)
            url = next(databases)
            try:
                if url:
                    results["postgresql"], windows = _measure(url, bare_server)
                    all_windows += windows
                else:
                    results["postgresql"] = {"skipped": f"PostgreSQL not reachable at {POSTGRES_SERVER}"}
            finally:
                databases.close()
        else:
            results["postgresql"] = {"skipped": "FORUM_BENCH_POSTGRES_URL is empty"}
    results["bare_endpoint"] = _bare_summary(all_windows)
    return results


if __name__ == "__main__":
    import sys

    json.dump(run(), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
