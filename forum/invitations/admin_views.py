"""Organiser screens for an event's invitees: the list with each invitee's state, sending invitations
and reminders, adding people by hand, from the interest list and from the host's earlier events,
removing them, and the invitation text with a preview.

Importing a file or a pasted list lives at /admin/events/<slug>/invitees/import (its own module).
Thin views: the changes are forum.invitations.services' and .sending's (audited); the view checks
the input, commits and tells the organiser what happened.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from forum.auth.policy import Permission, requires
from forum.events.models import Event
from forum.extensions import db
from forum.invitations import admin_services, sending, services, texts
from forum.invitations.admin_forms import ActionForm, InviteeForm, TextForm
from forum.invitations.models import InvitationState, Invitee, InviteeSource
from forum.privacy import audit

bp = Blueprint("invitations_admin", __name__, url_prefix="/admin/events/<slug>/invitees")

QUERY_LENGTH = 200

# What this module's audit actions mean, for the event's log page (forum.events.admin_views.AUDIT_LABELS).
AUDIT_LABELS = {
    "invitees.added": _l("Inbjudna lades till"),
    "invitee.removed": _l("En inbjuden togs bort"),
    "invitations.sent": _l("Inbjudningar skickades"),
    "invitations.reminded": _l("Påminnelser skickades"),
    "invitations.text_saved": _l("Inbjudningstexten sparades"),
    "invitation.declined": _l("En inbjuden tackade nej"),
}
audit.register_labels(AUDIT_LABELS)


# --- helpers -----------------------------------------------------------------------------------


def _to_list(event: Event, **args):
    return redirect(url_for("invitations_admin.invitees", slug=event.slug, **args), code=303)


def _list_args() -> dict:
    """The list's filter, search and page, carried through a POST back to the same view of the list."""
    args = {}
    state = request.form.get("state", "")
    if state in {member.value for member in InvitationState}:
        args["state"] = state
    query = request.form.get("q", "").strip()[:QUERY_LENGTH]
    if query:
        args["q"] = query
    page = request.form.get("page", type=int)
    if page and page > 1:
        args["page"] = page
    return args


def _state_filter() -> InvitationState | None:
    value = request.args.get("state", "")
    return InvitationState(value) if value in {member.value for member in InvitationState} else None


def _checked_ids(name: str) -> list[int]:
    return sorted({int(value) for value in request.form.getlist(name) if value.isdigit() and len(value) < 12})


def _invitee(event: Event, invitee_id: int) -> Invitee:
    invitee = admin_services.find(event, invitee_id)
    if invitee is None:
        abort(404)
    return invitee


def _flash_added(added: list[Invitee], offered: int) -> None:
    if added:
        flash(ngettext("%(num)d person är tillagd.", "%(num)d personer är tillagda.", len(added)), "success")
    skipped = offered - len(added)
    if skipped:
        flash(
            ngettext(
                "%(num)d var redan inbjuden och lades inte till igen.",
                "%(num)d var redan inbjudna och lades inte till igen.",
                skipped,
            ),
            "info",
        )


# --- the list ----------------------------------------------------------------------------------


@bp.get("")
@requires(Permission.EVENT_MANAGE)
def invitees(event: Event):
    state = _state_filter()
    query = request.args.get("q", "").strip()[:QUERY_LENGTH]
    page = admin_services.search(event, state=state, query=query, page=max(request.args.get("page", 1, type=int), 1))
    text = texts.text_for(event)
    return render_template(
        "admin/invitations/list.html",
        event=event,
        page=page,
        state=state,
        query=query,
        counts=admin_services.state_counts(event),
        states=list(InvitationState),
        unsent=len(admin_services.not_yet_invited_ids(event)),
        reminders=sending.reminder_count(event),
        max_reminders=text.max_reminders,
        text_saved=text.saved,
        blocked=sending.blocked(event),
        form=ActionForm(formdata=None),
    )


@bp.post("/send")
@requires(Permission.EVENT_MANAGE)
def send(event: Event):
    if not ActionForm().validate_on_submit():
        abort(400)
    if reason := sending.blocked(event):
        flash(reason, "error")
        return _to_list(event, **_list_args())
    if request.form.get("scope") == "unsent":
        chosen = admin_services.not_yet_invited_ids(event)
        if not chosen:
            flash(_("Alla har redan fått en inbjudan."), "info")
            return _to_list(event, **_list_args())
    else:
        chosen = [invitee.id for invitee in admin_services.of_event(event, _checked_ids("invitee"))]
        if not chosen:
            flash(_("Markera minst en person i listan först."), "error")
            return _to_list(event, **_list_args())
    count = sending.send_invitations(event, chosen, by=current_user)
    db.session.commit()
    if count:
        flash(
            ngettext(
                "%(num)d inbjudan ligger i utkorgen och skickas nu.",
                "%(num)d inbjudningar ligger i utkorgen och skickas nu.",
                count,
            ),
            "success",
        )
    if len(chosen) > count:
        flash(
            ngettext(
                "%(num)d har redan svarat och fick ingen ny inbjudan.",
                "%(num)d har redan svarat och fick ingen ny inbjudan.",
                len(chosen) - count,
            ),
            "info",
        )
    return _to_list(event, **_list_args())


@bp.post("/remind")
@requires(Permission.EVENT_MANAGE)
def remind(event: Event):
    if not ActionForm().validate_on_submit():
        abort(400)
    if reason := sending.blocked(event):
        flash(reason, "error")
        return _to_list(event, **_list_args())
    count = sending.send_reminders(event, by=current_user)
    db.session.commit()
    if count:
        flash(
            ngettext(
                "%(num)d påminnelse ligger i utkorgen och skickas nu.",
                "%(num)d påminnelser ligger i utkorgen och skickas nu.",
                count,
            ),
            "success",
        )
    else:
        flash(
            _(
                "Ingen påminnelse skickades. Alla har svarat, har inte fått någon inbjudan än "
                "eller har fått så många påminnelser som är tillåtet."
            ),
            "info",
        )
    return _to_list(event, **_list_args())


