"""A programme to put in calendars: an event in late March 2027 whose items lie on both sides of the
change to summer time in Stockholm (Sunday 28 March 2027, 02:00 → 03:00)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from forum import tokens
from forum.extensions import db
from forum.programme.models import Appearance, ProgrammeItem, ProgrammeItemKind, ProgrammeItemStatus, Speaker
from tests import factories

# Saturday 27 March 2027 09.00 in Stockholm (CET, UTC+1) to Sunday 28 March 16.00 (CEST, UTC+2).
EVENT_START = datetime(2027, 3, 27, 8, 0, tzinfo=UTC)
EVENT_END = datetime(2027, 3, 28, 14, 0, tzinfo=UTC)
SATURDAY_TALK = datetime(2027, 3, 27, 9, 0, tzinfo=UTC)  # 10.00 CET
SUNDAY_TALK = datetime(2027, 3, 28, 8, 0, tzinfo=UTC)  # 10.00 CEST
AWKWARD_TITLE = 'Vatten, värme; mat\nEND:VEVENT\nBEGIN:VEVENT\nSUMMARY:Falsk 💧 "post" \\ slut'


def spring_event(**fields):
    values = {
        "slug": "var-2027",
        "title": "Beredskapsdagar våren 2027",
        "summary": "Två dagar om beredskap.",
        "starts_at": EVENT_START,
        "ends_at": EVENT_END,
        "timezone": "Europe/Stockholm",
        "venue_name": "Hallandsgården",
        "venue_address": "Storgatan 1",
        "venue_city": "Halmstad",
    }
    values.update(fields)
    return factories.event(**values)


def speaker(event, name: str, email: str, **fields) -> Speaker:
    person = Speaker(event=event, name=name, email=email, email_key=email.lower(), **fields)
    tokens.assign("speaker", person)
    db.session.add(person)
    db.session.flush()
    return person


def item(event, title: str, start: datetime, *, hours: float = 1, room=None, speakers=(), areas=(), **fields):
    programme_item = ProgrammeItem(
        event=event,
        title=title,
        kind=fields.pop("kind", ProgrammeItemKind.TALK),
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        room=room,
        **fields,
    )
    programme_item.focus_areas = list(areas)
    programme_item.appearances = [Appearance(speaker=person, position=n) for n, person in enumerate(speakers)]
    db.session.add(programme_item)
    db.session.flush()
    return programme_item


def spring_programme():
    """The event, two rooms, two focus areas, two speakers and four items (one cancelled)."""
    event = spring_event()
    hall = factories.room(event, "Stora salen")
    small = factories.room(event, "Sal 2; plan 3")
    water = factories.focus_area(event, "Vatten", position=1)
    heat = factories.focus_area(event, "Värme, energi", position=2)
    anna = speaker(event, "Anna Berg", "anna@example.org", title="Beredskapssamordnare", organisation="Halmstad")
    omar = speaker(event, "Omar Said", "omar@example.org")
    saturday = item(event, "Vatten i kris", SATURDAY_TALK, room=hall, speakers=[anna, omar], areas=[water, heat])
    sunday = item(event, AWKWARD_TITLE, SUNDAY_TALK, room=small, speakers=[omar], areas=[heat], sequence=3)
    cancelled = item(
        event, "Inställt pass", SUNDAY_TALK + timedelta(hours=2), speakers=[anna], status=ProgrammeItemStatus.CANCELLED
    )
    # Across the change itself: Sunday 01.30 CET to 03.30 CEST is one hour.
    night = item(event, "Nattpass", datetime(2027, 3, 28, 0, 30, tzinfo=UTC), hours=1)
    db.session.commit()
    return {
        "event": event,
        "anna": anna,
        "omar": omar,
        "saturday": saturday,
        "sunday": sunday,
        "cancelled": cancelled,
        "night": night,
    }
