"""The one access policy. Every route declares what it needs with @requires; nothing else decides.

A route without a declaration is refused (see enforce_declared), so a new route cannot be
forgotten open. tests/auth/test_route_access.py walks every route for every kind of user.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps

from flask import abort, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from forum.auth.models import EventRole, Role, User
from forum.events.models import Event
from forum.extensions import db


class Permission(enum.StrEnum):
    PUBLIC = "public"  # anyone, logged in or not
    LOGIN = "login"  # any active organiser account
    EVENT_CHECKIN = "event.checkin"  # scan and search at the door: check-in staff and up
    EVENT_MANAGE = "event.manage"  # edit the event and everything in it: organisers and owners
    EVENT_OWN = "event.own"  # the event's team and its deletion: owners
    EVENT_CREATE = "event.create"  # create new events: anyone who organises an event
    ADMIN = "admin"  # accounts, organisations, every event


EVENT_PERMISSIONS = {
    Permission.EVENT_CHECKIN: {Role.CHECKIN, Role.ORGANISER, Role.OWNER},
    Permission.EVENT_MANAGE: {Role.ORGANISER, Role.OWNER},
    Permission.EVENT_OWN: {Role.OWNER},
}

PERMISSION_ATTRIBUTE = "forum_permission"


def role_for(user: User, event: Event) -> Role | None:
    return db.session.scalar(select(EventRole.role).where(EventRole.user_id == user.id, EventRole.event_id == event.id))


def allows(user, permission: Permission, event: Event | None = None) -> bool:
    """May this user (or AnonymousUserMixin) do what the permission covers, for this event?"""
    if permission == Permission.PUBLIC:
        return True
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_admin or permission == Permission.LOGIN:
        return True
    if permission == Permission.ADMIN:
        return False
    if permission == Permission.EVENT_CREATE:
        return bool(
            db.session.scalar(
                select(EventRole.id)
                .where(EventRole.user_id == user.id, EventRole.role.in_([Role.OWNER, Role.ORGANISER]))
                .limit(1)
            )
        )
    if event is None:
        return False
    return role_for(user, event) in EVENT_PERMISSIONS[permission]


def visible_events_query(user):
    """The events a user sees in the organiser area: all for admins, else those with a role."""
    query = select(Event).order_by(Event.starts_at.desc())
    if not user.is_admin:
        query = query.join(EventRole, EventRole.event_id == Event.id).where(EventRole.user_id == user.id)
    return query


def requires(permission: Permission) -> Callable:
    """Declare and enforce a route's permission. Event permissions take the event from the
    <slug> in the URL and pass it to the view as `event` instead of `slug`."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            event = None
            if permission in EVENT_PERMISSIONS:
                slug = kwargs.pop("slug")
                if not current_user.is_authenticated:
                    return _to_login()
                event = db.session.scalar(select(Event).where(Event.slug == slug))
                if event is None:
                    abort(404)
                kwargs["event"] = event
            if not allows(current_user, permission, event):
                if not current_user.is_authenticated:
                    return _to_login()
                abort(403)
            return view(*args, **kwargs)

        setattr(wrapper, PERMISSION_ATTRIBUTE, permission)
        return wrapper

    return decorate


public = requires(Permission.PUBLIC)


def _to_login():
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def declared_permission(view: Callable | None) -> Permission | None:
    return getattr(view, PERMISSION_ATTRIBUTE, None)


def enforce_declared(app) -> None:
    """Refuse any route that did not declare a permission (deny by default)."""

    @app.before_request
    def _deny_undeclared():
        if request.endpoint is None or request.endpoint == "static":
            return None
        view = app.view_functions.get(request.endpoint)
        if declared_permission(view) is None:
            abort(403)
        return None
