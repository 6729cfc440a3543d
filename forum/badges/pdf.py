"""Tickets and name badges as PDF (reportlab), with the badge code's QR drawn as vectors.

The QR is drawn from the `qrcode` library's module matrix (forum.badges.qr) as filled rectangles
(no bitmap), so it stays sharp at any print size and 1,000 badges stay small. Text is set in DejaVu
Sans, embedded (subset) from the system package fonts-dejavu-core: it covers Latin, Nordic, Polish,
Vietnamese and the Arabic letters and their joined presentation forms. reportlab does no shaping
itself, so each line goes through forum.pdf_text.visual first: Arabic-script names are drawn joined,
right to left.

Layouts (LAYOUTS): "a6" one badge per A6 page; "a4-8" eight 90×55 mm inserts on A4 with crop marks;
"labels-2x4" A4 label sheets of 2×4 labels of 99.1×67.7 mm.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, A6
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import bindparam, literal, select, union_all

from forum.badges.qr import qr_matrix
from forum.extensions import db
from forum.i18n import event_when
from forum.pdf_text import visual
from forum.programme.pdf import fonts
from forum.registration.models import BadgeRole

LAYOUTS = ("a6", "a4-8", "labels-2x4")

# One colour per role (forum.registration.models.BadgeRole), each dark enough for white text; the band
# also names the role in words, so no one needs to tell the colours apart.
ROLE_COLOURS = {
    "participant": colors.HexColor("#1f5fa8"),
    "speaker": colors.HexColor("#b3541e"),
    "organiser": colors.HexColor("#2e7d32"),
    "press": colors.HexColor("#6a1b9a"),
    "staff": colors.HexColor("#37474f"),
    "guest": colors.HexColor("#ad1457"),
}


@dataclass(frozen=True)
class Slot:
    """Where one badge goes: page-relative, in points, origin bottom left."""

    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Sheet:
    pagesize: tuple[float, float]
    slots: tuple[Slot, ...]
    crop_marks: bool = False


def _grid(columns: int, rows: int, width: float, height: float, left: float, top: float, gap_x: float = 0) -> tuple:
    page_height = A4[1]
    return tuple(
        Slot(left + column * (width + gap_x), page_height - top - (row + 1) * height, width, height)
        for row in range(rows)
        for column in range(columns)
    )


SHEETS = {
    "a6": Sheet(A6, (Slot(0, 0, A6[0], A6[1]),)),
    # 2×90 mm by 4×55 mm, centred on A4, cut with the crop marks.
    "a4-8": Sheet(A4, _grid(2, 4, 90 * mm, 55 * mm, 15 * mm, 38.5 * mm), crop_marks=True),
    # The common 2×4 label sheet (99.1×67.7 mm, 2.5 mm between the columns).
    "labels-2x4": Sheet(A4, _grid(2, 4, 99.1 * mm, 67.7 * mm, 4.65 * mm, 13.1 * mm, gap_x=2.5 * mm)),
}


# --- the QR code --------------------------------------------------------------------------------


def qr_rectangles(matrix: list[list[bool]]) -> list[tuple[int, int, int, int]]:
    """The dark modules as few rectangles: runs of dark modules in a row, and identical runs in the
    rows below merged into one taller rectangle. (column, row from the top, width, height), in modules."""
    done: list[tuple[int, int, int, int]] = []
    open_runs: dict[tuple[int, int], int] = {}  # (start, end) -> first row
    for row_index, row in enumerate([*matrix, []]):
        runs = set()
        column, count = 0, len(row)
        while column < count:
            if row[column]:
                start = column
                while column < count and row[column]:
                    column += 1
                runs.add((start, column))
            else:
                column += 1
        for run in [run for run in open_runs if run not in runs]:
            first = open_runs.pop(run)
            done.append((run[0], first, run[1] - run[0], row_index - first))
        for run in runs:
            open_runs.setdefault(run, row_index)
    return done


def draw_qr(canvas: Canvas, code: str, x: float, y: float, size: float) -> None:
    """The QR as one filled path of rectangles (qr_rectangles), on white, at (x, y) bottom left.

    The path is written in module units under a scaling transform: small integers instead of
    floating-point coordinates keep a page of badges fast to write and small."""
    matrix = qr_matrix(code)
    count = len(matrix)
    canvas.saveState()
    canvas.setFillColor(colors.white)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColor(colors.black)
    module = size / count
    canvas.transform(module, 0, 0, module, x, y)
    canvas.addLiteral(
        " ".join(
            f"{column} {count - top - height} {width} {height} re"
            for column, top, width, height in qr_rectangles(matrix)
        )
        + " f"
    )
    canvas.restoreState()


# --- text that fits -----------------------------------------------------------------------------


def _split_word(word: str, font: str, size: float, width: float) -> list[str]:
    """A word longer than the width, cut into pieces that fit."""
    pieces, current = [], ""
    for char in word:
        if current and stringWidth(current + char, font, size) > width:
            pieces.append(current)
            current = char
        else:
            current += char
    return pieces + ([current] if current else [])


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if stringWidth(candidate, font, size) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        if stringWidth(word, font, size) <= width:
            current = word
        else:
            *whole, current = _split_word(word, font, size, width)
            lines.extend(whole)
    return lines + ([current] if current else [])


def fit_text(
    text: str, font: str, width: float, largest: float, smallest: float, max_lines: int = 2
) -> tuple[float, list[str]]:
    """(font size, lines): one line at the largest size that fits, down to the smallest; then wrapped
    onto at most max_lines at the largest size that fits; cut with an ellipsis as a last resort."""
    text = " ".join(text.split())
    if not text:
        return smallest, []
    # A string's width grows in proportion to the size: measured once, not at every size tried.
    unit_width = stringWidth(text, font, 1)
    size = largest
    while size >= smallest:
        if unit_width * size <= width:
            return size, [text]
        size -= 0.5
    size = largest
    while size >= smallest:
        lines = _wrap(text, font, size, width)
        if len(lines) <= max_lines:
            return size, lines
        size -= 0.5
    lines = _wrap(text, font, smallest, width)[:max_lines]
    last = lines[-1]
    while last and stringWidth(last + "…", font, smallest) > width:
        last = last[:-1]
    lines[-1] = last + "…"
    return smallest, lines


def _draw_lines(canvas: Canvas, lines: list[str], font: str, size: float, x: float, top: float, centred_width=None):
    """Lines from a top edge downwards; returns the y under the last line."""
    leading = size * 1.15
    canvas.setFont(font, size)
    y = top
    for line in lines:
        y -= size
        line = visual(line)  # right-to-left names: joined letters in display order (wrapped before)
        if centred_width is not None:
            canvas.drawCentredString(x + centred_width / 2, y, line)
        else:
            canvas.drawString(x, y, line)
        y -= leading - size
    return y


# --- roles --------------------------------------------------------------------------------------


def roles(registrations: Sequence) -> dict[int, str]:
    """{registration id: a BadgeRole value}: the role an organiser set on the registration; else derived:
    a speaker of the event (by e-mail), else someone with a role on the event (by the e-mail of their
    account), else a participant."""
    from forum.auth.models import EventRole, User
    from forum.programme.models import Speaker

    result: dict[int, str] = {}
    by_event: dict[int, list] = {}
    for registration in registrations:
        if registration.badge_role is not None:
            result[registration.id] = registration.badge_role.value
        else:
            by_event.setdefault(registration.event_id, []).append(registration)
    for event_id, group in by_event.items():
        speakers = set(db.session.scalars(select(Speaker.email_key).where(Speaker.event_id == event_id)))
        team = {
            (email or "").strip().casefold()
            for email in db.session.scalars(
                select(User.email).join(EventRole, EventRole.user_id == User.id).where(EventRole.event_id == event_id)
            )
        }
        for registration in group:
            if registration.email_key in speakers:
                result[registration.id] = "speaker"
            elif registration.email_key in team:
                result[registration.id] = "organiser"
            else:
                result[registration.id] = "participant"
    return result


def role_of(registration) -> str:
    """The role of one registration, as roles() gives it, in at most one query (for the door)."""
    if registration.badge_role is not None:
        return registration.badge_role.value
    found = {
        kind
        for kind, email in db.session.execute(
            _role_query(), {"event_id": registration.event_id, "email_key": registration.email_key}
        )
        if kind == "speaker" or (email or "").strip().casefold() == registration.email_key
    }
    return "speaker" if "speaker" in found else "organiser" if "organiser" in found else "participant"


@functools.cache
def _role_query():
    """Built once (a scan asks it every time): the event's speaker with this e-mail, and its team's e-mails."""
    from forum.auth.models import EventRole, User
    from forum.programme.models import Speaker

    speaker = select(literal("speaker"), Speaker.email_key).where(
        Speaker.event_id == bindparam("event_id"), Speaker.email_key == bindparam("email_key")
    )
    team = (
        select(literal("organiser"), User.email)
        .join(EventRole, EventRole.user_id == User.id)
        .where(EventRole.event_id == bindparam("event_id"))
    )
    return union_all(speaker, team)


def role_label(role: str) -> str:
    """The role in words (translated), as printed on the band; unknown roles read as participants."""
    try:
        return str(BadgeRole(role).label)
    except ValueError:
        return str(BadgeRole.PARTICIPANT.label)


# --- badges -------------------------------------------------------------------------------------


def draw_badge(canvas: Canvas, slot: Slot, registration, code: str, role: str) -> None:
    regular, bold = fonts()
    event = registration.event
    pad = 4 * mm if slot.width < 100 * mm else 5 * mm
    band = min(10 * mm, slot.height * 0.16)
    x, y, width, height = slot.x, slot.y, slot.width, slot.height

    # The role band along the bottom: the role in words, white on the role's colour.
    canvas.setFillColor(ROLE_COLOURS.get(role, ROLE_COLOURS["participant"]))
    canvas.rect(x, y, width, band, stroke=0, fill=1)
    canvas.setFillColor(colors.white)
    label = role_label(role).upper()
    label_size, label_lines = fit_text(label, bold, width - 2 * pad, band * 0.55, 6, max_lines=1)
    canvas.setFont(bold, label_size)
    canvas.drawCentredString(x + width / 2, y + (band - label_size * 0.72) / 2, label_lines[0] if label_lines else "")
    canvas.setFillColor(colors.black)

    inner_top = y + height - pad
    inner_bottom = y + band + pad * 0.6
    if width > height:
        # Landscape (inserts, labels): text on the left, the QR on the right.
        qr_size = min(inner_top - inner_bottom, width * 0.38)
        draw_qr(canvas, code, x + width - pad * 0.5 - qr_size, inner_bottom, qr_size)
        text_x, text_width = x + pad, width - 2 * pad - qr_size + pad * 0.5
        name_size, name_min, title_size = 22, 8, 7
    else:
        # Portrait (A6): text above, the QR centred below it.
        qr_size = min(width * 0.5, (inner_top - inner_bottom) * 0.45)
        draw_qr(canvas, code, x + (width - qr_size) / 2, inner_bottom, qr_size)
        text_x, text_width = x + pad, width - 2 * pad
        name_size, name_min, title_size = 30, 12, 9

    canvas.setFillColor(colors.HexColor("#444444"))
    size, lines = fit_text(event.title, regular, text_width, title_size, 5, max_lines=2)
    top = _draw_lines(canvas, lines, regular, size, text_x, inner_top, text_width if width <= height else None)
    canvas.setFillColor(colors.black)
    top -= 3 * mm if width > height else 8 * mm
    size, lines = fit_text(registration.name, bold, text_width, name_size, name_min, max_lines=3)
    top = _draw_lines(canvas, lines, bold, size, text_x, top, text_width if width <= height else None)
    if registration.organisation:
        top -= 1.5 * mm
        size, lines = fit_text(registration.organisation, regular, text_width, name_size * 0.5, 6, max_lines=2)
        _draw_lines(canvas, lines, regular, size, text_x, top, text_width if width <= height else None)


def _crop_marks(canvas: Canvas, slots: Iterable[Slot]) -> None:
    """Short lines in the margins along every cut, stopping 2 mm short of the badges."""
    slots = list(slots)
    xs = sorted({round(s.x, 3) for s in slots} | {round(s.x + s.width, 3) for s in slots})
    ys = sorted({round(s.y, 3) for s in slots} | {round(s.y + s.height, 3) for s in slots})
    left, right, bottom, top = xs[0], xs[-1], ys[0], ys[-1]
    gap, length = 2 * mm, 6 * mm
    canvas.saveState()
    canvas.setLineWidth(0.3)
    canvas.setStrokeColor(colors.black)
    for x in xs:
        canvas.line(x, top + gap, x, top + gap + length)
        canvas.line(x, bottom - gap, x, bottom - gap - length)
    for y in ys:
        canvas.line(left - gap, y, left - gap - length, y)
        canvas.line(right + gap, y, right + gap + length, y)
    canvas.restoreState()


def _code(registration) -> str:
    """The badge's code; a registration without one (not confirmed) gets a badge without a QR."""
    from forum.badges.services import ensure_code

    badge = ensure_code(registration)
    return badge.code if badge is not None else ""


