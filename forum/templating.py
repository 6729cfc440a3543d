"""What every template can use: the language switch, the access policy, the current user."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from forum.auth.policy import Permission, allows
from forum.i18n import LANGUAGES, current_language


def register(app) -> None:
    @app.context_processor
    def _globals():
        return {
            "current_language": current_language(),
            "languages": LANGUAGES,
            "Permission": Permission,
            "can": lambda permission, event=None: allows(current_user, permission, event),
            "here": request.full_path.rstrip("?") if request else "/",
        }
