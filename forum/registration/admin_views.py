"""Organiser screens for an event's registrations: the list with counts, filters and search; one
registration's page with its actions (approve, decline, cancel, move from the waiting list, new
link) and history; manual add and edit; and the interest sign-ups of a preliminary date.

Thin views: the changes are forum.registration.services' (they write the audit log and queue the
e-mail); the view checks that the action fits the registration's status, commits and tells the
organiser what happened.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from forum.auth.policy import Permission, requires
from forum.badges import services as badges
from forum.events.models import Event
from forum.events.services import registration_state
from forum.extensions import db
from forum.privacy import audit
from forum.registration import admin_services, municipalities, services
from forum.registration.admin_forms import ActionForm, BadgeRoleForm, LanguageForm
from forum.registration.forms import NO, ORGANISER, YES, registration_form
from forum.registration.models import (
    ACTIVE_STATUSES,
    BadgeRole,
    DietaryOption,
    InterestKind,
    OrganisationType,
    QuestionKind,
    Registration,
    RegistrationSource,
    RegistrationStatus,
)
from forum.registration.views import workshop_labels
from forum.reports import participants

bp = Blueprint("registrations_admin", __name__, url_prefix="/admin/events/<slug>")

# What this module's audit actions mean, for a registration's history (and the event's log page).
AUDIT_LABELS = {
    "registration.added": _l("Anmälan lades till av arrangör"),
    "registration.updated": _l("Uppgifterna ändrades"),
    "registration.approved": _l("Anmälan godkändes"),
    "registration.declined": _l("Anmälan avböjdes"),
    "registration.cancelled": _l("Anmälan avbokades"),
    "registration.moved_from_waiting_list": _l("Flyttades från väntelistan av arrangör"),
    "registration.promoted": _l("Fick en ledig plats från väntelistan"),
    "registration.unsubscribed": _l("Avslutade utskicken om nätverkets arbete"),
    "registration.link_renewed": _l("En ny personlig länk skickades"),
}
audit.register_labels(AUDIT_LABELS)

# Which registrations each action applies to.
ALLOWED = {
    "approve": (RegistrationStatus.PENDING,),
    "decline": ACTIVE_STATUSES,
    "cancel": ACTIVE_STATUSES,
    "confirm_waiting": (RegistrationStatus.WAITING,),
    "new_link": ACTIVE_STATUSES,
}


@bp.app_context_processor
def _interest_flag():
    # The event navigation (templates/admin/events/_nav.html) shows the interest list only when it matters.
    return {"event_has_interests": admin_services.has_interests}


# --- helpers -----------------------------------------------------------------------------------


def _registration(event: Event, registration_id: int) -> Registration:
    registration = admin_services.find(event, registration_id)
    if registration is None:
        abort(404)
    return registration


def _to_detail(registration: Registration):
    return redirect(
        url_for("registrations_admin.registration", slug=registration.event.slug, registration_id=registration.id),
        code=303,
    )


def _page_number() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


def _form(event: Event, registration: Registration | None = None):
    return registration_form(
        event,
        purpose=ORGANISER,
        registration=registration,
        workshop_labels=workshop_labels(event, registration),
        event_questions=services.questions(event),
    )


def _not_allowed(registration: Registration):
    flash(
        _("Det går inte med anmälans nuvarande status (%(status)s).", status=registration.status.label),
        "error",
    )
    return _to_detail(registration)


def _over_capacity(event: Event) -> bool:
    """Confirming one more now would go beyond the event's seats."""
    return event.capacity is not None and services.confirmed_count(event) >= event.capacity


def _flash_promoted(promoted: list[Registration]) -> None:
    if promoted:
        names = ", ".join(registration.name for registration in promoted)
        flash(_("Fick en plats från väntelistan: %(names)s.", names=names), "info")


# --- the list ----------------------------------------------------------------------------------


@bp.get("/registrations")
@requires(Permission.EVENT_MANAGE)
def registrations(event: Event):
    """The participant list: filters, sorting and pages (forum.reports.participants), bulk actions
    (forum.reports.bulk_views) and exports of the same filtered rows (forum.reports.export_views)."""
    filters = participants.Filters.from_args(request.args)
    size = request.args.get("size", type=int)
    size = size if size in participants.PAGE_SIZES else participants.PAGE_SIZE
    page = participants.page(event, filters, _page_number(), size)
    return render_template(
        "admin/registrations/list.html",
        event=event,
        page=page,
        filters=filters,
        status=filters.status,
        query=filters.q,
        size=size,
        choices=participants.choices(event),
        sorts=participants.SORTS,
        organisation_types=list(OrganisationType),
        checked_in=participants.checked_in_ids([registration.id for registration in page.items]),
        action_form=ActionForm(formdata=None),
        counts=services.counts(event),
        confirmed=services.confirmed_count(event),
        seats_left=services.seats_left(event),
        positions=admin_services.waiting_positions(event),
        statuses=list(RegistrationStatus),
    )


