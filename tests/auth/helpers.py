"""Shared steps for the account tests: logging in through the real form, reading what a user sees."""

from __future__ import annotations

import re
from html import unescape

from sqlalchemy import select

from forum.extensions import db
from forum.mail.models import OutboxMessage
from forum.privacy.models import AuditLog
from tests.conftest import submit
from tests.factories import PASSWORD

LINK = re.compile(r"https?://[^\s\"<>]+/admin/password/reset/[A-Za-z0-9_\-]+")


def text(response) -> str:
    """The page's text with entities decoded, for asserting what a person reads."""
    return unescape(response.get_data(as_text=True))


def log_in(client, email: str, password: str = PASSWORD, **kwargs):
    return submit(client, "/admin/login", {"email": email, "password": password}, **kwargs)


def english(client) -> None:
    client.set_cookie("forum_lang", "en")


def actions(action: str | None = None) -> list[AuditLog]:
    query = select(AuditLog).order_by(AuditLog.id)
    if action:
        query = query.where(AuditLog.action == action)
    return list(db.session.scalars(query))


def outbox() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def link_in(message: OutboxMessage) -> str:
    match = LINK.search(message.body_text)
    assert match, f"no reset link in {message.body_text!r}"
    return match.group(0)


def value_of(html: str, name: str) -> str | None:
    """The value="" an <input name=...> was rendered with (what the user typed, kept)."""
    match = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', html)
    if not match:
        return None
    value = re.search(r'value="([^"]*)"', match.group(0))
    return unescape(value.group(1)) if value else None


def error_for(html: str, field_id: str) -> str:
    """The error text shown next to a field (macros/forms.html renders it as <small id="…-error">)."""
    match = re.search(rf'<small id="{re.escape(field_id)}-error" class="field-error">(.*?)</small>', html, re.S)
    return unescape(match.group(1)).strip() if match else ""
