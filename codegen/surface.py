"""Reads ``surface.toml``: the names and flattening rules the IDL cannot express."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on older Pythons only
    import tomli as tomllib

from .errors import CodegenError

SURFACE_FILE = Path(__file__).with_name("surface.toml")


def load_surface(path: Path = SURFACE_FILE) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CodegenError(f"cannot read surface file {path}: {exc}") from exc
