"""Every Swedish text in the code and templates has an English translation with the same placeholders."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\((\w+)\)s|\{(\w+)\}")


def _extract(tmp_path) -> list[tuple[str, str | None]]:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-k",
            "lazy_pgettext:1c,2",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        return [(message.id, message.context) for message in read_po(handle) if message.id]


def _english():
    with (ROOT / "forum/translations/en/LC_MESSAGES/messages.po").open("rb") as handle:
        return read_po(handle, locale="en")


def test_every_text_has_an_english_translation(tmp_path):
    catalog = _english()
    missing = []
    for msgid, context in _extract(tmp_path):
        message = catalog.get(msgid, context=context)
        text = message.string if message else None
        ok = bool(text) and all(text) if isinstance(msgid, tuple) else bool(text)
        if not ok:
            missing.append(msgid)
    assert not missing, "Texts without English translation (run `make i18n-update` and translate):\n" + "\n".join(
        map(str, missing)
    )


def test_translations_keep_their_placeholders():
    wrong = []
    for message in _english():
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(ids[0]))
        if any(set(PLACEHOLDER.findall(s)) != wanted for s in strings):
            wrong.append(message.id)
    assert not wrong, f"Placeholders differ: {wrong}"
