"""Organiser accounts: creating them, logging in, passwords and reset links, roles per event.

Every function that changes something commits and writes the audit log. Errors a person can
correct are raised as AccountError, with the form field they belong to.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from forum.auth.models import EventRole, PasswordResetToken, Role, User
from forum.db import utcnow
from forum.events.models import Event
from forum.extensions import db
from forum.i18n import LANGUAGES
from forum.mail.services import enqueue
from forum.pagination import Page, paginate
from forum.privacy.audit import record
from forum.urls import external_url

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 200
EMAIL_MAX_LENGTH = 254
NAME_MAX_LENGTH = 200
USERS_PER_PAGE = 50
# A new account's set-password link is read later than a reset link someone just asked for.
WELCOME_LINK_HOURS = 72

# Compared against when no account matches, so that a login takes as long whether it exists or not.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16))


class AccountError(Exception):
    """A problem the person can correct. `field` names the form field it belongs to, if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


# --- e-mail addresses and passwords ---------------------------------------------------------


def normalise_email(email: str) -> str:
    """A syntactically valid address, lower-cased (the login is case-insensitive). No DNS look-up."""
    email = (email or "").strip()
    if not email:
        raise AccountError(_("Fyll i e-postadress."), "email")
    if len(email) > EMAIL_MAX_LENGTH:
        raise AccountError(_("E-postadressen får vara högst %(max)s tecken.", max=EMAIL_MAX_LENGTH), "email")
    try:
        result = validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        raise AccountError(_("Ange en giltig e-postadress, till exempel namn@example.se."), "email") from error
    return result.normalized.lower()


def password_problem(password: str, email: str | None = None) -> str | None:
    """Why a new password is not acceptable, or None."""
    if len(password or "") < PASSWORD_MIN_LENGTH:
        return _("Lösenordet måste vara minst %(min)s tecken.", min=PASSWORD_MIN_LENGTH)
    if len(password) > PASSWORD_MAX_LENGTH:
        return _("Lösenordet får vara högst %(max)s tecken.", max=PASSWORD_MAX_LENGTH)
    if email and password.strip().lower() == email.strip().lower():
        return _("Lösenordet får inte vara samma som e-postadressen.")
    return None


def generate_password() -> str:
    """A random password that is easy to copy: 20 URL-safe characters (120 bits)."""
    return secrets.token_urlsafe(15)


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))


def _email_taken(email: str, except_user: User | None = None) -> bool:
    query = select(User.id).where(User.email == email)
    if except_user is not None:
        query = query.where(User.id != except_user.id)
    return db.session.scalar(query) is not None


def _duplicate_email_error() -> AccountError:
    return AccountError(_("Det finns redan ett konto med den e-postadressen."), "email")


def _commit_account() -> None:
    """Commit; a concurrent insert of the same address surfaces as the duplicate-address error."""
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise _duplicate_email_error() from error


# --- accounts -------------------------------------------------------------------------------


def create_user(
    email: str,
    name: str,
    admin: bool = False,
    password: str | None = None,
    language: str = "sv",
    *,
    actor: User | None = None,
    send_link: bool = False,
    via: str = "admin",
) -> tuple[User, str | None]:
    """Create an account. Returns the user and the generated password (None when one was given).

    With send_link, a set-password link is also queued to the new user's address.
    """
    email = normalise_email(email)
    name = (name or "").strip()
    if not name:
        raise AccountError(_("Fyll i namn."), "name")
    if len(name) > NAME_MAX_LENGTH:
        raise AccountError(_("Namnet får vara högst %(max)s tecken.", max=NAME_MAX_LENGTH), "name")
    if language not in LANGUAGES:
        raise AccountError(_("Välj svenska eller engelska."), "language")
    generated = None
    if password is None:
        password = generated = generate_password()
    problem = password_problem(password, email)
    if problem:
        raise AccountError(problem, "password")
    if _email_taken(email):
        raise _duplicate_email_error()

    user = User(email=email, name=name, is_admin=bool(admin), active=True, preferred_language=language)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record("user.created", user=actor, target=user, email=email, admin=user.is_admin, language=language, via=via)
    if send_link:
        _send_reset_link(user, hours=WELCOME_LINK_HOURS, welcome=True)
        record("user.set_password_link_sent", user=actor, target=user)
    _commit_account()
    return user, generated


def create_user_from_cli(
    email: str, name: str = "", admin: bool = False, password: str | None = None
) -> tuple[User, str]:
    """`flask users create`: the name defaults to the part of the address before @.

    Its errors are in English, like the rest of the command line's output.
    """
    with force_locale("en"):
        address = normalise_email(email)
        user, generated = create_user(
            address, name.strip() or address.split("@", 1)[0], admin=admin, password=password, via="cli"
        )
    return user, generated if generated is not None else password


