"""The organiser's side of an event's registration form: its own questions and its settings.

Like forum.events.admin_services: every function that changes something commits and writes the
audit log; problems the organiser can fix are raised as Invalid (messages by field, shown next to
the fields) or Refused (one message). Answers are personal data, so the log records how many were
deleted, never what they said.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from forum.events.admin_services import Invalid, Refused, renumber, swap_with_neighbour, too_long
from forum.events.models import Event, ParticipantListVisibility
from forum.extensions import db
from forum.privacy import audit
from forum.registration.models import Answer, OptionalField, Question, QuestionKind
from forum.registration.services import questions

LABEL_LENGTH = 300
HELP_LENGTH = 500
OPTION_LENGTH = 200
MIN_OPTIONS = 2
MAX_OPTIONS = 30
PRIVACY_NOTICE_LENGTH = 5_000

CHOICE_KINDS = frozenset({QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE})
QUESTION_FIELDS = ("label", "help_text", "kind", "required", "options")
SETTINGS_FIELDS = ("hidden_fields", "requires_approval", "privacy_notice", "participant_list")


def compatible_kinds(old: QuestionKind, new: QuestionKind) -> bool:
    """May a question with answers change from `old` to `new`? Only when every answer stays valid:
    the same kind, or short text to long text (a long answer might not fit a short one)."""
    return old == new or (old == QuestionKind.SHORT_TEXT and new == QuestionKind.LONG_TEXT)


def parse_options(raw: str | list[str] | None) -> list[tuple[int, str]]:
    """The options typed one per line, as (line number, text); blank lines are skipped."""
    lines = raw if isinstance(raw, list) else (raw or "").splitlines()
    return [(number, line.strip()) for number, line in enumerate(lines, start=1) if line and line.strip()]


def answer_count(question: Question) -> int:
    if question.id is None:
        return 0
    return db.session.scalar(select(func.count(Answer.id)).where(Answer.question_id == question.id)) or 0


def answer_counts(event: Event) -> dict[int, int]:
    """How many answers each of the event's questions has (questions without answers are left out)."""
    query = (
        select(Answer.question_id, func.count(Answer.id))
        .join(Question, Question.id == Answer.question_id)
        .where(Question.event_id == event.id)
        .group_by(Answer.question_id)
    )
    return dict(db.session.execute(query).all())


def _clean_options(raw) -> tuple[list[str], Any]:
    options = parse_options(raw)
    seen: set[str] = set()
    for number, option in options:
        if len(option) > OPTION_LENGTH:
            return [], _l(
                "Alternativet på rad %(line)s är för långt (högst %(max)s tecken).", line=number, max=OPTION_LENGTH
            )
        key = option.casefold()
        if key in seen:
            return [], _l("Alternativet ”%(option)s” finns mer än en gång.", option=option)
        seen.add(key)
    if len(options) < MIN_OPTIONS:
        return [], _l("Skriv minst två alternativ, ett per rad.")
    if len(options) > MAX_OPTIONS:
        return [], _l("Högst %(max)s alternativ.", max=MAX_OPTIONS)
    return [option for _number, option in options], None


