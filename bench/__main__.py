"""make bench: run every benchmark, write one JSON report and print a table of its figures.

The report (build/bench.json, or FORUM_BENCH_REPORT) holds every module's results as it returned
them, the bare Flask ceiling measured in this same run, the table (figure, value, target, met?)
and when and where it ran. The table is printed to stdout with the report's path.
FORUM_BENCH_ONLY=load,checkin runs only the modules named. A module that fails is recorded with
its error and the others still run; the exit status is then 1.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from bench.report import MISSING, format_table, get, rows

# Every benchmark module (bench/<name>.py with run() -> dict), in the order they run.
MODULES = ("pages", "registration", "mail", "programme", "exports", "checkin", "badges", "load")
ROOT = Path(__file__).resolve().parent.parent
REPORT = Path(os.environ.get("FORUM_BENCH_REPORT") or ROOT / "build" / "bench.json")


def main() -> int:
    only = [name.strip() for name in os.environ.get("FORUM_BENCH_ONLY", "").split(",") if name.strip()]
    unknown = set(only) - set(MODULES)
    if unknown:
        print(f"FORUM_BENCH_ONLY names no bench module: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    started = datetime.now(UTC)
    results: dict = {}
    seconds: dict = {}
    failed = False
    for name in MODULES:
        if only and name not in only:
            continue
        print(f"bench: {name} …", file=sys.stderr, flush=True)
        begun = time.perf_counter()
        try:
            results[name] = importlib.import_module(f"bench.{name}").run()
        except Exception as error:  # noqa: BLE001 - recorded in the report; the other benches still run
            traceback.print_exc()
            results[name] = {"error": f"{type(error).__name__}: {error}"[:1000]}
            failed = True
        seconds[name] = round(time.perf_counter() - begun, 1)
    table = rows(results)
    report = {
        "run": {
            "started": started.isoformat(timespec="seconds"),
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "seconds_per_module": seconds,
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "load_average_after": round(os.getloadavg()[0], 2),
        },
        "bare_flask_ceiling": {
            "gunicorn_requests_per_s": _found(results, "registration.bare_endpoint.requests_per_s"),
            "gunicorn_form_round_trips_per_s": _found(results, "registration.bare_endpoint.form_round_trips_per_s"),
            "checkin_run_requests_per_s": _found(results, "checkin.bare_endpoint.requests_per_s"),
            "in_process_requests_per_s": _found(results, "pages.bare_endpoint_rps"),
            "note": "measured in this run; the ratios in the results are taken against these",
        },
        "all_targets_met": all(row.met is not False for row in table),
        "table": [row.as_dict() for row in table],
        "results": results,
    }
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(format_table(table))
    missed = sum(1 for row in table if row.met is False)
    print(f"\n{len(table)} figures, {missed} not meeting their target. Report: {REPORT}")
    return 1 if failed else 0


def _found(results: dict, path: str):
    value = get(results, path)
    return None if value is MISSING else value


if __name__ == "__main__":
    raise SystemExit(main())