def update_user(
    actor: User, user: User, *, email: str, name: str, active: bool, admin: bool, language: str | None = None
) -> User:
    """Change an account's details. Admins cannot lock themselves out (admin flag, active)."""
    email = normalise_email(email)
    name = (name or "").strip()
    if not name:
        raise AccountError(_("Fyll i namn."), "name")
    if len(name) > NAME_MAX_LENGTH:
        raise AccountError(_("Namnet får vara högst %(max)s tecken.", max=NAME_MAX_LENGTH), "name")
    language = language or user.preferred_language
    if language not in LANGUAGES:
        raise AccountError(_("Välj svenska eller engelska."), "language")
    if user.id == actor.id and not admin and user.is_admin:
        raise AccountError(_("Du kan inte ta bort din egen administratörsbehörighet."), "is_admin")
    if user.id == actor.id and not active:
        raise AccountError(_("Du kan inte inaktivera ditt eget konto."), "active")
    if _email_taken(email, except_user=user):
        raise _duplicate_email_error()

    changes = {}
    for attribute, value in (
        ("email", email),
        ("name", name),
        ("active", bool(active)),
        ("is_admin", bool(admin)),
        ("preferred_language", language),
    ):
        old = getattr(user, attribute)
        if old != value:
            changes[attribute] = [old, value]
            setattr(user, attribute, value)
    if "active" in changes and not user.active:
        # Ends the account's open sessions at once, not only at their next login.
        user.session_token = secrets.token_hex(16)
    if changes:
        record("user.updated", user=actor, target=user, changes=changes)
    _commit_account()
    return user


def search_users(query: str = "", page: int = 1) -> Page:
    """Accounts by name, 50 a page; `query` matches part of the name or the e-mail address."""
    page = max(page, 1)
    condition = None
    query = (query or "").strip()[:200]
    if query:
        escaped = query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        condition = or_(
            func.lower(User.name).like(pattern, escape="\\"), func.lower(User.email).like(pattern, escape="\\")
        )
    listing = select(User).order_by(func.lower(User.name), User.id)
    if condition is not None:
        listing = listing.where(condition)
    return paginate(listing, page, USERS_PER_PAGE)


# --- logging in and passwords ---------------------------------------------------------------


def authenticate(email: str, password: str) -> User | None:
    """The active account with this address and password, or None (whatever the reason).

    A successful login is recorded (last_login_at and the audit log).
    """
    user = user_by_email(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not user.check_password(password or "") or not user.active:
        return None
    user.last_login_at = utcnow()
    record("user.logged_in", user=user, target=user)
    db.session.commit()
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Change one's own password. Other sessions of the account end (the session token changes)."""
    if not user.check_password(current_password or ""):
        raise AccountError(_("Det nuvarande lösenordet stämmer inte."), "current_password")
    problem = password_problem(new_password, user.email)
    if problem:
        raise AccountError(problem, "new_password")
    if user.check_password(new_password):
        raise AccountError(_("Välj ett annat lösenord än det nuvarande."), "new_password")
    user.set_password(new_password)
    record("user.password_changed", user=user, target=user)
    db.session.commit()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _send_reset_link(user: User, hours: int, welcome: bool = False) -> str:
    """Store a new reset token (its hash only) and queue the e-mail; the caller commits."""
    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(hours=hours)
    db.session.add(PasswordResetToken(user_id=user.id, token_hash=_token_hash(token), expires_at=expires_at))
    link = external_url("auth.reset_password", token=token)
    language = user.preferred_language if user.preferred_language in LANGUAGES else "sv"
    with force_locale(language):
        context = {"user": user, "link": link, "hours": hours, "welcome": welcome}
        subject = _("Välj ett lösenord för Forum") if welcome else _("Återställ ditt lösenord för Forum")
        body_text = render_template("emails/password_reset.txt", subject=subject, **context)
        body_html = render_template("emails/password_reset.html", subject=subject, **context)
    enqueue(
        recipient=user.email,
        subject=str(subject),
        body_text=body_text,
        body_html=body_html,
        purpose="account_created" if welcome else "password_reset",
    )
    return token


def request_password_reset(email: str) -> None:
    """Queue a reset link if an active account has this address. Says nothing either way."""
    user = user_by_email(email)
    if user is None or not user.active:
        return
    _send_reset_link(user, hours=current_app.config["FORUM_PASSWORD_RESET_HOURS"])
    record("user.password_reset_requested", user=None, target=user)
    db.session.commit()


class TokenState:
    VALID = "valid"
    EXPIRED = "expired"
    USED = "used"
    UNKNOWN = "unknown"


def reset_token_state(token: str, now: datetime | None = None) -> tuple[str, PasswordResetToken | None]:
    """Whether a reset link can still be used, and its stored record."""
    if not token or len(token) > 200:
        return TokenState.UNKNOWN, None
    stored = db.session.scalar(select(PasswordResetToken).where(PasswordResetToken.token_hash == _token_hash(token)))
    if stored is None or not stored.user.active:
        return TokenState.UNKNOWN, None
    if stored.used_at is not None:
        return TokenState.USED, stored
    if stored.expires_at <= (now or utcnow()):
        return TokenState.EXPIRED, stored
    return TokenState.VALID, stored


def reset_password(token: str, new_password: str) -> User:
    """Set a new password through a reset link. The link, and every other open link of the account, is used up."""
    state, stored = reset_token_state(token)
    if state != TokenState.VALID or stored is None:
        raise AccountError(_("Länken för att återställa lösenordet gäller inte längre."))
    user = stored.user
    problem = password_problem(new_password, user.email)
    if problem:
        raise AccountError(problem, "new_password")
    now = utcnow()
    # Claim the token with a guarded UPDATE, so that two submissions of the same link cannot both succeed.
    claimed = db.session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.id == stored.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        raise AccountError(_("Länken för att återställa lösenordet gäller inte längre."))
    db.session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
    )
    user.set_password(new_password)
    record("user.password_reset", user=user, target=user)
    db.session.commit()
    db.session.expire(stored)
    return user


