"""Where the shipped data folders (``sql/`` migrations, ``config/`` defaults and populations) are found."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """The folder ``name`` (``"sql"`` or ``"config"``): bundled in an installed wheel, or the checkout's own."""
    for candidate in (_PACKAGE / "_bundled" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the {name}/ folder is missing from this installation ({_PACKAGE})")
