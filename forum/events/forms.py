"""Organiser forms for events, focus areas, rooms and organisations.

Every message is Swedish (translated through the catalog); no WTForms default message is used,
so nothing English leaks into a Swedish page. Checks that span fields or need the database are
the services' (forum.events.admin_services); the forms run them too, so that every problem is
shown next to its field at once.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, ValidationError
from wtforms.widgets import DateInput, DateTimeLocalInput

from forum.events import admin_services
from forum.events.models import (
    AccessibilityAssessment,
    AccessibilityCompliance,
    Event,
    EventKind,
    EventLanguage,
    Visibility,
)
from forum.forms import as_choices, limit, strip

LOCAL_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")


class LocalDateTimeField(StringField):
    """A datetime-local input: a wall-clock time, naive; the service puts it in the event's zone.

    What the person typed is shown again as typed when it could not be read.
    """

    widget = DateTimeLocalInput()

    def process_formdata(self, valuelist):
        self.data = None
        raw = (valuelist[0] if valuelist else "") or ""
        raw = raw.strip()
        if not raw:
            return
        if len(raw) <= 32:
            for pattern in LOCAL_FORMATS:
                try:
                    self.data = datetime.strptime(raw, pattern)
                    return
                except ValueError:
                    continue
        raise ValueError(_l("Ange datum och tid som ÅÅÅÅ-MM-DD TT:MM, till exempel 2027-03-25 09:00."))

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime("%Y-%m-%dT%H:%M") if isinstance(self.data, datetime) else ""


class CountField(StringField):
    """An optional whole number ≥ 0, typed as text so that a mistake is shown back as typed."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "numeric", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        self.data = None
        raw = (valuelist[0] if valuelist else "") or ""
        if len(raw) > 20:
            raise ValueError(_l("Talet är för stort."))
        value, message = admin_services.parse_count(raw)
        if message:
            raise ValueError(message)
        self.data = value

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)


class CalendarDateField(StringField):
    """An optional date input (ÅÅÅÅ-MM-DD); what the person typed is shown again when it could not be read."""

    widget = DateInput()

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.data = None
        raw = (valuelist[0] or "").strip()
        if not raw:
            return
        try:
            self.data = date.fromisoformat(raw) if len(raw) <= 10 else None
        except ValueError:
            self.data = None
        if self.data is None:
            raise ValueError(_l("Ange datum som ÅÅÅÅ-MM-DD, till exempel 2027-03-25."))

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.data.isoformat() if isinstance(self.data, date) else ""


class ChoiceField(SelectField):
    """A select whose values stay strings; an unknown value gets our own message.

    Choices are given as (value, label) pairs through `pairs` or set_pairs().
    """

    def __init__(self, label=None, validators=None, pairs=(), **kwargs):
        super().__init__(label, validators, coerce=str, **kwargs)
        self.set_pairs(pairs)

    def set_pairs(self, pairs) -> None:
        pairs = [(str(value), label) for value, label in pairs]
        self.allowed = {value for value, _label in pairs}
        # WTForms 3.3 wants SelectChoice objects; older versions take tuples.
        self.choices = as_choices(pairs)

    def pre_validate(self, form):
        if self.data not in self.allowed:
            raise ValidationError(_l("Välj ett av alternativen."))


class ServiceCheckedForm(FlaskForm):
    """A form whose values a service checks as a whole; its problems are put next to the fields."""

    def attach(self, problems: dict[str, Any]) -> None:
        for name, message in problems.items():
            field = self._fields.get(name)
            if field is None:
                continue
            if not isinstance(field.errors, list):
                field.errors = list(field.errors)
            if not field.errors:
                field.errors.append(message)
        self._errors = None  # WTForms caches form.errors


