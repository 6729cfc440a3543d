"""The organiser's form for a programme item.

Checks that need the event (its days, rooms, focus areas, speakers) are the service's
(forum.programme.services.clean_item); the form runs them too, so every problem is shown next to
its field at once, with what was typed kept.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import ValidationError

from forum.events.forms import ChoiceField, CountField, LocalDateTimeField, ServiceCheckedForm
from forum.events.models import Event
from forum.forms import plain_text, strip
from forum.programme import services
from forum.programme.models import ProgrammeItemKind, ProgrammeItemStatus
from forum.registration.forms import MultiCheckboxField

LANGUAGE_PAIRS = [("", _l("Evenemangets språk")), ("sv", _l("Svenska")), ("en", _l("Engelska"))]


class RoomChoiceField(ChoiceField):
    def pre_validate(self, form):
        if self.data not in self.allowed:
            raise ValidationError(_l("Välj en av evenemangets lokaler."))


class SpeakerField(MultiCheckboxField):
    """The event's speakers; the order they are given in is the order they are presented in."""

    def pre_validate(self, form):
        allowed = {str(value) for value, *_rest in self.iter_choices()}
        if any(str(value) not in allowed for value in self.data or []):
            raise ValidationError(_l("Välj bland evenemangets talare."))


class ProgrammeItemForm(ServiceCheckedForm):
    title = StringField(_l("Titel"), filters=[strip], validators=[plain_text])
    kind = ChoiceField(_l("Typ"), pairs=ProgrammeItemKind.choices(), default=ProgrammeItemKind.TALK.value)
    starts_at = LocalDateTimeField(_l("Börjar"))
    ends_at = LocalDateTimeField(_l("Slutar"))
    room_id = RoomChoiceField(_l("Lokal"))
    description = TextAreaField(
        _l("Beskrivning"),
        filters=[strip],
        validators=[plain_text],
        description=_l(
            "Skrivs i Markdown: **fetstil**, *kursiv*, [länktext](https://exempel.se), "
            "listor med - i början av raden och en tom rad mellan stycken."
        ),
        render_kw={"rows": 8},
    )
    speaker_ids = SpeakerField(
        _l("Talare"),
        description=_l("Talarna visas i den ordning som anges i fältet Ordning (lägst först)."),
    )
    focus_area_ids = MultiCheckboxField(_l("Fokusområden"))
    language = ChoiceField(_l("Språk"), pairs=LANGUAGE_PAIRS, default="")
    requires_signup = BooleanField(_l("Deltagarna anmäler sig till programpunkten"))
    capacity = CountField(_l("Antal platser"), description=_l("Lämna tomt om antalet inte är begränsat."))
    links = TextAreaField(
        _l("Länkar till material"),
        filters=[strip],
        validators=[plain_text],
        description=_l("En länk per rad: Titel | https://adress. Högst 20."),
        render_kw={"rows": 4},
    )
    status = ChoiceField(_l("Status"), pairs=ProgrammeItemStatus.choices(), default=ProgrammeItemStatus.SCHEDULED.value)

    def __init__(self, *args, event: Event, formdata_order=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        self.room_id.set_pairs([("", _l("Ingen lokal"))] + [(room.id, room.name) for room in services.rooms(event)])
        self.focus_area_ids.choices = [(str(area.id), area.name) for area in services.focus_areas(event)]
        self.order = formdata_order or {}
        chosen = self.ordered_speaker_ids()
        speakers = services.speakers(event)
        # The item's speakers first, in their order; then the others by name.
        speakers.sort(key=lambda s: (chosen.index(str(s.id)) if str(s.id) in chosen else len(chosen), s.name))
        self.speaker_list = speakers
        self.speaker_ids.choices = [(str(s.id), _speaker_label(s)) for s in speakers]

    def ordered_speaker_ids(self) -> list[str]:
        """The chosen speakers, sorted by the numbers typed in their Ordning boxes (then as given)."""
        chosen = [str(value) for value in self.speaker_ids.data or []]

        def position(pair):
            index, speaker_id = pair
            raw = str(self.order.get(speaker_id, "")).strip()
            return (int(raw) if raw.isdigit() and len(raw) < 6 else 10_000 + index, index)

        return [speaker_id for _index, speaker_id in sorted(enumerate(chosen), key=position)]

    def values(self) -> dict[str, Any]:
        return {
            "title": self.title.data,
            "description": self.description.data,
            "kind": self.kind.data,
            "starts_at": self.starts_at.data,
            "ends_at": self.ends_at.data,
            "room_id": self.room_id.data or None,
            "focus_area_ids": list(self.focus_area_ids.data or []),
            "speaker_ids": self.ordered_speaker_ids(),
            "language": self.language.data or "",
            "requires_signup": self.requires_signup.data,
            "capacity": self.capacity.data,
            "links": self.links.data or "",
            "status": self.status.data,
        }

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        _data, problems = services.clean_item(self.event, self.values())
        # A field the form already faulted was passed on as None; don't report it twice.
        problems = {name: message for name, message in problems.items() if not self._fields[name].errors}
        self.attach(problems)
        return valid and not problems


def _speaker_label(speaker) -> str:
    extra = ", ".join(part for part in (speaker.title, speaker.organisation) if part)
    return f"{speaker.name} ({extra})" if extra else speaker.name


class ConfirmForm(FlaskForm):
    """A confirmation step for deleting an item: only its CSRF token and the button."""
