"""Admin screens for accounts and their event roles, and each event's team page for its owners."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from forum.auth import services
from forum.auth.forms import (
    AddRoleForm,
    ChangeRoleForm,
    ConfirmForm,
    EditUserForm,
    NewUserForm,
    TeamMemberForm,
    show_error,
)
from forum.auth.models import EventRole, User
from forum.auth.policy import Permission, allows, requires
from forum.events.models import Event
from forum.extensions import db

bp = Blueprint("users_admin", __name__, url_prefix="/admin")


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _role_or_404(role_id: int, *, user: User | None = None, event=None) -> EventRole:
    event_role = db.session.get(EventRole, role_id)
    if event_role is None:
        abort(404)
    if user is not None and event_role.user_id != user.id:
        abort(404)
    if event is not None and event_role.event_id != event.id:
        abort(404)
    return event_role


def _actor() -> User:
    return current_user._get_current_object()


# --- accounts -------------------------------------------------------------------------------


@bp.get("/users")
@requires(Permission.ADMIN)
def users():
    query = request.args.get("q", "").strip()[:200]
    page = services.search_users(query, request.args.get("page", 1, type=int))
    return render_template("admin/users/list.html", page=page, query=query)


@bp.route("/users/new", methods=["GET", "POST"])
@requires(Permission.ADMIN)
def new_user():
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            user, password = services.create_user(
                form.email.data,
                form.name.data,
                admin=form.is_admin.data,
                language=form.language.data,
                actor=_actor(),
                send_link=form.send_link.data,
            )
        except services.AccountError as error:
            show_error(form, error)
        else:
            # Shown in this response only: never stored in the session or anywhere else.
            html = render_template("admin/users/created.html", user=user, password=password, sent=form.send_link.data)
            return html, 200, {"Cache-Control": "no-store"}
    return render_template("admin/users/new.html", form=form)


def _render_user_page(user: User, form: EditUserForm, role_form: AddRoleForm, status: int = 200):
    role_form.set_events(services.events_for_choice())
    return (
        render_template(
            "admin/users/edit.html", user=user, form=form, role_form=role_form, roles=services.roles_of(user)
        ),
        status,
    )


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@requires(Permission.ADMIN)
def edit_user(user_id: int):
    user = _user_or_404(user_id)
    form = EditUserForm(obj=user, language=user.preferred_language)
    if form.validate_on_submit():
        try:
            services.update_user(
                _actor(),
                user,
                email=form.email.data,
                name=form.name.data,
                active=form.active.data,
                admin=form.is_admin.data,
                language=form.language.data,
            )
        except services.AccountError as error:
            show_error(form, error)
        else:
            flash(_("Ändringarna är sparade."), "success")
            return redirect(url_for("users_admin.edit_user", user_id=user.id))
    return _render_user_page(user, form, AddRoleForm(formdata=None, prefix="role"))


@bp.post("/users/<int:user_id>/roles")
@requires(Permission.ADMIN)
def add_role(user_id: int):
    user = _user_or_404(user_id)
    role_form = AddRoleForm(prefix="role")
    role_form.set_events(services.events_for_choice())
    if role_form.validate_on_submit():
        event = db.session.get(Event, role_form.event_id.data)
        try:
            services.grant_role(_actor(), user, event, role_form.role.data)
        except services.AccountError as error:
            role_form.event_id.errors = [*role_form.event_id.errors, error.message]
        else:
            flash(_("Rollen är tillagd."), "success")
            return redirect(url_for("users_admin.edit_user", user_id=user.id))
    form = EditUserForm(formdata=None, obj=user, language=user.preferred_language)
    return _render_user_page(user, form, role_form)


@bp.route("/users/<int:user_id>/roles/<int:role_id>/remove", methods=["GET", "POST"])
@requires(Permission.ADMIN)
def remove_role(user_id: int, role_id: int):
    user = _user_or_404(user_id)
    event_role = _role_or_404(role_id, user=user)
    form = ConfirmForm()
    error = None
    if form.validate_on_submit():
        try:
            services.revoke_role(_actor(), event_role)
        except services.AccountError as problem:
            error = problem.message
        else:
            flash(_("Rollen är borttagen."), "success")
            return redirect(url_for("users_admin.edit_user", user_id=user.id))
    cancel = url_for("users_admin.edit_user", user_id=user.id)
    return render_template("admin/team/remove.html", event_role=event_role, form=form, error=error, cancel=cancel)


# --- an event's team ------------------------------------------------------------------------


def _change_forms(team: list[EventRole]) -> dict[int, ChangeRoleForm]:
    return {
        member.id: ChangeRoleForm(formdata=None, prefix=f"r{member.id}", data={"role": member.role.value})
        for member in team
    }


def _render_team(event, form: TeamMemberForm, change_forms: dict | None = None, errors: dict | None = None):
    team = services.team_of(event)
    forms = _change_forms(team)
    forms.update(change_forms or {})
    return render_template(
        "admin/team/team.html", event=event, team=team, form=form, change_forms=forms, errors=errors or {}
    )


def _after_team_change(event):
    """Back to the team page, or to the dashboard if the change took the user's own access away."""
    if allows(current_user, Permission.EVENT_OWN, event):
        return redirect(url_for("users_admin.team", slug=event.slug))
    return redirect(url_for("events_admin.dashboard"))


@bp.route("/events/<slug>/team", methods=["GET", "POST"])
@requires(Permission.EVENT_OWN)
def team(event):
    form = TeamMemberForm()
    if form.validate_on_submit():
        try:
            event_role = services.grant_role_by_email(_actor(), form.email.data, event, form.role.data)
        except services.AccountError as error:
            show_error(form, error)
        else:
            flash(
                _(
                    "%(name)s har fått rollen %(role)s.",
                    name=event_role.user.name,
                    role=str(event_role.role.label).lower(),
                ),
                "success",
            )
            return redirect(url_for("users_admin.team", slug=event.slug))
    return _render_team(event, form)


@bp.post("/events/<slug>/team/<int:role_id>")
@requires(Permission.EVENT_OWN)
def team_change(event, role_id: int):
    event_role = _role_or_404(role_id, event=event)
    form = ChangeRoleForm(prefix=f"r{event_role.id}")
    if form.validate_on_submit():
        try:
            services.set_role(_actor(), event_role, form.role.data)
        except services.AccountError as error:
            form.role.errors = [*form.role.errors, error.message]
        else:
            flash(_("Rollen är ändrad."), "success")
            return _after_team_change(event)
    return _render_team(event, TeamMemberForm(formdata=None), {event_role.id: form})


@bp.route("/events/<slug>/team/<int:role_id>/remove", methods=["GET", "POST"])
@requires(Permission.EVENT_OWN)
def team_remove(event, role_id: int):
    event_role = _role_or_404(role_id, event=event)
    form = ConfirmForm()
    error = None
    if form.validate_on_submit():
        try:
            services.revoke_role(_actor(), event_role)
        except services.AccountError as problem:
            error = problem.message
        else:
            flash(_("Rollen är borttagen."), "success")
            return _after_team_change(event)
    cancel = url_for("users_admin.team", slug=event.slug)
    return render_template("admin/team/remove.html", event_role=event_role, form=form, error=error, cancel=cancel)
