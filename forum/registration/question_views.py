"""Organiser screens for an event's registration form: its own questions (added, edited, ordered,
deleted) and its settings (hidden standard fields, approval, the event's privacy text).

Thin views: parse the form, call forum.registration.question_services, render.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from forum.auth.policy import Permission, requires
from forum.events.models import Event
from forum.extensions import db
from forum.privacy import audit
from forum.registration import question_services as services
from forum.registration.models import Question
from forum.registration.question_forms import DeleteQuestionForm, FormSettingsForm, QuestionForm
from forum.registration.services import questions

bp = Blueprint("questions_admin", __name__, url_prefix="/admin/events/<slug>/form")

# What this module's audit actions mean, for the event's log page (forum.events.admin_views.AUDIT_LABELS).
AUDIT_LABELS = {
    "question.created": _l("Fråga lades till"),
    "question.updated": _l("Fråga ändrades"),
    "question.deleted": _l("Fråga togs bort"),
    "question.moved": _l("Fråga flyttades"),
    "event.form_settings_changed": _l("Anmälningsformulärets inställningar ändrades"),
}
audit.register_labels(AUDIT_LABELS)


def _question(event: Event, question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None or question.event_id != event.id:
        abort(404)
    return question


def _to_page(event: Event, anchor: str = ""):
    return redirect(url_for("questions_admin.form_page", slug=event.slug) + anchor)


def _render_page(
    event: Event, question_form: QuestionForm | None = None, settings_form: FormSettingsForm | None = None
):
    # The form not submitted shows what is saved, not the other form's POST.
    question_form = question_form or QuestionForm(formdata=None)
    settings_form = settings_form or FormSettingsForm(formdata=None, data=services.settings_values(event))
    return render_template(
        "admin/questions/form_page.html",
        event=event,
        questions=questions(event),
        answer_counts=services.answer_counts(event),
        question_form=question_form,
        settings_form=settings_form,
        delete_form=DeleteQuestionForm(formdata=None),
    )


@bp.get("")
@requires(Permission.EVENT_MANAGE)
def form_page(event: Event):
    return _render_page(event)


@bp.post("/questions")
@requires(Permission.EVENT_MANAGE)
def question_add(event: Event):
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            question = services.create_question(current_user, event, form.values())
        except services.Invalid as error:
            form.attach(error.errors)
        else:
            flash(_("Frågan ”%(label)s” är tillagd.", label=question.label), "success")
            return _to_page(event, f"#question-{question.id}")
    return _render_page(event, question_form=form)


@bp.post("/settings")
@requires(Permission.EVENT_MANAGE)
def settings(event: Event):
    form = FormSettingsForm()
    if form.validate_on_submit():
        try:
            changed = services.update_settings(current_user, event, form.values())
        except services.Invalid as error:
            form.attach(error.errors)
        else:
            flash(_("Inställningarna är sparade.") if changed else _("Inget ändrades."), "success")
            return _to_page(event, "#settings-heading")
    return _render_page(event, settings_form=form)


@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
@requires(Permission.EVENT_MANAGE)
def question_edit(event: Event, question_id: int):
    question = _question(event, question_id)
    form = QuestionForm(question=question)
    if form.validate_on_submit():
        try:
            changed = services.update_question(current_user, question, form.values())
        except services.Invalid as error:
            form.attach(error.errors)
        else:
            flash(_("Frågan är sparad.") if changed else _("Inget ändrades."), "success")
            return _to_page(event, f"#question-{question.id}")
    return render_template(
        "admin/questions/edit.html",
        event=event,
        question=question,
        form=form,
        answers=services.answer_count(question),
    )


@bp.route("/questions/<int:question_id>/delete", methods=["GET", "POST"])
@requires(Permission.EVENT_MANAGE)
def question_delete(event: Event, question_id: int):
    """A question without answers goes at once; one with answers asks first, saying how many go with it."""
    question = _question(event, question_id)
    form = DeleteQuestionForm()
    if form.validate_on_submit():
        label = question.label
        try:
            deleted = services.delete_question(current_user, question, confirmed_answers=form.confirmed_answers())
        except services.Refused:
            pass  # answers the organiser was not told about: ask (again), with the number now
        else:
            flash(
                ngettext(
                    "Frågan ”%(label)s” och %(num)s svar är borttagna.",
                    "Frågan ”%(label)s” och %(num)s svar är borttagna.",
                    deleted,
                    label=label,
                )
                if deleted
                else _("Frågan ”%(label)s” är borttagen.", label=label),
                "success",
            )
            return _to_page(event)
    count = services.answer_count(question)
    return render_template(
        "admin/questions/delete.html",
        event=event,
        question=question,
        answers=count,
        form=DeleteQuestionForm(formdata=None, data={"answers": str(count)}),
    )


@bp.post("/questions/<int:question_id>/move")
@requires(Permission.EVENT_MANAGE)
def question_move(event: Event, question_id: int):
    question = _question(event, question_id)
    direction = request.form.get("direction", "")
    if direction not in ("up", "down"):
        abort(400)
    services.move_question(current_user, question, direction)
    return _to_page(event, f"#question-{question_id}")
