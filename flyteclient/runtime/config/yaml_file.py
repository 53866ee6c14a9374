"""flytectl's ``config.yaml``: the ``admin:`` and ``console:`` sections.

Parsed with PyYAML when it is installed, else with the built-in reader in
:mod:`.yaml_subset`. ``admin:`` and ``console:`` must be mappings, and ``admin:`` may hold
only flytectl or flytekit keys (see :data:`.settings.KNOWN_ADMIN_KEYS`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Mapping

from .convert import describe
from .errors import ConfigError
from .settings import KNOWN_ADMIN_KEYS, SETTINGS, FileValue, KeyPath

__all__ = ["read_yaml"]


def read_yaml(text: str, path: Path) -> Dict[KeyPath, FileValue]:
    """The settings in YAML ``text`` (read from ``path``), keyed by their key path."""
    document = _load(text, path)
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise ConfigError(f"Flyte config file {path} is not a YAML mapping")
    _check_sections(document, path)
    values: Dict[KeyPath, FileValue] = {}
    for setting in SETTINGS:
        if not setting.in_yaml:
            continue
        node: Any = document
        for part in setting.yaml:
            node = node.get(part) if isinstance(node, dict) else None
        if node is not None:
            values[setting.yaml] = FileValue(node, f"{path}: {'.'.join(setting.yaml)}")
    return values


def _load(text: str, path: Path) -> Any:
    try:
        import yaml  # optional: used when installed, for full YAML
    except ImportError:
        from .yaml_subset import parse_yaml_subset

        return parse_yaml_subset(text, path)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ConfigError(f"Cannot parse YAML config file {path}: {e}") from None


def _check_sections(document: Mapping[str, Any], path: Path) -> None:
    """``admin:`` and ``console:`` must be mappings; ``admin:`` may hold only known keys."""
    for section in ("admin", "console"):
        node = document.get(section)
        if node is not None and not isinstance(node, dict):
            raise ConfigError(
                f"{path}: `{section}:` must be a mapping of settings, got {describe(node)}"
            )
    for key in document.get("admin") or {}:
        if key not in KNOWN_ADMIN_KEYS:
            import difflib

            close = difflib.get_close_matches(str(key), sorted(KNOWN_ADMIN_KEYS), n=1)
            hint = f"; did you mean admin.{close[0]}?" if close else ""
            raise ConfigError(
                f"{path}: unknown key admin.{key} (not a flytectl or flytekit setting){hint}"
            )
