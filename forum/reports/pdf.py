"""The printed lists (reportlab): sign-in sheet, door list, one list per workshop, the catering
summary, and the names behind special dietary needs (health data: its own, audited export).

Each takes the rows of the filtered list (forum.reports.exports.rows, confirmed participants only)
and returns the PDF's bytes. Names are sorted in Swedish order by last name.
"""

from __future__ import annotations

import io
from collections import Counter
from xml.sax.saxutils import escape

from flask_babel import gettext as _
from flask_babel import ngettext
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from forum.events.models import Event
from forum.i18n import event_when, format_when
from forum.pdf_text import visual
from forum.programme.models import ProgrammeItem
from forum.programme.pdf import fonts
from forum.registration.models import DietaryOption, SignupStatus
from forum.registration.municipalities import swedish_sort_key

WIDTH = A4[0] - 30 * mm


def by_last_name(rows: list) -> list:
    return sorted(rows, key=lambda row: (swedish_sort_key(row.last_name), swedish_sort_key(row.first_name), row.id))


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = fonts()
    return {
        "title": ParagraphStyle("title", fontName=bold, fontSize=16, leading=20, spaceAfter=2),
        "subtitle": ParagraphStyle("subtitle", fontName=regular, fontSize=9.5, leading=12, textColor=colors.grey),
        "heading": ParagraphStyle("heading", fontName=bold, fontSize=12.5, leading=16, spaceBefore=6, spaceAfter=4),
        "cell": ParagraphStyle("cell", fontName=regular, fontSize=9, leading=11),
        "head": ParagraphStyle("head", fontName=bold, fontSize=9, leading=11),
        "note": ParagraphStyle(
            "note", fontName=regular, fontSize=8.5, leading=11, textColor=colors.HexColor("#444444")
        ),
    }


def _paragraph(text, style: ParagraphStyle) -> Paragraph:
    """Text as a paragraph: escaped, and right-to-left scripts (Arabic names) joined and in display
    order (forum.pdf_text.visual). The badges wrap before reordering; here a cell's text is reordered
    whole, so a right-to-left text long enough to wrap in its column would show its lines in reverse."""
    return Paragraph(escape(visual(str(text))), style)


def _table(header: list[str], body: list[list[str]], widths: list[float], styles, *, row_height=None) -> Table:
    data = [[_paragraph(text, styles["head"]) for text in header]]
    data += [[_paragraph(text, styles["cell"]) for text in row] for row in body]
    table = Table(data, colWidths=widths, repeatRows=1, rowHeights=[None] + [row_height] * len(body))
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#888888")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def _document(event: Event, title: str, story: list, subtitle: str = "") -> bytes:
    styles = _styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"{title} – {event.title}",
    )
    regular = fonts()[0]
    footer = visual(f"{event.title} · {title}")

    def page_footer(canvas, document):
        canvas.saveState()
        canvas.setFont(regular, 7.5)
        canvas.setFillColor(colors.grey)
        canvas.drawString(15 * mm, 8 * mm, footer)
        canvas.drawRightString(A4[0] - 15 * mm, 8 * mm, _("Sida %(number)d", number=document.page))
        canvas.restoreState()

    head = [
        _paragraph(title, styles["title"]),
        _paragraph(f"{event.title} · {event_when(event)}", styles["subtitle"]),
    ]
    if subtitle:
        head.append(_paragraph(subtitle, styles["subtitle"]))
    doc.build([*head, Spacer(1, 5 * mm), *story], onFirstPage=page_footer, onLaterPages=page_footer)
    return buffer.getvalue()


def _count_line(count: int) -> str:
    return ngettext("%(num)d deltagare", "%(num)d deltagare", count)


def sign_in_sheet(event: Event, rows: list) -> bytes:
    """Numbered, by last name, with a wide column for the signature."""
    styles = _styles()
    body = [[str(n), row.sort_name, row.organisation, ""] for n, row in enumerate(by_last_name(rows), start=1)]
    table = _table(
        [_("Nr"), _("Namn"), _("Organisation"), _("Namnteckning")],
        body,
        [12 * mm, 55 * mm, 55 * mm, WIDTH - 122 * mm],
        styles,
        row_height=10 * mm,
    )
    return _document(event, _("Närvarolista"), [table], _count_line(len(rows)))


