"""The exceptions raised for unusable configuration."""

from __future__ import annotations

__all__ = ["ConfigError", "ConfigFileNotFoundError"]


class ConfigError(ValueError):
    """A configuration value or file that cannot be used."""


class ConfigFileNotFoundError(ConfigError, FileNotFoundError):
    """A config file that was asked for (explicitly or as required) does not exist."""
