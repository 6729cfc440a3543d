"""Forms of the organiser's invitee screens: one invitee by hand, the invitation text, and POST buttons.

Messages are Swedish msgids (the same as the registration form's where the check is the same).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import ValidationError

from forum.events.forms import ChoiceField
from forum.forms import LANGUAGE_CHOICES, email_address, limit, person_name, plain_text, required, strip
from forum.invitations import texts
from forum.invitations.models import ROLE_LENGTH
from forum.registration.models import EMAIL_LENGTH, NAME_LENGTH, ORGANISATION_LENGTH


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
        [required(), limit(NAME_LENGTH), person_name],
        filters=[strip],
        render_kw={"autocomplete": "off"},
    )
    last_name = StringField(_l("Efternamn"), [limit(NAME_LENGTH), person_name], filters=[strip])
    email = EmailField(_l("E-post"), [required(), limit(EMAIL_LENGTH), email_address], filters=[strip])
    organisation = StringField(_l("Organisation"), [limit(ORGANISATION_LENGTH), plain_text], filters=[strip])
    role = StringField(
        _l("Roll"),
        [limit(ROLE_LENGTH), plain_text],
        filters=[strip],
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
        [required(), limit(texts.SUBJECT_LENGTH), plain_text, _placeholders],
        filters=[strip],
    )
    body_sv = TextAreaField(
        _l("Text på svenska"),
        [required(), limit(texts.BODY_LENGTH), plain_text, _placeholders, _with_link],
        render_kw={"rows": 16},
    )
    subject_en = StringField(
        _l("Ämnesrad på engelska"),
        [required(), limit(texts.SUBJECT_LENGTH), plain_text, _placeholders],
        filters=[strip],
    )
    body_en = TextAreaField(
        _l("Text på engelska"),
        [required(), limit(texts.BODY_LENGTH), plain_text, _placeholders, _with_link],
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