def door_list(event: Event, rows: list) -> bytes:
    """For the door: who is expected, with their workshops, and a box to tick."""
    styles = _styles()
    body = []
    for row in by_last_name(rows):
        workshops = ", ".join(title for _id, title, status in row.workshops if status == SignupStatus.CONFIRMED)
        body.append([row.sort_name, row.organisation, workshops, "✓" if row.checked_in_at else ""])
    table = _table(
        [_("Namn"), _("Organisation"), _("Pass"), _("Inne")],
        body,
        [55 * mm, 50 * mm, WIDTH - 117 * mm, 12 * mm],
        styles,
    )
    return _document(event, _("Dörrlista"), [table], _count_line(len(rows)))


def workshop_lists(event: Event, rows: list, items: list[ProgrammeItem]) -> bytes:
    """One list per item that needs sign-up: those of the rows with a seat in it, each on a new page."""
    styles = _styles()
    story: list = []
    ordered = by_last_name(rows)
    for index, item in enumerate(items):
        seated = [
            row
            for row in ordered
            if any(item_id == item.id and status == SignupStatus.CONFIRMED for item_id, _t, status in row.workshops)
        ]
        if index:
            story.append(PageBreak())
        where = f" · {item.room.name}" if item.room else ""
        when = format_when(item.starts_at, item.ends_at, event.timezone)
        story.append(_paragraph(item.title, styles["heading"]))
        story.append(_paragraph(f"{when}{where} · {_count_line(len(seated))}", styles["subtitle"]))
        story.append(Spacer(1, 3 * mm))
        if seated:
            body = [[str(n), row.sort_name, row.organisation, ""] for n, row in enumerate(seated, start=1)]
            story.append(
                _table(
                    [_("Nr"), _("Namn"), _("Organisation"), _("Närvaro")],
                    body,
                    [12 * mm, 60 * mm, 60 * mm, WIDTH - 132 * mm],
                    styles,
                    row_height=8 * mm,
                )
            )
        else:
            story.append(_paragraph(_("Ingen har plats i passet."), styles["cell"]))
    if not items:
        story.append(_paragraph(_("Evenemanget har inga pass med anmälan."), styles["cell"]))
    return _document(event, _("Listor per pass"), story)


def catering_counts(rows: list) -> tuple[list[tuple[str, int]], int, int, int]:
    """([(need, people)], with another need, without any need, everyone): counts only, no names."""
    counter: Counter = Counter()
    other = without = 0
    for row in rows:
        needs = set(row.dietary or [])
        counter.update(needs)
        if row.dietary_other.strip():
            other += 1
        if not needs and not row.dietary_other.strip():
            without += 1
    known = [(str(option.label), counter.get(option.value, 0)) for option in DietaryOption]
    return known, other, without, len(rows)


def catering_summary(event: Event, rows: list) -> bytes:
    """Counts per dietary need for the caterer; no names (those are health data)."""
    styles = _styles()
    known, other, without, total = catering_counts(rows)
    body = [[label, str(count)] for label, count in known]
    body += [
        [_("Annat kostbehov (fritext)"), str(other)],
        [_("Inga särskilda kostbehov"), str(without)],
        [_("Antal deltagare"), str(total)],
    ]
    table = _table([_("Kostbehov"), _("Antal")], body, [120 * mm, 30 * mm], styles)
    note = _paragraph(
        _(
            "En person kan ha flera kostbehov. Namnen bakom de särskilda behoven finns i en egen lista "
            "för arrangörer, eftersom det är känsliga uppgifter."
        ),
        styles["note"],
    )
    return _document(event, _("Kostsammanställning"), [table, Spacer(1, 4 * mm), note])


def dietary_names(event: Event, rows: list) -> bytes:
    """Who has which special need: health data, for the organisers and the kitchen only."""
    styles = _styles()
    labels = {option.value: str(option.label) for option in DietaryOption}
    body = [
        [row.sort_name, row.organisation, ", ".join(labels.get(v, v) for v in row.dietary or []), row.dietary_other]
        for row in by_last_name(rows)
        if row.dietary or row.dietary_other.strip()
    ]
    table = _table(
        [_("Namn"), _("Organisation"), _("Kostbehov"), _("Annat")],
        body,
        [50 * mm, 45 * mm, 45 * mm, WIDTH - 140 * mm],
        styles,
    )
    note = _paragraph(
        _("Känsliga uppgifter (hälsa). Lämna inte listan framme, och förstör den efter evenemanget."), styles["note"]
    )
    return _document(event, _("Särskilda kostbehov med namn"), [note, Spacer(1, 3 * mm), table])
