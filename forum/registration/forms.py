"""The registration form, built per event: standard fields (minus those the organiser hid), the
event's workshops and the organiser's own questions. One builder serves the public form, the
attendee's self-service edit and the organiser's manual add and edit.

Messages are Swedish msgids (translated through the catalog); no WTForms default text is used.
"""

from __future__ import annotations

import functools
import re
import secrets
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from forum.events.forms import ChoiceField
from forum.events.models import Event
from forum.forms import as_choices, email_address, limit, person_name, plain_text, required, strip
from forum.registration import municipalities
from forum.registration.models import (
    EMAIL_LENGTH,
    LONG_TEXT_LENGTH,
    NAME_LENGTH,
    ORGANISATION_LENGTH,
    PHONE_LENGTH,
    SHORT_TEXT_LENGTH,
    DietaryOption,
    InterestKind,
    OptionalField,
    OrganisationType,
    Question,
    QuestionKind,
)
from forum.registration.services import Details

PHONE_PATTERN = re.compile(r"^\+?[0-9 ()\-]{5,40}$")
YES, NO = "yes", "no"

PUBLIC, SELF_SERVICE, ORGANISER = "public", "self_service", "organiser"


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        # An unknown value is refused with our message, not WTForms' English one.
        values = {str(value) for value, *_rest in self.iter_choices()}
        for item in self.data or []:
            if str(item) not in values:
                raise ValidationError(_l("Välj bland alternativen."))


class SingleChoiceField(RadioField):
    def pre_validate(self, form):
        if self.data not in (None, "") and str(self.data) not in {str(v) for v, *_ in self.iter_choices()}:
            raise ValidationError(_l("Välj bland alternativen."))


def _a_phone(form, field) -> None:
    if field.data and not PHONE_PATTERN.match(field.data):
        raise ValidationError(_l("Skriv ett telefonnummer med siffror, till exempel 070-123 45 67."))


class MunicipalityField(StringField):
    """Typed with suggestions (a datalist of the 290 municipalities, the event's county first);
    the name is stored as its SCB code. An unknown name is shown back as typed with an error."""

    def process_formdata(self, valuelist):
        self.raw = (valuelist[0] if valuelist else "").strip()
        self.data = municipalities.code_for_name(self.raw) if self.raw else ""

    def process_data(self, value):
        self.raw = municipalities.by_code(value).name if value and municipalities.by_code(value) else ""
        self.data = value or ""

    def pre_validate(self, form):
        if self.raw and not self.data:
            raise ValidationError(_l("Välj en kommun i listan (skriv början av namnet)."))

    def _value(self) -> str:
        return self.raw


class RegistrationFormBase(FlaskForm):
    """Built by registration_form(); fields are added per event."""

    # Set by the builder: which optional fields and question fields this form has.
    question_fields: list[tuple[Question, str]] = []

    def details(self) -> Details:
        get = lambda name, default="": self[name].data if name in self else default  # noqa: E731
        consent = bool(get("health_consent", False))
        return Details(
            first_name=get("first_name"),
            last_name=get("last_name"),
            email=get("email"),
            phone=get("phone") or "",
            organisation=get("organisation") or "",
            organisation_type=OrganisationType(get("organisation_type")) if get("organisation_type") else None,
            municipality_code=get("municipality") or "",
            focus_area_ids=[int(x) for x in get("focus_areas", []) or []],
            contribution=get("contribution") or "",
            show_in_participant_list=bool(get("show_in_participant_list", False)),
            keep_informed=bool(get("keep_informed", False)),
            health_consent=consent,
            dietary=list(get("dietary", []) or []) if consent else [],
            dietary_other=(get("dietary_other") or "") if consent else "",
            accessibility=(get("accessibility") or "") if consent else "",
            workshop_ids=[int(x) for x in get("workshops", []) or []],
            answers={question.id: _answer_value(question, self[name].data) for question, name in self.question_fields},
        )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if "health_consent" in self and not self.health_consent.data and self._health_data_given():
            # Kept in the form, never stored: the person decides to consent or to clear the fields.
            self.health_consent.errors = [
                *self.health_consent.errors,
                _l(
                    "Kryssa i samtycket om du vill att vi sparar dina behov av kost och tillgänglighet, "
                    "eller töm de fälten."
                ),
            ]
            valid = False
        return valid

    def _health_data_given(self) -> bool:
        return any(name in self and self[name].data for name in ("dietary", "dietary_other", "accessibility"))

    def attach(self, errors: dict[str, Any]) -> None:
        """Show a service's refusal next to its field."""
        for name, message in errors.items():
            target = self._fields.get(name)
            if target is None:
                self.form_errors.append(message)
            else:
                target.errors = [*target.errors, message]


