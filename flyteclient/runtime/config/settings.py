"""The settings the client reads: one row per setting, naming every place it can come from.

A row says which :class:`PlatformConfig` field a setting fills, its environment variable
(which wins over the file), its key path in flytectl's ``config.yaml``, its ``(section,
option)`` in flytekit's legacy ini file, and how a raw value becomes the field's value.
The defaults are the dataclass's own (they match flytekit's).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, FrozenSet, Optional, Tuple

from .convert import to_bool, to_command, to_list, to_str

__all__ = ["FileValue", "KNOWN_ADMIN_KEYS", "KeyPath", "SETTINGS", "Setting"]

KeyPath = Tuple[str, ...]
#: ``(raw value, where)`` -> value; raises ConfigError naming ``where`` for a wrong kind.
Converter = Callable[[Any, str], Any]


@dataclass(frozen=True)
class Setting:
    """One setting and the places it is read from."""

    #: The PlatformConfig field it sets; for the two client-secret locations (``field`` is
    #: False) a name the secret lookup uses instead.
    name: str
    env: str
    yaml: KeyPath
    ini: Tuple[str, str]
    convert: Converter
    #: The converter for the environment variable's text, when it differs from ``convert``.
    convert_env: Optional[Converter] = None
    #: The ini value is a comma-separated list (split, items not stripped, as flytekit does).
    ini_list: bool = False
    #: Read from config.yaml: flytekit reads a literal client secret only from ini files
    #: and the environment (the key is still known, so it is not reported as misspelt).
    in_yaml: bool = True
    #: Sets the PlatformConfig field ``name``.
    field: bool = True

    def from_env(self, text: str) -> Any:
        """The value of this setting given as its environment variable's ``text``."""
        return (self.convert_env or self.convert)(text, f"environment variable {self.env}")


@dataclass(frozen=True)
class FileValue:
    """A setting's raw value as read from a config file, and where, for error messages."""

    value: Any
    where: str  # "<file>: admin.insecure" or "<file>: [platform] insecure"


# fmt: off
SETTINGS: Tuple[Setting, ...] = (
    Setting("endpoint", "FLYTE_PLATFORM_URL", ("admin", "endpoint"), ("platform", "url"), to_str),
    Setting("insecure", "FLYTE_PLATFORM_INSECURE", ("admin", "insecure"), ("platform", "insecure"), to_bool),
    Setting("insecure_skip_verify", "FLYTE_PLATFORM_INSECURE_SKIP_VERIFY", ("admin", "insecureSkipVerify"),
            ("platform", "insecure_skip_verify"), to_bool),
    Setting("ca_cert_file_path", "FLYTE_PLATFORM_CA_CERT_FILE_PATH", ("admin", "caCertFilePath"),
            ("platform", "ca_cert_file_path"), to_str),
    Setting("http_proxy_url", "FLYTE_PLATFORM_HTTP_PROXY_URL", ("admin", "httpProxyURL"),
            ("platform", "http_proxy_url"), to_str),
    Setting("console_endpoint", "FLYTE_PLATFORM_CONSOLE_ENDPOINT", ("console", "endpoint"),
            ("platform", "console_endpoint"), to_str),
    Setting("command", "FLYTE_CREDENTIALS_COMMAND", ("admin", "command"), ("credentials", "command"),
            to_command, convert_env=to_list, ini_list=True),
    Setting("proxy_command", "FLYTE_CREDENTIALS_PROXY_COMMAND", ("admin", "proxyCommand"),
            ("credentials", "proxy_command"), to_command, convert_env=to_list, ini_list=True),
    Setting("client_id", "FLYTE_CREDENTIALS_CLIENT_ID", ("admin", "clientId"), ("credentials", "client_id"), to_str),
    Setting("client_credentials_secret", "FLYTE_CREDENTIALS_CLIENT_SECRET", ("admin", "clientSecret"),
            ("credentials", "client_secret"), to_str, in_yaml=False),
    Setting("scopes", "FLYTE_CREDENTIALS_SCOPES", ("admin", "scopes"), ("credentials", "scopes"), to_list,
            ini_list=True),
    Setting("auth_mode", "FLYTE_CREDENTIALS_AUTH_MODE", ("admin", "authType"), ("credentials", "auth_mode"), to_str),
    Setting("audience", "FLYTE_CREDENTIALS_AUDIENCE", ("admin", "audience"), ("credentials", "audience"), to_str),
    # Where to find the client secret (a file, or the name of another variable); a secret
    # found there selects the ClientSecret auth mode, as in flytekit.
    Setting("client_secret_location", "FLYTE_CREDENTIALS_CLIENT_SECRET_LOCATION", ("admin", "clientSecretLocation"),
            ("credentials", "client_secret_location"), to_str, field=False),
    Setting("client_secret_env_var", "FLYTE_CREDENTIALS_CLIENT_SECRET_ENV_VAR", ("admin", "clientSecretEnvVar"),
            ("credentials", "client_secret_env_var"), to_str, field=False),
    # flyteclient's own settings, in a section of their own (flytectl and flytekit skip it).
    Setting("transport", "FLYTECLIENT_TRANSPORT", ("flyteclient", "transport"), ("flyteclient", "transport"), to_str),
    Setting("rest_codec", "FLYTECLIENT_REST_CODEC", ("flyteclient", "restCodec"), ("flyteclient", "rest_codec"),
            to_str),
)

# Keys under ``admin:`` that flytectl (flyteidl's Go admin client config) or flytekit know
# but the client does not use: accepted and ignored.
_IGNORED_ADMIN_KEYS = (
    "maxBackoffDelay", "perRetryTimeout", "maxRetries", "maxMessageSizeBytes", "tokenRefreshWindow",
    "useAuth", "useAudienceFromAdmin", "authorizationServerUrl", "tokenUrl", "authorizationHeader",
    "pkceConfig", "deviceFlowConfig", "defaultServiceConfig",
)
# fmt: on

#: Every key allowed under ``admin:``; any other is an error, because a misspelt key
#: (``insecur: true``) would otherwise be silently ignored.
KNOWN_ADMIN_KEYS: FrozenSet[str] = frozenset(
    {s.yaml[1] for s in SETTINGS if s.yaml[0] == "admin"} | set(_IGNORED_ADMIN_KEYS)
)
