"""The organisers' participant list: what a filter means, as one SQL select.

`Filters.from_args` reads the list's query arguments (tolerantly: an unknown value is no filter);
`select_registrations` turns the filters into a select of Registration rows in the chosen order.
The list page, the bulk actions and every export (forum.reports.exports) start from that one
select, so an export holds exactly the rows the organiser sees in the filtered list.

Beside it: what the filter form offers (the municipalities, workshops and questions the event
has) and the checked-in state of a page of rows, each in one query.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, String, and_, cast, exists, func, or_, select
from sqlalchemy.orm import selectinload

from forum.checkin.models import CheckIn
from forum.checkin.models import admitted as admitted_clause
from forum.events.models import Event, FocusArea
from forum.extensions import db
from forum.pagination import Page, paginate
from forum.programme.models import ProgrammeItem
from forum.registration import municipalities, services
from forum.registration.models import (
    Answer,
    OrganisationType,
    Question,
    QuestionKind,
    Registration,
    RegistrationStatus,
    WorkshopSignup,
    registration_focus_areas,
)

PAGE_SIZE = 50
PAGE_SIZES = (50, 100, 200)
QUERY_LENGTH = 200
ANSWER_LENGTH = 200
YES, NO = "yes", "no"

# The orders the list offers: key -> (label, columns). A leading "-" on the key reverses it.
SORTS: dict[str, tuple[Any, tuple]] = {
    "name": (_l("Efternamn"), (Registration.last_name, Registration.first_name)),
    "first_name": (_l("Förnamn"), (Registration.first_name, Registration.last_name)),
    "organisation": (_l("Organisation"), (Registration.organisation, Registration.last_name)),
    "municipality": (_l("Kommun"), (Registration.municipality_code, Registration.last_name)),
    "status": (_l("Status"), (Registration.status, Registration.last_name)),
    "created": (_l("Anmälningstid"), (Registration.created_at,)),
    "queue": (_l("Plats i kön"), (Registration.queued_at,)),
}


@dataclass(frozen=True)
class Filters:
    """One filtered, sorted view of an event's registrations. Empty values filter nothing."""

    q: str = ""
    status: RegistrationStatus | None = None
    organisation_type: OrganisationType | None = None
    municipality: str = ""
    focus_area: int | None = None
    workshop: int | None = None
    # True: checked in (an ok scan that is not undone); False: not checked in.
    checked_in: bool | None = None
    question: int | None = None
    answer: str = ""
    sort: str = ""

    @classmethod
    def from_args(cls, args) -> Filters:
        """From request.args (or any mapping); what makes no sense is left out rather than refused."""

        def text(name: str, length: int) -> str:
            return (args.get(name) or "").strip()[:length]

        def number(name: str) -> int | None:
            value = text(name, 12)
            return int(value) if value.isdigit() else None

        def member(enum, name: str):
            value = text(name, 40)
            return enum(value) if value in {item.value for item in enum} else None

        checked = text("checked_in", 3)
        sort = text("sort", 20)
        municipality = text("municipality", 4)
        question = number("question")
        return cls(
            q=text("q", QUERY_LENGTH),
            status=member(RegistrationStatus, "status"),
            organisation_type=member(OrganisationType, "organisation_type"),
            municipality=municipality if municipalities.by_code(municipality) else "",
            focus_area=number("focus_area"),
            workshop=number("workshop"),
            checked_in={YES: True, NO: False}.get(checked),
            question=question,
            answer=text("answer", ANSWER_LENGTH) if question else "",
            sort=sort if sort.removeprefix("-") in SORTS else "",
        )

    def args(self) -> dict[str, str]:
        """The filters as query arguments (only those set), for links, hidden inputs and the audit log."""
        result = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if value is None or value == "":
                continue
            if isinstance(value, bool):
                value = YES if value else NO
            result[item.name] = str(getattr(value, "value", value))
        return result

    @property
    def any(self) -> bool:
        """Does anything but the order narrow the list?"""
        return any(key != "sort" for key in self.args())

    @property
    def effective_sort(self) -> str:
        # The waiting list reads best in queue order; everything else by name.
        return self.sort or ("queue" if self.status == RegistrationStatus.WAITING else "name")


def checked_in_clause():
    """SQL: the registration has been admitted at the door (the one check-in that counts)."""
    return exists().where(CheckIn.registration_id == Registration.id, admitted_clause())


def _like_pattern(text: str) -> str:
    escaped = text.replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return f"%{escaped}%"


def _answer_clause(event: Event, question_id: int, answer: str):
    question = db.session.get(Question, question_id)
    if question is None or question.event_id != event.id:
        return None
    value = cast(Answer.value, String)
    of_question = and_(Answer.registration_id == Registration.id, Answer.question_id == question.id)
    if not answer:
        # Any answer at all.
        return exists().where(of_question, value.not_in(["null", '""', "[]"]))
    # Values are stored as JSON text (non-ASCII escaped), so a choice is matched by its JSON form.
    encoded = json.dumps(answer)
    if question.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.YES_NO):
        return exists().where(of_question, value == encoded)
    if question.kind == QuestionKind.MULTIPLE_CHOICE:
        return exists().where(of_question, value.like(_like_pattern(encoded), escape="!"))
    inner = json.dumps(answer.casefold())[1:-1]
    return exists().where(of_question, func.lower(value).like(_like_pattern(inner), escape="!"))


