"""Forms of the organiser's invitee screens: one invitee by hand, the invitation text, and POST buttons.

Messages are Swedish msgids (the same as the registration form's where the check is the same).
"""

from __future__ import annotations

import unicodedata

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from forum.events.forms import ChoiceField
from forum.invitations import texts
from forum.invitations.models import ROLE_LENGTH
from forum.registration.models import EMAIL_LENGTH, NAME_LENGTH, ORGANISATION_LENGTH

LANGUAGE_CHOICES = [("sv", _l("Svenska")), ("en", _l("Engelska"))]
REQUIRED = _l("Fyll i fältet.")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _limit(maximum: int) -> Length:
    return Length(max=maximum, message=_l("Får vara högst %(max)d tecken."))


def _a_name(form, field) -> None:
    value = field.data or ""
    if not value:
        return
    if not any(ch.isalpha() for ch in value):
        raise ValidationError(_l("Skriv namnet med bokstäver."))
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs") for ch in value):
        raise ValidationError(_l("Namnet innehåller otillåtna tecken."))


def _plain(form, field) -> None:
    if isinstance(field.data, str) and any(
        unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" for ch in field.data
    ):
        raise ValidationError(_l("Texten innehåller otillåtna tecken."))


def _an_email(form, field) -> None:
    try:
        # Sent without SMTPUTF8, so the part before the "@" must be ASCII.
        result = validate_email(field.data or "", check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        raise ValidationError(_l("Skriv en giltig e-postadress, till exempel namn@exempel.se.")) from None
    field.data = result.normalized


def _placeholders(form, field) -> None:
    found = texts.problems(field.data or "")
    if found:
        raise ValidationError(" ".join(found))


def _with_link(form, field) -> None:
    if field.data and not texts.problems(field.data) and not texts.has_link(field.data):
        raise ValidationError(
            _l(
                "Texten behöver länken (%(placeholders)s): utan den kan mottagaren inte svara.",
                placeholders="{länk}, {link}",
            )
        )


class InviteeForm(FlaskForm):
    first_name = StringField(
        _l("Förnamn"),
        [DataRequired(message=REQUIRED), _limit(NAME_LENGTH), _a_name],
        filters=[_strip],
        render_kw={"autocomplete": "off"},
    )
    last_name = StringField(_l("Efternamn"), [_limit(NAME_LENGTH), _a_name], filters=[_strip])
    email = EmailField(
        _l("E-post"), [DataRequired(message=REQUIRED), _limit(EMAIL_LENGTH), _an_email], filters=[_strip]
    )
    organisation = StringField(_l("Organisation"), [_limit(ORGANISATION_LENGTH), _plain], filters=[_strip])
    role = StringField(
        _l("Roll"),
        [_limit(ROLE_LENGTH), _plain],
        filters=[_strip],
        description=_l("Till exempel beredskapssamordnare."),
    )
    language = ChoiceField(
        _l("Språk"),
        pairs=LANGUAGE_CHOICES,
        description=_l("Inbjudan och sidorna bakom länken visas på det här språket."),
    )


class TextForm(FlaskForm):
    """The invitation text in both languages and how many reminders each invitee may get."""

    subject_sv = StringField(
        _l("Ämnesrad på svenska"),
        [DataRequired(message=REQUIRED), _limit(texts.SUBJECT_LENGTH), _plain, _placeholders],
        filters=[_strip],
    )
    body_sv = TextAreaField(
        _l("Text på svenska"),
        [DataRequired(message=REQUIRED), _limit(texts.BODY_LENGTH), _plain, _placeholders, _with_link],
        render_kw={"rows": 16},
    )
    subject_en = StringField(
        _l("Ämnesrad på engelska"),
        [DataRequired(message=REQUIRED), _limit(texts.SUBJECT_LENGTH), _plain, _placeholders],
        filters=[_strip],
    )
    body_en = TextAreaField(
        _l("Text på engelska"),
        [DataRequired(message=REQUIRED), _limit(texts.BODY_LENGTH), _plain, _placeholders, _with_link],
        render_kw={"rows": 16},
    )
    max_reminders = ChoiceField(
        _l("Högst antal påminnelser per person"),
        pairs=[(str(number), str(number)) for number in range(texts.MAX_REMINDERS + 1)],
        description=_l("Påminnelser går bara till dem som inte har svarat."),
    )

    def text(self) -> texts.Text:
        return texts.Text(
            subject_sv=self.subject_sv.data or "",
            body_sv=texts.normalise_body(self.body_sv.data or ""),
            subject_en=self.subject_en.data or "",
            body_en=texts.normalise_body(self.body_en.data or ""),
            max_reminders=int(self.max_reminders.data or 0),
        )


class ActionForm(FlaskForm):
    """A POST button (send, remind, add the selected, remove): only its CSRF token."""