def badges_pdf(registrations: Sequence, layout: str, codes: dict[int, str] | None = None) -> bytes:
    """Badges for the registrations in the layout (LAYOUTS). codes: {registration id: code}; a
    registration missing there gets its active code (one is made if needed: the caller commits)."""
    if layout not in SHEETS:
        raise ValueError(f"Unknown layout {layout!r}")
    sheet = SHEETS[layout]
    codes = dict(codes or {})
    role_of = roles(registrations)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=sheet.pagesize, pageCompression=1)
    canvas.setTitle(_("Namnbrickor"))
    per_page = len(sheet.slots)
    for index, registration in enumerate(registrations):
        if index and index % per_page == 0:
            canvas.showPage()
        if index % per_page == 0 and sheet.crop_marks:
            _crop_marks(canvas, sheet.slots)
        code = codes.get(registration.id) or _code(registration)
        draw_badge(canvas, sheet.slots[index % per_page], registration, code, role_of[registration.id])
    if not registrations:
        canvas.setFont(fonts()[0], 12)
        canvas.drawString(20 * mm, sheet.pagesize[1] - 20 * mm, _("Inga namnbrickor att skriva ut."))
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


# --- the ticket ---------------------------------------------------------------------------------


def ticket_pdf(registration, code: str | None = None) -> bytes:
    """One A4 page: the event, its date and time (in the event's zone), the place, the person and a
    large QR with the code written under it."""
    regular, bold = fonts()
    event = registration.event
    code = code or _code(registration)
    page_width, page_height = A4
    margin = 20 * mm
    width = page_width - 2 * margin
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(_("Biljett: %(title)s", title=event.title))

    top = page_height - margin
    canvas.setFillColor(colors.HexColor("#444444"))
    top = _draw_lines(canvas, [_("Biljett")], regular, 11, margin, top)
    canvas.setFillColor(colors.black)
    size, lines = fit_text(event.title, bold, width, 24, 14, max_lines=3)
    top = _draw_lines(canvas, lines, bold, size, margin, top - 2 * mm)
    top = _draw_lines(canvas, [event_when(event)], regular, 13, margin, top - 3 * mm)
    place = ", ".join(part.strip() for part in (event.venue_name, event.venue_address, event.venue_city) if part)
    if place:
        size, lines = fit_text(place, regular, width, 13, 9, max_lines=2)
        top = _draw_lines(canvas, lines, regular, size, margin, top - 1 * mm)

    top -= 12 * mm
    size, lines = fit_text(registration.name, bold, width, 28, 12, max_lines=2)
    top = _draw_lines(canvas, lines, bold, size, margin, top, width)
    if registration.organisation:
        size, lines = fit_text(registration.organisation, regular, width, 16, 9, max_lines=2)
        top = _draw_lines(canvas, lines, regular, size, margin, top - 2 * mm, width)

    qr_size = 90 * mm
    qr_y = top - 8 * mm - qr_size
    draw_qr(canvas, code, (page_width - qr_size) / 2, qr_y, qr_size)
    canvas.setFont(regular, 11)
    canvas.drawCentredString(page_width / 2, qr_y - 6 * mm, code)
    canvas.setFillColor(colors.HexColor("#444444"))
    canvas.setFont(regular, 10)
    canvas.drawCentredString(page_width / 2, qr_y - 14 * mm, _("Visa QR-koden vid entrén."))
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def ticket_for_registration(registration_id: int) -> bytes:
    """The ticket of a registration by id, for the mail worker (forum.mail.services.RENDERERS)."""
    from forum.badges.services import code_for
    from forum.extensions import db
    from forum.registration.models import Registration

    registration = db.session.get(Registration, registration_id)
    code = code_for(registration) if registration is not None else None
    if registration is None or code is None:
        raise LookupError(f"no registration {registration_id} with a badge code")
    return ticket_pdf(registration, code)
