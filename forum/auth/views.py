"""Login, logout, password change and reset. (Stub: filled by the organiser-area work.)"""

from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_login import logout_user

from forum.auth.policy import Permission, public, requires

bp = Blueprint("auth", __name__, url_prefix="/admin")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    return "login"


@bp.post("/logout")
@requires(Permission.LOGIN)
def logout():
    logout_user()
    return redirect(url_for("events.index"))