def _answer_value(question: Question, data: Any) -> Any:
    if question.kind == QuestionKind.MULTIPLE_CHOICE:
        return list(data or [])
    if isinstance(data, str):
        return data.strip()
    return data


def _answer_data(question: Question, value: Any) -> Any:
    if question.kind == QuestionKind.MULTIPLE_CHOICE:
        return list(value or [])
    return value or ""


def registration_form(
    event: Event,
    *,
    purpose: str = PUBLIC,
    workshop_labels: list[tuple[int, str]] | None = None,
    event_questions: list[Question] | None = None,
    registration=None,
    formdata=None,
    **kwargs,
) -> RegistrationFormBase:
    """The form for this event. `registration` fills it for editing; formdata defaults to the request's."""
    hidden = set(event.hidden_fields or []) if purpose != ORGANISER else set()
    event_questions = event_questions or []

    class RegistrationForm(RegistrationFormBase):
        pass

    fields = _standard_fields(event, hidden, purpose, bool(workshop_labels))
    question_fields = []
    for question in event_questions:
        name = f"q_{question.id}"
        fields[name] = _question_field(question, organiser=purpose == ORGANISER)
        question_fields.append((question, name))
    for name, field in fields.items():
        setattr(RegistrationForm, name, field)
    RegistrationForm.question_fields = question_fields

    data = _initial_data(registration, question_fields) if registration is not None else {}
    data.update(kwargs.pop("data", None) or {})  # a caller's pre-filled values (an invitee's name)
    if purpose == PUBLIC:
        data.setdefault("submission", secrets.token_urlsafe(16))
    form = (
        RegistrationForm(formdata=formdata, data=data, **kwargs)
        if formdata is not None
        else RegistrationForm(data=data, **kwargs)
    )
    if "focus_areas" in form:
        form.focus_areas.choices = as_choices((area.id, area.name) for area in event.focus_areas)
    if "workshops" in form:
        form.workshops.choices = as_choices(workshop_labels or [])
    if "municipality" in form:
        form.municipality_options = municipality_options(_event_county(event))
    return form


@functools.cache
def municipality_options(county: str | None) -> Markup:
    """The datalist's <option>s, the county's municipalities first: built once per county (290 options
    on every form page would otherwise be rendered anew each time). The names are escaped here."""
    return Markup("").join(
        Markup('<option value="{}"></option>').format(name) for _code, name in municipalities.choices(county)
    )


def _event_county(event: Event) -> str | None:
    county = municipalities.county_for_city(event.venue_city or "")
    return county.code if county else None


