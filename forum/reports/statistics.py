"""Statistics of one event, for the organiser and the report to the funder.

Everything here is computed from columns that survive anonymisation (forum.privacy): a
registration's status, organisation type, municipality code, focus areas, workshop sign-ups,
check-ins and its timestamps. Names, e-mail addresses and answers are never read, so purging
personal data after the event leaves these numbers exactly as they were.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from forum.checkin.models import CheckIn
from forum.checkin.models import admitted as admitted_clause
from forum.events.models import Event
from forum.extensions import db
from forum.i18n import to_local
from forum.programme.models import ProgrammeItem, ProgrammeItemStatus
from forum.registration import municipalities
from forum.registration.models import (
    OrganisationType,
    Registration,
    RegistrationStatus,
    SignupStatus,
    WorkshopSignup,
    registration_focus_areas,
)

NOT_GIVEN = _l("Ej angiven")
NO_FOCUS_AREA = _l("Inget fokusområde valt")


@dataclass(frozen=True)
class Share:
    """One bar of a chart and one row of its table."""

    label: str
    count: int
    # What the share is of (the confirmed registrations, or a workshop's seats).
    of: int

    @property
    def percent(self) -> float | None:
        return 100 * self.count / self.of if self.of else None


@dataclass(frozen=True)
class Day:
    day: date
    new: int
    total: int


@dataclass(frozen=True)
class WorkshopFill:
    title: str
    starts_at: datetime
    taken: int
    capacity: int | None
    waiting: int
    cancelled: bool

    @property
    def percent(self) -> float | None:
        return 100 * self.taken / self.capacity if self.capacity else None


@dataclass(frozen=True)
class Attendance:
    """Check-in against the confirmed registrations (those expected at the door)."""

    expected: int
    checked_in: int

    @property
    def no_shows(self) -> int:
        return self.expected - self.checked_in

    @property
    def checkin_rate(self) -> float | None:
        return 100 * self.checked_in / self.expected if self.expected else None

    @property
    def no_show_rate(self) -> float | None:
        return 100 * self.no_shows / self.expected if self.expected else None


@dataclass(frozen=True)
class EventStatistics:
    by_status: dict[RegistrationStatus, int]
    over_time: list[Day]
    by_organisation_type: list[Share]
    by_municipality: list[Share]
    by_focus_area: list[Share]
    workshops: list[WorkshopFill]
    attendance: Attendance
    without_focus_area: int = 0

    @property
    def received(self) -> int:
        """Every registration ever made, whatever became of it."""
        return sum(self.by_status.values())

    @property
    def confirmed(self) -> int:
        return self.by_status[RegistrationStatus.CONFIRMED]


def _confirmed(event: Event):
    return (Registration.event_id == event.id) & (Registration.status == RegistrationStatus.CONFIRMED)


def _by_status(event: Event) -> dict[RegistrationStatus, int]:
    counts = dict.fromkeys(RegistrationStatus, 0)
    rows = db.session.execute(
        select(Registration.status, func.count()).where(Registration.event_id == event.id).group_by(Registration.status)
    )
    counts.update(dict(rows.all()))
    return counts


def over_time(event: Event) -> list[Day]:
    """Registrations received per day (in the event's time zone) and in total, every day from the
    first to the last, days without any included (so the chart's time axis is even)."""
    moments = db.session.scalars(select(Registration.created_at).where(Registration.event_id == event.id))
    per_day = Counter(to_local(moment, event.timezone).date() for moment in moments)
    if not per_day:
        return []
    days = []
    total = 0
    day, last = min(per_day), max(per_day)
    while day <= last:
        total += per_day[day]
        days.append(Day(day, per_day[day], total))
        day += timedelta(days=1)
    return days


def _ranked(counts: dict[str, int], of: int) -> list[Share]:
    """Largest first; equal counts by label in Swedish order."""
    ordered = sorted(counts.items(), key=lambda pair: (-pair[1], municipalities.swedish_sort_key(pair[0].casefold())))
    return [Share(label, count, of) for label, count in ordered]


def by_organisation_type(event: Event, confirmed: int) -> list[Share]:
    rows = db.session.execute(
        select(Registration.organisation_type, func.count())
        .where(_confirmed(event))
        .group_by(Registration.organisation_type)
    )
    counts: dict[str, int] = {}
    for kind, count in rows:
        label = str(OrganisationType(kind).label) if kind else str(NOT_GIVEN)
        counts[label] = counts.get(label, 0) + count
    return _ranked(counts, confirmed)


def by_municipality(event: Event, confirmed: int) -> list[Share]:
    rows = db.session.execute(
        select(Registration.municipality_code, func.count())
        .where(_confirmed(event))
        .group_by(Registration.municipality_code)
    )
    counts: dict[str, int] = {}
    for code, count in rows:
        municipality = municipalities.by_code(code or "")
        label = municipality.name if municipality else (code or str(NOT_GIVEN))
        counts[label] = counts.get(label, 0) + count
    return _ranked(counts, confirmed)


def by_focus_area(event: Event, confirmed: int) -> tuple[list[Share], int]:
    """Every focus area of the event in its own order (also those nobody chose), and how many
    confirmed registrations chose none. A person may choose several, so the shares add up to
    more than 100 %."""
    rows = db.session.execute(
        select(registration_focus_areas.c.focus_area_id, func.count())
        .join(Registration, Registration.id == registration_focus_areas.c.registration_id)
        .where(_confirmed(event))
        .group_by(registration_focus_areas.c.focus_area_id)
    )
    counts = dict(rows.all())
    with_area = db.session.scalar(
        select(func.count(func.distinct(registration_focus_areas.c.registration_id)))
        .join(Registration, Registration.id == registration_focus_areas.c.registration_id)
        .where(_confirmed(event))
    )
    shares = [Share(area.name, counts.get(area.id, 0), confirmed) for area in event.focus_areas]
    return shares, confirmed - (with_area or 0)


def workshop_fill(event: Event) -> list[WorkshopFill]:
    """Seats taken (and the waiting list) of each programme item that needs sign-up, in time order."""
    items = list(
        db.session.scalars(
            select(ProgrammeItem)
            .where(ProgrammeItem.event_id == event.id, ProgrammeItem.requires_signup.is_(True))
            .order_by(ProgrammeItem.starts_at, ProgrammeItem.title, ProgrammeItem.id)
        )
    )
    if not items:
        return []
    rows = db.session.execute(
        select(WorkshopSignup.programme_item_id, WorkshopSignup.status, func.count())
        .where(WorkshopSignup.programme_item_id.in_([item.id for item in items]))
        .group_by(WorkshopSignup.programme_item_id, WorkshopSignup.status)
    )
    counts = {(item_id, status): count for item_id, status, count in rows}
    return [
        WorkshopFill(
            title=item.title,
            starts_at=item.starts_at,
            taken=counts.get((item.id, SignupStatus.CONFIRMED), 0),
            capacity=item.capacity,
            waiting=counts.get((item.id, SignupStatus.WAITING), 0),
            cancelled=item.status == ProgrammeItemStatus.CANCELLED,
        )
        for item in items
    ]


def attendance(event: Event, confirmed: int) -> Attendance:
    """Confirmed registrations with an admitting scan that was not undone (at most one each, by the
    schema) against all confirmed registrations."""
    checked_in = db.session.scalar(
        select(func.count(func.distinct(CheckIn.registration_id)))
        .join(Registration, Registration.id == CheckIn.registration_id)
        .where(CheckIn.event_id == event.id, admitted_clause())
        .where(_confirmed(event))
    )
    return Attendance(expected=confirmed, checked_in=checked_in or 0)


def for_event(event: Event) -> EventStatistics:
    by_status = _by_status(event)
    confirmed = by_status[RegistrationStatus.CONFIRMED]
    focus, without_focus = by_focus_area(event, confirmed)
    return EventStatistics(
        by_status=by_status,
        over_time=over_time(event),
        by_organisation_type=by_organisation_type(event, confirmed),
        by_municipality=by_municipality(event, confirmed),
        by_focus_area=focus,
        workshops=workshop_fill(event),
        attendance=attendance(event, confirmed),
        without_focus_area=without_focus,
    )
