"""Speakers' photos: JPEG or PNG up to 2 MB, recognised by their first bytes (not by the name or the
type the browser claims), stored under instance/uploads/speakers/ with a random name."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

MAX_BYTES = 2 * 1024 * 1024
# First bytes → (file ending, content type).
SIGNATURES = {
    b"\xff\xd8\xff": ("jpg", "image/jpeg"),
    b"\x89PNG\r\n\x1a\n": ("png", "image/png"),
}
NAME = re.compile(r"^[0-9a-f]{32}\.(jpg|png)$")
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png"}


class PhotoRefused(Exception):
    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


def folder() -> Path:
    path = Path(current_app.instance_path) / "uploads" / "speakers"
    path.mkdir(parents=True, exist_ok=True)
    return path


def store(stream) -> str:
    """Check and keep an uploaded photo; returns its stored name."""
    data = stream.read(MAX_BYTES + 1)
    if not data:
        raise PhotoRefused(_l("Filen är tom."))
    if len(data) > MAX_BYTES:
        raise PhotoRefused(_l("Fotot får vara högst 2 MB."))
    ending = next((kind for signature, (kind, _type) in SIGNATURES.items() if data.startswith(signature)), None)
    if ending is None:
        raise PhotoRefused(_l("Fotot måste vara en JPEG- eller PNG-bild."))
    name = f"{secrets.token_hex(16)}.{ending}"
    (folder() / name).write_bytes(data)
    return name


def remove(name: str) -> None:
    if name and NAME.match(name):
        (folder() / name).unlink(missing_ok=True)


def path_for(name: str) -> Path | None:
    """The stored file for a name we gave out, or None (nothing else under the folder is reachable)."""
    if not NAME.match(name or ""):
        return None
    path = folder() / name
    return path if path.is_file() else None


def content_type(name: str) -> str:
    return CONTENT_TYPES[name.rsplit(".", 1)[1]]


def replace(speaker, upload=None, *, remove_current: bool = False) -> bool:
    """Put a new photo in place of the speaker's current one, or remove it; True if anything changed.
    Raises PhotoRefused before changing anything when the upload is not acceptable."""
    new_name = store(upload.stream) if getattr(upload, "filename", None) else None
    if new_name is None and not remove_current:
        return False
    old = speaker.photo
    speaker.photo = new_name or ""
    remove(old)
    return True
