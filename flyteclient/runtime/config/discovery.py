"""Finding the config file: an explicit path, or the first of the usual places.

The search order is ``$FLYTECTL_CONFIG``, ``./flytekit.config``, ``~/.flyte/config``,
``~/.flyte/config.yaml`` (as flytekit's).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import List, Mapping, Optional, Union

from .errors import ConfigFileNotFoundError

__all__ = ["FLYTECTL_CONFIG_ENV_VAR", "find_config_file", "locate_config_file"]

logger = logging.getLogger(__name__)

FLYTECTL_CONFIG_ENV_VAR = "FLYTECTL_CONFIG"


def _candidate_paths(environ: Mapping[str, str]) -> List[Path]:
    paths = []
    from_env = environ.get(FLYTECTL_CONFIG_ENV_VAR)
    if from_env:
        paths.append(Path(from_env).expanduser())
    home = Path.home()
    paths += [Path("flytekit.config"), home / ".flyte" / "config", home / ".flyte" / "config.yaml"]
    return paths


def find_config_file(required: bool = False) -> Optional[Path]:
    """Return the first existing config file in the search order, or None.

    ``$FLYTECTL_CONFIG`` naming a missing file is logged as a warning and skipped
    (as flytekit does). With ``required=True`` a missing file raises
    :class:`ConfigFileNotFoundError` that names every path searched.
    """
    candidates = _candidate_paths(os.environ)
    from_env = os.environ.get(FLYTECTL_CONFIG_ENV_VAR)
    for i, path in enumerate(candidates):
        if path.is_file():
            logger.debug("Using Flyte config file %s", path.absolute())
            return path.absolute()
        if i == 0 and from_env:
            logger.warning("%s=%s does not exist, ignoring it", FLYTECTL_CONFIG_ENV_VAR, from_env)
    if required:
        searched = ", ".join(str(p.absolute()) for p in candidates)
        raise ConfigFileNotFoundError(
            f"No Flyte config file found; searched: {searched}. "
            f"Set {FLYTECTL_CONFIG_ENV_VAR} or pass the file's path."
        )
    return None


def locate_config_file(
    config_file: Optional[Union[str, "os.PathLike[str]"]], required: bool = False
) -> Optional[Path]:
    """``config_file`` if given (it must exist), else :func:`find_config_file`."""
    if config_file is None:
        return find_config_file(required=required)
    path = Path(config_file).expanduser()
    if not path.is_file():
        raise ConfigFileNotFoundError(f"Flyte config file not found: {path}")
    return path
