"""The public call for contributions: the form at /e/<slug>/call, and the submitter's personal link
/c/<token> to see the proposal, edit it while it waits for review, or withdraw it."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import ValidationError

from forum.auth.policy import public
from forum.events.forms import ChoiceField
from forum.events.models import Event, EventStatus
from forum.events.services import public_event
from forum.extensions import db
from forum.forms import email_address, limit, person_name, plain_text, required, strip
from forum.programme import calls
from forum.programme.models import Proposal, ProposalFormat, ProposalStatus
from forum.security import private

bp = Blueprint("calls", __name__)

PRESENTER_ROWS = range(1, calls.MAX_PRESENTERS + 1)


class ProposalForm(FlaskForm):
    title = StringField(_l("Titel"), filters=[strip], validators=[required(), limit(calls.TITLE_LENGTH), plain_text])
    summary = TextAreaField(
        _l("Sammanfattning"),
        filters=[strip],
        validators=[required(), limit(calls.SUMMARY_LENGTH), plain_text],
        description=_l("Vad handlar bidraget om, och vad tar deltagarna med sig? Högst 5 000 tecken."),
        render_kw={"rows": 8},
    )
    focus_area = ChoiceField(_l("Fokusområde"), default="")
    format = ChoiceField(_l("Form"), pairs=ProposalFormat.choices())
    consent = BooleanField(_l("Jag har läst integritetsmeddelandet och samtycker till att uppgifterna sparas."))

    def __init__(self, *args, event: Event, with_consent: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        self.focus_area.set_pairs([("", _l("Inget särskilt"))] + [(str(a.id), a.name) for a in event.focus_areas])
        if not event.focus_areas:
            del self.focus_area
        if not with_consent:
            del self.consent

    def presenter_rows(self):
        return [
            (number, self[f"name_{number}"], self[f"email_{number}"], self[f"organisation_{number}"])
            for number in PRESENTER_ROWS
        ]

    def validate_consent(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("Du behöver samtycka för att kunna skicka in bidraget."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        seen: dict[str, int] = {}
        for number, name, email, organisation in self.presenter_rows():
            filled = bool(name.data or email.data or organisation.data)
            if number == 1 or filled:
                if not name.data and not name.errors:
                    name.errors = [*name.errors, _("Fyll i fältet.")]
                    valid = False
                if not email.data and not email.errors:
                    email.errors = [*email.errors, _("Fyll i fältet.")]
                    valid = False
            if email.data and not email.errors:
                try:
                    email_address(self, email)
                except ValidationError as error:
                    email.errors = [*email.errors, str(error)]
                    valid = False
                else:
                    key = email.data.casefold()
                    if key in seen:
                        email.errors = [*email.errors, _("Varje medverkande behöver en egen e-postadress.")]
                        valid = False
                    seen[key] = number
        return valid

    def data_for_service(self) -> calls.ProposalData:
        focus = getattr(self, "focus_area", None)
        return calls.ProposalData(
            title=self.title.data,
            summary=self.summary.data,
            format=ProposalFormat(self.format.data),
            focus_area_id=int(focus.data) if focus is not None and focus.data else None,
            presenters=[
                calls.Presenter(name=name.data, email=email.data, organisation=organisation.data or "")
                for _number, name, email, organisation in self.presenter_rows()
                if name.data and email.data
            ],
        )

    def attach(self, problems: dict[str, str]) -> None:
        for name, message in problems.items():
            field = self._fields.get(name)
            if field is not None:
                field.errors = [*field.errors, message]
            else:
                flash(message, "error")


for _number in PRESENTER_ROWS:
    setattr(
        ProposalForm,
        f"name_{_number}",
        StringField(_l("Namn"), filters=[strip], validators=[limit(calls.NAME_LENGTH), person_name]),
    )
    setattr(
        ProposalForm,
        f"email_{_number}",
        StringField(
            _l("E-post"),
            filters=[strip],
            validators=[limit(calls.EMAIL_LENGTH)],
            render_kw={"type": "email", "autocomplete": "email" if _number == 1 else "off"},
        ),
    )
    setattr(
        ProposalForm,
        f"organisation_{_number}",
        StringField(_l("Organisation"), filters=[strip], validators=[limit(calls.ORGANISATION_LENGTH), plain_text]),
    )


class ConfirmForm(FlaskForm):
    pass


def form_values(proposal: Proposal) -> dict:
    values = {
        "title": proposal.title,
        "summary": proposal.summary,
        "format": proposal.format.value,
        "focus_area": str(proposal.focus_area_id or ""),
    }
    for number, person in enumerate(proposal.presenters, start=1):
        values[f"name_{number}"] = person.get("name", "")
        values[f"email_{number}"] = person.get("email", "")
        values[f"organisation_{number}"] = person.get("organisation", "")
    return values


@bp.app_template_global()
def contribution_call_open(event: Event) -> bool:
    """For the event page: is there an open call to link to."""
    return calls.is_open(event)


def _event_or_404(slug: str) -> Event:
    event = public_event(slug)
    if event is None:
        abort(404)
    return event


@bp.route("/e/<slug>/call", methods=["GET", "POST"])
@public
def submit_form(slug: str):
    event = _event_or_404(slug)
    call = calls.call_for(event)
    if call is None or not calls.call_is_open(call) or event.status != EventStatus.PUBLISHED:
        return render_template("calls/closed.html", event=event, call=call), 200
    form = ProposalForm(event=event)
    if form.validate_on_submit():
        try:
            proposal, token = calls.submit(event, form.data_for_service(), language=str(get_locale() or "sv")[:2])
        except calls.Refused as refusal:
            db.session.rollback()
            form.attach(refusal.errors)
        else:
            db.session.commit()
            flash(
                _(
                    "Tack! Ditt bidrag är inskickat. Vi har skickat en bekräftelse till %(email)s.",
                    email=calls.submitter(proposal)["email"],
                ),
                "success",
            )
            return redirect(url_for("calls.proposal", token=token), code=303)
    return render_template("calls/form.html", event=event, call=call, form=form)


def _proposal_or_404(token: str) -> Proposal:
    proposal = calls.find_by_token(token)
    if proposal is None or proposal.event.status == EventStatus.DRAFT:
        abort(404)
    return proposal


@bp.route("/c/<token>", methods=["GET", "POST"])
@public
def proposal(token: str):
    proposal = _proposal_or_404(token)
    editable = proposal.status == ProposalStatus.SUBMITTED
    form = None
    if editable:
        form = ProposalForm(event=proposal.event, with_consent=False, data=form_values(proposal))
        if form.validate_on_submit():
            try:
                changed = calls.update(proposal, form.data_for_service())
            except calls.Refused as refusal:
                db.session.rollback()
                form.attach(refusal.errors)
            else:
                db.session.commit()
                flash(_("Ändringarna är sparade.") if changed else _("Inget ändrades."), "success")
                return redirect(url_for("calls.proposal", token=token), code=303)
    return private(
        render_template(
            "calls/proposal.html", proposal=proposal, event=proposal.event, form=form, token=token, editable=editable
        )
    )


@bp.route("/c/<token>/withdraw", methods=["GET", "POST"])
@public
def withdraw(token: str):
    proposal = _proposal_or_404(token)
    if proposal.status != ProposalStatus.SUBMITTED:
        return redirect(url_for("calls.proposal", token=token), code=303)
    form = ConfirmForm()
    if form.validate_on_submit():
        calls.withdraw(proposal)
        db.session.commit()
        flash(_("Ditt bidrag är återkallat."), "success")
        return redirect(url_for("calls.proposal", token=token), code=303)
    return private(render_template("calls/withdraw.html", proposal=proposal, event=proposal.event, form=form))
