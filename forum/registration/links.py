"""Personal links to registrations (/r/<token>); the scheme is forum.tokens'."""

from __future__ import annotations

from forum import tokens
from forum.urls import external_url

PURPOSE = "registration"
hash_token = tokens.hash_token


def assign(registration) -> str:
    return tokens.assign(PURPOSE, registration)


def token_for(registration) -> str:
    return tokens.token_for(PURPOSE, registration)


def url_for_registration(registration, endpoint: str = "registration.manage") -> str:
    return external_url(endpoint, token=token_for(registration))
