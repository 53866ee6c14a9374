"""Reading the settings: environment variables over the config file, plus the client secret.

:func:`read_settings` is what :meth:`PlatformConfig.auto` uses; it returns the keyword
arguments for :class:`PlatformConfig`, holding only the settings that were given.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Union

from .discovery import locate_config_file
from .errors import ConfigError
from .ini_file import read_ini
from .settings import SETTINGS, FileValue, KeyPath, Setting
from .yaml_file import read_yaml

__all__ = ["read_config_file", "read_settings", "settings_from"]


def read_settings(
    config_file: Optional[Union[str, "os.PathLike[str]"]] = None, *, require_file: bool = False
) -> Dict[str, Any]:
    """PlatformConfig keyword arguments from ``os.environ`` and the config file (see
    :meth:`PlatformConfig.auto` for ``config_file`` and ``require_file``)."""
    path = locate_config_file(config_file, required=require_file)
    file_values = read_config_file(path) if path is not None else {}
    return settings_from(os.environ, file_values)


def read_config_file(path: Path) -> Dict[KeyPath, FileValue]:
    """Read ``path`` into ``{yaml key path: value}`` for the keys the client uses.

    Files named ``*.yaml`` / ``*.yml`` are YAML; any other is a legacy ini file, or YAML
    when it has no ini section header.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError(f"Cannot read Flyte config file {path}: {e.strerror or e}") from None
    if path.suffix.lower() not in (".yaml", ".yml"):
        values = read_ini(text, path)
        if values is not None:
            return values
    return read_yaml(text, path)


def settings_from(
    environ: Mapping[str, str], file_values: Mapping[KeyPath, FileValue]
) -> Dict[str, Any]:
    """PlatformConfig keyword arguments for the settings given in ``environ`` or the file.

    A client secret read from ``clientSecretLocation`` / ``clientSecretEnvVar`` selects the
    ClientSecret auth mode, as in flytekit.
    """
    given = {}
    for setting in SETTINGS:
        value = _value(setting, environ, file_values)
        if _present(value):
            given[setting.name] = value
    kwargs = {s.name: given[s.name] for s in SETTINGS if s.field and s.name in given}
    secret = _client_secret(
        environ, given.get("client_secret_location"), given.get("client_secret_env_var")
    )
    if secret:
        kwargs["client_credentials_secret"] = secret
        kwargs["auth_mode"] = (
            "ClientSecret"  # as flytekit: a secret from a file / env var selects it
        )
    return kwargs


def _value(
    setting: Setting, environ: Mapping[str, str], file_values: Mapping[KeyPath, FileValue]
) -> Any:
    """The setting's value: its environment variable if set (even empty), else the file's."""
    if setting.env in environ:
        return setting.from_env(environ[setting.env])
    found = file_values.get(setting.yaml)
    return (
        None if found is None or found.value is None else setting.convert(found.value, found.where)
    )


def _present(value: Any) -> bool:
    """flytekit's rule: a setting counts when it is a bool or a non-empty value."""
    return isinstance(value, bool) or (
        value is not None and value != "" and value != [] and value != ()
    )


def _client_secret(
    environ: Mapping[str, str], location: Optional[str], env_var: Optional[str]
) -> Optional[str]:
    """The secret in the file ``location``, or (preferred) in the variable named ``env_var``."""
    secret = None
    if location:
        secret_path = Path(location).expanduser()
        try:
            secret = secret_path.read_text(encoding="utf-8").strip()
        except OSError as e:
            raise ConfigError(
                f"Cannot read the client secret file {secret_path}: {e.strerror or e}"
            ) from None
    if env_var:
        secret = environ.get(env_var) or secret
    return secret
