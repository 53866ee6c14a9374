"""Strict converters from a setting's raw value (file or environment) to a field's value.

Each takes the value and ``where`` (``"<file>: admin.insecure"``, ``"environment variable
FLYTE_PLATFORM_INSECURE"``) and raises :class:`ConfigError` naming ``where`` for a value
of the wrong kind, so a typo is an error rather than a silent default.
"""

from __future__ import annotations

from typing import Any, List, Sequence, Union

from .errors import ConfigError

_BOOLEANS = {
    **{v: True for v in ("true", "1", "yes", "on", "y")},
    **{v: False for v in ("false", "0", "no", "off", "n", "")},
}


def describe(value: Any) -> str:
    """How an error message names a value of the wrong kind."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"


def to_bool(value: Any, where: str) -> bool:
    """A YAML boolean, or one of true/false, yes/no, on/off, y/n, 1/0 (any case).
    Anything else is an error: a typo must not silently mean ``insecure``."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _BOOLEANS:
        return _BOOLEANS[value.strip().lower()]
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise ConfigError(
        f"{where}: expected a boolean (true/false, yes/no, on/off, 1/0), got {describe(value)}"
    )


def to_str(value: Any, where: str) -> str:
    """A string; numbers are accepted as their text (``port: 443``)."""
    if isinstance(value, str) or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return str(value)
    raise ConfigError(f"{where}: expected a string, got {describe(value)}")


def to_list(value: Any, where: str) -> List[str]:
    """A list of strings, or a comma-separated string (items stripped, empty ones dropped)."""
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [to_str(v, where) for v in _sequence(value, where)]


def to_command(value: Any, where: str) -> Union[List[str], str]:
    """A list of arguments, or one shell-like string (kept whole, split later with shlex)."""
    return value if isinstance(value, str) else [to_str(v, where) for v in _sequence(value, where)]


def _sequence(value: Any, where: str) -> Sequence[Any]:
    if not isinstance(value, (list, tuple)):
        raise ConfigError(f"{where}: expected a list or a string, got {describe(value)}")
    return value
