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
"""

from __future__ import annotations

import configparser
import dataclasses
import json
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from .endpoint import strip_dns_scheme

__all__ = [
    "AUTH_MODES",
    "Config",
    "ConfigError",
    "ConfigFileNotFoundError",
    "PlatformConfig",
    "canonical_auth_mode",
    "find_config_file",
]

logger = logging.getLogger(__name__)

FLYTECTL_CONFIG_ENV_VAR = "FLYTECTL_CONFIG"

#: Canonical auth mode -> the spellings accepted for it (compared case-insensitively).
AUTH_MODES: Dict[str, Tuple[str, ...]] = {
    "Pkce": ("Pkce", "standard"),
    "ClientSecret": ("ClientSecret", "basic", "client_credentials"),
    "ExternalCommand": ("ExternalCommand", "external_process"),
    "DeviceFlow": ("DeviceFlow",),
}
_AUTH_MODE_LOOKUP = {alias.lower(): mode for mode, aliases in AUTH_MODES.items() for alias in aliases}


class ConfigError(ValueError):
    """A configuration value or file that cannot be used."""


class ConfigFileNotFoundError(ConfigError, FileNotFoundError):
    """A config file that was asked for (explicitly or as required) does not exist."""


class _ImplicitAuthMode(str):
    """The default auth mode. Equal to ``"Pkce"``, but distinguishable by identity so the
    client can tell "Pkce because nobody chose" from "Pkce because the user chose it"."""

    __slots__ = ()


_DEFAULT_AUTH_MODE = _ImplicitAuthMode("Pkce")


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
        raise ConfigError(f"Invalid auth mode {str(raw)!r}; valid modes (case-insensitive) are: {valid}")
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
    - ``auth_mode``: ``Pkce`` (default; also ``standard``), ``ClientSecret`` (also ``basic``,
      ``client_credentials``), ``ExternalCommand`` (also ``external_process``) or ``DeviceFlow``.
    - ``audience``: OAuth2 audience to request (default: the server's).
    - ``rpc_retries``: retries for retryable RPC failures.
    - ``http_proxy_url``: HTTP(S) proxy used for the OAuth2 HTTP requests.

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
    auth_mode: str = _DEFAULT_AUTH_MODE
    audience: Optional[str] = None
    rpc_retries: int = 3
    http_proxy_url: Optional[str] = None

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
                set_(self, name, _to_bool(value, f"PlatformConfig {name}"))
        if not isinstance(self.auth_mode, _ImplicitAuthMode):
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
        return not isinstance(self.auth_mode, _ImplicitAuthMode)

    @property
    def effective_auth_mode(self) -> str:
        """The canonical auth mode the client will use.

        An explicit ``auth_mode`` wins. Otherwise a client secret means ``ClientSecret``,
        a ``command`` means ``ExternalCommand``, and anything else ``Pkce``.
        """
        if self.auth_mode_is_explicit:
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
        path: Optional[Path]
        if config_file is not None:
            path = Path(config_file).expanduser()
            if not path.is_file():
                raise ConfigFileNotFoundError(f"Flyte config file not found: {path}")
        else:
            path = find_config_file(required=require_file)
        file_values = _read_config_file(path) if path is not None else {}
        return cls(**_settings_from(os.environ, file_values))


#: flytekit-compatible alias.
Config = PlatformConfig


# ---------------------------------------------------------------------------------------
# Locating and reading config files


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


# Legacy ini (section, option) for each YAML key path.
_INI_KEYS: Dict[Tuple[str, ...], Tuple[str, str]] = {
    ("admin", "endpoint"): ("platform", "url"),
    ("admin", "insecure"): ("platform", "insecure"),
    ("admin", "insecureSkipVerify"): ("platform", "insecure_skip_verify"),
    ("admin", "caCertFilePath"): ("platform", "ca_cert_file_path"),
    ("admin", "httpProxyURL"): ("platform", "http_proxy_url"),
    ("console", "endpoint"): ("platform", "console_endpoint"),
    ("admin", "command"): ("credentials", "command"),
    ("admin", "proxyCommand"): ("credentials", "proxy_command"),
    ("admin", "clientId"): ("credentials", "client_id"),
    ("admin", "clientSecret"): ("credentials", "client_secret"),  # ini only, as in flytekit
    ("admin", "clientSecretLocation"): ("credentials", "client_secret_location"),
    ("admin", "clientSecretEnvVar"): ("credentials", "client_secret_env_var"),
    ("admin", "scopes"): ("credentials", "scopes"),
    ("admin", "authType"): ("credentials", "auth_mode"),
    ("admin", "audience"): ("credentials", "audience"),
}
# ini values that are comma-separated lists.
_INI_LISTS = {"command", "proxy_command", "scopes"}


@dataclass(frozen=True)
class _FileValue:
    value: Any
    where: str  # "<file>: admin.insecure", for error messages


def _read_config_file(path: Path) -> Dict[Tuple[str, ...], _FileValue]:
    """Read ``path`` into ``{yaml key path: value}`` for the keys the client uses; each
    value remembers where it came from, for error messages."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError(f"Cannot read Flyte config file {path}: {e.strerror or e}") from None
    if path.suffix.lower() in (".yaml", ".yml"):
        return _from_yaml(text, path)
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text, source=str(path))
    except configparser.MissingSectionHeaderError:
        return _from_yaml(text, path)  # e.g. FLYTECTL_CONFIG=/etc/flyte/config without .yaml
    except configparser.Error as e:
        raise ConfigError(f"Cannot parse Flyte config file {path}: {e}") from None
    values: Dict[Tuple[str, ...], _FileValue] = {}
    for key, (section, option) in _INI_KEYS.items():
        if parser.has_option(section, option):
            raw = parser.get(section, option)
            value = raw.split(",") if option in _INI_LISTS else raw
            values[key] = _FileValue(value, f"{path}: [{section}] {option}")
    return values


