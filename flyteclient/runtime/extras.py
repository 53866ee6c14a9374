"""Packages that come with flyteclient's extras, imported when a feature first needs them.

:func:`require_extra` imports one, or raises :class:`MissingExtraError` (an ``ImportError``)
that says which feature needs it, the version range, what was found and the command that
installs it, the same way for every extra::

    transport='rest' needs httpx >= 0.27.0 (not installed): pip install 'flyteclient[rest]'
"""

from __future__ import annotations

import importlib
import re
import sys
from types import ModuleType
from typing import Dict, NamedTuple, Optional, Tuple

__all__ = ["EXTRAS", "MissingExtraError", "Extra", "require_extra"]


class Extra(NamedTuple):
    """The extra that installs a package, and the oldest release flyteclient works with
    (the floor pyproject declares; a test keeps them equal)."""

    name: str
    minimum: str
    #: Python versions the package has no release for, as (major, minor) tuples.
    unavailable_on: Tuple[Tuple[int, int], ...] = ()


#: import name -> the extra providing it.
EXTRAS: Dict[str, Extra] = {
    "httpx": Extra("rest", "0.27.0"),
    "requests": Extra("auth", "2.28.0"),
    "keyring": Extra("keyring", "23.0.0"),
    "flytekit": Extra("flytekit", "1.16.21", unavailable_on=((3, 13),)),
}


class MissingExtraError(ImportError):
    """A feature needs a package from one of flyteclient's extras that is missing or too old."""


def _release(version: str) -> Tuple[int, ...]:
    """The numeric release of a version string: ``"1.16.21rc1"`` -> ``(1, 16, 21)``."""
    match = re.match(r"\d+(?:\.\d+)*", version)
    return tuple(int(part) for part in match.group(0).split(".")) if match else ()


def _version_of(module: ModuleType, name: str) -> Optional[str]:
    version = getattr(module, "__version__", None)
    if isinstance(version, str):
        return version
    try:
        from importlib import metadata

        return metadata.version(name)
    except Exception:  # noqa: BLE001 - no metadata (a vendored copy): nothing to compare
        return None


def require_extra(name: str, feature: str) -> ModuleType:
    """Import ``name`` for ``feature`` (e.g. ``"transport='rest'"``), or raise
    :class:`MissingExtraError` naming the extra to install.

    A release older than the extra's floor is refused too: features then fail on a missing
    attribute deep inside a call instead of here."""
    extra = EXTRAS[name]
    needs = f"{feature} needs {name} >= {extra.minimum}"
    install = f"pip install 'flyteclient[{extra.name}]'"
    try:
        module = importlib.import_module(name)
    except ImportError as exc:
        if exc.name is not None and exc.name.split(".")[0] != name:
            raise  # the package is there but one of its own imports failed: show that
        here = sys.version_info[:2]
        if here in extra.unavailable_on:
            reason = f"{name} has no release for Python {here[0]}.{here[1]} yet"
            raise MissingExtraError(f"{needs}, but {reason}", name=name) from None
        raise MissingExtraError(f"{needs} (not installed): {install}", name=name) from None
    found = _version_of(module, name)
    if found is not None and _release(found) < _release(extra.minimum):
        raise MissingExtraError(
            f"{needs} (found {found}): pip install --upgrade 'flyteclient[{extra.name}]'",
            name=name,
        )
    return module
