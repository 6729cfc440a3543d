"""The organiser's message form (forum.mail.broadcast_views)."""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from forum.events.forms import ChoiceField, ServiceCheckedForm
from forum.forms import LANGUAGE_CHOICES, LENGTH_MESSAGE, plain_text, strip
from forum.mail.broadcast import BODY_LENGTH, SUBJECT_LENGTH, Draft, Segment


class MessageForm(ServiceCheckedForm):
    """Compose, preview and send post the same fields; the preview carries them as hidden inputs."""

    segment = ChoiceField(_l("Mottagare"), description=_l("Antalet mottagare står inom parentes."))
    subject = StringField(
        _l("Ämnesrad"),
        [
            DataRequired(message=_l("Skriv en ämnesrad.")),
            Length(max=SUBJECT_LENGTH, message=LENGTH_MESSAGE),
            plain_text,
        ],
        filters=[strip],
        render_kw={"maxlength": SUBJECT_LENGTH},
    )
    body = TextAreaField(
        _l("Meddelande"),
        [
            DataRequired(message=_l("Skriv meddelandet.")),
            Length(max=BODY_LENGTH, message=LENGTH_MESSAGE),
            plain_text,
        ],
        description=_l(
            "Vanlig text. Varje mottagare hälsas med sitt förnamn före texten, och evenemangets namn och "
            "länk står sist. Tom rad ger nytt stycke."
        ),
        render_kw={"maxlength": BODY_LENGTH, "rows": 12},
    )
    language = ChoiceField(
        _l("Språk för hälsning och sidfot"),
        pairs=LANGUAGE_CHOICES,
        description=_l("Din text skickas som du skrev den, till alla på samma språk."),
    )
    # The form's one-time key: the same message submitted twice is sent once.
    submission = HiddenField(validators=[Length(max=64, message=LENGTH_MESSAGE)])
    # The recipient count the preview showed; sending checks it has not changed meanwhile.
    expected = HiddenField(validators=[Length(max=12, message=LENGTH_MESSAGE)])

    def offer(self, segments: list[Segment], counts: dict[str, int]) -> None:
        self.segment.set_pairs([(segment.key, f"{segment.label} ({counts[segment.key]})") for segment in segments])
        if not self.submission.data:
            self.submission.data = secrets.token_urlsafe(16)

    def draft(self) -> Draft:
        return Draft(subject=self.subject.data or "", body=self.body.data or "", language=self.language.data or "sv")
