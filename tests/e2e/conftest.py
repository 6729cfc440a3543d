"""Fixtures of the browser tests: the screenshot folder and the real SMTP server."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.smtp import smtp_server  # noqa: F401 - the real SMTP server fixture

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """build/screenshots/ (git-ignored; CI keeps it as an artifact): each journey's key pages."""
    folder = ROOT / "build" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
