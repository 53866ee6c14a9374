"""Reads ``surface.toml`` into typed, frozen objects: the names and flattening rules the
IDL cannot express. Every table and key is checked here (unknown keys, wrong types,
unknown status codes), so a typo fails generation with one line naming the file, the
section and the key, instead of silently changing the output."""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import AbstractSet, Any, Mapping, Optional, Union, get_args, get_origin, get_type_hints

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on older Pythons only
    import tomli as tomllib

from .errors import CodegenError

SURFACE_FILE = Path(__file__).with_name("surface.toml")

# grpc.StatusCode member names (kept here so reading the surface needs no grpc import).
STATUS_CODES = frozenset(
    "OK CANCELLED UNKNOWN INVALID_ARGUMENT DEADLINE_EXCEEDED NOT_FOUND ALREADY_EXISTS "
    "PERMISSION_DENIED RESOURCE_EXHAUSTED FAILED_PRECONDITION ABORTED OUT_OF_RANGE "
    "UNIMPLEMENTED INTERNAL UNAVAILABLE DATA_LOSS UNAUTHENTICATED".split()
)


@dataclass(frozen=True)
class RpcSurface:
    """``[rpc.Name]``: how one RPC appears in the clients (see the keys in surface.toml)."""

    raw: Optional[str] = None
    raw_param: str = "request"
    raw_optional: Optional[bool] = None
    friendly: Optional[str] = None
    params: Optional[tuple[str, ...]] = None
    bind: Mapping[str, str] = field(default_factory=dict)
    returns: str = "response"
    created: bool = False
    cache: bool = False
    fill_resource_type: Optional[str] = None
    pager: Optional[str] = None
    flytekit_model: Optional[str] = None
    optional: bool = False


@dataclass(frozen=True)
class RetrySurface:
    """``[retry]``: which RPCs are reads, and which writes are not idempotent."""

    non_idempotent_prefixes: tuple[str, ...] = ()
    idempotent: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()


@dataclass(frozen=True)
class MessageRule:
    """``[[errors.messages]]``: a class chosen by status code and message text."""

    code: str
    contains: str
    exception: str


@dataclass(frozen=True)
class FlytekitErrors:
    """``[errors.flytekit]``: flytekit's exception class per status code."""

    default: str = "flytekit.exceptions.system.FlyteSystemException"
    codes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ErrorSurface:
    """``[errors]``: status code -> flyteclient exception class."""

    default: str
    codes: Mapping[str, str]
    messages: tuple[MessageRule, ...] = ()
    flytekit: FlytekitErrors = field(default_factory=FlytekitErrors)


@dataclass(frozen=True)
class Surface:
    """The whole file."""

    services: Mapping[str, str]
    retry: RetrySurface
    errors: ErrorSurface
    rpc: Mapping[str, RpcSurface]
    path: Path = SURFACE_FILE

    def for_rpc(self, name: str) -> RpcSurface:
        return self.rpc.get(name, _DEFAULT_RPC)


_DEFAULT_RPC = RpcSurface()


def load_surface(path: Path = SURFACE_FILE) -> Surface:
    """Read and check ``path``; a problem raises :class:`CodegenError` naming the place."""
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CodegenError(f"cannot read surface file {path}: {exc}") from exc
    return parse_surface(data, path)


