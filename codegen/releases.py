"""Released flyteidl versions: version numbers, and their wheels fetched with pip into a cache.

``flyteidl==1.12.0`` (what ``python -m codegen diff`` and ``python -m codegen history``
accept) names the wheel of that release on the package index. It is downloaded once with
``pip download --no-deps`` (nothing is installed) into the wheel cache:
``$FLYTECLIENT_WHEEL_CACHE``, else ``$XDG_CACHE_HOME/flyteclient/flyteidl-wheels``, else
``~/.cache/flyteclient/flyteidl-wheels``; later uses read the cached file, offline.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Optional

from .errors import CodegenError

_SPEC = re.compile(r"^flyteidl==(\S+)$", re.IGNORECASE)
_RELEASE = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
_PIP_TIMEOUT_S = 300


def release_key(version: str) -> tuple[int, int, int]:
    """``"1.13.0"`` -> ``(1, 13, 0)``, for ordering releases; ValueError for anything else
    (pre-releases and labels such as ``"protos"`` are not releases)."""
    match = _RELEASE.match(version)
    if match is None:
        raise ValueError(f"{version!r} is not a release number like 1.13.0")
    major, minor, patch = (int(g) for g in match.groups())
    return major, minor, patch


def is_release(version: str) -> bool:
    return _RELEASE.match(version) is not None


def parse_spec(spec: str) -> Optional[str]:
    """The version of a ``flyteidl==VERSION`` argument; None when ``spec`` is not one."""
    match = _SPEC.match(spec.strip())
    return match.group(1) if match else None


def cache_dir() -> Path:
    """Where fetched wheels are kept (see the module docstring)."""
    explicit = os.environ.get("FLYTECLIENT_WHEEL_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "flyteclient" / "flyteidl-wheels"


def cached_wheel(version: str, cache: Optional[Path] = None) -> Optional[Path]:
    """The cached wheel of flyteidl ``version``, if it was fetched before."""
    found = sorted((cache or cache_dir()).glob(f"flyteidl-{version}-*.whl"))
    return found[0] if found else None


def fetch_wheel(version: str, cache: Optional[Path] = None) -> Path:
    """The wheel of flyteidl ``version``: from the cache, else downloaded into it with pip.
    Raises :class:`CodegenError` (one line) when pip cannot get it."""
    if not re.fullmatch(r"[0-9][0-9A-Za-z.+!-]*", version):
        raise CodegenError(f"flyteidl=={version}: not a version number")
    cache = cache or cache_dir()
    found = cached_wheel(version, cache)
    if found is not None:
        return found
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CodegenError(f"wheel cache {cache}: {exc.strerror or exc}") from exc
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--no-deps",
        "--only-binary",
        ":all:",
        "--disable-pip-version-check",
        "-d",
        str(cache),
        f"flyteidl=={version}",
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=_PIP_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise CodegenError(f"flyteidl=={version}: pip download failed: {exc}") from exc
    found = cached_wheel(version, cache)
    if done.returncode != 0 or found is None:
        errors = [ln for ln in done.stderr.splitlines() if ln.startswith("ERROR")]
        reason = errors[-1] if errors else f"pip exited with status {done.returncode}"
        raise CodegenError(f"flyteidl=={version}: cannot download the wheel ({reason})")
    return found
