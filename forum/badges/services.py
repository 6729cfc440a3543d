"""Badge codes: making them, finding them, revoking and re-issuing them.

A code is 26 characters drawn with `secrets` from 0-9A-Z (36**26 > 2**134): opaque, unique, holding
nothing personal. Scanned input is normalised (stripped, upper-cased); anything else than 0-9A-Z, or
longer than a code, is no code at all (the scan answers "unknown").
"""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from forum.badges.models import CODE_LENGTH, BadgeCode, BadgeStatus
from forum.db import utcnow
from forum.extensions import db
from forum.privacy import audit
from forum.registration.models import BadgeRole, Registration, RegistrationStatus

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

audit.register_labels({"badge.role_set": _l("Rollen på namnbrickan ändrades")})


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise(scanned: str | None) -> str | None:
    """The code as stored, or None when the input cannot be a code (then the scan is "unknown")."""
    if not isinstance(scanned, str):
        return None
    code = scanned.strip().upper()
    if not code or len(code) > CODE_LENGTH or any(character not in ALPHABET for character in code):
        return None
    return code


def active_code(registration: Registration) -> BadgeCode | None:
    return db.session.scalar(
        select(BadgeCode).where(BadgeCode.registration_id == registration.id, BadgeCode.status == BadgeStatus.ACTIVE)
    )


def code_for(registration: Registration) -> str | None:
    """The registration's active code, without making one."""
    badge = active_code(registration)
    return badge.code if badge else None


def find(code: str | None) -> BadgeCode | None:
    """The badge (of any event) with this scanned code, or None."""
    normalised = normalise(code)
    if normalised is None:
        return None
    return db.session.scalar(select(BadgeCode).where(BadgeCode.code == normalised))


def _issue(registration: Registration) -> BadgeCode:
    badge = BadgeCode(
        registration=registration,
        registration_id=registration.id,
        event_id=registration.event_id,
        code=new_code(),
        status=BadgeStatus.ACTIVE,
    )
    db.session.add(badge)
    return badge


def ensure_code(registration: Registration) -> BadgeCode | None:
    """The registration's active code, made now for a confirmed registration that has none.

    Other registrations (waiting, pending, declined, cancelled) get no new code; an existing one is
    kept so that the old badge scans as what the registration now is. Flushes; the caller commits.
    """
    badge = active_code(registration)
    if badge is not None or registration.status != RegistrationStatus.CONFIRMED:
        return badge
    try:
        with db.session.begin_nested():
            badge = _issue(registration)
    except IntegrityError:
        # Made at the same moment elsewhere (the partial unique index allows one active code).
        return active_code(registration)
    return badge


def revoke_and_reissue(registration: Registration, by=None) -> BadgeCode | None:
    """Revoke the active code (the old badge then scans as revoked) and issue a new one when the
    registration is confirmed. Audited as "badge.reissued". Flushes; the caller commits."""
    old = active_code(registration)
    if old is not None:
        old.status = BadgeStatus.REVOKED
        old.revoked_at = utcnow()
        db.session.flush()
    badge = ensure_code(registration) if registration.status == RegistrationStatus.CONFIRMED else None
    db.session.flush()
    audit.record(
        "badge.reissued",
        user=by,
        event=registration.event,
        target=registration,
        revoked=old.id if old else None,
        issued=badge.id if badge else None,
    )
    return badge


def set_role(registration: Registration, role: BadgeRole | None, by=None) -> bool:
    """The role printed on the badge (None: derived from the programme and the event's team). Audited
    as "badge.role_set" when it changes; False when it was already so. Flushes; the caller commits."""
    if registration.badge_role == role:
        return False
    before = registration.badge_role
    registration.badge_role = role
    db.session.flush()
    audit.record(
        "badge.role_set",
        user=by,
        event=registration.event,
        target=registration,
        before=before.value if before else None,
        after=role.value if role else None,
    )
    return True
