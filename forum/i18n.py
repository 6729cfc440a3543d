"""Language choice and the Swedish public-sector date and time formats.

Texts in the code are written in Swedish (the default language) and translated to English
in forum/translations/en. Dates follow the Swedish public-sector web guidelines:
"25 mars 2027" in running text, "2027-03-25" where space is tight, "kl. 9.00–15.30" for times.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from flask import current_app, has_request_context, request
from flask_babel import get_locale

LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"
LANGUAGE_COOKIE = "forum_lang"

# Patterns are explicit: Babel's default Swedish time pattern uses a colon, the guidelines a dot.
DATE_PATTERNS = {"sv": "d MMMM y", "en": "d MMMM y"}
WEEKDAY_DATE_PATTERNS = {"sv": "EEEE d MMMM y", "en": "EEEE d MMMM y"}
TIME_PATTERNS = {"sv": "H.mm", "en": "HH:mm"}
TIME_PREFIX = {"sv": "kl. ", "en": ""}


def select_locale() -> str:
    if not has_request_context():  # CLI commands and workers: the default language
        return DEFAULT_LANGUAGE
    return language_of(request.cookies.get(LANGUAGE_COOKIE))


def language_of(cookie: str | None) -> str:
    """The language a LANGUAGE_COOKIE value chooses (the default for none, or for any other value)."""
    return cookie if cookie in LANGUAGES else DEFAULT_LANGUAGE


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale and locale.language in LANGUAGES else DEFAULT_LANGUAGE


def local_zone(zone: str | None = None) -> ZoneInfo:
    return ZoneInfo(_zone_name(zone))


def _zone_name(zone: str | None) -> str:
    return zone or current_app.config.get("FORUM_TIMEZONE", "Europe/Stockholm")


def to_local(moment: datetime, zone: str | None = None) -> datetime:
    return moment.astimezone(local_zone(zone))


def _as_local_date(value: date | datetime, zone: str | None = None) -> date:
    return to_local(value, zone).date() if isinstance(value, datetime) else value


def format_day(value: date | datetime | None, weekday: bool = False, zone: str | None = None) -> str:
    """25 mars 2027 (or onsdag 25 mars 2027)."""
    if value is None:
        return ""
    lang = current_language()
    pattern = (WEEKDAY_DATE_PATTERNS if weekday else DATE_PATTERNS)[lang]
    return babel_format_date(_as_local_date(value, zone), pattern, locale=lang)


def format_iso_day(value: date | datetime | None, zone: str | None = None) -> str:
    """2027-03-25, where space is tight."""
    if value is None:
        return ""
    return _as_local_date(value, zone).isoformat()


def format_clock(value: datetime, zone: str | None = None) -> str:
    """9.00 in Swedish, 09:00 in English, in the event's time zone."""
    return _clock(value, _zone_name(zone), current_language())


@lru_cache(maxsize=4096)
def _clock(value: datetime, zone: str, lang: str) -> str:
    # Kept: a programme of 300 items shows some 700 times, most of them the same few, and Babel
    # formats one in about 15 µs (bench/programme.py).
    return babel_format_datetime(to_local(value, zone), TIME_PATTERNS[lang], locale=lang)


def format_time(value: datetime | None, zone: str | None = None) -> str:
    """kl. 9.00"""
    if value is None:
        return ""
    return TIME_PREFIX[current_language()] + format_clock(value, zone)


def format_time_range(start: datetime, end: datetime, zone: str | None = None) -> str:
    """kl. 9.00–15.30 (same day)."""
    return f"{TIME_PREFIX[current_language()]}{format_clock(start, zone)}–{format_clock(end, zone)}"


def format_when(start: datetime | None, end: datetime | None, zone: str | None = None) -> str:
    """An event's date and time: "25 mars 2027, kl. 9.00–15.30" or across days
    "19 mars 2027 kl. 10.00 – 20 mars 2027 kl. 15.00"."""
    if start is None:
        return ""
    if end is None:
        return f"{format_day(start, zone=zone)}, {format_time(start, zone)}"
    if _as_local_date(start, zone) == _as_local_date(end, zone):
        return f"{format_day(start, zone=zone)}, {format_time_range(start, end, zone)}"
    return (
        f"{format_day(start, zone=zone)} {format_time(start, zone)} – "
        f"{format_day(end, zone=zone)} {format_time(end, zone)}"
    )


def format_timestamp(value: datetime | None, zone: str | None = None) -> str:
    """2027-03-25 9.00: for logs and lists."""
    if value is None:
        return ""
    return f"{format_iso_day(value, zone)} {format_clock(value, zone)}"


def register_filters(app) -> None:
    app.jinja_env.filters.update(
        day=format_day,
        iso_day=format_iso_day,
        time=format_time,
        when=format_when,
        timestamp=format_timestamp,
    )


def event_when(event) -> str:
    """An event's date line: its preliminary text while the date is preliminary, else date and time."""
    from flask_babel import gettext

    if event.date_is_preliminary:
        return event.preliminary_date_text or gettext("Datumet är inte bestämt än")
    return format_when(event.starts_at, event.ends_at, event.timezone)
