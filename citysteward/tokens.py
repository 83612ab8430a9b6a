"""Random tokens kept in files under var/ (mode 600), for services started without one in the
environment, so no HTTP API is ever open without a token."""

from __future__ import annotations

import secrets
from pathlib import Path


def token_kept_in(path: Path) -> str:
    """The token in `path`, created with a fresh random value the first time."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()