def _standard_fields(event: Event, hidden: set[str], purpose: str, has_workshops: bool) -> dict[str, Any]:
    text = {"filters": [strip]}
    fields: dict[str, Any] = {
        "first_name": StringField(
            _l("Förnamn"),
            [required(), limit(NAME_LENGTH), person_name],
            render_kw={"autocomplete": "given-name", "maxlength": NAME_LENGTH},
            **text,
        ),
        "last_name": StringField(
            _l("Efternamn"),
            [required(), limit(NAME_LENGTH), person_name],
            render_kw={"autocomplete": "family-name", "maxlength": NAME_LENGTH},
            **text,
        ),
        "email": EmailField(
            _l("E-post"),
            [required(), limit(EMAIL_LENGTH), email_address],
            render_kw={"autocomplete": "email", "maxlength": EMAIL_LENGTH},
            **text,
        ),
    }
    optional: dict[str, Any] = {
        OptionalField.PHONE: {
            "phone": StringField(
                _l("Telefon"),
                [Optional(), limit(PHONE_LENGTH), _a_phone],
                render_kw={"autocomplete": "tel", "inputmode": "tel", "maxlength": PHONE_LENGTH},
                **text,
            )
        },
        OptionalField.ORGANISATION: {
            "organisation": StringField(
                _l("Organisation"),
                [limit(ORGANISATION_LENGTH), plain_text],
                render_kw={"autocomplete": "organization", "maxlength": ORGANISATION_LENGTH},
                **text,
            )
        },
        OptionalField.ORGANISATION_TYPE: {
            "organisation_type": ChoiceField(
                _l("Typ av organisation"), pairs=[("", _l("Välj …")), *OrganisationType.choices()], default=""
            )
        },
        OptionalField.MUNICIPALITY: {
            "municipality": MunicipalityField(
                _l("Kommun"),
                [limit(60)],
                description=_l("Skriv början av namnet och välj i listan."),
                render_kw={"list": "municipality-list", "autocomplete": "off", "maxlength": 60},
            )
        },
        OptionalField.FOCUS_AREAS: {
            "focus_areas": MultiCheckboxField(_l("Vilka fokusområden intresserar dig?"), coerce=int, choices=[])
        }
        if event.focus_areas
        else {},
        OptionalField.CONTRIBUTION: {
            "contribution": TextAreaField(
                _l("Vad vill du dela eller bidra med?"),
                [limit(LONG_TEXT_LENGTH), plain_text],
                render_kw={"maxlength": LONG_TEXT_LENGTH, "rows": 3},
                **text,
            )
        },
    }
    for key, group in optional.items():
        if key.value not in hidden:
            fields.update(group)
    if has_workshops:
        fields["workshops"] = MultiCheckboxField(_l("Workshoppar och pass"), coerce=int, choices=[])
    health: dict[str, Any] = {}
    if OptionalField.DIETARY.value not in hidden:
        health["dietary"] = MultiCheckboxField(_l("Kost"), choices=as_choices(DietaryOption.choices()))
        health["dietary_other"] = StringField(
            _l("Annan kost eller allergi"),
            [limit(SHORT_TEXT_LENGTH), plain_text],
            render_kw={"maxlength": SHORT_TEXT_LENGTH},
            **text,
        )
    if OptionalField.ACCESSIBILITY.value not in hidden:
        health["accessibility"] = TextAreaField(
            _l("Behov av tillgänglighet"),
            [limit(LONG_TEXT_LENGTH), plain_text],
            description=_l("Till exempel hörslinga, rullstolsplats eller ledsagare."),
            render_kw={"maxlength": LONG_TEXT_LENGTH, "rows": 2},
            **text,
        )
    if health:
        fields["health_consent"] = BooleanField(
            _l(
                "Jag samtycker till att arrangören behandlar mina uppgifter om kost och tillgänglighet "
                "(hälsouppgifter) för att ordna evenemanget. De visas bara för arrangörerna och raderas "
                "efter evenemanget."
            )
        )
        fields.update(health)
    if purpose == PUBLIC:
        fields["privacy_consent"] = BooleanField(
            _l("Jag samtycker till att mina uppgifter behandlas enligt evenemangets integritetspolicy."),
            [InputRequired(message=_l("Du behöver samtycka för att kunna anmäla dig."))],
        )
        fields["submission"] = HiddenField()
    elif purpose == ORGANISER:
        fields["consent_confirmed"] = BooleanField(
            _l("Personen har samtyckt till behandlingen enligt integritetspolicyn."),
            [InputRequired(message=_l("Bekräfta att personen har samtyckt."))],
        )
    if OptionalField.PARTICIPANT_LIST.value not in hidden:
        fields["show_in_participant_list"] = BooleanField(_l("Visa mig i deltagarlistan"))
    if OptionalField.KEEP_INFORMED.value not in hidden:
        fields["keep_informed"] = BooleanField(_l("Håll mig informerad om nätverkets arbete"))
    return fields