@bp.route("/<int:invitee_id>/remove", methods=["GET", "POST"])
@requires(Permission.EVENT_MANAGE)
def remove(event: Event, invitee_id: int):
    invitee = _invitee(event, invitee_id)
    form = ActionForm()
    if form.validate_on_submit():
        name = invitee.name or invitee.email
        services.remove_invitee(invitee, by=current_user)
        db.session.commit()
        flash(_("%(name)s är borttagen från listan över inbjudna.", name=name), "success")
        return _to_list(event)
    return render_template("admin/invitations/remove.html", event=event, invitee=invitee, form=form)


# --- adding ------------------------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.EVENT_MANAGE)
def invitee_new(event: Event):
    form = InviteeForm(data=None if request.method == "POST" else {"language": event.language.value})
    existing = None
    if form.validate_on_submit():
        key = services.email_key(form.email.data)
        if key in services.invited_keys(event):
            existing = admin_services.by_email(event, key)
            form.email.errors = [_("%(email)s är redan inbjuden till evenemanget.", email=form.email.data)]
        else:
            person = services.InviteeData(
                email=form.email.data,
                first_name=form.first_name.data or "",
                last_name=form.last_name.data or "",
                organisation=form.organisation.data or "",
                role=form.role.data or "",
                language=form.language.data,
            )
            [added] = services.add_invitees(event, [person], InviteeSource.MANUAL, by=current_user)
            db.session.commit()
            flash(_("%(name)s är tillagd. Inbjudan skickas när du väljer att skicka den.", name=added.name), "success")
            if request.form.get("another"):
                return redirect(url_for("invitations_admin.invitee_new", slug=event.slug), code=303)
            return _to_list(event)
    return render_template("admin/invitations/new.html", event=event, form=form, existing=existing)


@bp.route("/interest", methods=["GET", "POST"])
@requires(Permission.EVENT_MANAGE)
def from_interest(event: Event):
    candidates = admin_services.interest_candidates(event)
    form = ActionForm()
    if form.validate_on_submit():
        chosen = set(_checked_ids("interest"))
        people = [
            services.InviteeData(
                email=interest.email,
                first_name=services.split_name(interest.name)[0],
                last_name=services.split_name(interest.name)[1],
                organisation=interest.organisation,
                language=interest.language,
            )
            for interest in candidates
            if interest.id in chosen
        ]
        if not people:
            flash(_("Markera minst en person först."), "error")
        else:
            added = services.add_invitees(event, people, InviteeSource.INTEREST, by=current_user)
            db.session.commit()
            _flash_added(added, len(people))
            return _to_list(event)
    return render_template("admin/invitations/interest.html", event=event, candidates=candidates, form=form)


@bp.route("/network", methods=["GET", "POST"])
@requires(Permission.EVENT_MANAGE)
def from_network(event: Event):
    form = ActionForm()
    if form.validate_on_submit():
        whole_event = request.form.get("whole_event", "")
        if whole_event.isdigit():
            registrations = admin_services.network_registrations(event, event_id=int(whole_event))
        else:
            registrations = admin_services.network_registrations(event, _checked_ids("registration"))
        if not registrations:
            flash(_("Markera minst en person först."), "error")
        else:
            people = [
                services.InviteeData(
                    email=registration.email,
                    first_name=registration.first_name,
                    last_name=registration.last_name,
                    organisation=registration.organisation,
                    language=registration.language,
                )
                for registration in registrations
            ]
            added = services.add_invitees(event, people, InviteeSource.NETWORK, by=current_user)
            db.session.commit()
            _flash_added(added, len(people))
            return _to_list(event)
    return render_template(
        "admin/invitations/network.html", event=event, groups=admin_services.network_candidates(event), form=form
    )


# --- the text ----------------------------------------------------------------------------------


@bp.route("/text", methods=["GET", "POST"])
@requires(Permission.EVENT_MANAGE)
def text(event: Event):
    current = texts.text_for(event)
    chosen_id = request.args.get("invitee", type=int)
    chosen = admin_services.find(event, chosen_id) if chosen_id else None
    choices = admin_services.preview_choices(event, chosen)
    example = chosen or (choices[0] if choices else None)
    form = TextForm(
        data=None
        if request.method == "POST"
        else {
            "subject_sv": current.subject_sv,
            "body_sv": current.body_sv,
            "subject_en": current.subject_en,
            "body_en": current.body_en,
            "max_reminders": str(current.max_reminders),
        }
    )
    shown = current
    if form.validate_on_submit():
        shown = form.text()
        if request.form.get("action") != "preview":
            texts.save(event, shown, by=current_user)
            db.session.commit()
            flash(_("Inbjudningstexten är sparad."), "success")
            return redirect(
                url_for("invitations_admin.text", slug=event.slug, invitee=chosen.id if chosen else None), code=303
            )
    previews = []
    if example is not None and not form.errors:
        for language in texts.LANGUAGES:
            subject, body = sending.preview(event, example, shown, language)
            previews.append({"language": language, "subject": subject, "body": body})
    return render_template(
        "admin/invitations/text.html",
        event=event,
        form=form,
        saved=current.saved,
        placeholders=list(texts.placeholders()),
        example=example,
        choices=choices,
        previews=previews,
        previewing_unsaved=request.method == "POST",
    )
