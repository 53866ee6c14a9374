"""Optional test dependencies: skip where the environment cannot have them, fail where it can.

A test that needs a package the runtime does not (flytekit, mypy, pdoc, buf, the generator's
black / jinja2 / grpcio-tools) calls :func:`require` first (at module level for modules that
import it at the top). When the package is installed, nothing happens. When it is missing:

- **skip** if this environment is not meant to have it: its requirement in pyproject's
  extras has a marker that excludes this Python (flytekit on 3.13), or the environment was
  built with only some extras (``FLYTECLIENT_TEST_EXTRAS``, set by ``scripts/test-matrix``
  for its floor cells, e.g. ``auth,keyring,rest,test``) that do not pull it in;
- **fail** otherwise: in the development environment (``.[dev]``, what ``scripts/test`` and
  CI install) a missing tool is a broken environment, and a skip there could hide a
  regression on the main Python.
"""

from __future__ import annotations

import os
import re
import sys
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Dict, FrozenSet, List, Optional

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: The extras this environment was installed with (comma-separated); unset = ``dev``.
EXTRAS_ENV = "FLYTECLIENT_TEST_EXTRAS"
# Read once, at collection: some tests run with a scrubbed environment.
_EXTRAS_VALUE = os.environ.get(EXTRAS_ENV, "")
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@lru_cache(maxsize=None)
def _extras_table() -> Dict[str, List[str]]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    with open(ROOT / "pyproject.toml", "rb") as f:
        project = tomllib.load(f)["project"]
    table: Dict[str, List[str]] = dict(project.get("optional-dependencies", {}))
    return table


def _marker_holds(requirement: str) -> bool:
    from packaging.requirements import Requirement

    marker = Requirement(requirement).marker
    return marker is None or marker.evaluate({"extra": ""})


@lru_cache(maxsize=None)
def expected_distributions(extras: FrozenSet[str]) -> FrozenSet[str]:
    """Distributions the extras ``extras`` install on this Python (following
    ``flyteclient[...]`` self-references, skipping requirements whose marker is false)."""
    table = _extras_table()
    seen: set = set()
    found: set = set()
    todo = list(extras)
    while todo:
        extra = todo.pop()
        if extra in seen:
            continue
        seen.add(extra)
        for requirement in table.get(extra, []):
            if not _marker_holds(requirement):
                continue
            match = _NAME.match(requirement)
            assert match is not None, requirement
            name, nested = _canonical(match.group(1)), match.group(2)
            if name == "flyteclient":
                todo.extend(e.strip() for e in (nested or "").split(",") if e.strip())
            else:
                found.add(name)
    return frozenset(found)


def installed_extras() -> FrozenSet[str]:
    value = _EXTRAS_VALUE.strip()
    return frozenset(e.strip() for e in value.split(",") if e.strip()) or frozenset({"dev"})


def _installed(distribution: str) -> Optional[str]:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def require(*distributions: str, why: str = "") -> None:
    """Skip or fail (see the module doc) unless every distribution is installed.

    Works at module level (before importing the package) and inside tests."""
    for distribution in distributions:
        if _installed(distribution) is not None:
            continue
        what = f"{distribution} is not installed" + (f" ({why})" if why else "")
        extras = installed_extras()
        if _canonical(distribution) in expected_distributions(extras):
            pytest.fail(
                f"{what}, but this environment's extras ({','.join(sorted(extras))}) install it "
                f"on Python {sys.version_info.major}.{sys.version_info.minor}: "
                "reinstall the environment (scripts/_env.sh)",
                pytrace=False,
            )
        pytest.skip(
            f"{what}: not part of this environment on Python "
            f"{sys.version_info.major}.{sys.version_info.minor} "
            f"(extras {','.join(sorted(extras))})",
            allow_module_level=True,
        )