# Keys under ``admin:`` that flytectl (flyteidl's Go admin client config) or flytekit
# know. The client uses those in _INI_KEYS and ignores the rest; any other key is an
# error, because a misspelt key (``insecur: true``) would otherwise be silently ignored.
_KNOWN_ADMIN_KEYS = frozenset(
    {key[1] for key in _INI_KEYS if key[0] == "admin"}
    | {
        "maxBackoffDelay", "perRetryTimeout", "maxRetries", "maxMessageSizeBytes", "tokenRefreshWindow",
        "useAuth", "useAudienceFromAdmin", "authorizationServerUrl", "tokenUrl", "authorizationHeader",
        "pkceConfig", "deviceFlowConfig", "defaultServiceConfig",
    }
)


def _check_sections(document: Mapping[str, Any], path: Path) -> None:
    """``admin:`` and ``console:`` must be mappings; ``admin:`` may hold only known keys."""
    for section in ("admin", "console"):
        node = document.get(section)
        if node is not None and not isinstance(node, dict):
            raise ConfigError(f"{path}: `{section}:` must be a mapping of settings, got {_describe(node)}")
    for key in document.get("admin") or {}:
        if key not in _KNOWN_ADMIN_KEYS:
            import difflib

            close = difflib.get_close_matches(str(key), sorted(_KNOWN_ADMIN_KEYS), n=1)
            hint = f"; did you mean admin.{close[0]}?" if close else ""
            raise ConfigError(f"{path}: unknown key admin.{key} (not a flytectl or flytekit setting){hint}")


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"


def _from_yaml(text: str, path: Path) -> Dict[Tuple[str, ...], _FileValue]:
    document = _load_yaml(text, path)
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise ConfigError(f"Flyte config file {path} is not a YAML mapping")
    _check_sections(document, path)
    values: Dict[Tuple[str, ...], _FileValue] = {}
    for key in _INI_KEYS:
        if key == ("admin", "clientSecret"):
            continue  # flytekit reads a literal secret only from ini files / the environment
        node: Any = document
        for part in key:
            node = node.get(part) if isinstance(node, dict) else None
        if node is not None:
            values[key] = _FileValue(node, f"{path}: {'.'.join(key)}")
    return values


def _load_yaml(text: str, path: Path) -> Any:
    try:
        import yaml  # optional: used when installed, for full YAML
    except ImportError:
        return _parse_yaml_subset(text, path)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ConfigError(f"Cannot parse YAML config file {path}: {e}") from None


# ---------------------------------------------------------------------------------------
# A small reader for the admin:/console: part of flytectl's config.yaml (no PyYAML needed)

_WANTED_SECTIONS = {"admin", "console"}
_YAML_TRUE = {"true", "yes", "on", "y"}
_YAML_FALSE = {"false", "no", "off", "n"}


@dataclass
class _Line:
    number: int
    indent: int
    text: str


def _strip_comment(line: str) -> str:
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i].rstrip()
    return line.rstrip()


def _parse_yaml_subset(text: str, path: Path) -> Dict[str, Any]:
    lines: List[_Line] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        content = _strip_comment(raw)
        if not content.strip() or content.strip() in ("---", "..."):
            continue
        indent = len(content) - len(content.lstrip(" "))
        lines.append(_Line(number, indent, content.strip()))

    result: Dict[str, Any] = {}
    i = 0
    while i < len(lines):
        start = i
        i += 1
        while i < len(lines) and lines[i].indent > 0:
            i += 1
        head = lines[start]
        if head.indent != 0:
            raise _unsupported(path, head, "unexpected indentation")
        key, rest = _split_key(head, path)
        if key not in _WANTED_SECTIONS:
            continue  # not needed by the client; never parsed
        block = lines[start + 1 : i]
        if rest:
            result[key] = _scalar(rest, head, path)
        elif block:
            value, used = _parse_node(block, 0, block[0].indent, path)
            if used != len(block):
                raise _unsupported(path, block[used], "bad indentation")
            result[key] = value
        else:
            result[key] = None
    return result