# --- one registration --------------------------------------------------------------------------


def _answer_text(question, value) -> str:
    if value in (None, "", []):
        return ""
    if question.kind == QuestionKind.YES_NO:
        return {YES: _("Ja"), NO: _("Nej")}.get(value, str(value))
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def _dietary_labels(values: list[str]) -> list[str]:
    known = {option.value: option.label for option in DietaryOption}
    return [str(known.get(value, value)) for value in values or []]


@bp.get("/registrations/<int:registration_id>")
@requires(Permission.EVENT_MANAGE)
def registration(event: Event, registration_id: int):
    item = _registration(event, registration_id)
    answers = {answer.question_id: answer.value for answer in item.answers}
    municipality = municipalities.by_code(item.municipality_code) if item.municipality_code else None
    return render_template(
        "admin/registrations/detail.html",
        event=event,
        registration=item,
        position=services.waiting_position(item),
        answers=[
            (question, _answer_text(question, answers.get(question.id))) for question in services.questions(event)
        ],
        municipality=municipality.name if municipality else item.municipality_code,
        organisation_type=OrganisationType(item.organisation_type).label if item.organisation_type else "",
        dietary=_dietary_labels(item.dietary),
        history=admin_services.history(item),
        status_labels={status.value: status.label for status in RegistrationStatus},
        over_capacity=_over_capacity(event),
        confirmed=services.confirmed_count(event),
        allowed={action: item.status in statuses for action, statuses in ALLOWED.items()},
        form=ActionForm(formdata=None),
    )


