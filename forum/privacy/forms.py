"""Forms of the privacy pages: retention rules, erasure requests and their confirmations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, StringField
from wtforms.validators import DataRequired, InputRequired

from forum.events.forms import CountField, ServiceCheckedForm
from forum.events.models import RetentionPolicy
from forum.forms import as_choices, email_address, limit, strip

INHERIT = "host"


class HostRetentionForm(ServiceCheckedForm):
    retention_policy = RadioField(
        _l("Regel för personuppgifter efter evenemangen"),
        choices=as_choices([(policy.value, policy.label) for policy in RetentionPolicy]),
        validators=[InputRequired(message=_l("Välj en regel."))],
    )
    retention_days = CountField(
        _l("Anonymisera efter (dagar efter evenemanget)"), description=_l("Gäller regeln att anonymisera.")
    )
    health_data_days = CountField(
        _l("Radera uppgifter om hälsa efter (dagar efter evenemanget)"),
        description=_l("Kost och tillgänglighet raderas alltid, också när anmälningarna sparas."),
    )


class EventRetentionForm(ServiceCheckedForm):
    retention_policy = RadioField(
        _l("Regel för det här evenemanget"),
        choices=as_choices(
            [(INHERIT, _l("Som värdorganisationen"))] + [(policy.value, policy.label) for policy in RetentionPolicy]
        ),
        validators=[InputRequired(message=_l("Välj en regel."))],
    )
    retention_days = CountField(
        _l("Anonymisera efter (dagar efter evenemanget)"), description=_l("Tomt: värdorganisationens antal dagar.")
    )

    def policy(self) -> RetentionPolicy | None:
        value = self.retention_policy.data
        return None if value == INHERIT else RetentionPolicy(value)


class ArchiveForm(FlaskForm):
    """The download buttons: a POST, since each download is audited."""


class EraseOwnForm(FlaskForm):
    confirm = BooleanField(
        _l("Jag förstår att mina uppgifter raderas och att det inte går att ångra."),
        validators=[DataRequired(message=_l("Kryssa i rutan för att bekräfta."))],
    )


class FindPersonForm(FlaskForm):
    email = StringField(
        _l("E-postadress"),
        filters=[strip],
        validators=[DataRequired(message=_l("Fyll i e-postadressen.")), limit(254), email_address],
        render_kw={"type": "email", "autocomplete": "off"},
    )


class ErasePersonForm(FlaskForm):
    # Carried from the first step in the POST body (never in the URL).
    email = HiddenField(validators=[DataRequired(), limit(254), email_address])
    confirm = BooleanField(
        _l("Jag har kontrollerat att begäran kommer från personen själv, och förstår att det inte går att ångra."),
        validators=[DataRequired(message=_l("Kryssa i rutan för att bekräfta."))],
    )
