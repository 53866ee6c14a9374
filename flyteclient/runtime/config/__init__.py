"""Connection settings for a Flyte control plane: :class:`PlatformConfig`.

``PlatformConfig`` has the same fields and defaults as flytekit's, and
:meth:`PlatformConfig.auto` reads the same environment variables and config-file
keys (flytectl's ``config.yaml`` and flytekit's legacy ini files), with environment
variables taking precedence over the file::

    cfg = PlatformConfig.auto()                       # search the usual places
    cfg = PlatformConfig.auto("~/.flyte/config.yaml")  # an explicit file
    cfg = PlatformConfig.for_endpoint("localhost:30080", insecure=True)

Config files are searched in this order: ``$FLYTECTL_CONFIG``, ``./flytekit.config``,
``~/.flyte/config``, ``~/.flyte/config.yaml``. Files whose name ends in ``.yaml`` /
``.yml`` are YAML; any other file is read as a legacy ini file (``[platform]`` /
``[credentials]`` sections), and as YAML when it has no ini section header.

YAML is parsed with PyYAML when it is installed. PyYAML is not a dependency of
flyteclient (neither flyteidl nor grpcio pulls it in), so without it a small built-in
reader handles the part of the file the client needs: the ``admin:`` and ``console:``
mappings (nested mappings of scalars, block or ``[flow]`` lists, quotes, comments).
Other top-level sections are skipped unread, so e.g. a ``storage:`` section using YAML
features the reader does not know cannot break the client; an unsupported construct
inside ``admin:`` raises :class:`ConfigError` naming the file and line.

Values are checked strictly, and a bad one raises :class:`ConfigError` naming the file
and key (or the environment variable): booleans must be true/false, yes/no, on/off,
y/n or 1/0 (a typo such as ``insecure: maybe`` must not mean plaintext), strings must
be scalars, lists lists or comma-separated strings, and ``admin:`` / ``console:``
mappings. Keys under ``admin:`` must be flytectl or flytekit settings: those the client
does not use (``maxRetries``, ``pkceConfig``, ...) are accepted and ignored, any other
key is an error with a "did you mean" hint, because a misspelt key would otherwise be
silently ignored.

The package: this module holds the value object; :mod:`.settings` the table of settings
(field, environment variable, YAML key, ini option, converter), :mod:`.sources` reads them
(:mod:`.ini_file`, :mod:`.yaml_file`, :mod:`.yaml_subset`), :mod:`.discovery` finds the file.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Sequence, Tuple, Union

from flyteclient.runtime.transport.base import REST_CODECS, TRANSPORTS

from ..endpoint import strip_dns_scheme
from .convert import to_bool
from .discovery import FLYTECTL_CONFIG_ENV_VAR, find_config_file
from .errors import ConfigError, ConfigFileNotFoundError

__all__ = [
    "AUTH_MODES",
    "Config",
    "ConfigError",
    "ConfigFileNotFoundError",
    "FLYTECTL_CONFIG_ENV_VAR",
    "PlatformConfig",
    "canonical_auth_mode",
    "find_config_file",
]

#: Canonical auth mode -> the spellings accepted for it (compared case-insensitively).
AUTH_MODES: Dict[str, Tuple[str, ...]] = {
    "Pkce": ("Pkce", "standard"),
    "ClientSecret": ("ClientSecret", "basic", "client_credentials"),
    "ExternalCommand": ("ExternalCommand", "external_process"),
    "DeviceFlow": ("DeviceFlow",),
}
_AUTH_MODE_LOOKUP = {
    alias.lower(): mode for mode, aliases in AUTH_MODES.items() for alias in aliases
}


def canonical_auth_mode(value: Any) -> str:
    """Return the canonical auth mode (``Pkce``, ``ClientSecret``, ``ExternalCommand`` or
    ``DeviceFlow``) for any accepted spelling, case-insensitively.

    Accepts flytekit's ``AuthType`` enum members too. Raises :class:`ConfigError`
    (a ``ValueError``) listing the valid spellings for anything else.
    """
    raw = getattr(value, "value", value)  # flytekit.configuration.AuthType
    mode = _AUTH_MODE_LOOKUP.get(str(raw).strip().lower()) if raw is not None else None
    if mode is None:
        valid = ", ".join(alias for aliases in AUTH_MODES.values() for alias in aliases)
        raise ConfigError(
            f"Invalid auth mode {str(raw)!r}; valid modes (case-insensitive) are: {valid}"
        )
    return mode


def _as_tuple(value: Any, name: str) -> Optional[Tuple[str, ...]]:
    if value is None:
        return None
    if isinstance(value, str):
        return (value,) if name == "scopes" else None  # commands stay strings (split with shlex)
    return tuple(str(v) for v in value)


@dataclass(frozen=True)
class PlatformConfig:
    """How to reach and authenticate to a Flyte control plane (flyteadmin).

    Fields and defaults match flytekit's ``PlatformConfig``:

    - ``endpoint``: ``host:port`` of flyteadmin's gRPC API (a ``dns:///`` prefix is removed).
    - ``insecure``: plaintext gRPC (no TLS).
    - ``insecure_skip_verify``: trust whatever certificate the server presents (unsafe).
    - ``ca_cert_file_path``: PEM file of root certificates to verify the server with.
    - ``console_endpoint``: URL of the Flyte console, if it differs from ``endpoint``.
    - ``command``: program (list of arguments, or one shell-like string) printing a token,
      for the ExternalCommand auth mode.
    - ``proxy_command``: like ``command``; its token is sent as ``proxy-authorization``.
    - ``client_id`` / ``client_credentials_secret``: OAuth2 client for ClientSecret mode.
    - ``scopes``: OAuth2 scopes to request (default: the server's).
    - ``auth_mode``: ``Pkce`` (also ``standard``), ``ClientSecret`` (also ``basic``,
      ``client_credentials``), ``ExternalCommand`` (also ``external_process``) or
      ``DeviceFlow``, as given (any case); ``None`` (the default) when no mode was chosen:
      then :attr:`effective_auth_mode` infers it, ``Pkce`` unless a client secret or a
      ``command`` is set, and a plaintext (``insecure``) endpoint is not logged in to.
    - ``audience``: OAuth2 audience to request (default: the server's).
    - ``rpc_retries``: retries for retryable RPC failures.
    - ``http_proxy_url``: HTTP(S) proxy used for the OAuth2 HTTP requests.

    flyteclient's own, after flytekit's fields:

    - ``transport``: ``grpc`` (the default) or ``rest`` (HTTP to flyteadmin's gateway
      routes); ``flyteclient.transport`` in config.yaml, ``FLYTECLIENT_TRANSPORT``.
    - ``rest_codec``: the bodies of ``rest`` calls, ``protobuf`` (the default, binary) or
      ``json``; ``flyteclient.restCodec`` in config.yaml, ``FLYTECLIENT_REST_CODEC``.

    List-valued fields are stored as tuples so the config is hashable and truly frozen.
    The secret is never shown by ``repr``.
    """

    endpoint: str = "localhost:30080"
    insecure: bool = False
    insecure_skip_verify: bool = False
    ca_cert_file_path: Optional[str] = None
    console_endpoint: Optional[str] = None
    command: Optional[Union[Sequence[str], str]] = None
    proxy_command: Optional[Union[Sequence[str], str]] = None
    client_id: Optional[str] = None
    client_credentials_secret: Optional[str] = None
    scopes: Sequence[str] = field(default=())
    auth_mode: Optional[str] = None
    audience: Optional[str] = None
    rpc_retries: int = 3
    http_proxy_url: Optional[str] = None
    transport: str = "grpc"
    rest_codec: str = "protobuf"

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "endpoint", strip_dns_scheme(str(self.endpoint)))
        for name in ("command", "proxy_command"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                set_(self, name, _as_tuple(value, name))
        set_(self, "scopes", _as_tuple(self.scopes, "scopes") or ())
        for name in ("insecure", "insecure_skip_verify"):
            value = getattr(self, name)
            if not isinstance(value, bool):
                set_(self, name, to_bool(value, f"PlatformConfig {name}"))
        if self.transport not in TRANSPORTS:
            raise ConfigError(
                f"transport must be one of {', '.join(TRANSPORTS)}, got {self.transport!r}"
            )
        if self.rest_codec not in REST_CODECS:
            raise ConfigError(
                f"rest_codec must be one of {', '.join(REST_CODECS)}, got {self.rest_codec!r}"
            )
        if self.auth_mode is not None:
            raw = getattr(self.auth_mode, "value", self.auth_mode)  # flytekit's AuthType enum
            canonical_auth_mode(raw)  # fail early, listing the valid modes
            set_(self, "auth_mode", str(raw))

    def __repr__(self) -> str:
        parts = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "client_credentials_secret" and value is not None:
                parts.append(f"{f.name}='***'")
            else:
                parts.append(f"{f.name}={value!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    @property
    def auth_mode_is_explicit(self) -> bool:
        """True when ``auth_mode`` was given (argument, env var or file), not defaulted."""
        return self.auth_mode is not None

    @property
    def effective_auth_mode(self) -> str:
        """The canonical auth mode the client will use.

        An explicit ``auth_mode`` wins. Otherwise a client secret means ``ClientSecret``,
        a ``command`` means ``ExternalCommand``, and anything else ``Pkce``.
        """
        if self.auth_mode is not None:
            return canonical_auth_mode(self.auth_mode)
        if self.client_credentials_secret:
            return "ClientSecret"
        if self.command:
            return "ExternalCommand"
        return "Pkce"

    @classmethod
    def for_endpoint(cls, endpoint: str, insecure: bool = False) -> "PlatformConfig":
        """A config for ``endpoint`` with every other setting at its default."""
        return cls(endpoint=endpoint, insecure=insecure)

    @classmethod
    def auto(
        cls,
        config_file: Optional[Union[str, "os.PathLike[str]"]] = None,
        *,
        require_file: bool = False,
    ) -> "PlatformConfig":
        """Read the settings from environment variables, then a config file, then defaults.

        ``config_file``: a path to read; it must exist (:class:`ConfigFileNotFoundError`
        naming it otherwise). Without it the usual places are searched (see module doc);
        when none exists, only environment variables and defaults are used, unless
        ``require_file`` is true, which raises :class:`ConfigFileNotFoundError` naming
        every path searched.

        A client secret read from ``clientSecretLocation`` / ``clientSecretEnvVar``
        selects the ClientSecret auth mode, as in flytekit.
        """
        from .sources import read_settings  # reading files is only needed here

        return cls(**read_settings(config_file, require_file=require_file))


#: flytekit-compatible alias.
Config = PlatformConfig
