"""Organiser screens for events, focus areas, rooms and organisations. (Stub.)"""

from flask import Blueprint

from forum.auth.policy import Permission, requires

bp = Blueprint("events_admin", __name__, url_prefix="/admin")


@bp.get("/")
@requires(Permission.LOGIN)
def dashboard():
    return "dashboard"
