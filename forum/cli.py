"""flask commands. Each command is a thin wrapper around a service."""

from __future__ import annotations


def register_cli(app) -> None:
    pass
