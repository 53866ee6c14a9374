"""Stage 2: a schema of small frozen wrappers over the descriptors and the surface file.

Every fact a template prints is a field or property here (names, imports, routes,
pagination, retry class, how a friendly parameter lands in the request), so the
templates stay free of logic and a reviewer can read each rule in one place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping, Optional

from google.protobuf.descriptor import (
    Descriptor,
    FieldDescriptor,
    MethodDescriptor,
    ServiceDescriptor,
)

from .errors import CodegenError
from .load import LoadedServices
from .naming import PyRef, python_ref, safe_param_name, snake_case

_SCALARS = {
    FieldDescriptor.TYPE_STRING: ("string", "str"),
    FieldDescriptor.TYPE_BYTES: ("bytes", "bytes"),
    FieldDescriptor.TYPE_BOOL: ("bool", "bool"),
    FieldDescriptor.TYPE_DOUBLE: ("double", "float"),
    FieldDescriptor.TYPE_FLOAT: ("float", "float"),
    FieldDescriptor.TYPE_INT32: ("int32", "int"),
    FieldDescriptor.TYPE_INT64: ("int64", "int"),
    FieldDescriptor.TYPE_UINT32: ("uint32", "int"),
    FieldDescriptor.TYPE_UINT64: ("uint64", "int"),
    FieldDescriptor.TYPE_SINT32: ("sint32", "int"),
    FieldDescriptor.TYPE_SINT64: ("sint64", "int"),
    FieldDescriptor.TYPE_FIXED32: ("fixed32", "int"),
    FieldDescriptor.TYPE_FIXED64: ("fixed64", "int"),
    FieldDescriptor.TYPE_SFIXED32: ("sfixed32", "int"),
    FieldDescriptor.TYPE_SFIXED64: ("sfixed64", "int"),
}


@dataclass(frozen=True)
class Field:
    """One field of a request or response message."""

    name: str
    number: int
    type: str  # proto type name: "string", "int32", "message", "enum", ...
    label: str  # "optional" | "repeated"
    message: Optional["Message"]
    enum: Optional[PyRef]
    enum_full_name: Optional[str]
    is_map: bool
    oneof: Optional[str]

    @property
    def repeated(self) -> bool:
        return self.label == "repeated"

    @property
    def type_name(self) -> str:
        """The proto type as written in the manifest (``flyteidl.core.Identifier``, ``string``...)."""
        if self.message is not None:
            return self.message.full_name
        if self.enum_full_name is not None:
            return self.enum_full_name
        return self.type

    @property
    def kind(self) -> str:
        """How a friendly parameter for this field is converted (runtime/convert.py)."""
        if self.is_map:
            return "map"
        if self.repeated:
            return "repeated"
        if self.message is not None:
            if self.message.full_name == "google.protobuf.Duration":
                return "duration"
            if self.message.full_name == "google.protobuf.Timestamp":
                return "timestamp"
            return "message"
        if self.enum is not None:
            return "enum"
        if self.type == "string" and self.name == "filters":
            return "filters"
        return _SCALARS_BY_NAME[self.type]

    @property
    def hint(self) -> str:
        """The accepted Python type, as a type hint."""
        kind = self.kind
        if kind == "map":
            return "Mapping[str, Any]"
        if kind == "repeated":
            return "Iterable[Any]"
        if kind == "message":
            return f"Union[{self.message.py.ref}, ToFlyteIdl]"  # type: ignore[union-attr]
        if kind == "duration":
            return "Union[datetime.timedelta, duration_pb2.Duration]"
        if kind == "timestamp":
            return "Union[datetime.datetime, timestamp_pb2.Timestamp]"
        if kind == "filters":
            return "FiltersArg"
        if kind == "enum":
            return "int"
        return {"str": "str", "bytes": "bytes", "bool": "bool", "int": "int", "float": "float"}[kind]


_SCALARS_BY_NAME = {proto: py for proto, py in _SCALARS.values()}
_CONVERTERS = {
    "str": "string",
    "bytes": "bytes_",
    "bool": "boolean",
    "int": "integer",
    "float": "number",
    "enum": "enum",
    "limit": "limit",
    "filters": "filters",
    "duration": "duration",
    "timestamp": "timestamp",
    "repeated": "repeated",
    "map": "mapping",
}


@dataclass(frozen=True)
class Message:
    """A request or response message type; fields are resolved lazily (types recurse)."""

    full_name: str
    py: PyRef
    descriptor: Descriptor = field(repr=False, compare=False)

    @cached_property
    def fields(self) -> tuple[Field, ...]:
        return tuple(_field(f) for f in self.descriptor.fields)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise CodegenError(f"message {self.full_name} has no field {name!r}")

    def has_field(self, name: str) -> bool:
        return any(f.name == name for f in self.fields)

    @property
    def repeated_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.repeated and not f.is_map)


def _message(descriptor: Descriptor) -> Message:
    return Message(descriptor.full_name, python_ref(descriptor), descriptor)


def _field(f: FieldDescriptor) -> Field:
    message = enum = enum_name = None
    is_map = False
    if f.type in (FieldDescriptor.TYPE_MESSAGE, FieldDescriptor.TYPE_GROUP):
        is_map = f.message_type.GetOptions().map_entry
        message = _message(f.message_type)
        type_name = "message"
    elif f.type == FieldDescriptor.TYPE_ENUM:
        enum, enum_name, type_name = python_ref(f.enum_type), f.enum_type.full_name, "enum"
    else:
        type_name = _SCALARS[f.type][0]
    oneof = f.containing_oneof.name if f.containing_oneof is not None else None
    # protobuf >= 5.27 has is_repeated; older releases only have label.
    repeated = f.is_repeated if hasattr(f, "is_repeated") else f.label == FieldDescriptor.LABEL_REPEATED
    label = "repeated" if repeated else "optional"
    return Field(f.name, f.number, type_name, label, message, enum, enum_name, is_map, oneof)


@dataclass(frozen=True)
class Param:
    """A parameter of a friendly method and where its value goes in the request."""

    name: str
    default: Optional[str]  # Python source of the default, None when required
    path: tuple[str, ...]  # request field path; () binds the whole request
    field: Optional[Field]  # the bound field; None for the whole request
    request_ref: str = ""  # the request class, for a whole-request parameter

    @property
    def kind(self) -> str:
        if self.field is None:
            return "request"
        if self.field.name == "limit" and self.field.kind == "int":
            return "limit"
        return self.field.kind

    is_node = False

    @property
    def signature(self) -> str:
        return self.name if self.default is None else f"{self.name}={self.default}"

    @property
    def annotation(self) -> str:
        """Type hint as written in the signature (``Optional[...]`` when the default is None)."""
        return f"Optional[{self.hint}]" if self.default == "None" else self.hint

    @property
    def convert_expr(self) -> str:
        """The expression that checks and converts this argument (see runtime/convert.py)."""
        name, label = self.name, repr(self.name)
        if self.kind in ("message", "request"):
            target = self.field.message.py.ref if self.field is not None else None  # type: ignore[union-attr]
            return f"_c.{self.kind}({name}, {target or self.request_ref}, {label})"
        func = _CONVERTERS[self.kind]
        if self.kind in ("int", "limit"):  # the range depends on the protobuf type
            return f"_c.{func}({name}, {label}, {self.field.type!r})"  # type: ignore[union-attr]
        return f"_c.{func}({name}, {label})"

    @property
    def doc(self) -> str:
        """What to pass, for the docstring."""
        if self.field is None:
            return "the whole request message (or an object with ``to_flyte_idl()``)"
        kind, where = self.kind, ".".join(self.path)
        if kind == "message":
            what = f"a ``{self.field.type_name}`` (or an object with ``to_flyte_idl()``)"
        elif kind == "filters":
            what = "a filter string like ``eq(name,x)``, or a list of them / filter objects, joined with ``+``"
        elif kind == "enum":
            what = f"a ``{self.field.type_name}`` value"
        elif kind == "limit":
            what = "the page size, a positive int"
        else:
            what = f"``{self.hint}``"
        return f"{what}; sets ``{where}``"

    @property
    def hint(self) -> str:
        return self.field.hint if self.field is not None else "Any"


@dataclass(frozen=True)
class RequestNode:
    """A message to construct: its class and, per field, a parameter or a nested node."""

    message: Message
    children: tuple[tuple[str, Any], ...]  # (field name, Param | RequestNode)
    is_node = True


@dataclass(frozen=True)
class Method:
    """One RPC with everything the templates render for it."""

    service: "Service"
    name: str
    request: Message
    response: Message
    client_streaming: bool
    server_streaming: bool
    http_verb: Optional[str]
    http_path: Optional[str]
    description: str
    surface: Mapping[str, Any] = field(repr=False, compare=False)
    retry_overrides: Mapping[str, Any] = field(repr=False, compare=False)

    # -- identity and naming -------------------------------------------------------
    @property
    def const(self) -> str:
        """Name of the generated MethodSpec constant."""
        return f"{self.service.name}_{self.name}"

    @property
    def raw_name(self) -> str:
        return self.surface.get("raw", snake_case(self.name))

    @property
    def raw_param(self) -> str:
        return self.surface.get("raw_param", "request")

    @property
    def raw_optional(self) -> bool:
        return bool(self.surface.get("raw_optional", not self.request.fields))

    @property
    def friendly_name(self) -> str:
        return self.surface.get("friendly", self.raw_name)

    @property
    def overrides_raw(self) -> bool:
        """The friendly method replaces the raw method of the same name on the friendly class."""
        return self.friendly_name == self.raw_name

    @property
    def flytekit_style(self) -> bool:
        """Parameters are named in the surface file (flytekit's exact signature)."""
        return "params" in self.surface

    @property
    def route(self) -> str:
        if not self.http_verb:
            return "(no HTTP route)"
        return f"{self.http_verb.upper()} {self.http_path}"

    # -- pagination ----------------------------------------------------------------
    @property
    def is_paginated(self) -> bool:
        """A list RPC: request has ``limit`` and ``token``; response ``token`` and one list."""
        req, resp = self.request, self.response
        return (
            req.has_field("limit")
            and req.has_field("token")
            and resp.has_field("token")
            and len(resp.repeated_fields) == 1
        )

    @property
    def items_field(self) -> str:
        return self.response.repeated_fields[0].name

    @property
    def item_type(self) -> str:
        item = self.response.repeated_fields[0]
        return item.message.py.ref if item.message is not None else item.hint

    @property
    def item_full_name(self) -> str:
        return self.response.repeated_fields[0].type_name

    @property
    def pager_name(self) -> str:
        default = "iter_" + re.sub(r"^list_", "", snake_case(self.name))
        return self.surface.get("pager", default)

    # -- retry class ---------------------------------------------------------------
    @property
    def is_read(self) -> bool:
        if self.http_verb:
            return self.http_verb == "get"
        return self.name in self.retry_overrides.get("reads", ())

    @property
    def retry_class(self) -> str:
        """``read`` (safe to retry), ``write`` (idempotent) or ``non_idempotent``."""
        if self.is_read:
            return "read"
        rules = self.retry_overrides
        creates = self.name.startswith(tuple(rules.get("non_idempotent_prefixes", ())))
        if creates and self.name not in rules.get("idempotent", ()):
            return "non_idempotent"
        return "write"

    # -- friendly parameters -------------------------------------------------------
    @cached_property
    def params(self) -> tuple[Param, ...]:
        """Friendly parameters: the surface file's list, else one per request field."""
        if self.flytekit_style:
            declared = (self._declared_param(p) for p in self.surface["params"])
            return tuple(p for p in declared if p is not None)
        return tuple(
            Param(safe_param_name(f.name), "None", (f.name,), f) for f in self.request.fields
        )

    @property
    def pager_params(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.path not in (("limit",), ("token",)))

    def _declared_param(self, spec: str) -> Optional[Param]:
        """The surface file's parameter ``spec``; None for an optional parameter (one with
        a default) bound to a field the installed flyteidl lacks, which older flyteidl
        releases simply do not offer (a required one is an error)."""
        name, _, default = spec.partition("=")
        bind = self.surface.get("bind", {}).get(name, name)
        if bind == "$request":
            return Param(name, default or None, (), None, self.request.py.ref)
        path = tuple(bind.split("."))
        message, target = self.request, None
        for part in path:
            if message is None:
                raise CodegenError(f"{self.name}: {bind!r} descends into a non-message field")
            if default and not message.has_field(part):
                return None
            target = message.field(part)
            message = target.message
        assert target is not None
        return Param(name, _default_source(default, target), path, target)

    @cached_property
    def request_tree(self) -> Optional[RequestNode]:
        """How the friendly method builds its request (None: a parameter is the request)."""
        if any(p.field is None for p in self.params):
            return None
        return _tree(self.request, [(p.path, p) for p in self.params])

    @cached_property
    def pager_request_tree(self) -> RequestNode:
        """The request a pager starts from (its ``limit`` and ``token`` are the pager's)."""
        return _tree(self.request, [(p.path, p) for p in self.pager_params])

    @property
    def whole_request_param(self) -> Optional[Param]:
        return next((p for p in self.params if p.field is None), None)

    # -- results -------------------------------------------------------------------
    @property
    def returns(self) -> str:
        return self.surface.get("returns", "response")

    @property
    def returns_list(self) -> bool:
        """A field-path result that is a repeated field (returned as a list)."""
        if self.returns in ("none", "response", "page"):
            return False
        message, target = self.response, None
        for part in self.returns.split("."):
            if message is None:
                return False
            target = message.field(part)
            message = target.message
        return bool(target and target.repeated)

    @property
    def return_hint(self) -> str:
        if self.returns == "none":
            return "None"
        if self.returns == "response":
            return self.response.py.ref
        if self.returns == "page":
            return f"Tuple[List[{self.item_type}], str]"
        message, target = self.response, None
        for part in self.returns.split("."):
            target = message.field(part)  # type: ignore[union-attr]
            message = target.message
        assert target is not None
        inner = target.message.py.ref if target.message is not None else target.hint
        return f"List[{inner}]" if target.repeated else inner

    @property
    def created(self) -> bool:
        return bool(self.surface.get("created", False))

    @property
    def cached(self) -> bool:
        return bool(self.surface.get("cache", False))

    @property
    def fill_resource_type(self) -> Optional[str]:
        return self.surface.get("fill_resource_type")

    @property
    def resource_type_enum(self) -> PyRef:
        """The ``ResourceType`` enum of the listed items' ``id`` (for fill_resource_type)."""
        item = self.response.repeated_fields[0].message
        enum = item.field("id").message.field("resource_type").enum  # type: ignore[union-attr]
        if enum is None:
            raise CodegenError(f"{self.name}: items have no id.resource_type to fill")
        return enum


def _default_source(default: str, target: Field) -> Optional[str]:
    """Python source for a declared default; enum value names become qualified constants."""
    if not default:
        return None
    if target.enum is not None and re.fullmatch(r"[A-Z][A-Z0-9_]*", default):
        return f"{target.enum.alias}.{default}"
    return default


def _tree(message: Message, bindings: list[tuple[tuple[str, ...], Param]]) -> RequestNode:
    children: list[tuple[str, Any]] = []
    for name in dict.fromkeys(path[0] for path, _ in bindings):
        here = [(path[1:], p) for path, p in bindings if path[0] == name]
        if len(here) == 1 and not here[0][0]:
            children.append((name, here[0][1]))
        else:
            nested = message.field(name).message
            if nested is None or any(not rest for rest, _ in here):
                raise CodegenError(f"{message.full_name}.{name}: conflicting bindings")
            children.append((name, _tree(nested, here)))
    return RequestNode(message, tuple(children))


@dataclass(frozen=True)
class Service:
    name: str
    full_name: str
    module: str
    descriptor: ServiceDescriptor = field(repr=False, compare=False)
    surface: Mapping[str, Any] = field(repr=False, compare=False)

    @cached_property
    def methods(self) -> tuple[Method, ...]:
        return tuple(_method(self, m) for m in self.descriptor.methods)


def _http(m: MethodDescriptor) -> tuple[Optional[str], Optional[str]]:
    from google.api import annotations_pb2

    options = m.GetOptions()
    if not options.HasExtension(annotations_pb2.http):
        return None, None
    rule = options.Extensions[annotations_pb2.http]
    verb = rule.WhichOneof("pattern")
    if verb is None or verb == "custom":
        return None, None
    return verb, getattr(rule, verb)


def _description(m: MethodDescriptor) -> str:
    try:
        from protoc_gen_openapiv2.options import annotations_pb2 as openapi
    except ImportError:  # optional: only used for docstrings
        return ""
    options = m.GetOptions()
    if not options.HasExtension(openapi.openapiv2_operation):
        return ""
    return " ".join(options.Extensions[openapi.openapiv2_operation].description.split())


def _method(service: Service, m: MethodDescriptor) -> Method:
    verb, path = _http(m)
    rpcs = service.surface.get("rpc", {})
    return Method(
        service=service,
        name=m.name,
        request=_message(m.input_type),
        response=_message(m.output_type),
        client_streaming=m.client_streaming,
        server_streaming=m.server_streaming,
        http_verb=verb,
        http_path=path,
        description=_description(m),
        surface=rpcs.get(m.name, {}),
        retry_overrides=service.surface.get("retry", {}),
    )


@dataclass(frozen=True)
class Api:
    """Everything generated in one run."""

    flyteidl_version: str
    services: tuple[Service, ...]
    surface: Mapping[str, Any] = field(repr=False, compare=False)

    @cached_property
    def methods(self) -> tuple[Method, ...]:
        return tuple(m for s in self.services for m in s.methods)

    @property
    def paginated(self) -> tuple[Method, ...]:
        return tuple(m for m in self.methods if m.is_paginated and not m.server_streaming)

    @cached_property
    def imports(self) -> tuple[PyRef, ...]:
        """Every ``_pb2`` module the generated code refers to, one entry per module."""
        modules: dict[str, PyRef] = {}

        def add(ref: Optional[PyRef]) -> None:
            if ref is not None:
                modules.setdefault(ref.module, ref)

        for m in self.methods:
            add(m.request.py)
            add(m.response.py)
            for p in m.params:
                if p.field is not None:
                    add(p.field.enum)
                    if p.field.message is not None:
                        add(p.field.message.py)
            tree = m.request_tree
            stack = [tree] if tree else []
            while stack:
                node = stack.pop()
                add(node.message.py)
                stack.extend(c for _, c in node.children if isinstance(c, RequestNode))
            if m.fill_resource_type:
                add(m.resource_type_enum)
            if m.is_paginated:
                item = m.response.repeated_fields[0]
                add(item.message.py if item.message else None)
            if m.returns not in ("none", "response", "page"):
                message = m.response
                for part in m.returns.split("."):
                    f = message.field(part)
                    add(f.message.py if f.message else None)
                    message = f.message  # type: ignore[assignment]
        aliases: dict[str, str] = {}
        for ref in modules.values():
            other = aliases.setdefault(ref.alias, ref.module)
            if other != ref.module:
                raise CodegenError(f"import alias {ref.alias} names both {other} and {ref.module}")
        return tuple(sorted(modules.values(), key=lambda r: r.alias))

    @property
    def error_codes(self) -> tuple[tuple[str, str], ...]:
        return tuple(sorted(self.surface["errors"]["codes"].items()))

    @property
    def error_messages(self) -> tuple[Mapping[str, str], ...]:
        return tuple(self.surface["errors"].get("messages", ()))

    @property
    def default_error(self) -> str:
        return self.surface["errors"]["default"]

    @property
    def exception_classes(self) -> tuple[str, ...]:
        names = {self.default_error, *dict(self.error_codes).values()}
        names.update(m["exception"] for m in self.error_messages)
        return tuple(sorted(names))


def build_api(loaded: LoadedServices, surface: Mapping[str, Any]) -> Api:
    """Wrap the loaded descriptors; validates the surface file against them."""
    services = tuple(
        Service(d.name, d.full_name, surface["services"][d.name], d, surface)
        for d in loaded.services
    )
    api = Api(loaded.flyteidl_version, services, surface)
    seen: dict[str, str] = {}
    for m in api.methods:
        for name in {m.raw_name, m.friendly_name} | ({m.pager_name} if m.is_paginated else set()):
            owner = seen.setdefault(name, m.name)
            if owner != m.name:
                raise CodegenError(f"method name {name} is used by both {owner} and {m.name}")
        m.params  # resolve bindings now: a bad surface entry fails before rendering
        m.request_tree
    return api
