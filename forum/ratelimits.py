"""Rate limits on the pages reached by a secret link: /r/, /i/, /s/, /c/ and the password reset link.

A link token has 256 bits, so guessing one is hopeless; the limit stops the trying all the same,
and keeps such traffic from filling the logs. Only the answers a guess gets count against a
visitor's address (an unknown, used or expired link: 403, 404, 410), all the token pages together:
a calendar server that fetches many people's valid feeds from one address is never held back,
while whoever tries more than FORUM_TOKEN_RATE_LIMIT wrong links is refused every token page (429)
until the window passes. Login and password reset requests have their own limit
(FORUM_LOGIN_RATE_LIMIT, forum.auth.views). The counters live in FORUM_RATELIMIT_STORAGE_URI:
memory of one process by default, Redis to share them between workers and servers.
"""

from __future__ import annotations

from flask import Flask, current_app

from forum.extensions import limiter

TOKEN_PAGES = ("/r/<", "/i/<", "/s/<", "/c/<", "/admin/password/reset/<")
MISSES = frozenset({403, 404, 410})


def _token_rate_limit() -> str:
    return current_app.config["FORUM_TOKEN_RATE_LIMIT"]


# One object for every app made in this process: the limiter keeps its decorated limits in a set,
# so wrapping the views of a second app (tests make many) adds no second limit.
token_pages_limit = limiter.shared_limit(
    _token_rate_limit,
    scope="token-pages",
    deduct_when=lambda response: response.status_code in MISSES,
)


def token_page_endpoints(app: Flask) -> list[str]:
    return sorted({rule.endpoint for rule in app.url_map.iter_rules() if rule.rule.startswith(TOKEN_PAGES)})


def limit_token_pages(app: Flask) -> None:
    """Put every token page of the URL map under the shared limit (call after the blueprints)."""
    for endpoint in token_page_endpoints(app):
        app.view_functions[endpoint] = token_pages_limit(app.view_functions[endpoint])
