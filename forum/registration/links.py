"""Personal links (/r/<token>).

The token is HMAC-SHA256(secret key, a random per-registration salt), 256 bits. The database keeps
the salt and the token's SHA-256, never the token: someone with only the database can neither use
nor rebuild a link, while the application can put the same link in every e-mail it sends without
invalidating the ones sent before. A new salt (rotate) makes every earlier link invalid.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from flask import current_app

from forum.urls import external_url

SALT_BYTES = 16
PURPOSE = b"forum.registration-link:"


def new_salt() -> str:
    return secrets.token_hex(SALT_BYTES)


def token_from_salt(salt: str) -> str:
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    digest = hmac.new(key, PURPOSE + salt.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def assign(registration) -> str:
    """Give the registration a new link (invalidating any earlier one); returns the token."""
    registration.link_salt = new_salt()
    token = token_from_salt(registration.link_salt)
    registration.token_hash = hash_token(token)
    return token


def token_for(registration) -> str:
    """The registration's current token. If the secret key changed since it was made, a new link is
    assigned: the old one still matches its stored hash but can no longer be rebuilt for e-mail."""
    token = token_from_salt(registration.link_salt)
    if not hmac.compare_digest(hash_token(token), registration.token_hash):
        token = assign(registration)
    return token


def url_for_registration(registration, endpoint: str = "registration.manage") -> str:
    return external_url(endpoint, token=token_for(registration))
