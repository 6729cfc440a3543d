"""The attendee participant list: who else comes, for people who want to meet.

Only confirmed registrations whose person ticked "show me in the participant list" (their own,
unticked box), and only what helps finding each other: name, organisation, municipality and focus
areas. Never e-mail addresses, phone numbers, answers or anything else. The organiser decides who
may see it (Event.participant_list): nobody, confirmed attendees through their personal link, or
everyone.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from forum.events.models import Event, ParticipantListVisibility
from forum.extensions import db
from forum.registration import municipalities
from forum.registration.models import Registration, RegistrationStatus

BY_FOCUS_AREA = "focus"
BY_MUNICIPALITY = "municipality"
GROUPINGS = (BY_FOCUS_AREA, BY_MUNICIPALITY)
# Rows (a person under a group) per page; a person with three focus areas is three rows.
PAGE_SIZE = 100

NO_FOCUS_AREA = _l("Inget fokusområde angivet")
NO_MUNICIPALITY = _l("Kommun ej angiven")


@dataclass(frozen=True)
class Participant:
    """What the list shows of one person; nothing else leaves the database."""

    name: str
    organisation: str
    municipality: str
    focus_areas: tuple[str, ...]


@dataclass(frozen=True)
class Group:
    heading: str
    participants: list[Participant]
    # True when the group began on an earlier page.
    continued: bool = False


@dataclass(frozen=True)
class ListPage:
    groups: list[Group]
    people: int  # everyone on the list, on all pages
    number: int
    pages: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def visible_to(event: Event, registration: Registration | None) -> bool:
    """May the holder of this registration's personal link (or anyone, with None) see the list?"""
    if event.participant_list == ParticipantListVisibility.PUBLIC:
        return True
    if event.participant_list == ParticipantListVisibility.ATTENDEES:
        return (
            registration is not None
            and registration.event_id == event.id
            and registration.status == RegistrationStatus.CONFIRMED
        )
    return False


def participants(event: Event) -> list[Participant]:
    """The opted-in, confirmed people of the event, sorted by last name in Swedish order."""
    rows = db.session.scalars(
        select(Registration)
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.show_in_participant_list.is_(True),
        )
        .options(selectinload(Registration.focus_areas))
    )
    people = []
    for registration in rows:
        municipality = municipalities.by_code(registration.municipality_code or "")
        people.append(
            (
                municipalities.swedish_sort_key(f"{registration.last_name} {registration.first_name}".casefold()),
                Participant(
                    name=registration.name,
                    organisation=registration.organisation or "",
                    municipality=municipality.name if municipality else "",
                    focus_areas=tuple(area.name for area in registration.focus_areas),
                ),
            )
        )
    people.sort(key=lambda pair: pair[0])
    return [person for _key, person in people]


def grouped(event: Event, people: list[Participant], by: str) -> list[Group]:
    """Groups by focus area (in the event's order; a person under each area they chose) or by
    municipality (alphabetical); those without one come last."""
    if by == BY_MUNICIPALITY:
        names = sorted({p.municipality for p in people if p.municipality}, key=municipalities.swedish_sort_key)
        groups = [Group(name, [p for p in people if p.municipality == name]) for name in names]
        rest = [p for p in people if not p.municipality]
        heading = str(NO_MUNICIPALITY)
    else:
        groups = [Group(area.name, [p for p in people if area.name in p.focus_areas]) for area in event.focus_areas]
        groups = [group for group in groups if group.participants]
        rest = [p for p in people if not p.focus_areas]
        heading = str(NO_FOCUS_AREA)
    if rest:
        groups.append(Group(heading, rest))
    return groups


def page_of(event: Event, by: str, number: int, size: int | None = None) -> ListPage:
    """Page `number` (from 1) of the grouped list; a group split over pages is marked continued."""
    size = size or PAGE_SIZE
    people = participants(event)
    rows = [(group.heading, person) for group in grouped(event, people, by) for person in group.participants]
    pages = max(1, -(-len(rows) // size))
    number = min(max(number, 1), pages)
    start = (number - 1) * size
    groups: list[Group] = []
    for index, (heading, person) in enumerate(rows[start : start + size]):
        if not groups or groups[-1].heading != heading:
            continued = index == 0 and start > 0 and rows[start - 1][0] == heading
            groups.append(Group(heading, [], continued))
        groups[-1].participants.append(person)
    return ListPage(groups=groups, people=len(people), number=number, pages=pages)