def parse_surface(data: Mapping[str, Any], path: Path = SURFACE_FILE) -> Surface:
    """The :class:`Surface` of the TOML document ``data`` (``path`` is for messages)."""
    reader = _Reader(path)
    top = reader.table(
        data, "", {"services", "retry", "errors", "rpc"}, required={"services", "errors"}
    )
    services = reader.str_map(top["services"], "services")
    if not services:
        raise reader.error("services", None, "lists no service")
    errors = reader.table(
        top["errors"],
        "errors",
        {"default", "codes", "messages", "flytekit"},
        required={"default", "codes"},
    )
    codes = reader.str_map(errors["codes"], "errors.codes")
    for code in codes:
        reader.status_code(code, "errors.codes", code)
    messages = []
    for i, rule in enumerate(reader.list_of_tables(errors.get("messages", []), "errors.messages")):
        section = f"errors.messages[{i}]"
        message = reader.record(MessageRule, rule, section)
        reader.status_code(message.code, section, "code")
        messages.append(message)
    flytekit = reader.table(errors.get("flytekit", {}), "errors.flytekit", {"default", "codes"})
    flytekit_codes = reader.str_map(flytekit.get("codes", {}), "errors.flytekit.codes")
    for code in flytekit_codes:
        reader.status_code(code, "errors.flytekit.codes", code)
    error_surface = ErrorSurface(
        default=reader.check(errors["default"], str, "errors", "default"),
        codes=codes,
        messages=tuple(messages),
        flytekit=FlytekitErrors(
            default=reader.check(
                flytekit.get("default", FlytekitErrors.default), str, "errors.flytekit", "default"
            ),
            codes=flytekit_codes,
        ),
    )
    rpcs = reader.table(top.get("rpc", {}), "rpc", None)
    return Surface(
        services=services,
        retry=reader.record(RetrySurface, top.get("retry", {}), "retry"),
        errors=error_surface,
        rpc={name: reader.record(RpcSurface, entry, f"rpc.{name}") for name, entry in rpcs.items()},
        path=path,
    )


class _Reader:
    """Checks TOML values against the dataclasses above; errors name file, section, key."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def error(self, section: str, key: Optional[str], problem: str) -> CodegenError:
        where = f"[{section}]" if section else "top level"
        if key is not None:
            where += f" {key}"
        return CodegenError(f"{self.path.name}: {where}: {problem}")

    def table(
        self,
        value: Any,
        section: str,
        known: Optional[set[str]],
        required: AbstractSet[str] = frozenset(),
    ) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.error(section, None, f"must be a table, not {type(value).__name__}")
        if known is not None:
            unknown = sorted(set(value) - known)
            if unknown:
                raise self.error(
                    section, unknown[0], f"unknown key (known keys: {', '.join(sorted(known))})"
                )
        missing = sorted(required - set(value))
        if missing:
            raise self.error(section, missing[0], "is required")
        return value

    def list_of_tables(self, value: Any, section: str) -> list[dict[str, Any]]:
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.error(section, None, "must be an array of tables")
        return value

    def str_map(self, value: Any, section: str) -> dict[str, str]:
        table = self.table(value, section, None)
        for key, item in table.items():
            self.check(item, str, section, key)
        return dict(table)

    def status_code(self, code: str, section: str, key: str) -> None:
        if code not in STATUS_CODES:
            raise self.error(section, key, f"{code!r} is not a gRPC status code name")

    def check(self, value: Any, hint: Any, section: str, key: str) -> Any:
        """``value`` if it matches the type ``hint`` (converted: lists become tuples)."""
        origin, args = get_origin(hint), get_args(hint)
        if origin is Union:  # Optional[X]
            if value is None:
                return None
            return self.check(value, next(a for a in args if a is not type(None)), section, key)
        if origin is tuple:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise self.error(section, key, f"must be a list of strings, not {value!r}")
            return tuple(value)
        if origin is not None and issubclass(origin, Mapping):
            return self.str_map(value, f"{section}.{key}")
        if hint is bool and not isinstance(value, bool):
            raise self.error(section, key, f"must be true or false, not {value!r}")
        if not isinstance(value, hint):
            raise self.error(section, key, f"must be a {hint.__name__}, not {value!r}")
        return value

    def record(self, cls: Any, value: Any, section: str) -> Any:
        """An instance of dataclass ``cls`` from the TOML table ``value``."""
        hints = get_type_hints(cls)
        fields = {f.name: f for f in dataclasses.fields(cls)}
        required = {
            n
            for n, f in fields.items()
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        }
        table = self.table(value, section, set(fields), required)
        return cls(
            **{key: self.check(item, hints[key], section, key) for key, item in table.items()}
        )