@bp.post("/registrations/<int:registration_id>/approve")
@requires(Permission.EVENT_MANAGE)
def registration_approve(event: Event, registration_id: int):
    item = _registration(event, registration_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if item.status not in ALLOWED["approve"]:
        return _not_allowed(item)
    services.approve(item, by=current_user)
    db.session.commit()
    if item.status == RegistrationStatus.CONFIRMED:
        flash(
            _("%(name)s är godkänd och har fått en plats. Ett e-postmeddelande är på väg.", name=item.name), "success"
        )
    else:
        flash(
            _(
                "%(name)s är godkänd, men evenemanget är fullt: personen står på väntelistan som nummer %(position)d.",
                name=item.name,
                position=services.waiting_position(item) or 0,
            ),
            "warning",
        )
    return _to_detail(item)


def _confirmed_end(event: Event, registration_id: int, action: str, texts: dict):
    """Decline and cancel: a confirmation page first; the POST does it and says who got the seat."""
    item = _registration(event, registration_id)
    if item.status not in ALLOWED[action]:
        return _not_allowed(item)
    form = ActionForm()
    if form.validate_on_submit():
        waiting_before = admin_services.waiting_ids(event) - {item.id}
        (services.decline if action == "decline" else services.cancel)(item, by=current_user)
        promoted = admin_services.newly_confirmed(waiting_before)
        db.session.commit()
        flash(texts["done"](item.name), "success")
        _flash_promoted(promoted)
        return _to_detail(item)
    promotes = (
        item.status == RegistrationStatus.CONFIRMED
        and bool(admin_services.waiting_ids(event))
        and (event.capacity is None or services.confirmed_count(event) - 1 < event.capacity)
    )
    return render_template(
        "admin/registrations/confirm.html",
        event=event,
        registration=item,
        form=form,
        action=action,
        title=texts["title"],
        consequence=texts["consequence"],
        button=texts["button"],
        promotes=promotes,
    )


@bp.route("/registrations/<int:registration_id>/decline", methods=["GET", "POST"])
@requires(Permission.EVENT_MANAGE)
def registration_decline(event: Event, registration_id: int):
    return _confirmed_end(
        event,
        registration_id,
        "decline",
        {
            "title": _("Avböja anmälan?"),
            "consequence": _("Personen får ett e-postmeddelande om att anmälan är avböjd."),
            "button": _("Avböj anmälan"),
            "done": lambda name: _("Anmälan från %(name)s är avböjd. Personen får ett e-postmeddelande.", name=name),
        },
    )


@bp.route("/registrations/<int:registration_id>/cancel", methods=["GET", "POST"])
@requires(Permission.EVENT_MANAGE)
def registration_cancel(event: Event, registration_id: int):
    return _confirmed_end(
        event,
        registration_id,
        "cancel",
        {
            "title": _("Avboka anmälan?"),
            "consequence": _("Personen får en bekräftelse på avbokningen per e-post."),
            "button": _("Avboka anmälan"),
            "done": lambda name: _(
                "Anmälan från %(name)s är avbokad. Personen får en bekräftelse per e-post.", name=name
            ),
        },
    )


@bp.post("/registrations/<int:registration_id>/move-from-waiting-list")
@requires(Permission.EVENT_MANAGE)
def registration_confirm_waiting(event: Event, registration_id: int):
    item = _registration(event, registration_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if item.status not in ALLOWED["confirm_waiting"]:
        return _not_allowed(item)
    services.confirm_waiting(item, by=current_user)
    db.session.commit()
    flash(_("%(name)s har flyttats från väntelistan och har fått en plats.", name=item.name), "success")
    confirmed = services.confirmed_count(event)
    if event.capacity is not None and confirmed > event.capacity:
        flash(
            _(
                "Evenemanget har nu %(confirmed)d bekräftade deltagare men bara %(capacity)d platser.",
                confirmed=confirmed,
                capacity=event.capacity,
            ),
            "warning",
        )
    return _to_detail(item)


@bp.post("/registrations/<int:registration_id>/new-link")
@requires(Permission.EVENT_MANAGE)
def registration_new_link(event: Event, registration_id: int):
    item = _registration(event, registration_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if item.status not in ALLOWED["new_link"]:
        return _not_allowed(item)
    services.new_link(item, by=current_user)
    db.session.commit()
    flash(
        _("En ny personlig länk är skickad till %(email)s. Den gamla länken fungerar inte längre.", email=item.email),
        "success",
    )
    return _to_detail(item)


# --- manual add and edit -----------------------------------------------------------------------


@bp.route("/registrations/new", methods=["GET", "POST"])
@requires(Permission.EVENT_MANAGE)
def registration_new(event: Event):
    form = _form(event)
    language_form = LanguageForm(data={"language": event.language.value})
    existing = None
    if request.method == "POST":
        valid = form.validate_on_submit()
        valid = language_form.validate() and valid
        if valid:
            try:
                outcome = services.register(
                    event,
                    form.details(),
                    language=language_form.language.data,
                    source=RegistrationSource.ORGANISER,
                    by=current_user,
                )
            except services.Refused as refusal:
                db.session.rollback()
                form.attach(refusal.errors)
            else:
                if outcome.existing:
                    # Nothing new is made; the link e-mail register() queued for the person is not wanted here.
                    existing_id = outcome.registration.id
                    db.session.rollback()
                    existing = admin_services.find(event, existing_id)
                    form.attach({"email": _("Personen är redan anmäld till evenemanget.")})
                else:
                    db.session.commit()
                    _flash_added(outcome.registration)
                    return _to_detail(outcome.registration)
    return render_template(
        "admin/registrations/form.html",
        event=event,
        form=form,
        language_form=language_form,
        registration=None,
        title=_("Lägg till anmälan"),
        existing=existing,
        state=registration_state(event),
        seats_left=services.seats_left(event),
    )


def _flash_added(item: Registration) -> None:
    if item.status == RegistrationStatus.CONFIRMED:
        flash(_("%(name)s är anmäld och har fått en plats.", name=item.name), "success")
    else:
        flash(
            _(
                "%(name)s är anmäld, men evenemanget är fullt: personen står på väntelistan som nummer %(position)d.",
                name=item.name,
                position=services.waiting_position(item) or 0,
            ),
            "warning",
        )


@bp.route("/registrations/<int:registration_id>/edit", methods=["GET", "POST"])
@requires(Permission.EVENT_MANAGE)
def registration_edit(event: Event, registration_id: int):
    item = _registration(event, registration_id)
    if not item.is_active:
        flash(_("En avbokad eller avböjd anmälan kan inte ändras."), "info")
        return _to_detail(item)
    form = _form(event, item)
    badge_form = BadgeRoleForm(data={"badge_role": item.badge_role.value if item.badge_role else ""})
    valid = form.validate_on_submit()
    if valid and badge_form.validate():
        try:
            services.update(item, form.details(), by=current_user)
            role = badge_form.badge_role.data
            badges.set_role(item, BadgeRole(role) if role else None, by=current_user)
        except services.Refused as refusal:
            db.session.rollback()
            item = _registration(event, registration_id)
            form.attach(refusal.errors)
        else:
            db.session.commit()
            flash(_("Ändringarna är sparade."), "success")
            return _to_detail(item)
    return render_template(
        "admin/registrations/form.html",
        event=event,
        form=form,
        language_form=None,
        registration=item,
        title=_("Ändra anmälan från %(name)s", name=item.name),
        badge_form=badge_form,
        existing=None,
        state=None,
        seats_left=None,
    )


# --- interest sign-ups (preliminary date) --------------------------------------------------------


@bp.get("/interest")
@requires(Permission.EVENT_MANAGE)
def interests(event: Event):
    return render_template(
        "admin/registrations/interest.html",
        event=event,
        page=services.interests(event, _page_number()),
        counts=admin_services.interest_counts(event),
        kind_labels={kind.value: kind.label for kind in InterestKind},
    )