def select_registrations(event: Event, filters: Filters) -> Select:
    """The one query behind the list, the bulk actions and every export: the event's registrations
    that pass the filters, in the chosen order (ties broken by id, so pages never overlap)."""
    statement = select(Registration).where(Registration.event_id == event.id)
    if filters.status is not None:
        statement = statement.where(Registration.status == filters.status)
    if filters.organisation_type is not None:
        statement = statement.where(Registration.organisation_type == filters.organisation_type)
    if filters.municipality:
        statement = statement.where(Registration.municipality_code == filters.municipality)
    if filters.focus_area is not None:
        statement = statement.where(
            exists().where(
                registration_focus_areas.c.registration_id == Registration.id,
                registration_focus_areas.c.focus_area_id == filters.focus_area,
            )
        )
    if filters.workshop is not None:
        statement = statement.where(
            exists().where(
                WorkshopSignup.registration_id == Registration.id,
                WorkshopSignup.programme_item_id == filters.workshop,
            )
        )
    if filters.checked_in is not None:
        clause = checked_in_clause()
        statement = statement.where(clause if filters.checked_in else ~clause)
    if filters.question is not None:
        clause = _answer_clause(event, filters.question, filters.answer)
        if clause is not None:
            statement = statement.where(clause)
    query = filters.q.strip().casefold()
    if query:
        pattern = _like_pattern(query)
        name = func.lower(Registration.first_name + " " + Registration.last_name)
        statement = statement.where(
            or_(
                name.like(pattern, escape="!"),
                Registration.email_key.like(pattern, escape="!"),
                func.lower(Registration.organisation).like(pattern, escape="!"),
            )
        )
    key = filters.effective_sort
    columns = SORTS[key.removeprefix("-")][1]
    if key.startswith("-"):
        order = [column.desc() for column in columns] + [Registration.id.desc()]
    else:
        order = [*columns, Registration.id]
    return statement.order_by(*order)


def page(event: Event, filters: Filters, number: int = 1, size: int = PAGE_SIZE) -> Page:
    """One page of the list, with what its rows show loaded alongside (no query per row)."""
    statement = select_registrations(event, filters).options(
        selectinload(Registration.signups).selectinload(WorkshopSignup.programme_item),
    )
    return paginate(statement, number, size)


def ids(event: Event, filters: Filters) -> list[int]:
    """The ids of every registration the filters select, in the list's order."""
    return list(db.session.scalars(select_registrations(event, filters).with_only_columns(Registration.id)))


def of_event(event: Event, registration_ids) -> list[Registration]:
    """These registrations, as far as they belong to the event (ids from a form are not trusted)."""
    wanted = {int(value) for value in registration_ids if str(value).isdigit()}
    if not wanted:
        return []
    return list(
        db.session.scalars(
            select(Registration)
            .where(Registration.event_id == event.id, Registration.id.in_(wanted))
            .order_by(Registration.last_name, Registration.first_name, Registration.id)
        )
    )


def checked_in_ids(registration_ids: list[int]) -> set[int]:
    """Which of these registrations have been admitted at the door, in one query."""
    if not registration_ids:
        return set()
    return set(
        db.session.scalars(
            select(CheckIn.registration_id).where(CheckIn.registration_id.in_(registration_ids), admitted_clause())
        )
    )


# --- what the filter form offers ------------------------------------------------------------------


@dataclass(frozen=True)
class Choices:
    municipalities: list[tuple[str, str]]
    focus_areas: list[tuple[int, str]]
    workshops: list[tuple[int, str]]
    questions: list[Question]


def choices(event: Event) -> Choices:
    """The values the event's registrations can be filtered by."""
    codes = db.session.scalars(
        select(Registration.municipality_code)
        .where(Registration.event_id == event.id, Registration.municipality_code != "")
        .distinct()
    )
    found = [municipalities.by_code(code) for code in codes]
    places = sorted(
        ((place.code, place.name) for place in found if place is not None),
        key=lambda pair: municipalities.swedish_sort_key(pair[1]),
    )
    areas = db.session.execute(
        select(FocusArea.id, FocusArea.name).where(FocusArea.event_id == event.id).order_by(FocusArea.position)
    ).all()
    workshops = db.session.execute(
        select(ProgrammeItem.id, ProgrammeItem.title)
        .where(ProgrammeItem.event_id == event.id, ProgrammeItem.requires_signup.is_(True))
        .order_by(ProgrammeItem.starts_at, ProgrammeItem.id)
    ).all()
    questions = list(
        db.session.scalars(
            select(Question).where(Question.event_id == event.id).order_by(Question.position, Question.id)
        )
    )
    return Choices(
        municipalities=places,
        focus_areas=[tuple(row) for row in areas],
        workshops=[tuple(row) for row in workshops],
        questions=questions,
    )


# --- bulk actions ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BulkOutcome:
    done: list[Registration]
    # Of those approved, the ones that went to the waiting list (the event was full).
    waiting: list[Registration]
    # Chosen, but the action did not fit their status.
    skipped: int


def approve_many(registrations: list[Registration], *, by) -> BulkOutcome:
    """Approve the pending ones through the registration service (each e-mailed and audited)."""
    done, waiting, skipped = [], [], 0
    for registration in registrations:
        if registration.status != RegistrationStatus.PENDING:
            skipped += 1
            continue
        services.approve(registration, by=by)
        done.append(registration)
        if registration.status == RegistrationStatus.WAITING:
            waiting.append(registration)
    return BulkOutcome(done, waiting, skipped)


def cancel_many(registrations: list[Registration], *, by) -> BulkOutcome:
    """Cancel the active ones through the registration service (each e-mailed and audited; freed
    seats go to the waiting list in its order)."""
    done, skipped = [], 0
    for registration in registrations:
        if not registration.is_active:
            skipped += 1
            continue
        services.cancel(registration, by=by)
        done.append(registration)
    return BulkOutcome(done, [], skipped)
