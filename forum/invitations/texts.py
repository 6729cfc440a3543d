"""The invitation e-mail's text: the event's own (InvitationText) or the defaults, its placeholders,
checking what an organiser wrote, and rendering it for one invitee.

An organiser writes plain text with placeholders in braces: {namn} {evenemang} {datum} {plats} {länk}
or, the same, {name} {event} {date} {place} {link} (either set in either language). Rendering is
one pass of plain substitution of those ten names, never str.format on the organiser's text: a
value is not scanned again (a name containing "{länk}" stays as written) and no attribute or index
lookups can be smuggled in. The HTML part is the same text, escaped, in paragraphs, with its
links made clickable.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import select

from forum.events.models import Event
from forum.extensions import db
from forum.i18n import format_when
from forum.invitations.models import DEFAULT_MAX_REMINDERS, InvitationText
from forum.privacy import audit

LANGUAGES = ("sv", "en")
MAX_REMINDERS = 5
SUBJECT_LENGTH = InvitationText.__table__.c.subject_sv.type.length
BODY_LENGTH = 20_000

# What each placeholder stands for; the Swedish and the English spelling mean the same.
NAME, EVENT, DATE, PLACE, LINK = "name", "event", "date", "place", "link"
PLACEHOLDERS_SV = {"namn": NAME, "evenemang": EVENT, "datum": DATE, "plats": PLACE, "länk": LINK}
PLACEHOLDERS_EN = {"name": NAME, "event": EVENT, "date": DATE, "place": PLACE, "link": LINK}
PLACEHOLDERS = {**PLACEHOLDERS_SV, **PLACEHOLDERS_EN}
_PLACEHOLDER = re.compile(r"\{(" + "|".join(re.escape(name) for name in PLACEHOLDERS) + r")\}")
_BRACED = re.compile(r"\{([^{}\n]*)\}")

# Links in the text become clickable in the HTML part; trailing punctuation is not part of them.
_URL = re.compile(r"https?://[^\s<>\"']+")
_URL_TRAILING = ".,;:!?)]}»”’"

# Said when an invitee has no name on the list: "Hej du!", "Hello there,".
NAMELESS = {"sv": "du", "en": "there"}

DEFAULT_SUBJECTS = {"sv": "Inbjudan: {evenemang}", "en": "Invitation: {event}"}
DEFAULT_BODIES = {
    "sv": """Hej {namn}!

Välkommen till {evenemang}. Vi vill gärna att just du är med när vi träffas för att dela erfarenheter, \
lära av varandra och stärka samverkan för en långsiktig beredskap.

När: {datum}
Var: {plats}

Svara gärna via din personliga länk. Där tackar du ja och anmäler dig, eller tackar nej om du inte kan komma:
{länk}

Länken är personlig, så dela den inte vidare. Hör av dig om du har frågor.

Varma hälsningar
{host}
""",
    "en": """Hello {name},

Welcome to {event}. We would very much like you to join us as we meet to share experiences, learn from \
each other and strengthen our cooperation for long-term preparedness.

When: {date}
Where: {place}

Please reply through your personal link. There you can accept and register, or decline if you cannot come:
{link}

The link is personal, so please do not pass it on. Do get in touch if you have any questions.

Warm regards
{host}
""",
}


@dataclass
class Text:
    """One event's invitation in both languages (saved or not)."""

    subject_sv: str
    body_sv: str
    subject_en: str
    body_en: str
    max_reminders: int = DEFAULT_MAX_REMINDERS
    saved: bool = False

    def subject(self, language: str) -> str:
        return self.subject_en if language == "en" else self.subject_sv

    def body(self, language: str) -> str:
        return self.body_en if language == "en" else self.body_sv


def defaults(event: Event) -> Text:
    """The warm, short default invitation, signed by the host (braces taken out of its name)."""
    host = (event.organisation.name if event.organisation else "").replace("{", "").replace("}", "").strip()
    signature = {"sv": host or "Arrangörerna", "en": host or "The organisers"}
    bodies = {language: DEFAULT_BODIES[language].replace("{host}", signature[language]) for language in LANGUAGES}
    return Text(
        subject_sv=DEFAULT_SUBJECTS["sv"],
        body_sv=bodies["sv"],
        subject_en=DEFAULT_SUBJECTS["en"],
        body_en=bodies["en"],
    )


def stored(event: Event) -> InvitationText | None:
    return db.session.scalar(select(InvitationText).where(InvitationText.event_id == event.id))


def text_for(event: Event) -> Text:
    """The event's saved text, or the defaults while it has none."""
    row = stored(event)
    if row is None:
        return defaults(event)
    return Text(
        subject_sv=row.subject_sv,
        body_sv=row.body_sv,
        subject_en=row.subject_en,
        body_en=row.body_en,
        max_reminders=row.max_reminders,
        saved=True,
    )


