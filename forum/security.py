"""Security headers and safe redirects."""

from __future__ import annotations

from urllib.parse import urlsplit

from werkzeug.routing import IntegerConverter

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "media-src 'self' blob:",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class DatabaseInteger(IntegerConverter):
    """<int:…> in URLs, limited to what an id column holds (32-bit on PostgreSQL): a larger number
    is a page that does not exist (404), not a database error (500)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(self), microphone=(), geolocation=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def install_security_headers(app) -> None:
    """security_headers(app) on every response, each unless the view set its own (the scanner's CSP)."""
    defaults = security_headers(app)

    def add(response):
        _add_missing(response.headers, defaults)
        return response

    app.after_request(add)


def security_headers(app) -> list[tuple[str, str]]:
    """The headers every response gets unless it has its own: SECURITY_HEADERS, and HSTS on HTTPS."""
    return [*SECURITY_HEADERS, HSTS] if app.config["FORUM_HTTPS"] else list(SECURITY_HEADERS)


def _add_missing(headers, defaults) -> None:
    # One pass over the response's headers: Headers.setdefault looks each name up with an exception.
    present = {name.lower() for name, _value in headers.items()}
    headers.extend([(name, value) for name, value in defaults if name.lower() not in present])


def safe_next(target: str | None, fallback: str) -> str:
    """A redirect target only if it is a path on this site: no scheme, no host, no '//' or '\\' tricks."""
    if not target:
        return fallback
    target = target.strip()
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    if any(ord(ch) < 32 for ch in target):
        return fallback
    return target


def private(body):
    """A page reached by a secret link (/r/…, /i/…): never cached, and no referrer carries the token away."""
    from flask import make_response

    response = make_response(body)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
