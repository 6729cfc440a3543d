"""The accessibility statement (tillgänglighetsredogörelse) that Swedish public bodies must publish under
lagen (2018:1937) om tillgänglighet till digital offentlig service, following DIGG's model statement.

Each host organisation fills in its parts on its organisation page (forum.events.models.Organisation's
accessibility_* columns). /tillganglighet is the installation's page: the one host's statement when
there is one host, else a list of the hosts' statements. /e/<slug>/accessibility is the statement of
the event's host, linked from the footer of the event's pages.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from sqlalchemy import exists, select

from forum.auth.policy import public
from forum.events.models import Event, EventStatus, Organisation
from forum.events.services import public_event
from forum.extensions import db

bp = Blueprint("accessibility", __name__)

# The supervisory authority's complaint form (Myndigheten för digital förvaltning).
DIGG_COMPLAINT_URL = "https://www.digg.se/anmal-bristande-tillganglighet"


def public_hosts() -> list[Organisation]:
    """The organisations that host at least one event the public may see, by name."""
    shown = exists().where(Event.organisation_id == Organisation.id, Event.status != EventStatus.DRAFT)
    return list(db.session.scalars(select(Organisation).where(shown).order_by(Organisation.name)))


def _render(organisation: Organisation | None, event: Event | None = None, hosts=()):
    return render_template(
        "public/accessibility.html",
        organisation=organisation,
        statement_event=event,
        hosts=hosts,
        complaint_url=DIGG_COMPLAINT_URL,
    )


@bp.get("/tillganglighet")
@public
def statement():
    hosts = public_hosts()
    if len(hosts) == 1:
        return _render(hosts[0])
    return _render(None, hosts=hosts)


@bp.get("/accessibility")
@public
def statement_en():
    return redirect(url_for("accessibility.statement"), code=301)


@bp.get("/tillganglighet/<int:org_id>")
@public
def host_statement(org_id: int):
    organisation = db.session.get(Organisation, org_id)
    if organisation is None:
        abort(404)
    return _render(organisation)


@bp.get("/e/<slug>/accessibility")
@public
def event_statement(slug: str):
    event = public_event(slug)
    if event is None:
        abort(404)
    return _render(event.organisation, event)