def save(event: Event, text: Text, *, by) -> InvitationText:
    """Store the event's text (checked by the caller with problems()); audited. The caller commits."""
    row = stored(event)
    if row is None:
        row = InvitationText(event_id=event.id)
        db.session.add(row)
    row.subject_sv = " ".join(text.subject_sv.split())
    row.body_sv = normalise_body(text.body_sv)
    row.subject_en = " ".join(text.subject_en.split())
    row.body_en = normalise_body(text.body_en)
    row.max_reminders = max(0, min(int(text.max_reminders), MAX_REMINDERS))
    audit.record("invitations.text_saved", user=by, event=event, max_reminders=row.max_reminders)
    db.session.flush()
    return row


def normalise_body(body: str) -> str:
    return body.replace("\r\n", "\n").replace("\r", "\n").strip("\n") + "\n"


# --- checking ----------------------------------------------------------------------------------


def problems(text: str) -> list[str]:
    """What is wrong with the placeholders of an organiser's text, as messages naming them; [] if fine."""
    found = []
    unknown = []
    for match in _BRACED.finditer(text):
        name = match.group(1)
        if name not in PLACEHOLDERS and match.group(0) not in unknown:
            unknown.append(match.group(0))
    if unknown:
        found.append(
            _(
                "Okända platshållare: %(names)s. Använd %(known)s.",
                names=", ".join(unknown),
                known=", ".join("{" + name + "}" for name in PLACEHOLDERS_SV),
            )
        )
    rest = _BRACED.sub("", text)
    if "{" in rest or "}" in rest:
        lines = sorted(
            {number for number, line in enumerate(text.splitlines() or [text], start=1) if _unbalanced(line)}
        )
        found.append(
            _(
                "Klamrarna går inte jämnt ut (rad %(lines)s): varje { behöver en } på samma rad, "
                "med ett platshållarnamn emellan.",
                lines=", ".join(str(number) for number in lines) or "1",
            )
        )
    return found


def has_link(text: str) -> bool:
    """Does the text hold the personal link ({länk} or {link}), without which no one can answer?"""
    return any(PLACEHOLDERS[name] == LINK for name in _PLACEHOLDER.findall(text))


def _unbalanced(line: str) -> bool:
    rest = _BRACED.sub("", line)
    return "{" in rest or "}" in rest


def placeholders() -> Iterator[tuple[str, str, str]]:
    """(Swedish, English, what it becomes) for the text page's list."""
    english = {meaning: name for name, meaning in PLACEHOLDERS_EN.items()}
    descriptions = {
        NAME: _("den inbjudnas namn"),
        EVENT: _("evenemangets namn"),
        DATE: _("datum och tid"),
        PLACE: _("platsen"),
        LINK: _("den personliga länken för att tacka ja eller nej"),
    }
    for name, meaning in PLACEHOLDERS_SV.items():
        yield "{" + name + "}", "{" + english[meaning] + "}", descriptions[meaning]


# --- rendering ---------------------------------------------------------------------------------


def event_values(event: Event, language: str) -> dict[str, str]:
    """The values that are the same for every invitee of a language: event, date and place."""
    with force_locale(language):
        if event.date_is_preliminary:
            when = event.preliminary_date_text or _("Datumet är inte bestämt än")
        else:
            when = format_when(event.starts_at, event.ends_at, event.timezone)
        parts = (event.venue_name, event.venue_address, event.venue_city)
        venue = ", ".join(part.strip() for part in parts if part and part.strip())
        return {
            EVENT: event.title,
            DATE: when,
            PLACE: venue or _("meddelas senare"),
            NAME: NAMELESS[language if language in NAMELESS else "sv"],
        }


def render(template: str, values: dict[str, str]) -> str:
    """The text with its placeholders replaced, in one pass (see the module docstring)."""
    return _PLACEHOLDER.sub(lambda match: values[PLACEHOLDERS[match.group(1)]], template)


def render_subject(template: str, values: dict[str, str]) -> str:
    """A header is one line."""
    return " ".join(render(template, values).split())


def html_paragraphs(text: str) -> Markup:
    """Plain text as HTML: escaped, blank lines make paragraphs, single line breaks stay, links clickable."""
    blocks = [block for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()) if block.strip()]
    # Plain strings rather than Markup operations: this runs once per invitee of a batch of thousands.
    html = "\n".join(
        '<p style="margin:0 0 16px 0;">' + "<br>\n".join(_linked(line) for line in block.split("\n")) + "</p>"
        for block in blocks
    )
    return Markup(html)  # noqa: S704 - every piece of the text is escaped in _linked


def _linked(line: str) -> str:
    if "://" not in line:
        return str(escape(line))
    parts = []
    position = 0
    for match in _URL.finditer(line):
        url = match.group(0).rstrip(_URL_TRAILING)
        start, end = match.start(), match.start() + len(url)
        href = str(escape(url))
        parts.append(f'{escape(line[position:start])}<a href="{href}">{href}</a>')
        position = end
    parts.append(str(escape(line[position:])))
    return "".join(parts)
