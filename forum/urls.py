"""Absolute links for e-mail, calendar files and printed badges."""

from __future__ import annotations

from flask import current_app, has_request_context, url_for


def external_url(endpoint: str, **values) -> str:
    """FORUM_BASE_URL plus the route's path: stable whatever host the request came in on."""
    base = current_app.config["FORUM_BASE_URL"].rstrip("/")
    if has_request_context():
        path = url_for(endpoint, _external=False, **values)
    else:
        with current_app.test_request_context("/"):
            path = url_for(endpoint, _external=False, **values)
    return base + path