def clean_question(values: dict[str, Any], question: Question | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check a question's values as a whole; returns (cleaned values, problems by field).

    Options count only for single and multiple choice; for other kinds they are dropped.
    """
    problems: dict[str, Any] = {}
    data: dict[str, Any] = {}

    data["label"] = (values.get("label") or "").strip()
    if not data["label"]:
        problems["label"] = _l("Skriv frågan.")
    elif len(data["label"]) > LABEL_LENGTH:
        problems["label"] = too_long(LABEL_LENGTH)
    data["help_text"] = (values.get("help_text") or "").strip()
    if len(data["help_text"]) > HELP_LENGTH:
        problems["help_text"] = too_long(HELP_LENGTH)
    data["required"] = bool(values.get("required"))

    try:
        data["kind"] = QuestionKind(values.get("kind"))
    except ValueError:
        problems["kind"] = _l("Välj ett av alternativen.")
        data["kind"] = None

    data["options"] = []
    if data["kind"] in CHOICE_KINDS:
        data["options"], message = _clean_options(values.get("options"))
        if message:
            problems["options"] = message

    kind = data["kind"]
    if question is not None and kind is not None and not compatible_kinds(question.kind, kind):
        count = answer_count(question)
        if count:
            problems["kind"] = _l(
                "Frågan har redan svar (%(count)s st.) och kan inte byta typ från ”%(old)s” till ”%(new)s”: "
                "svaren skulle inte passa den nya typen. Lägg till en ny fråga i stället.",
                count=count,
                old=question.kind.label,
                new=kind.label,
            )
    return data, problems


def create_question(user, event: Event, values: dict[str, Any]) -> Question:
    """A new question, last on the form."""
    data, problems = clean_question(values)
    if problems:
        raise Invalid(problems)
    existing = renumber(questions(event))
    question = Question(event=event, position=len(existing) + 1, **data)
    db.session.add(question)
    db.session.flush()
    audit.record("question.created", user=user, event=event, target=question, label=question.label, kind=question.kind)
    db.session.commit()
    return question


def update_question(user, question: Question, values: dict[str, Any]) -> list[str]:
    """Save the question's fields; returns the names of those that changed (audited)."""
    data, problems = clean_question(values, question)
    if problems:
        raise Invalid(problems)
    changed = [name for name in QUESTION_FIELDS if getattr(question, name) != data[name]]
    if changed:
        previous_kind = question.kind
        for name in changed:
            setattr(question, name, data[name])
        details: dict[str, Any] = {"fields": changed, "label": question.label}
        if "kind" in changed:
            details.update(previous_kind=previous_kind, kind=question.kind)
        audit.record("question.updated", user=user, event=question.event, target=question, **details)
        db.session.commit()
    return changed


def delete_question(user, question: Question, *, confirmed_answers: int = 0) -> int:
    """Delete the question and its answers; returns how many answers went.

    Refused when the question has more answers than the organiser confirmed deleting: the
    confirmation page states the number, and answers may arrive while it is open.
    """
    count = answer_count(question)
    if count > confirmed_answers:
        db.session.rollback()
        raise Refused(_l("Frågan har %(count)s svar som också tas bort.", count=count))
    event = question.event
    db.session.execute(delete(Answer).where(Answer.question_id == question.id))
    audit.record(
        "question.deleted", user=user, event=event, target=question, label=question.label, deleted_answers=count
    )
    db.session.delete(question)
    db.session.flush()
    renumber(questions(event))
    db.session.commit()
    return count


def move_question(user, question: Question, direction: str) -> bool:
    """Swap with the question above ("up") or below ("down"); False when already at that end."""
    event = question.event
    if not swap_with_neighbour(questions(event), question, direction):
        db.session.rollback()
        return False
    audit.record(
        "question.moved", user=user, event=event, target=question, label=question.label, position=question.position
    )
    db.session.commit()
    return True


# --- the form's settings -----------------------------------------------------------------------


def settings_values(event: Event) -> dict[str, Any]:
    return {
        "hidden_fields": list(event.hidden_fields or []),
        "requires_approval": bool(event.requires_approval),
        "privacy_notice": event.privacy_notice or "",
        "participant_list": event.participant_list or ParticipantListVisibility.HIDDEN,
    }


def clean_settings(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    problems: dict[str, Any] = {}
    chosen = {str(value) for value in values.get("hidden_fields") or ()}
    known = {field.value for field in OptionalField}
    if chosen - known:
        problems["hidden_fields"] = _l("Välj bland alternativen.")
    notice = (values.get("privacy_notice") or "").strip()
    if len(notice) > PRIVACY_NOTICE_LENGTH:
        problems["privacy_notice"] = too_long(PRIVACY_NOTICE_LENGTH)
    visibility = str(values.get("participant_list") or ParticipantListVisibility.HIDDEN.value)
    if visibility not in {member.value for member in ParticipantListVisibility}:
        problems["participant_list"] = _l("Välj bland alternativen.")
        visibility = ParticipantListVisibility.HIDDEN.value
    data = {
        # In the form's order, so that the same choice always compares equal.
        "hidden_fields": [field.value for field in OptionalField if field.value in chosen],
        "requires_approval": bool(values.get("requires_approval")),
        "privacy_notice": notice,
        "participant_list": ParticipantListVisibility(visibility),
    }
    return data, problems


def update_settings(user, event: Event, values: dict[str, Any]) -> list[str]:
    """Save which standard fields are hidden, whether registrations need approval, the event's own
    privacy text and who sees the attendee participant list; returns the names of the settings
    that changed (audited)."""
    data, problems = clean_settings(values)
    if problems:
        raise Invalid(problems)
    before = settings_values(event)
    changed = [name for name in SETTINGS_FIELDS if before[name] != data[name]]
    if changed:
        for name in changed:
            setattr(event, name, data[name])
        details: dict[str, Any] = {"fields": changed}
        if "hidden_fields" in changed:
            details["hidden_fields"] = data["hidden_fields"]
        if "requires_approval" in changed:
            details["requires_approval"] = data["requires_approval"]
        if "participant_list" in changed:
            details["participant_list"] = data["participant_list"].value
        audit.record("event.form_settings_changed", user=user, event=event, target=event, **details)
        db.session.commit()
    return changed
