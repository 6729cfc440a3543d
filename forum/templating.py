"""What every template can use: the language switch, the access policy, the current user."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import request
from flask_login import current_user

from forum.auth.policy import Permission, allows
from forum.i18n import LANGUAGES, current_language
from forum.privacy import audit


def register(app) -> None:
    # A global, not a context variable: imported macros (macros/pagination.html) see globals only.
    app.jinja_env.globals["page_url"] = page_url
    app.jinja_env.globals["audit_label"] = audit.label

    @app.context_processor
    def _globals():
        return {
            "current_language": current_language(),
            "languages": LANGUAGES,
            "Permission": Permission,
            "can": lambda permission, event=None: allows(current_user, permission, event),
            "here": request.full_path.rstrip("?") if request else "/",
        }


def page_url(number: int) -> str:
    """This page's address with another page number; the other query arguments (filters, search) stay."""
    args = request.args.to_dict()
    args["page"] = str(number)
    return f"{request.path}?{urlencode(args)}"
