"""Organiser forms for an event's own registration questions and the registration form's settings.

The services (forum.registration.question_services) check the values as a whole; the forms run
those checks too, so that every problem is shown next to its field at once.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired

from forum.events.forms import ChoiceField as KindField
from forum.events.forms import ServiceCheckedForm
from forum.events.models import ParticipantListVisibility
from forum.forms import SelectChoice, as_choices, limit, strip
from forum.registration import question_services as services
from forum.registration.forms import MultiCheckboxField
from forum.registration.models import OptionalField, Question, QuestionKind


def _checked_by_service(form: ServiceCheckedForm, valid: bool, problems: dict[str, Any]) -> bool:
    # A field the form already faulted keeps its own message; the service's is not added twice.
    problems = {name: message for name, message in problems.items() if not form._fields[name].errors}
    form.attach(problems)
    return valid and not problems


class QuestionForm(ServiceCheckedForm):
    label = StringField(
        _l("Fråga"),
        filters=[strip],
        validators=[DataRequired(message=_l("Skriv frågan.")), limit(services.LABEL_LENGTH)],
    )
    help_text = TextAreaField(
        _l("Hjälptext"),
        filters=[strip],
        validators=[limit(services.HELP_LENGTH)],
        description=_l("Valfri. Visas under frågan."),
        render_kw={"rows": 2},
    )
    kind = KindField(_l("Typ av svar"), pairs=QuestionKind.choices())
    options = TextAreaField(
        _l("Alternativ"),
        description=_l("Bara för ”Ett val” och ”Flera val”: 2–30 alternativ, ett per rad."),
        render_kw={"rows": 5},
    )
    required = BooleanField(_l("Svar krävs"))

    def __init__(self, *args, question: Question | None = None, **kwargs):
        if question is not None and "data" not in kwargs:
            kwargs["data"] = {
                "label": question.label,
                "help_text": question.help_text,
                "kind": question.kind.value,
                "options": "\n".join(question.options or []),
                "required": question.required,
            }
        super().__init__(*args, **kwargs)
        self.question = question

    def values(self) -> dict[str, Any]:
        return {name: self._fields[name].data for name in services.QUESTION_FIELDS}

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        _data, problems = services.clean_question(self.values(), self.question)
        return _checked_by_service(self, valid, problems)


class FormSettingsForm(ServiceCheckedForm):
    hidden_fields = MultiCheckboxField(
        _l("Dölj standardfält"),
        description=_l(
            "De fält du kryssar i visas inte i anmälningsformuläret. Namn, e-postadress och samtycket "
            "till integritetsmeddelandet finns alltid med."
        ),
    )
    requires_approval = BooleanField(
        _l("Anmälningar kräver godkännande"),
        description=_l(
            "Nya anmälningar väntar tills en arrangör godkänner eller avböjer dem. Personen får e-post i båda fallen."
        ),
    )
    privacy_notice = TextAreaField(
        _l("Arrangörens egen text i integritetsmeddelandet"),
        filters=[strip],
        validators=[limit(services.PRIVACY_NOTICE_LENGTH)],
        description=_l(
            "Visas efter standardtexten. Skrivs i Markdown: **fetstil**, *kursiv*, [länktext](https://exempel.se), "
            "listor med - i början av raden och en tom rad mellan stycken."
        ),
        render_kw={"rows": 8},
    )
    participant_list = RadioField(
        _l("Deltagarlistan"),
        choices=as_choices(ParticipantListVisibility.choices()),
        default=ParticipantListVisibility.HIDDEN.value,
        validate_choice=False,  # the service checks the value (forum.registration.question_services)
        description=_l(
            "Listan visar bara bekräftade deltagare som själva har kryssat i att de vill synas: namn, "
            "organisation, kommun och fokusområden, aldrig e-postadresser."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        pairs = [(field.value, field.label) for field in OptionalField]
        self.hidden_fields.choices = [SelectChoice(value, label) for value, label in pairs] if SelectChoice else pairs

    def values(self) -> dict[str, Any]:
        return {name: self._fields[name].data for name in services.SETTINGS_FIELDS}

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        _data, problems = services.clean_settings(self.values())
        return _checked_by_service(self, valid, problems)


class DeleteQuestionForm(FlaskForm):
    # The number of answers the confirmation page told the organiser would be deleted.
    answers = HiddenField()

    def confirmed_answers(self) -> int:
        raw = (self.answers.data or "").strip()
        return int(raw) if raw.isdigit() and len(raw) < 10 else 0