def _question_field(question: Question, organiser: bool):
    validators: list[Any] = []
    mandatory = question.required and not organiser
    if question.kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
        maximum = SHORT_TEXT_LENGTH if question.kind == QuestionKind.SHORT_TEXT else LONG_TEXT_LENGTH
        validators = [required() if mandatory else Optional(), limit(maximum), plain_text]
        field_class = StringField if question.kind == QuestionKind.SHORT_TEXT else TextAreaField
        return field_class(
            question.label,
            validators,
            description=question.help_text or None,
            filters=[strip],
            render_kw={"maxlength": maximum},
        )
    if question.kind == QuestionKind.MULTIPLE_CHOICE:
        validators = [InputRequired(message=_l("Välj minst ett alternativ."))] if mandatory else []
        return MultiCheckboxField(
            question.label,
            validators,
            choices=as_choices((option, option) for option in question.options),
            description=question.help_text or None,
        )
    choices = (
        [(YES, _l("Ja")), (NO, _l("Nej"))]
        if question.kind == QuestionKind.YES_NO
        else [(option, option) for option in question.options]
    )
    validators = [InputRequired(message=_l("Välj ett alternativ."))] if mandatory else [Optional()]
    return SingleChoiceField(
        question.label,
        validators,
        choices=as_choices(choices),
        description=question.help_text or None,
        validate_choice=False,
    )


def _initial_data(registration, question_fields) -> dict[str, Any]:
    answers = {answer.question_id: answer.value for answer in registration.answers}
    data: dict[str, Any] = {
        "first_name": registration.first_name,
        "last_name": registration.last_name,
        "email": registration.email,
        "phone": registration.phone,
        "organisation": registration.organisation,
        "organisation_type": registration.organisation_type.value if registration.organisation_type else "",
        "municipality": registration.municipality_code,
        "focus_areas": [area.id for area in registration.focus_areas],
        "contribution": registration.contribution,
        "show_in_participant_list": registration.show_in_participant_list,
        "keep_informed": registration.keep_informed,
        "health_consent": registration.health_consent_at is not None,
        "dietary": list(registration.dietary or []),
        "dietary_other": registration.dietary_other,
        "accessibility": registration.accessibility,
        "workshops": [signup.programme_item_id for signup in registration.signups],
        "consent_confirmed": True,
    }
    for question, name in question_fields:
        data[name] = _answer_data(question, answers.get(question.id))
    return data


class InterestForm(FlaskForm):
    """The short form while the event's date is preliminary."""

    name = StringField(
        _l("Namn"),
        [required(), limit(2 * NAME_LENGTH), person_name],
        filters=[strip],
        render_kw={"autocomplete": "name"},
    )
    email = EmailField(
        _l("E-post"),
        [required(), limit(EMAIL_LENGTH), email_address],
        filters=[strip],
        render_kw={"autocomplete": "email"},
    )
    organisation = StringField(
        _l("Organisation"),
        [limit(ORGANISATION_LENGTH), plain_text],
        filters=[strip],
        render_kw={"autocomplete": "organization"},
    )
    kinds = MultiCheckboxField(
        _l("Jag vill"),
        [InputRequired(message=_l("Välj minst ett alternativ."))],
        choices=as_choices(InterestKind.choices()),
    )
    privacy_consent = BooleanField(
        _l("Jag samtycker till att mina uppgifter behandlas enligt evenemangets integritetspolicy."),
        [InputRequired(message=_l("Du behöver samtycka för att kunna anmäla intresse."))],
    )


class CancelForm(FlaskForm):
    """A confirmation step: the button is the only field."""
