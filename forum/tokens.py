"""Personal link tokens (/r/<token>, /i/<token>, …).

A token is HMAC-SHA256(secret key, purpose + a random per-object salt): 256 bits. The database
keeps the salt and the token's SHA-256, never the token: someone with only the database can
neither use nor rebuild a link, while the application can put the same link in every e-mail it
sends without invalidating the ones sent before. A new salt (assign) makes earlier links invalid.
Objects carry `link_salt` and `token_hash` columns.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from flask import current_app

SALT_BYTES = 16
MAX_TOKEN_LENGTH = 100


def new_salt() -> str:
    return secrets.token_hex(SALT_BYTES)


def token_from_salt(purpose: str, salt: str) -> str:
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    digest = hmac.new(key, f"forum.{purpose}-link:{salt}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def plausible(token: str) -> bool:
    return bool(token) and len(token) <= MAX_TOKEN_LENGTH


def assign(purpose: str, holder) -> str:
    """Give the holder a new link (invalidating any earlier one); returns the token."""
    holder.link_salt = new_salt()
    token = token_from_salt(purpose, holder.link_salt)
    holder.token_hash = hash_token(token)
    return token


def token_for(purpose: str, holder) -> str:
    """The holder's current token. If the secret key changed since it was made, a new link is
    assigned: the old one still matches its stored hash but can no longer be rebuilt for e-mail."""
    token = token_from_salt(purpose, holder.link_salt)
    if not hmac.compare_digest(hash_token(token), holder.token_hash):
        token = assign(purpose, holder)
    return token
