"""Forms of the organiser's registration screens beyond the shared registration form
(forum.registration.forms.registration_form, purpose=ORGANISER)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from forum.events.forms import ChoiceField
from forum.forms import LANGUAGE_CHOICES
from forum.registration.models import BadgeRole


class LanguageForm(FlaskForm):
    """The language of a manually added person's e-mails. Posted with the registration form, whose
    CSRF token covers the request, so this part carries none of its own."""

    class Meta:
        csrf = False

    language = ChoiceField(
        _l("Språk för e-post till personen"),
        pairs=LANGUAGE_CHOICES,
        description=_l("Bekräftelsen och senare meddelanden skickas på det här språket."),
    )


class BadgeRoleForm(FlaskForm):
    """The role printed on the person's badge. Posted with the registration form, whose CSRF token
    covers the request, so this part carries none of its own."""

    class Meta:
        csrf = False

    badge_role = ChoiceField(
        _l("Roll på namnbrickan"),
        pairs=[("", _l("Automatisk (talare, arrangör eller deltagare)")), *BadgeRole.choices()],
        description=_l("Skrivs med ord i färgfältet längst ned på namnbrickan och visas vid incheckningen."),
    )


class ActionForm(FlaskForm):
    """A POST button (approve, decline, cancel, …): only its CSRF token."""