class EventForm(ServiceCheckedForm):
    title = StringField(
        _l("Titel"), filters=[strip], validators=[DataRequired(message=_l("Fyll i titel.")), limit(200)]
    )
    slug = StringField(
        _l("Adress"),
        filters=[strip],
        validators=[limit(admin_services.SLUG_MAX)],
        description=_l(
            "Den del av adressen som kommer efter /e/. Små bokstäver a–z, siffror och bindestreck. "
            "Lämna tomt så skapas adressen från titeln. Kan bara ändras medan evenemanget är ett utkast."
        ),
    )
    summary = TextAreaField(
        _l("Sammanfattning"),
        filters=[strip],
        validators=[limit(500)],
        description=_l("En eller två meningar som visas i listan över evenemang."),
    )
    description = TextAreaField(
        _l("Beskrivning"),
        filters=[strip],
        validators=[limit(20_000)],
        description=_l(
            "Skrivs i Markdown: **fetstil**, *kursiv*, [länktext](https://exempel.se), "
            "listor med - i början av raden och en tom rad mellan stycken."
        ),
        render_kw={"rows": 10},
    )
    organisation_id = ChoiceField(
        _l("Värdorganisation"), validators=[DataRequired(message=_l("Välj värdorganisation."))]
    )
    kind = ChoiceField(_l("Typ av evenemang"), pairs=EventKind.choices())
    language = ChoiceField(_l("Språk"), pairs=EventLanguage.choices(), description=_l("Språket evenemanget hålls på."))
    visibility = ChoiceField(_l("Synlighet"), pairs=Visibility.choices())

    timezone = ChoiceField(
        _l("Tidszon"),
        default=admin_services.DEFAULT_ZONE,
        description=_l("Tiderna nedan gäller i den här tidszonen."),
    )
    starts_at = LocalDateTimeField(
        _l("Börjar"), validators=[InputRequired(message=_l("Fyll i när evenemanget börjar."))]
    )
    ends_at = LocalDateTimeField(_l("Slutar"), validators=[InputRequired(message=_l("Fyll i när evenemanget slutar."))])
    date_is_preliminary = BooleanField(_l("Datumet är preliminärt"))
    preliminary_date_text = StringField(
        _l("Text om preliminärt datum"),
        filters=[strip],
        validators=[limit(120)],
        description=_l("Visas i stället för datumet, till exempel ”preliminärt oktober 2027”."),
    )

    venue_name = StringField(_l("Lokal"), filters=[strip], validators=[limit(200)])
    venue_address = StringField(_l("Adress till lokalen"), filters=[strip], validators=[limit(300)])
    venue_city = StringField(_l("Ort"), filters=[strip], validators=[limit(100)])
    venue_directions = TextAreaField(_l("Vägbeskrivning"), filters=[strip], validators=[limit(5_000)])

    capacity = CountField(_l("Antal platser"), description=_l("Lämna tomt om antalet inte är begränsat."))
    registration_opens_at = LocalDateTimeField(
        _l("Anmälan öppnar"), description=_l("Lämna tomt för att öppna anmälan när evenemanget publiceras.")
    )
    registration_closes_at = LocalDateTimeField(
        _l("Anmälan stänger"), description=_l("Lämna tomt för att ha anmälan öppen tills evenemanget slutar.")
    )
    contact_email = StringField(
        _l("Kontaktadress (e-post)"),
        filters=[strip],
        validators=[limit(254)],
        description=_l("Visas på evenemangssidan. Lämna tomt för att använda värdorganisationens adress."),
        render_kw={"type": "email", "autocomplete": "email"},
    )

    def __init__(self, *args, event: Event | None = None, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        self.organisation_id.set_pairs([("", _l("Välj …"))] + [(org.id, org.name) for org in organisations])
        zones = list(admin_services.ZONES)
        if event is not None and event.timezone not in zones:
            zones.append(event.timezone)
        self.timezone.set_pairs([(zone, zone) for zone in zones])

    def values(self) -> dict[str, Any]:
        values = {name: self._fields[name].data for name in admin_services.EVENT_FIELDS}
        organisation_id = values["organisation_id"] or ""
        values["organisation_id"] = int(organisation_id) if organisation_id.isdigit() else None
        return values

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        _data, problems = admin_services.clean_event(self.values(), self.event)
        # A field the form already faulted was passed on as None; don't report it twice.
        problems = {name: message for name, message in problems.items() if not self._fields[name].errors}
        self.attach(problems)
        return valid and not problems


class FocusAreaForm(ServiceCheckedForm):
    name = StringField(_l("Namn"), filters=[strip], validators=[DataRequired(message=_l("Fyll i namn.")), limit(120)])
    description = TextAreaField(_l("Kort beskrivning"), filters=[strip], validators=[limit(500)], render_kw={"rows": 3})

    def values(self) -> dict[str, Any]:
        return {"name": self.name.data, "description": self.description.data}


class RoomForm(ServiceCheckedForm):
    name = StringField(_l("Namn"), filters=[strip], validators=[DataRequired(message=_l("Fyll i namn.")), limit(120)])
    capacity = CountField(_l("Antal platser"), description=_l("Lämna tomt om du inte vet."))
    description = StringField(_l("Beskrivning"), filters=[strip], validators=[limit(300)])

    def values(self) -> dict[str, Any]:
        return {"name": self.name.data, "capacity": self.capacity.data, "description": self.description.data}


class OrganisationForm(ServiceCheckedForm):
    name = StringField(_l("Namn"), filters=[strip], validators=[DataRequired(message=_l("Fyll i namn.")), limit(200)])
    contact_email = StringField(
        _l("E-postadress"),
        filters=[strip],
        validators=[DataRequired(message=_l("Fyll i organisationens e-postadress.")), limit(254)],
        render_kw={"type": "email", "autocomplete": "email"},
    )
    website = StringField(
        _l("Webbplats"),
        filters=[strip],
        validators=[limit(500)],
        description=_l("Valfri. Hela adressen, till exempel https://www.example.se."),
        render_kw={"type": "url"},
    )
    logo = StringField(
        _l("Logotyp"),
        filters=[strip],
        validators=[limit(300)],
        description=_l("Valfri. Sökväg till en bild under static/, till exempel img/logo.svg."),
    )
    # The host's parts of its accessibility statement (tillgänglighetsredogörelse).
    accessibility_compliance = ChoiceField(
        _l("Förenlighet med WCAG 2.1 nivå AA"),
        pairs=AccessibilityCompliance.choices(),
        default=AccessibilityCompliance.PARTIAL.value,
        description=_l("Hur väl webbplatsen uppfyller lagen om tillgänglighet till digital offentlig service."),
    )
    accessibility_known_issues = TextAreaField(
        _l("Innehåll som inte är tillgängligt"),
        filters=[strip],
        validators=[limit(20000)],
        description=_l("Valfri. Vilka brister ni känner till, varför, och när de ska vara åtgärdade. Markdown."),
    )
    accessibility_disproportionate_burden = TextAreaField(
        _l("Oskälig belastning"),
        filters=[strip],
        validators=[limit(20000)],
        description=_l(
            "Valfri. Innehåll som ni inte gör tillgängligt för att det vore en oskälig belastning, "
            "och skälen. Markdown."
        ),
    )
    accessibility_assessment = ChoiceField(
        _l("Hur tillgängligheten har granskats"),
        pairs=AccessibilityAssessment.choices(),
        default=AccessibilityAssessment.SELF.value,
    )
    accessibility_assessed_on = CalendarDateField(_l("Datum för granskningen"), description=_l("Valfri. ÅÅÅÅ-MM-DD."))
    accessibility_contact_email = StringField(
        _l("E-post för synpunkter på tillgängligheten"),
        filters=[strip],
        validators=[limit(254)],
        description=_l("Valfri. Lämna tomt så används organisationens e-postadress."),
        render_kw={"type": "email", "autocomplete": "off"},
    )
    accessibility_contact_phone = StringField(
        _l("Telefon för synpunkter på tillgängligheten"),
        filters=[strip],
        validators=[limit(40)],
        description=_l("Valfri."),
        render_kw={"type": "tel", "autocomplete": "off"},
    )
    accessibility_statement_updated_on = CalendarDateField(
        _l("Redogörelsen uppdaterades"), description=_l("Valfri. ÅÅÅÅ-MM-DD.")
    )

    def values(self) -> dict[str, Any]:
        return {name: self._fields[name].data for name in admin_services.ORGANISATION_FIELDS}

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # The statement's checks, so that a bad phone number shows up together with a bad date.
        _data, problems = admin_services.clean_accessibility(self.values())
        self.attach(problems)
        return valid and not problems


class ConfirmForm(FlaskForm):
    """A confirmation step for a destructive action: only its CSRF token and the button."""


class CancelEventForm(FlaskForm):
    confirm = BooleanField(
        _l("Jag förstår att anmälan stängs och att evenemangssidan visar att evenemanget är inställt."),
        validators=[DataRequired(message=_l("Kryssa i rutan för att bekräfta."))],
    )
