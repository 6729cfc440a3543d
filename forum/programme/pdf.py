"""The programme as a PDF for printing and sharing (also a speaker's own schedule: pass their items)."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from forum.events.models import Event
from forum.i18n import format_clock, format_day, format_when
from forum.programme.models import ProgrammeItem, ProgrammeItemStatus
from forum.programme.schedule import by_day
from forum.urls import external_url

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


@cache
def fonts() -> tuple[str, str]:
    """(regular, bold): DejaVu when installed (draws Ł, ễ, …), else reportlab's built-in Helvetica."""
    regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    if not regular.is_file():
        return "Helvetica", "Helvetica-Bold"
    try:
        pdfmetrics.registerFont(TTFont("ForumSans", str(regular)))
        pdfmetrics.registerFont(TTFont("ForumSans-Bold", str(bold if bold.is_file() else regular)))
    except Exception:  # noqa: BLE001 - a broken font file must not break the programme
        return "Helvetica", "Helvetica-Bold"
    return "ForumSans", "ForumSans-Bold"


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = fonts()
    return {
        "title": ParagraphStyle("title", fontName=bold, fontSize=18, leading=22, spaceAfter=4),
        "subtitle": ParagraphStyle("subtitle", fontName=regular, fontSize=10, leading=13, textColor=colors.grey),
        "day": ParagraphStyle("day", fontName=bold, fontSize=13, leading=16, spaceBefore=10, spaceAfter=4),
        "time": ParagraphStyle("time", fontName=bold, fontSize=9.5, leading=12),
        "item": ParagraphStyle("item", fontName=bold, fontSize=10.5, leading=13),
        "meta": ParagraphStyle(
            "meta", fontName=regular, fontSize=8.5, leading=11, textColor=colors.HexColor("#444444")
        ),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(text, style)


def _item_cell(item: ProgrammeItem, styles: dict[str, ParagraphStyle]) -> list[Paragraph]:
    cancelled = item.status == ProgrammeItemStatus.CANCELLED
    title = escape(item.title)
    if cancelled:
        title = f"<strike>{title}</strike> – {escape(_('Inställt'))}"
    cell = [_p(title, styles["item"])]
    details = [escape(item.room.name)] if item.room else []
    details.append(escape(str(item.kind.label)))
    if item.focus_areas:
        details.append(escape(", ".join(area.name for area in item.focus_areas)))
    cell.append(_p(" · ".join(details), styles["meta"]))
    if item.speakers:
        people = []
        for speaker in item.speakers:
            extra = ", ".join(part for part in (speaker.title, speaker.organisation) if part)
            people.append(escape(speaker.name + (f" ({extra})" if extra else "")))
        cell.append(_p("; ".join(people), styles["meta"]))
    return cell


def programme_pdf(event: Event, items: list[ProgrammeItem], title: str) -> bytes:
    """A4 pages: the title, the event's date and venue, then each day's items in time order."""
    styles = _styles()
    zone = event.timezone
    buffer = io.BytesIO()
    url = external_url("programme.programme", slug=event.slug)
    regular, _bold = fonts()

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(regular, 8)
        canvas.setFillColor(colors.grey)
        canvas.drawString(18 * mm, 10 * mm, f"{event.title} – {url}"[:120])
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, str(doc.page))
        canvas.restoreState()

    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=title,
        author=event.organisation.name if event.organisation else "",
        subject=event.title,
        creator="Forum",
    )
    story: list = [_p(escape(title), styles["title"])]
    place = ", ".join(part for part in (event.venue_name, event.venue_city) if part)
    when = (
        event.preliminary_date_text if event.date_is_preliminary else format_when(event.starts_at, event.ends_at, zone)
    )
    story.append(_p(escape(" · ".join(part for part in (event.title, when, place) if part)), styles["subtitle"]))
    if not items:
        story.append(Spacer(1, 6 * mm))
        story.append(_p(escape(_("Programmet är inte publicerat än.")), styles["meta"]))
    width = A4[0] - 36 * mm
    for day in by_day(event, items, {}):
        heading = format_day(day.date, weekday=True)
        story.append(_p(escape(heading[:1].upper() + heading[1:]), styles["day"]))
        rows = [
            [
                _p(
                    escape(f"{format_clock(entry.item.starts_at, zone)}–{format_clock(entry.item.ends_at, zone)}"),
                    styles["time"],
                ),
                _item_cell(entry.item, styles),
            ]
            for entry in day.entries
        ]
        table = Table(rows, colWidths=[26 * mm, width - 26 * mm], repeatRows=0)
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.HexColor("#cccccc")),
                    ("TOPPADDING", (0, 0), (-1, -1), 4),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                    ("LEFTPADDING", (0, 0), (0, -1), 0),
                ]
            )
        )
        story.append(KeepTogether([table]) if len(rows) <= 6 else table)
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