def _unsupported(path: Path, line: _Line, what: str) -> ConfigError:
    return ConfigError(
        f"{path}, line {line.number}: {what}. flyteclient's built-in YAML reader handles "
        "nested mappings of scalars and lists; `pip install pyyaml` for full YAML support."
    )


def _split_key(line: _Line, path: Path) -> Tuple[str, str]:
    text = line.text
    if text[:1] in ("'", '"'):
        end = text.find(text[0], 1)
        if end < 0 or not text[end + 1 :].startswith(":"):
            raise _unsupported(path, line, "expected `key: value`")
        return text[1:end], text[end + 2 :].strip()
    match = re.match(r"^([^:]+?):(?:\s+(.*))?$", text)
    if not match:
        raise _unsupported(path, line, "expected `key: value`")
    return match.group(1).strip(), (match.group(2) or "").strip()


def _parse_node(lines: List[_Line], i: int, indent: int, path: Path) -> Tuple[Any, int]:
    if lines[i].text == "-" or lines[i].text.startswith("- "):
        items = []
        while i < len(lines) and lines[i].indent == indent and lines[i].text.startswith("-"):
            item = lines[i].text[1:].strip()
            if not item or re.match(r"^[^'\"\[{]*:(\s|$)", item):
                raise _unsupported(path, lines[i], "lists of mappings are not supported")
            items.append(_scalar(item, lines[i], path))
            i += 1
        return items, i
    mapping: Dict[str, Any] = {}
    while i < len(lines) and lines[i].indent == indent:
        line = lines[i]
        key, rest = _split_key(line, path)
        i += 1
        if rest:
            mapping[key] = _scalar(rest, line, path)
        elif i < len(lines) and (
            lines[i].indent > indent or (lines[i].indent == indent and lines[i].text.startswith("- "))
        ):
            mapping[key], i = _parse_node(lines, i, lines[i].indent, path)
        else:
            mapping[key] = None
    if i < len(lines) and lines[i].indent > indent:
        raise _unsupported(path, lines[i], "bad indentation")
    return mapping, i


def _scalar(text: str, line: _Line, path: Path) -> Any:
    if text[0] in "&*!|>%@`":
        raise _unsupported(path, line, f"YAML feature {text[0]!r} is not supported")
    if text[0] == "[":
        if not text.endswith("]"):
            raise _unsupported(path, line, "multi-line flow lists are not supported")
        inner = text[1:-1].strip()
        return [_scalar(part, line, path) for part in _split_flow(inner)] if inner else []
    if text[0] == "{":
        if text.replace(" ", "") == "{}":
            return {}
        raise _unsupported(path, line, "flow mappings are not supported")
    if text[0] == '"':
        try:
            return json.loads(text)
        except ValueError:
            raise _unsupported(path, line, "bad double-quoted string") from None
    if text[0] == "'":
        if len(text) < 2 or not text.endswith("'"):
            raise _unsupported(path, line, "bad single-quoted string")
        return text[1:-1].replace("''", "'")
    lowered = text.lower()
    if lowered in ("null", "~"):
        return None
    if lowered in _YAML_TRUE:
        return True
    if lowered in _YAML_FALSE:
        return False
    if re.fullmatch(r"[-+]?\d+", text):
        return int(text)
    return text


def _split_flow(inner: str) -> List[str]:
    parts, current, quote = [], "", None
    for ch in inner:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == ",":
            parts.append(current.strip())
            current = ""
            continue
        current += ch
    parts.append(current.strip())
    return [p for p in parts if p]


# ---------------------------------------------------------------------------------------
# Combining environment and file


_BOOLEANS = {**{v: True for v in ("true", "1", "yes", "on", "y")}, **{v: False for v in ("false", "0", "no", "off", "n", "")}}


