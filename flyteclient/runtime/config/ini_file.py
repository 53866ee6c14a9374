"""flytekit's legacy ini config file (``[platform]`` / ``[credentials]`` sections)."""

from __future__ import annotations

import configparser
from pathlib import Path
from typing import Dict, Optional

from .errors import ConfigError
from .settings import SETTINGS, FileValue, KeyPath

__all__ = ["read_ini"]


def read_ini(text: str, path: Path) -> Optional[Dict[KeyPath, FileValue]]:
    """The settings in ini ``text`` (read from ``path``), keyed by their YAML key path.

    None when the text has no section header (it is then YAML, e.g. a
    ``FLYTECTL_CONFIG=/etc/flyte/config`` without the ``.yaml`` suffix).
    """
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text, source=str(path))
    except configparser.MissingSectionHeaderError:
        return None
    except configparser.Error as e:
        raise ConfigError(f"Cannot parse Flyte config file {path}: {e}") from None
    values: Dict[KeyPath, FileValue] = {}
    for setting in SETTINGS:
        section, option = setting.ini
        if parser.has_option(section, option):
            raw = parser.get(section, option)
            value = raw.split(",") if setting.ini_list else raw
            values[setting.yaml] = FileValue(value, f"{path}: [{section}] {option}")
    return values
