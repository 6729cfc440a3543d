"""Charts as server-rendered SVG: no script, no third-party code, printable.

Each chart is an <svg role="img"> with a <title> (and a <desc> summing it up) and a <title> on
every bar, so a screen reader gets the gist; the pages always put the same numbers in a table
beside it. Colours are set with presentation attributes, not style attributes, which the
Content-Security-Policy would block, and every bar carries its number in text, so nothing is
told by colour alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from markupsafe import Markup, escape

BAR = "#1d4e89"  # the site's blue: 8.6:1 on white
TRACK = "#dfe6f0"
TEXT = "#1b1b1b"
MUTED = "#555555"
FONT = 'font-family="system-ui, sans-serif"'

WIDTH = 640
LABEL_WIDTH = 210
ROW = 26
BAR_HEIGHT = 18
LABEL_CHARS = 30


def _short(label: str, chars: int = LABEL_CHARS) -> str:
    return label if len(label) <= chars else label[: chars - 1].rstrip() + "…"


def _open(chart_id: str, title: str, description: str, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" id="{chart_id}" {FONT} font-size="13">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def bar_chart(chart_id: str, title: str, rows: Sequence[tuple[str, int]], description: str = "") -> Markup:
    """Horizontal bars, one per (label, value), longest to scale; the value written after each bar."""
    rows = list(rows)
    height = max(len(rows), 1) * ROW + 8
    top = max((value for _label, value in rows), default=0) or 1
    span = WIDTH - LABEL_WIDTH - 60
    if not description:
        description = "; ".join(f"{label}: {value}" for label, value in rows)
    parts = _open(chart_id, title, description, height)
    for index, (label, value) in enumerate(rows):
        y = 4 + index * ROW
        width = round(span * value / top, 1)
        parts.append(
            f"<g><title>{escape(label)}: {value}</title>"
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 14}" text-anchor="end" fill="{TEXT}">{escape(_short(label))}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{span}" height="{BAR_HEIGHT}" fill="{TRACK}"/>'
            f'<rect class="bar" x="{LABEL_WIDTH}" y="{y}" width="{width}" height="{BAR_HEIGHT}" fill="{BAR}"/>'
            f'<text x="{LABEL_WIDTH + span + 6}" y="{y + 14}" fill="{TEXT}">{value}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every label and title is escaped above; numbers are ours


def fill_chart(chart_id: str, title: str, rows: Sequence[tuple[str, int, int | None]]) -> Markup:
    """Seats taken against capacity: (label, taken, capacity or None). The track is the capacity,
    all bars to one scale of seats; "12 / 20" after each bar (or "12" without a limit)."""
    rows = list(rows)
    height = max(len(rows), 1) * ROW + 8
    top = max((max(taken, capacity or 0) for _label, taken, capacity in rows), default=0) or 1
    span = WIDTH - LABEL_WIDTH - 80
    description = "; ".join(
        f"{label}: {taken} / {capacity}" if capacity else f"{label}: {taken}" for label, taken, capacity in rows
    )
    parts = _open(chart_id, title, description, height)
    for index, (label, taken, capacity) in enumerate(rows):
        y = 4 + index * ROW
        shown = f"{taken} / {capacity}" if capacity else str(taken)
        track = round(span * (capacity or top) / top, 1)
        width = round(span * min(taken, capacity or taken) / top, 1)
        parts.append(
            f"<g><title>{escape(label)}: {shown}</title>"
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 14}" text-anchor="end" fill="{TEXT}">{escape(_short(label))}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{track}" height="{BAR_HEIGHT}" fill="{TRACK}"/>'
            f'<rect class="bar" x="{LABEL_WIDTH}" y="{y}" width="{width}" height="{BAR_HEIGHT}" fill="{BAR}"/>'
            f'<text x="{LABEL_WIDTH + span + 6}" y="{y + 14}" fill="{TEXT}">{escape(shown)}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every label and title is escaped above; numbers are ours


def time_chart(
    chart_id: str, title: str, points: Sequence[tuple[date, int]], day_label, *, line: bool = False
) -> Markup:
    """Values over consecutive days: columns (per day) or a line (a running total).

    `day_label` formats a date for the axis; the first and last days are labelled, and a few between.
    """
    points = list(points)
    height, left, right, top_margin, bottom = 230, 48, WIDTH - 12, 14, 190
    top = max((value for _day, value in points), default=0) or 1
    description = (
        f"{day_label(points[0][0])}–{day_label(points[-1][0])}: "
        + ", ".join(f"{day_label(day)} {value}" for day, value in points if value)
        if points
        else ""
    )
    parts = _open(chart_id, title, description, height)
    # The axes, with the top value and zero.
    parts.append(
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="{MUTED}"/>'
        f'<line x1="{left}" y1="{top_margin}" x2="{left}" y2="{bottom}" stroke="{MUTED}"/>'
        f'<text x="{left - 6}" y="{top_margin + 5}" text-anchor="end" fill="{TEXT}">{top}</text>'
        f'<text x="{left - 6}" y="{bottom + 4}" text-anchor="end" fill="{TEXT}">0</text>'
    )
    count = len(points)
    step = (right - left) / max(count, 1)

    def y_of(value: int) -> float:
        return round(bottom - (bottom - top_margin) * value / top, 1)

    if line and points:
        xs = [round(left + step * (index + 0.5), 1) for index in range(count)]
        coordinates = " ".join(f"{x},{y_of(value)}" for x, (_day, value) in zip(xs, points, strict=True))
        parts.append(f'<polyline class="line" points="{coordinates}" fill="none" stroke="{BAR}" stroke-width="2.5"/>')
        for x, (day, value) in zip(xs, points, strict=True):
            parts.append(
                f'<circle cx="{x}" cy="{y_of(value)}" r="{3 if count <= 60 else 1.5}" fill="{BAR}">'
                f"<title>{escape(day_label(day))}: {value}</title></circle>"
            )
    else:
        gap = 0.15 * step if step > 4 else 0
        for index, (day, value) in enumerate(points):
            x = round(left + step * index + gap / 2, 1)
            parts.append(
                f'<rect class="bar" x="{x}" y="{y_of(value)}" width="{round(step - gap, 1)}" '
                f'height="{round(bottom - y_of(value), 1)}" fill="{BAR}">'
                f"<title>{escape(day_label(day))}: {value}</title></rect>"
            )
    # Day labels: first, last and up to four between, evenly.
    if points:
        marks = sorted({0, count - 1, *(round(i * (count - 1) / 5) for i in range(1, 5))}) if count > 1 else [0]
        for index in marks:
            x = round(left + step * (index + 0.5), 1)
            anchor = "start" if index == 0 and count > 1 else "end" if index == count - 1 and count > 1 else "middle"
            parts.append(
                f'<text x="{x}" y="{bottom + 18}" text-anchor="{anchor}" fill="{TEXT}">'
                f"{escape(day_label(points[index][0]))}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every label and title is escaped above; numbers are ours
