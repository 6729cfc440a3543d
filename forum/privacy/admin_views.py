"""Organiser screens for privacy: an event's retention rule, archive export and purge dates
("Integritet"); a host's retention rule, its overview of personal data, and erasing one person."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from forum.auth.policy import Permission, requires
from forum.events.models import Event, Organisation, RetentionPolicy
from forum.extensions import db
from forum.privacy import archive, erasure, retention
from forum.privacy.forms import (
    INHERIT,
    ArchiveForm,
    ErasePersonForm,
    EventRetentionForm,
    FindPersonForm,
    HostRetentionForm,
)
from forum.security import private

bp = Blueprint("privacy_admin", __name__, url_prefix="/admin")


def host_retention_form(host: Organisation) -> HostRetentionForm:
    """The host's rule as a form, for the organisation's own page (it posts to host_privacy)."""
    return HostRetentionForm(
        formdata=None,
        data={
            "retention_policy": host.retention_policy.value,
            "retention_days": host.retention_days,
            "health_data_days": host.health_data_days,
        },
    )


@bp.app_context_processor
def _host_retention_form():
    return {"host_retention_form": host_retention_form}


# --- an event ------------------------------------------------------------------------------------


def _event_page(event: Event, form: EventRetentionForm, status: int = 200):
    return (
        render_template(
            "admin/privacy/event.html",
            event=event,
            form=form,
            rule=retention.rule_for(event),
            holdings=retention.holdings(event),
        ),
        status,
    )


@bp.route("/events/<slug>/privacy", methods=["GET", "POST"])
@requires(Permission.EVENT_MANAGE)
def event_privacy(event: Event):
    form = EventRetentionForm(
        data={
            "retention_policy": event.retention_policy.value if event.retention_policy else INHERIT,
            "retention_days": event.retention_days,
        }
    )
    if form.validate_on_submit():
        try:
            retention.set_event_rule(event, policy=form.policy(), days=form.retention_days.data, by=current_user)
        except retention.Invalid as invalid:
            db.session.rollback()
            form.attach(invalid.errors)
        else:
            db.session.commit()
            flash(_("Lagringsregeln är sparad."), "success")
            return redirect(url_for("privacy_admin.event_privacy", slug=event.slug), code=303)
    return _event_page(event, form, 422 if form.errors else 200)


@bp.post("/events/<slug>/privacy/archive.<any(xlsx, json):fmt>")
@requires(Permission.EVENT_MANAGE)
def event_archive(event: Event, fmt: str):
    if not ArchiveForm().validate_on_submit():
        abort(400)
    content, mimetype, filename = archive.export(event, fmt, by=current_user)
    db.session.commit()
    response = private(content)
    response.mimetype = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- a host --------------------------------------------------------------------------------------


def _host(org_id: int) -> Organisation:
    host = db.session.get(Organisation, org_id)
    if host is None:
        abort(404)
    return host


@bp.route("/organisations/<int:org_id>/privacy", methods=["GET", "POST"])
@requires(Permission.ADMIN)
def host_privacy(org_id: int):
    host = _host(org_id)
    form = HostRetentionForm() if request.method == "POST" else host_retention_form(host)
    if form.validate_on_submit():
        try:
            retention.set_host_rule(
                host,
                policy=RetentionPolicy(form.retention_policy.data),
                days=form.retention_days.data,
                health_days=form.health_data_days.data,
                by=current_user,
            )
        except retention.Invalid as invalid:
            db.session.rollback()
            form.attach(invalid.errors)
        else:
            db.session.commit()
            flash(_("Lagringsreglerna är sparade."), "success")
            return redirect(url_for("privacy_admin.host_privacy", org_id=org_id), code=303)
    return (
        render_template("admin/privacy/host.html", host=host, form=form, overview=retention.host_overview(host)),
        422 if form.errors else 200,
    )


@bp.route("/organisations/<int:org_id>/erase", methods=["GET", "POST"])
@requires(Permission.ADMIN)
def erase_person(org_id: int):
    """Two steps, both POST so that the address never is in a URL: find, then confirm."""
    host = _host(org_id)
    form = FindPersonForm()
    if form.validate_on_submit():
        found = erasure.find_person(host, form.email.data)
        confirm = ErasePersonForm(data={"email": form.email.data}, formdata=None)
        return private(render_template("admin/privacy/erase_confirm.html", host=host, form=confirm, found=found))
    return private(render_template("admin/privacy/erase.html", host=host, form=form))


@bp.post("/organisations/<int:org_id>/erase/confirm")
@requires(Permission.ADMIN)
def erase_person_confirm(org_id: int):
    host = _host(org_id)
    form = ErasePersonForm()
    if not form.validate_on_submit():
        if form.email.errors or not form.email.data:
            return redirect(url_for("privacy_admin.erase_person", org_id=org_id), code=303)
        found = erasure.find_person(host, form.email.data)
        return private(render_template("admin/privacy/erase_confirm.html", host=host, form=form, found=found)), 422
    results = erasure.erase_person(host, form.email.data, by=current_user)
    db.session.commit()
    if results:
        flash(
            _(
                "Personen är raderad från %(events)s evenemang (%(records)s poster).",
                events=len(results),
                records=sum(found.total for found in results),
            ),
            "success",
        )
    else:
        flash(_("Det fanns inget att radera."), "info")
    return redirect(url_for("privacy_admin.host_privacy", org_id=org_id), code=303)
