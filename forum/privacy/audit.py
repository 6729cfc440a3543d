"""Writing the audit log. Services call record() inside their own transaction."""

from __future__ import annotations

from typing import Any

from forum.extensions import db
from forum.privacy.models import AuditLog

# What each action means, for the log pages: every module registers its own (register_labels).
LABELS: dict[str, Any] = {}


def register_labels(labels: dict[str, Any]) -> None:
    LABELS.update(labels)


def label(action: str):
    """The action's translated description; an unregistered action is shown by its code."""
    return LABELS.get(action, action)


def record(action: str, *, user=None, event=None, target=None, **details: Any) -> AuditLog:
    entry = AuditLog(
        action=action,
        user_id=getattr(user, "id", None),
        event_id=getattr(event, "id", None),
        target_type=type(target).__name__ if target is not None else "",
        target_id=getattr(target, "id", None),
        details={key: _plain(value) for key, value in details.items()},
    )
    db.session.add(entry)
    return entry


def _plain(value: Any) -> Any:
    """JSON-safe: enums as their value, datetimes as ISO text."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value