def _to_bool(value: Any, where: str) -> bool:
    """A YAML boolean, or one of true/false, yes/no, on/off, y/n, 1/0 (any case).
    Anything else is an error: a typo must not silently mean ``insecure``."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _BOOLEANS:
        return _BOOLEANS[value.strip().lower()]
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise ConfigError(f"{where}: expected a boolean (true/false, yes/no, on/off, 1/0), got {_describe(value)}")


def _to_list(value: Any, where: str) -> List[str]:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [_to_str(v, where) for v in _sequence(value, where)]


def _to_command(value: Any, where: str) -> Union[List[str], str]:
    return value if isinstance(value, str) else [_to_str(v, where) for v in _sequence(value, where)]


def _sequence(value: Any, where: str) -> Sequence[Any]:
    if not isinstance(value, (list, tuple)):
        raise ConfigError(f"{where}: expected a list or a string, got {_describe(value)}")
    return value


def _to_str(value: Any, where: str) -> str:
    if isinstance(value, str) or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return str(value)
    raise ConfigError(f"{where}: expected a string, got {_describe(value)}")


# field name, env var, yaml key path, converter for file values, converter for env values
_SETTINGS: List[Tuple[str, str, Tuple[str, ...], Callable[[Any, str], Any], Callable[[Any, str], Any]]] = [
    ("endpoint", "FLYTE_PLATFORM_URL", ("admin", "endpoint"), _to_str, _to_str),
    ("insecure", "FLYTE_PLATFORM_INSECURE", ("admin", "insecure"), _to_bool, _to_bool),
    ("insecure_skip_verify", "FLYTE_PLATFORM_INSECURE_SKIP_VERIFY", ("admin", "insecureSkipVerify"), _to_bool, _to_bool),
    ("ca_cert_file_path", "FLYTE_PLATFORM_CA_CERT_FILE_PATH", ("admin", "caCertFilePath"), _to_str, _to_str),
    ("http_proxy_url", "FLYTE_PLATFORM_HTTP_PROXY_URL", ("admin", "httpProxyURL"), _to_str, _to_str),
    ("console_endpoint", "FLYTE_PLATFORM_CONSOLE_ENDPOINT", ("console", "endpoint"), _to_str, _to_str),
    ("command", "FLYTE_CREDENTIALS_COMMAND", ("admin", "command"), _to_command, _to_list),
    ("proxy_command", "FLYTE_CREDENTIALS_PROXY_COMMAND", ("admin", "proxyCommand"), _to_command, _to_list),
    ("client_id", "FLYTE_CREDENTIALS_CLIENT_ID", ("admin", "clientId"), _to_str, _to_str),
    ("client_credentials_secret", "FLYTE_CREDENTIALS_CLIENT_SECRET", ("admin", "clientSecret"), _to_str, _to_str),
    ("scopes", "FLYTE_CREDENTIALS_SCOPES", ("admin", "scopes"), _to_list, _to_list),
    ("auth_mode", "FLYTE_CREDENTIALS_AUTH_MODE", ("admin", "authType"), _to_str, _to_str),
    ("audience", "FLYTE_CREDENTIALS_AUDIENCE", ("admin", "audience"), _to_str, _to_str),
]
_SECRET_LOCATION = ("FLYTE_CREDENTIALS_CLIENT_SECRET_LOCATION", ("admin", "clientSecretLocation"))
_SECRET_ENV_VAR = ("FLYTE_CREDENTIALS_CLIENT_SECRET_ENV_VAR", ("admin", "clientSecretEnvVar"))


def _present(value: Any) -> bool:
    """flytekit's rule: a setting counts when it is a bool or a non-empty value."""
    return isinstance(value, bool) or (value is not None and value != "" and value != [] and value != ())


def _lookup(environ: Mapping[str, str], file_values: Mapping[Tuple[str, ...], _FileValue], env: str, key: Tuple[str, ...]) -> Any:
    if env in environ:
        return environ[env]
    found = file_values.get(key)
    return None if found is None else _to_str(found.value, found.where)


def _settings_from(environ: Mapping[str, str], file_values: Mapping[Tuple[str, ...], _FileValue]) -> Dict[str, Any]:
    kwargs: Dict[str, Any] = {}
    for name, env, key, from_file, from_env in _SETTINGS:
        found = file_values.get(key)
        if env in environ:
            value = from_env(environ[env], f"environment variable {env}")
        elif found is not None and found.value is not None:
            value = from_file(found.value, found.where)
        else:
            continue
        if _present(value):
            kwargs[name] = value

    secret = None
    location = _lookup(environ, file_values, *_SECRET_LOCATION)
    if location:
        secret_path = Path(str(location)).expanduser()
        try:
            secret = secret_path.read_text(encoding="utf-8").strip()
        except OSError as e:
            raise ConfigError(f"Cannot read the client secret file {secret_path}: {e.strerror or e}") from None
    secret_env_var = _lookup(environ, file_values, *_SECRET_ENV_VAR)
    if secret_env_var:
        secret = environ.get(str(secret_env_var)) or secret
    if secret:
        kwargs["client_credentials_secret"] = secret
        kwargs["auth_mode"] = "ClientSecret"  # as flytekit: a secret from a file / env var selects it
    return kwargs
