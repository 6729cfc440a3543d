"""Forms for logging in, passwords, accounts and event roles. Messages are Swedish msgids."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, ValidationError

from forum.auth.models import Role
from forum.auth.services import EMAIL_MAX_LENGTH, NAME_MAX_LENGTH, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH
from forum.forms import LANGUAGE_CHOICES, as_choices, strip
from forum.i18n import format_iso_day


class ValidEmail:
    """A syntactically valid address (no DNS look-up), with our own message."""

    def __init__(self, message=None):
        self.message = message or _l("Ange en giltig e-postadress, till exempel namn@example.se.")

    def __call__(self, form, field):
        if not field.data:
            return
        try:
            validate_email(field.data, check_deliverability=False)
        except EmailNotValidError as error:
            raise ValidationError(self.message) from error


def email_field(label=None):
    return EmailField(
        label or _l("E-postadress"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Fyll i e-postadress.")),
            Length(max=EMAIL_MAX_LENGTH, message=_l("E-postadressen får vara högst %(max)s tecken.")),
            ValidEmail(),
        ],
        render_kw={"autocomplete": "email", "maxlength": EMAIL_MAX_LENGTH},
    )


def name_field():
    return StringField(
        _l("Namn"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Fyll i namn.")),
            Length(max=NAME_MAX_LENGTH, message=_l("Namnet får vara högst %(max)s tecken.")),
        ],
        render_kw={"autocomplete": "name", "maxlength": NAME_MAX_LENGTH},
    )


def new_password_fields():
    new = PasswordField(
        _l("Nytt lösenord"),
        description=_l("Minst %(min)s tecken.", min=PASSWORD_MIN_LENGTH),
        validators=[
            DataRequired(message=_l("Fyll i ett nytt lösenord.")),
            Length(
                min=PASSWORD_MIN_LENGTH,
                max=PASSWORD_MAX_LENGTH,
                message=_l("Lösenordet måste vara %(min)s–%(max)s tecken."),
            ),
        ],
        render_kw={"autocomplete": "new-password", "maxlength": PASSWORD_MAX_LENGTH},
    )
    repeat = PasswordField(
        _l("Upprepa det nya lösenordet"),
        validators=[
            DataRequired(message=_l("Skriv det nya lösenordet en gång till.")),
            EqualTo("new_password", message=_l("Lösenorden är inte lika.")),
        ],
        render_kw={"autocomplete": "new-password", "maxlength": PASSWORD_MAX_LENGTH},
    )
    return new, repeat


class LoginForm(FlaskForm):
    email = email_field()
    password = PasswordField(
        _l("Lösenord"),
        validators=[
            DataRequired(message=_l("Fyll i lösenord.")),
            Length(max=PASSWORD_MAX_LENGTH, message=_l("Lösenordet får vara högst %(max)s tecken.")),
        ],
        render_kw={"autocomplete": "current-password", "maxlength": PASSWORD_MAX_LENGTH},
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Nuvarande lösenord"),
        validators=[
            DataRequired(message=_l("Fyll i ditt nuvarande lösenord.")),
            Length(max=PASSWORD_MAX_LENGTH, message=_l("Lösenordet får vara högst %(max)s tecken.")),
        ],
        render_kw={"autocomplete": "current-password", "maxlength": PASSWORD_MAX_LENGTH},
    )
    new_password, new_password_repeat = new_password_fields()


class ResetRequestForm(FlaskForm):
    email = email_field()


class ResetPasswordForm(FlaskForm):
    new_password, new_password_repeat = new_password_fields()


class NewUserForm(FlaskForm):
    email = email_field()
    name = name_field()
    language = SelectField(
        _l("Språk för e-post"),
        choices=as_choices(LANGUAGE_CHOICES),
        default="sv",
        validators=[InputRequired(message=_l("Välj språk."))],
    )
    is_admin = BooleanField(_l("Administratör (får hantera konton och alla evenemang)"))
    send_link = BooleanField(_l("Skicka också en länk där användaren väljer ett eget lösenord"))


class EditUserForm(FlaskForm):
    email = email_field()
    name = name_field()
    language = SelectField(
        _l("Språk för e-post"),
        choices=as_choices(LANGUAGE_CHOICES),
        validators=[InputRequired(message=_l("Välj språk."))],
    )
    active = BooleanField(_l("Aktivt konto (kan logga in)"))
    is_admin = BooleanField(_l("Administratör (får hantera konton och alla evenemang)"))


def _role_field():
    return SelectField(
        _l("Roll"),
        choices=as_choices(Role.choices()),
        default=Role.ORGANISER.value,
        validators=[InputRequired(message=_l("Välj roll."))],
    )


class AddRoleForm(FlaskForm):
    """On a user's page: a role on an event chosen from the list."""

    event_id = SelectField(
        _l("Evenemang"), coerce=int, validate_choice=True, validators=[InputRequired(message=_l("Välj evenemang."))]
    )
    role = _role_field()

    def set_events(self, events) -> None:
        self.event_id.choices = as_choices(
            (event.id, f"{event.title} ({format_iso_day(event.starts_at, event.timezone)})") for event in events
        )

    def validate_event_id(self, field):
        if not self.event_id.choices:
            raise ValidationError(_l("Det finns inga evenemang att välja."))


class TeamMemberForm(FlaskForm):
    """On an event's team page: an existing account, by e-mail address."""

    email = email_field(_l("Användarens e-postadress"))
    role = _role_field()


class ChangeRoleForm(FlaskForm):
    role = _role_field()


class ConfirmForm(FlaskForm):
    """A confirmation step for a destructive action: the CSRF token and a button."""


def show_error(form, error) -> None:
    """Show a service's AccountError next to its field, or as a message above the form when it names none."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "error")
