"""Error pages in the visitor's language; never a stack trace."""

from __future__ import annotations

from flask import jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from forum.extensions import db


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _page(status: int, title: str, message: str):
    if _wants_json():
        return jsonify(error=title, message=message), status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def register(app) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _page(
            400,
            _("Formuläret har gått ut"),
            _("Sidan var öppen för länge eller skickades från en annan webbplats. Ladda om sidan och försök igen."),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        texts = {
            400: (_("Felaktig begäran"), _("Begäran kunde inte tolkas.")),
            403: (_("Åtkomst nekad"), _("Du har inte behörighet att se den här sidan.")),
            404: (_("Sidan finns inte"), _("Vi hittade inte sidan. Kontrollera adressen eller gå till startsidan.")),
            405: (_("Otillåten metod"), _("Sidan kan inte användas på det sättet.")),
            413: (_("För stor fil"), _("Det du skickade är för stort.")),
            429: (_("För många försök"), _("Du har gjort för många försök. Vänta en stund och försök igen.")),
        }
        title, message = texts.get(error.code or 500, (_("Något gick fel"), _("Försök igen om en stund.")))
        response = make_response(_page(error.code or 500, title, message))
        if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(Exception)
    def server_error(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        app.logger.exception("Unhandled error on %s", request.path)
        db.session.rollback()
        return _page(
            InternalServerError.code,
            _("Något gick fel"),
            _("Ett oväntat fel inträffade. Felet är loggat; försök igen om en stund."),
        )
