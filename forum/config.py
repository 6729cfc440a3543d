"""Settings, each declared once with its environment variable, type and safe default."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Setting:
    key: str  # Flask config key
    env: str  # environment variable
    default: Any
    cast: Any = str


SETTINGS: tuple[Setting, ...] = (
    Setting("SQLALCHEMY_DATABASE_URI", "DATABASE_URL", None),
    Setting("FORUM_BASE_URL", "FORUM_BASE_URL", "http://127.0.0.1:5000"),
    Setting("FORUM_HTTPS", "FORUM_HTTPS", False, _bool),
    # How many reverse proxies in front of the app set X-Forwarded-For and -Proto (nginx alone: 1).
    # 0 trusts no such header: behind a proxy every visitor would then share the proxy's address,
    # and with it one rate limit.
    Setting("FORUM_PROXY_COUNT", "FORUM_PROXY_COUNT", 0, int),
    Setting("FORUM_TIMEZONE", "FORUM_TIMEZONE", "Europe/Stockholm"),
    # Scans at the door answered in front of Flask (forum.api.door); off: every scan through the view.
    Setting("FORUM_DOOR_FAST_PATH", "FORUM_DOOR_FAST_PATH", True, _bool),
    Setting("FORUM_SQLITE_BUSY_TIMEOUT_MS", "FORUM_SQLITE_BUSY_TIMEOUT_MS", 15000, int),
    Setting("RATELIMIT_STORAGE_URI", "FORUM_RATELIMIT_STORAGE_URI", "memory://"),
    Setting("RATELIMIT_ENABLED", "FORUM_RATELIMIT_ENABLED", True, _bool),
    Setting("FORUM_LOGIN_RATE_LIMIT", "FORUM_LOGIN_RATE_LIMIT", "10 per minute;50 per hour"),
    # Wrong, used or expired links a visitor may try on the token pages (forum.ratelimits).
    Setting("FORUM_TOKEN_RATE_LIMIT", "FORUM_TOKEN_RATE_LIMIT", "30 per minute;200 per hour"),
    # Prepended to the limiter's keys, for several installations sharing one Redis.
    Setting("RATELIMIT_KEY_PREFIX", "FORUM_RATELIMIT_KEY_PREFIX", "forum"),
    Setting("FORUM_PASSWORD_RESET_HOURS", "FORUM_PASSWORD_RESET_HOURS", 2, int),
    Setting("FORUM_MAIL_INLINE", "FORUM_MAIL_INLINE", False, _bool),
    # Development only: print undeliverable messages (recipient and body) to the console. Off by
    # default, because a log must hold no personal data.
    Setting("FORUM_MAIL_PRINT_UNSENT", "FORUM_MAIL_PRINT_UNSENT", False, _bool),
    # The outbox worker sends at most this many messages a minute; 0: no limit.
    Setting("FORUM_MAIL_RATE_PER_MINUTE", "FORUM_MAIL_RATE_PER_MINUTE", 0, int),
    Setting("MAIL_SERVER", "MAIL_SERVER", "localhost"),
    Setting("MAIL_PORT", "MAIL_PORT", 25, int),
    Setting("MAIL_USE_TLS", "MAIL_USE_TLS", False, _bool),
    Setting("MAIL_USE_SSL", "MAIL_USE_SSL", False, _bool),
    Setting("MAIL_USERNAME", "MAIL_USERNAME", None),
    Setting("MAIL_PASSWORD", "MAIL_PASSWORD", None),
    Setting("MAIL_DEFAULT_SENDER", "MAIL_DEFAULT_SENDER", "Forum <forum@localhost>"),
    Setting("MAIL_SUPPRESS_SEND", "MAIL_SUPPRESS_SEND", False, _bool),
)


def load_settings(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Read every declared setting from the environment, falling back to its default."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = environ.get(setting.env)
        values[setting.key] = setting.default if raw in (None, "") else setting.cast(raw)
    return values


def secret_key(instance_path: str | Path, environ: dict[str, str] | None = None) -> str:
    """FORUM_SECRET_KEY, or a random key generated once and kept in instance/."""
    environ = os.environ if environ is None else environ
    if environ.get("FORUM_SECRET_KEY"):
        return environ["FORUM_SECRET_KEY"]
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL: when two workers start together, one writes and the other reads what it wrote.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def database_uri(instance_path: str | Path, configured: str | None) -> str:
    """The configured URL (postgres:// is accepted as Heroku-style shorthand) or SQLite in instance/."""
    if configured:
        if configured.startswith("postgres://"):
            configured = "postgresql+psycopg://" + configured.removeprefix("postgres://")
        elif configured.startswith("postgresql://"):
            configured = "postgresql+psycopg://" + configured.removeprefix("postgresql://")
        return configured
    return f"sqlite:///{Path(instance_path) / 'forum.sqlite3'}"
