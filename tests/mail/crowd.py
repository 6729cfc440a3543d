"""Many confirmed registrations at once, for the mail tests at scale and bench/mail.py.

Written with one multi-row INSERT: registering thousands through the service (each with its
confirmation e-mail) would take longer than what is measured, and queue mail that is not wanted.
Each registration gets a real personal-link salt and token hash (forum.registration.links), so its
links work.
"""

from __future__ import annotations

from sqlalchemy import insert, select

from forum import tokens
from forum.db import utcnow
from forum.extensions import db
from forum.registration import links
from forum.registration.models import Registration, RegistrationStatus


def confirmed_crowd(event, count: int, *, keep_informed: bool = False, domain: str = "example.org") -> list[int]:
    """count confirmed registrations for the event (crowd0@…, crowd1@…); returns their ids. Flushes, no commit."""
    now = utcnow()
    rows = []
    for n in range(count):
        salt = tokens.new_salt()
        email = f"crowd{n}@{domain}"
        rows.append(
            {
                "event_id": event.id,
                "status": RegistrationStatus.CONFIRMED,
                "first_name": f"Åsa{n}",
                "last_name": "Öberg",
                "email": email,
                "email_key": email,
                "language": "sv",
                "link_salt": salt,
                "token_hash": links.hash_token(tokens.token_from_salt(links.PURPOSE, salt)),
                "privacy_consent_at": now,
                "keep_informed": keep_informed,
                "confirmed_at": now,
                "queued_at": now,
                "created_at": now,
                "updated_at": now,
            }
        )
    db.session.execute(insert(Registration), rows)
    db.session.flush()
    return list(
        db.session.scalars(select(Registration.id).where(Registration.event_id == event.id).order_by(Registration.id))
    )