# --- roles per event ------------------------------------------------------------------------


def roles_of(user: User) -> list[EventRole]:
    return list(
        db.session.scalars(
            select(EventRole).join(Event).where(EventRole.user_id == user.id).order_by(Event.starts_at.desc())
        )
    )


def team_of(event: Event) -> list[EventRole]:
    return list(
        db.session.scalars(
            select(EventRole).join(User).where(EventRole.event_id == event.id).order_by(func.lower(User.name), User.id)
        )
    )


def role_on(user: User, event: Event) -> EventRole | None:
    return db.session.scalar(select(EventRole).where(EventRole.user_id == user.id, EventRole.event_id == event.id))


def _owner_count(event: Event) -> int:
    return (
        db.session.scalar(
            select(func.count(EventRole.id)).where(EventRole.event_id == event.id, EventRole.role == Role.OWNER)
        )
        or 0
    )


def _check_not_last_owner(event_role: EventRole) -> None:
    if event_role.role == Role.OWNER and _owner_count(event_role.event) <= 1:
        raise AccountError(
            _("Evenemanget måste ha minst en ägare. Lägg till en annan ägare först."),
            "role",
        )


def grant_role(actor: User | None, user: User, event: Event, role: Role | str) -> EventRole:
    """Give a user a role on an event. One role per user and event."""
    role = Role(role)
    if role_on(user, event) is not None:
        raise AccountError(
            _("%(name)s har redan en roll i det här evenemanget. Ändra rollen i stället.", name=user.name),
            "email",
        )
    event_role = EventRole(user=user, event=event, role=role)
    db.session.add(event_role)
    db.session.flush()
    record("role.granted", user=actor, event=event, target=event_role, member=user.email, role=role)
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise AccountError(_("Användaren har redan en roll i det här evenemanget."), "email") from error
    return event_role


def grant_role_by_email(actor: User, email: str, event: Event, role: Role | str) -> EventRole:
    """The team page: add an existing account to the event's team by its address."""
    address = normalise_email(email)
    user = user_by_email(address)
    if user is None:
        raise AccountError(
            _("Det finns inget konto med e-postadressen %(email)s. Be en administratör skapa kontot.", email=address),
            "email",
        )
    return grant_role(actor, user, event, role)


def set_role(actor: User | None, event_role: EventRole, role: Role | str) -> EventRole:
    """Change a user's role on an event; an event keeps at least one owner."""
    role = Role(role)
    if role == event_role.role:
        return event_role
    _check_not_last_owner(event_role)
    old = event_role.role
    event_role.role = role
    record(
        "role.changed",
        user=actor,
        event=event_role.event,
        target=event_role,
        member=event_role.user.email,
        old=old,
        role=role,
    )
    db.session.commit()
    return event_role


def revoke_role(actor: User | None, event_role: EventRole) -> None:
    """Take a user's role on an event away; an event keeps at least one owner."""
    _check_not_last_owner(event_role)
    event, member, role = event_role.event, event_role.user.email, event_role.role
    record("role.revoked", user=actor, event=event, target=event_role, member=member, role=role)
    db.session.delete(event_role)
    db.session.commit()


def events_for_choice() -> list[Event]:
    return list(db.session.scalars(select(Event).order_by(Event.starts_at.desc(), Event.id)))
