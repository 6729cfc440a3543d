"""Pieces every module's forms share: filters, checks with our own (Swedish, translated) messages,
and choices in the form the installed WTForms wants."""

from __future__ import annotations

import unicodedata

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from wtforms.validators import DataRequired, Length, ValidationError

try:
    from wtforms.fields.choices import SelectChoice
except ImportError:  # WTForms < 3.3
    SelectChoice = None

LENGTH_MESSAGE = _l("Får vara högst %(max)d tecken.")
REQUIRED_MESSAGE = _l("Fyll i fältet.")
LANGUAGE_CHOICES = [("sv", _l("Svenska")), ("en", _l("Engelska"))]


def strip(value):
    return value.strip() if isinstance(value, str) else value


def limit(maximum: int) -> Length:
    return Length(max=maximum, message=LENGTH_MESSAGE)


def required() -> DataRequired:
    return DataRequired(message=REQUIRED_MESSAGE)


def as_choices(pairs) -> list:
    """(value, label) pairs as WTForms wants them: SelectChoice objects from WTForms 3.3, tuples before."""
    return [SelectChoice(value, label) for value, label in pairs] if SelectChoice else list(pairs)


def plain_text(form, field) -> None:
    """No invisible control characters (line breaks and tabs are fine)."""
    if isinstance(field.data, str) and any(
        unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" for ch in field.data
    ):
        raise ValidationError(_l("Texten innehåller otillåtna tecken."))


def person_name(form, field) -> None:
    """Letters of any script (Åsa Öberg, Łukasz, Nguyễn, Zoë). Other characters are kept as typed
    (and shown as text): a name is the person's to write, only invisible control characters are refused.
    An empty value passes; required() decides whether it may be empty."""
    value = field.data or ""
    if not value:
        return
    if not any(ch.isalpha() for ch in value):
        raise ValidationError(_l("Skriv namnet med bokstäver."))
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs") for ch in value):
        raise ValidationError(_l("Namnet innehåller otillåtna tecken."))


def email_address(form, field) -> None:
    """A deliverable-looking address, normalised. We send without SMTPUTF8, so the part before the
    "@" must be ASCII."""
    try:
        result = validate_email(field.data or "", check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        raise ValidationError(_l("Skriv en giltig e-postadress, till exempel namn@exempel.se.")) from None
    field.data = result.normalized
