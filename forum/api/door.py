"""The door's scans answered before Flask: a WSGI layer in front of the app (create_app) for the one
request a queue at the door sends hundreds of times a minute, POST /api/v1/events/<slug>/checkins.

Flask's request machinery (the request context, the session cookie, URL matching, the before and
after hooks) costs a scan as much CPU again as the scan's own work, and a door's scanners share two
workers (bench/checkin.py). This layer answers the common scan, a valid device token of the event in
the URL with a well-formed JSON body, through the same function as the view
(forum.api.views.door_scan) and with the same response: the same JSON, the same headers
(forum.security's, and Vary: Cookie since the role's label follows the language cookie).

Everything else it passes to Flask unchanged, body included, and the view answers it as before: a
missing, unknown or other event's token (401/403/404), bad input (400), a retry or a scan for the
ORM path (services.scan), anything unexpected. The check-in API's only credential is the device
token in the Authorization header, checked by door_scan as by the view, and the route is declared
@public for the access policy; CSRF does not apply (forum.api.views). FORUM_DOOR_FAST_PATH=0 turns
the layer off.
"""

from __future__ import annotations

import io
import json
import re

from flask import Flask
from werkzeug.http import parse_cookie

from forum.api import views
from forum.i18n import LANGUAGE_COOKIE, language_of
from forum.security import security_headers

PATH = re.compile(r"/api/v1/events/([^/]+)/checkins")
# A scan's body is about 150 bytes; a larger one, or one without a length, goes to Flask.
MAX_BODY = 4096


class DoorScans:
    def __init__(self, app: Flask, wsgi_app) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.headers = [("Content-Type", "application/json"), *security_headers(app), ("Vary", "Cookie")]

    def __call__(self, environ, start_response):
        match = PATH.fullmatch(environ.get("PATH_INFO", "")) if environ.get("REQUEST_METHOD") == "POST" else None
        if match is None:
            return self.wsgi_app(environ, start_response)
        body = self._read_body(environ)
        payload = None if body is None else self._answer(environ, match.group(1), body)
        if payload is None:
            return self.wsgi_app(environ, start_response)
        start_response("200 OK", [*self.headers, ("Content-Length", str(len(payload)))])
        return [payload]

    @staticmethod
    def _read_body(environ) -> bytes | None:
        """The body, read and put back for Flask; None (and nothing read) unless it is a JSON body of a
        known, small length."""
        mimetype = environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower()
        length = environ.get("CONTENT_LENGTH", "")
        if mimetype != "application/json" or not length.isdigit() or not 0 < int(length) <= MAX_BODY:
            return None
        body = environ["wsgi.input"].read(int(length))
        environ["wsgi.input"] = io.BytesIO(body)
        return body

    def _answer(self, environ, slug: str, body: bytes) -> bytes | None:
        token = views.bearer_token(environ.get("HTTP_AUTHORIZATION", ""))
        if token is None:
            return None
        try:
            data = json.loads(body)
            scan = views.scan_fields(data) if isinstance(data, dict) else None
        except (ValueError, RecursionError, views.ApiError):  # RecursionError: JSON nested thousands deep
            return None  # Flask answers 400
        if scan is None:
            return None
        cookie = environ.get("HTTP_COOKIE")
        language = language_of(parse_cookie(cookie).get(LANGUAGE_COOKIE) if cookie else None)
        with self.app.app_context():
            try:
                _row, answer = views.door_scan(token, slug, scan, language)
            # door_scan raises nothing once the scan is written (services.door_scan): a failure here
            # recorded nothing, and the view tries again and reports it.
            except Exception:  # noqa: BLE001
                self.app.logger.exception("The door's fast path failed; Flask answers the scan.")
                return None
            if answer is None:
                return None
            return f"{self.app.json.dumps(answer, separators=(',', ':'))}\n".encode()  # as jsonify


def install(app: Flask) -> None:
    """Put DoorScans in front of the app's WSGI callable (unless FORUM_DOOR_FAST_PATH is off)."""
    if app.config["FORUM_DOOR_FAST_PATH"]:
        app.wsgi_app = DoorScans(app, app.wsgi_app)
