"""The table of `make bench`: one row per figure that has a target (and a few reported without one),
read from the modules' results. Rows name their figure by its place in the JSON report.

Each module's figures are listed below as they are; a module's boolean `meets_*` / `*_meets_target`
that no row here reads still gets a row of its own (so a figure added to a bench later is not left
out of the table, only described less well).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MISSING = object()


@dataclass
class Row:
    figure: str
    value: Any
    target: str
    met: bool | None  # None: reported, no target

    def as_dict(self) -> dict:
        return {"figure": self.figure, "value": self.value, "target": self.target, "met": self.met}


def get(tree: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(tree, dict) or part not in tree:
            return MISSING
        tree = tree[part]
    return tree


class _Table:
    def __init__(self, results: dict) -> None:
        self.results = results
        self.rows: list[Row] = []
        self.read: set[str] = set()

    def add(self, path: str, target: str = "", met: str | bool | None = None, label: str | None = None) -> None:
        """A row for the value at `path`; `met` is the path of its boolean in the results, or a bool."""
        value = get(self.results, path)
        if value is MISSING:
            return
        if isinstance(met, str):
            self.read.add(met)
            met = get(self.results, met)
            met = None if met is MISSING else met
        self.rows.append(Row(label or path, value, target, met))

    def flags_not_read(self) -> None:
        def walk(tree: Any, prefix: str) -> None:
            if not isinstance(tree, dict):
                return
            for key, value in tree.items():
                path = f"{prefix}.{key}" if prefix else key
                flag = key.startswith("meets_") or key.endswith("_meets_target")
                if flag and isinstance(value, bool | None) and path not in self.read:
                    self.rows.append(Row(path, value, "(see the report)", value))
                walk(value, path)

        walk(self.results, "")


def rows(results: dict) -> list[Row]:
    table = _Table(results)
    add = table.add
    for module, outcome in results.items():
        if isinstance(outcome, dict) and "error" in outcome and len(outcome) <= 2:
            table.rows.append(Row(module, f"failed: {outcome['error']}", "runs", False))

    # The ceiling every ratio is taken against, measured in this run.
    add("registration.bare_endpoint.requests_per_s", label="bare Flask ceiling, gunicorn (requests/s)")
    add("registration.bare_endpoint.form_round_trips_per_s", label="bare Flask-WTF form round trips/s")
    add("checkin.bare_endpoint.requests_per_s", label="bare Flask ceiling, check-in bench run (requests/s)")
    add("pages.bare_endpoint_rps", label="bare Flask ceiling, in-process test client (requests/s)")

    add("pages.front_page_rps")
    add("pages.front_page_ratio_to_bare")
    add("pages.event_page_rps")
    add("pages.event_page_ratio_to_bare")

    for database in ("sqlite", "postgresql"):
        base = f"registration.{database}"
        add(f"{base}.registrations_per_s", ">= 100/s" if database == "sqlite" else "", f"{base}.meets_rate_target")
        add(f"{base}.ratio_to_bare", ">= 0.25 of bare", f"{base}.meets_ratio_target")
        add(f"{base}.post.p95_ms")
        add(f"{base}.skipped", "runs", False)

    for batch in ("invitations", "message"):
        base = f"mail.{batch}"
        add(f"{base}.queue_seconds", "< 5 s", f"{base}.meets_queue_target")
        add(f"{base}.messages_per_s", ">= 100/s", f"{base}.meets_rate_target")
        add(f"{base}.each_recipient_exactly_once", "true", f"{base}.each_recipient_exactly_once")

    add("programme.programme_ics_median_ms", "< 50 ms", "programme.programme_ics_meets_target")
    add("programme.programme_ics_after_a_change_median_ms", "< 50 ms", "programme.programme_ics_meets_target")
    add("programme.programme_ics_conditional_median_ms", "< 5 ms", "programme.conditional_meets_target")
    add("programme.programme_page_median_ms", "< 50 ms", "programme.programme_page_meets_target")
    add("programme.programme_page_after_a_change_median_ms", "< 50 ms", "programme.programme_page_meets_target")
    add("programme.programme_page_first_request_ms")

    exports = results.get("exports", {})
    for path, target, limit in (
        ("csv_median_s", "< 1 s", 1.0),
        ("xlsx_median_s", "< 4 s", 4.0),
        ("list_first_page_median_ms", "< 150 ms", 150.0),
    ):
        value = get(exports, path)
        add(f"exports.{path}", target, value < limit if isinstance(value, int | float) else None)
    table.read.add("exports.meets_targets")
    add("exports.list_filtered_sorted_page_20_median_ms")

    for database in ("sqlite", "postgresql"):
        base = f"checkin.{database}"
        add(f"{base}.scans_per_s")
        add(f"{base}.ratio_to_bare", ">= 0.40 of bare", f"{base}.meets_ratio_target")
        add(f"{base}.p99_ms", "< 25 ms (closed loop)", f"{base}.meets_p99_target")
        add(f"{base}.paced.p99_ms", "< 25 ms (paced)", f"{base}.paced.meets_p99_target")
        add(f"{base}.server_cpu_ms_per_scan")
        add(f"{base}.database_cpu_ms_per_scan")
        add(f"{base}.skipped", "runs", False)

    for layout, figures in (results.get("badges") or {}).items():
        if isinstance(figures, dict) and "seconds" in figures:
            add(f"badges.{layout}.seconds", "< 3 s", f"badges.{layout}.meets_time_target")
            add(f"badges.{layout}.megabytes", "< 2 MB", f"badges.{layout}.meets_size_target")

    for database in ("sqlite", "postgresql"):
        base = f"load.rush.{database}"
        confirmed, waiting = get(results, f"{base}.confirmed"), get(results, f"{base}.waiting")
        seats, visitors = get(results, f"{base}.seats"), get(results, f"{base}.visitors")
        if confirmed is not MISSING:
            table.read.add(f"{base}.meets_capacity_target")  # judged on the confirmed/waiting row below
            table.rows.append(
                Row(
                    f"{base} confirmed/waiting",
                    f"{confirmed}/{waiting}",
                    f"exactly {seats}/{visitors - seats}",
                    get(results, f"{base}.meets_capacity_target"),
                )
            )
        add(f"{base}.five_xx", "0 (and every answer a 303)", f"{base}.meets_no_5xx_target")
        add(f"{base}.post.p99_ms", "reported")
        add(f"{base}.registrations_per_s")
        add(f"{base}.skipped", "runs", False)

    base = "load.faults.smtp_outage"
    add(f"{base}.registrations_lost", "0", f"{base}.meets_no_loss_target")
    add(f"{base}.delivery.exactly_once", "true (by Message-ID)", f"{base}.meets_exactly_once_target")
    add(f"{base}.outage_seconds", "60 s in the issue (FORUM_BENCH_SMTP_OUTAGE_SECONDS)")
    for database in ("sqlite", "postgresql"):
        base = f"load.faults.worker_killed.{database}"
        add(f"{base}.partial_registrations", "0, no orphans, every 303 stored", f"{base}.meets_consistency_target")
        add(
            f"{base}.connection_errors",
            "clients see 303 or a connection error only",
            f"{base}.meets_clients_see_only_connection_errors_target",
        )
        add(f"{base}.skipped", "runs", False)
    base = "load.faults.sqlite_busy"
    add(f"{base}.five_xx", "0 (busy timeout 1 ms)", f"{base}.meets_no_500_target")
    add(f"{base}.visitors", "every seat given once, the rest waiting", f"{base}.meets_capacity_target")
    add(f"{base}.post.p99_ms", "reported")

    table.flags_not_read()
    return table.rows


def format_table(table: list[Row]) -> str:
    def shown(value: Any) -> str:
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, float):
            return f"{value:g}"
        return str(value)

    lines = [("figure", "value", "target", "met?")]
    for row in table:
        met = "-" if row.met is None else ("yes" if row.met else "NO")
        lines.append((row.figure, shown(row.value), row.target, met))
    widths = [max(len(line[i]) for line in lines) for i in range(4)]
    out = []
    for n, line in enumerate(lines):
        out.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip())
        if n == 0:
            out.append("  ".join("-" * width for width in widths))
    return "\n".join(out)
