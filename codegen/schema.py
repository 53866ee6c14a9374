"""Stage 2: a schema of small frozen wrappers over the descriptors and the surface file.

Every fact a template prints is a field or property here (names, routes, pagination,
retry class, how a friendly parameter lands in the request, what a method returns), so
the templates stay free of logic and a reviewer can read each rule in one place. Concepts
are enums (:class:`ReturnShape`, :class:`~flyteclient.runtime.methods.RetryClass`,
:class:`ParamKind`), not strings. Python references to message classes go through
:attr:`PyRef.ref`, which records the import in the file being rendered.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Optional, Union

from google.protobuf.descriptor import (
    Descriptor,
    FieldDescriptor,
    MethodDescriptor,
    ServiceDescriptor,
)

from flyteclient.runtime.methods import RetryClass

from .errors import CodegenError
from .history import UNRELEASED, ApiHistory, History, for_api, later
from .load import LoadedServices
from .naming import PyRef, dotted_ref, python_ref, safe_param_name, snake_case
from .surface import RetrySurface, RpcSurface, Surface

__all__ = [
    "ASYNC",
    "SYNC",
    "Api",
    "Field",
    "Flavor",
    "Message",
    "Method",
    "Param",
    "ParamKind",
    "RequestNode",
    "RetryClass",
    "ReturnShape",
    "Service",
    "build_api",
    "with_history",
]

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
_PY_SCALAR = {proto: py for proto, py in _SCALARS.values()}


class ParamKind(enum.Enum):
    """How a friendly parameter is checked and converted (one function each in
    ``flyteclient/runtime/convert.py``): the value is that function's name."""

    STR = "string"
    BYTES = "bytes_"
    BOOL = "boolean"
    INT = "integer"
    FLOAT = "number"
    ENUM = "enum"
    LIMIT = "limit"
    FILTERS = "filters"
    DURATION = "duration"
    TIMESTAMP = "timestamp"
    REPEATED = "repeated"
    MAP = "mapping"
    MESSAGE = "message"
    REQUEST = "request"  # the whole request message

    @property
    def takes_class(self) -> bool:
        """The converter also takes the message class to check against."""
        return self in (ParamKind.MESSAGE, ParamKind.REQUEST)


_KIND_BY_PY = {
    "str": ParamKind.STR,
    "bytes": ParamKind.BYTES,
    "bool": ParamKind.BOOL,
    "int": ParamKind.INT,
    "float": ParamKind.FLOAT,
}
_WELL_KNOWN_KINDS = {
    "google.protobuf.Duration": ParamKind.DURATION,
    "google.protobuf.Timestamp": ParamKind.TIMESTAMP,
}


class ReturnShape(enum.Enum):
    """What a friendly method returns (``returns`` in surface.toml)."""

    NONE = "none"
    RESPONSE = "response"
    PAGE = "page"  # (items, next_token)
    FIELD = "field"  # a field (path) of the response

    @classmethod
    def of(cls, returns: str) -> "ReturnShape":
        return cls(returns) if returns in ("none", "response", "page") else cls.FIELD


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
    def kind(self) -> ParamKind:
        """How a friendly parameter bound to this field is converted."""
        if self.is_map:
            return ParamKind.MAP
        if self.repeated:
            return ParamKind.REPEATED
        if self.message is not None:
            return _WELL_KNOWN_KINDS.get(self.message.full_name, ParamKind.MESSAGE)
        if self.enum is not None:
            return ParamKind.ENUM
        if self.type == "string" and self.name == "filters":
            return ParamKind.FILTERS
        return _KIND_BY_PY[_PY_SCALAR[self.type]]

    @property
    def hint(self) -> str:
        """The accepted Python type, as a type hint."""
        kind = self.kind
        if kind is ParamKind.MAP:
            return "Mapping[str, Any]"
        if kind is ParamKind.REPEATED:
            return "Iterable[Any]"
        if kind is ParamKind.MESSAGE:
            assert self.message is not None
            return f"Union[{self.message.py.ref}, ToFlyteIdl]"
        if kind is ParamKind.DURATION:
            return "Union[datetime.timedelta, duration_pb2.Duration]"
        if kind is ParamKind.TIMESTAMP:
            return "Union[datetime.datetime, timestamp_pb2.Timestamp]"
        if kind is ParamKind.FILTERS:
            return "FiltersArg"
        if kind is ParamKind.ENUM:
            return "int"
        return _PY_SCALAR[self.type]

    @property
    def value_ref(self) -> str:
        """The Python type of one value (an item, for a repeated field)."""
        return self.message.py.ref if self.message is not None else _PY_SCALAR.get(self.type, "int")


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

    def path(self, dotted: str) -> Field:
        """The field at a dotted path (``control_plane_version.Version``)."""
        message: Optional[Message] = self
        target: Optional[Field] = None
        for part in dotted.split("."):
            if message is None:
                raise CodegenError(
                    f"{self.full_name}: {dotted!r} descends into a non-message field"
                )
            target = message.field(part)
            message = target.message
        assert target is not None
        return target

    @property
    def repeated_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.repeated and not f.is_map)


def _message(descriptor: Descriptor) -> Message:
    return Message(descriptor.full_name, python_ref(descriptor), descriptor)


def _field(f: FieldDescriptor) -> Field:
    message = enum_ref = enum_name = None
    is_map = False
    if f.type in (FieldDescriptor.TYPE_MESSAGE, FieldDescriptor.TYPE_GROUP):
        assert f.message_type is not None
        is_map = f.message_type.GetOptions().map_entry
        message = _message(f.message_type)
        type_name = "message"
    elif f.type == FieldDescriptor.TYPE_ENUM:
        assert f.enum_type is not None
        enum_ref, enum_name, type_name = python_ref(f.enum_type), f.enum_type.full_name, "enum"
    else:
        type_name = _SCALARS[f.type][0]
    oneof = f.containing_oneof.name if f.containing_oneof is not None else None
    # protobuf >= 5.27 has is_repeated; older releases only have label.
    repeated = (
        f.is_repeated
        if hasattr(f, "is_repeated")
        else getattr(f, "label") == FieldDescriptor.LABEL_REPEATED
    )
    label = "repeated" if repeated else "optional"
    return Field(f.name, f.number, type_name, label, message, enum_ref, enum_name, is_map, oneof)


@dataclass(frozen=True)
class Param:
    """A parameter of a friendly method and where its value goes in the request."""

    name: str
    default: Optional[str]  # Python source of the default, None when required
    path: tuple[str, ...]  # request field path; () binds the whole request
    field: Optional[Field]  # the bound field; None for the whole request
    request: Optional[Message] = None  # the request message, for a whole-request parameter
    added: Optional[str] = (
        None  # the flyteidl release that added the field, when newer than its RPC
    )

    is_node = False

    @property
    def kind(self) -> ParamKind:
        if self.field is None:
            return ParamKind.REQUEST
        if self.field.name == "limit" and self.field.kind is ParamKind.INT:
            return ParamKind.LIMIT
        return self.field.kind

    @property
    def signature(self) -> str:
        return self.name if self.default is None else f"{self.name}={self.default}"

    @property
    def hint(self) -> str:
        if self.field is not None:
            return self.field.hint
        assert self.request is not None
        return f"Union[{self.request.py.ref}, ToFlyteIdl]"

    @property
    def annotation(self) -> str:
        """Type hint as written in the signature (``Optional[...]`` when the default is None)."""
        return f"Optional[{self.hint}]" if self.default == "None" else self.hint

    @property
    def convert_expr(self) -> str:
        """The expression that checks and converts this argument (see runtime/convert.py)."""
        kind, label = self.kind, repr(self.name)
        if kind.takes_class:
            message = self.field.message if self.field is not None else self.request
            assert message is not None
            return f"_c.{kind.value}({self.name}, {message.py.ref}, {label})"
        if kind in (ParamKind.INT, ParamKind.LIMIT):  # the range depends on the protobuf type
            assert self.field is not None
            return f"_c.{kind.value}({self.name}, {label}, {self.field.type!r})"
        return f"_c.{kind.value}({self.name}, {label})"

    @property
    def doc(self) -> str:
        """What to pass, for the docstring."""
        if self.field is None:
            return "the whole request message (or an object with ``to_flyte_idl()``)"
        kind, where = self.kind, ".".join(self.path)
        if kind is ParamKind.MESSAGE:
            what = f"a ``{self.field.type_name}`` (or an object with ``to_flyte_idl()``)"
        elif kind is ParamKind.FILTERS:
            what = "a filter string like ``eq(name,x)``, or a list of them / filter objects, joined with ``+``"
        elif kind is ParamKind.ENUM:
            what = f"a ``{self.field.type_name}`` value"
        elif kind is ParamKind.LIMIT:
            what = "the page size, a positive int"
        else:
            what = f"``{self.hint}``"
        return f"{what}; sets ``{where}``" + (
            f" (added in flyteidl {self.added})" if self.added else ""
        )


@dataclass(frozen=True)
class RequestNode:
    """A message to construct: its class and, per field, a parameter or a nested node."""

    message: Message
    children: tuple[tuple[str, Union[Param, "RequestNode"]], ...]
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
    deprecated: bool
    bindings: tuple[
        tuple[str, str, str, str], ...
    ]  # HTTP (verb, path, body, response_body), rule first
    surface: RpcSurface = field(repr=False, compare=False)
    retry_rules: RetrySurface = field(repr=False, compare=False)

    # -- identity and naming -------------------------------------------------------
    @property
    def const(self) -> str:
        """Name of the generated MethodSpec constant."""
        return f"{self.service.name}_{self.name}"

    @property
    def full_name(self) -> str:
        return f"{self.service.full_name}.{self.name}"

    @property
    def summary(self) -> str:
        """The first line of every docstring of this RPC's methods."""
        return self.description or f"Calls {self.service.name}.{self.name}."

    # -- history -------------------------------------------------------------------
    @property
    def added(self) -> Optional[str]:
        """The flyteidl release that added this RPC, when newer than the oldest supported
        (``"unreleased"`` for an RPC of an unreleased IDL); None otherwise."""
        history = self.service.history
        return history.rpc_added(self.full_name) if history is not None else None

    @property
    def added_note(self) -> str:
        """The docstring sentence saying which release added the RPC ("" when it is old)."""
        added = self.added
        if added is None:
            return ""
        history = self.service.history
        assert history is not None
        if added == UNRELEASED:
            when = f"Not in any flyteidl release up to {history.releases[-1]} (an unreleased IDL)"
        else:
            when = f"Added in flyteidl {added}"
        return (
            f"{when}: servers of older releases answer UNIMPLEMENTED "
            "(``FlyteUnimplementedException`` naming the release)."
        )

    @property
    def newer_fields(self) -> bool:
        """The request can carry fields newer than the oldest supported release (whose
        servers would drop them): the client checks such requests against the server's."""
        history = self.service.history
        return history is not None and self.full_name in history.newer_fields

    def _dated(self, param: Param) -> Param:
        """``param`` with the release of its field, when newer than the RPC's own."""
        history = self.service.history
        if history is None or not param.path:
            return param
        owner: Optional[Message] = self.request
        for part in param.path[:-1]:
            owner = owner.field(part).message if owner is not None else None
        if owner is None:
            return param
        added = history.field_added(owner.full_name, param.path[-1])
        if added is None or added == self.added or not later(added, self.added):
            return param
        return replace(param, added=added)

    @property
    def raw_name(self) -> str:
        return self.surface.raw or snake_case(self.name)

    @property
    def raw_param(self) -> str:
        return self.surface.raw_param

    @property
    def raw_optional(self) -> bool:
        optional = self.surface.raw_optional
        return not self.request.fields if optional is None else optional

    @property
    def friendly_name(self) -> str:
        return self.surface.friendly or self.raw_name

    @property
    def overrides_raw(self) -> bool:
        """The friendly method has the raw method's name (so the friendly client has no
        raw-style method for this RPC; ``client.raw`` has it)."""
        return self.friendly_name == self.raw_name

    @property
    def flytekit_style(self) -> bool:
        """Parameters are named in the surface file (flytekit's exact signature)."""
        return self.surface.params is not None

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
            not self.server_streaming
            and req.has_field("limit")
            and req.has_field("token")
            and resp.has_field("token")
            and len(resp.repeated_fields) == 1
        )

    @property
    def items(self) -> Field:
        """The list field of a paginated response."""
        return self.response.repeated_fields[0]

    @property
    def items_field(self) -> str:
        return self.items.name

    @property
    def item_type(self) -> str:
        return self.items.value_ref

    @property
    def item_full_name(self) -> str:
        return self.items.type_name

    @property
    def pager_name(self) -> str:
        return self.surface.pager or "iter_" + re.sub(r"^list_", "", snake_case(self.name))

    # -- retry class ---------------------------------------------------------------
    @property
    def retry_class(self) -> RetryClass:
        """GET routes and listed reads are reads; Create*/Relaunch*/Recover* are not
        idempotent unless listed; everything else is an idempotent write."""
        rules = self.retry_rules
        is_read = self.http_verb == "get" if self.http_verb else self.name in rules.reads
        if is_read:
            return RetryClass.READ
        if (
            self.name.startswith(rules.non_idempotent_prefixes)
            and self.name not in rules.idempotent
        ):
            return RetryClass.NON_IDEMPOTENT
        return RetryClass.WRITE

    # -- friendly parameters -------------------------------------------------------
    @cached_property
    def params(self) -> tuple[Param, ...]:
        """Friendly parameters: the surface file's list, else one per request field."""
        if self.surface.params is not None:
            declared = (self._declared_param(p) for p in self.surface.params)
            return tuple(self._dated(p) for p in declared if p is not None)
        return tuple(
            self._dated(Param(safe_param_name(f.name), "None", (f.name,), f))
            for f in self.request.fields
        )

    @property
    def call_options(self) -> tuple[str, ...]:
        """The keyword-only ``timeout`` and ``metadata`` options of the friendly method,
        minus any a flytekit-style parameter already uses (``update_named_entity`` has a
        ``metadata`` parameter of its own)."""
        taken = {p.name for p in self.params}
        return tuple(o for o in ("timeout", "metadata") if o not in taken)

    @property
    def call_option_args(self) -> str:
        """What the friendly method passes on as the call's timeout and metadata (an option
        a flytekit parameter took is ``None``)."""
        return ", ".join(o if o in self.call_options else "None" for o in ("timeout", "metadata"))

    @property
    def forward_args(self) -> str:
        """The friendly method's own arguments, passed on to itself (``super()``)."""
        return ", ".join([*(p.name for p in self.params), *(f"{o}={o}" for o in self.call_options)])

    @property
    def pager_params(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.path not in (("limit",), ("token",)))

    def _declared_param(self, spec: str) -> Optional[Param]:
        """The surface file's parameter ``spec``; None for an optional parameter (one with
        a default) bound to a field the installed flyteidl lacks, which older flyteidl
        releases simply do not offer (a required one is an error)."""
        name, _, default = spec.partition("=")
        bind = self.surface.bind.get(name, name)
        if bind == "$request":
            return Param(name, default or None, (), None, self.request)
        path = tuple(bind.split("."))
        if default and not _has_path(self.request, path):
            return None
        target = self.request.path(bind)
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
    def shape(self) -> ReturnShape:
        return ReturnShape.of(self.surface.returns)

    @property
    def returns_none(self) -> bool:
        return self.shape is ReturnShape.NONE

    @property
    def returns_response(self) -> bool:
        return self.shape is ReturnShape.RESPONSE

    @property
    def returns_page(self) -> bool:
        return self.shape is ReturnShape.PAGE

    @property
    def returns_field(self) -> Optional[str]:
        """The response field path a friendly method returns (None for other shapes)."""
        return self.surface.returns if self.shape is ReturnShape.FIELD else None

    @property
    def returns_list(self) -> bool:
        """A field-path result that is a repeated field (returned as a list)."""
        path = self.returns_field
        return path is not None and self.response.path(path).repeated

    @property
    def return_hint(self) -> str:
        shape = self.shape
        if shape is ReturnShape.NONE:
            return "None"
        if shape is ReturnShape.RESPONSE:
            return self.response.py.ref
        if shape is ReturnShape.PAGE:
            return f"Tuple[List[{self.item_type}], str]"
        assert self.returns_field is not None
        target = self.response.path(self.returns_field)
        return f"List[{target.value_ref}]" if target.repeated else target.value_ref

    @property
    def created(self) -> bool:
        return self.surface.created

    @property
    def cached(self) -> bool:
        return self.surface.cache

    @property
    def fill_resource_type(self) -> Optional[str]:
        """``id.resource_type`` of each listed item is set to this (flytekit does)."""
        return self.surface.fill_resource_type

    @property
    def resource_type_enum(self) -> PyRef:
        """The ``ResourceType`` enum of the listed items' ``id`` (for fill_resource_type)."""
        item = self.items.message
        enum_ref = item.path("id.resource_type").enum if item is not None else None
        if enum_ref is None:
            raise CodegenError(f"{self.name}: items have no id.resource_type to fill")
        return enum_ref

    # -- flyteclient.flytekit ----------------------------------------------------------
    @property
    def flytekit_model(self) -> Optional[PyRef]:
        """The flytekit model class flytekit's client wraps this RPC's result in."""
        dotted = self.surface.flytekit_model
        if dotted is None:
            return None
        try:
            return dotted_ref(dotted)
        except ValueError as exc:
            raise CodegenError(f"flytekit_model: {exc}") from None

    @property
    def flytekit_result(self) -> str:
        """How flyteclient.flytekit returns the friendly result: ``model`` (one model),
        ``models`` (a list of them), ``page`` (``(models, token)``) or ``as_is``."""
        if self.flytekit_model is None:
            return "as_is"
        if self.returns_page:
            return "page"
        return "models" if self.returns_list else "model"


def _has_path(message: Message, path: tuple[str, ...]) -> bool:
    current: Optional[Message] = message
    for part in path:
        if current is None or not current.has_field(part):
            return False
        current = current.field(part).message
    return True


def _default_source(default: str, target: Field) -> Optional[str]:
    """Python source for a declared default; enum value names become qualified constants."""
    if not default:
        return None
    if target.enum is not None and re.fullmatch(r"[A-Z][A-Z0-9_]*", default):
        return f"{target.enum.module_ref}.{default}"
    return default


def _tree(message: Message, bindings: list[tuple[tuple[str, ...], Param]]) -> RequestNode:
    children: list[tuple[str, Union[Param, RequestNode]]] = []
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
    surface: Surface = field(repr=False, compare=False)
    history: Optional[ApiHistory] = field(default=None, repr=False, compare=False)

    @cached_property
    def methods(self) -> tuple[Method, ...]:
        return tuple(_method(self, m) for m in self.descriptor.methods)


def _http(m: MethodDescriptor) -> tuple[Optional[str], Optional[str]]:
    from google.api import annotations_pb2, http_pb2

    options = m.GetOptions()
    extension: Any = annotations_pb2.http  # the stubs type it as a plain FieldDescriptor
    if not options.HasExtension(extension):
        return None, None
    rule: http_pb2.HttpRule = options.Extensions[extension]
    verb = rule.WhichOneof("pattern")
    if verb is None or verb == "custom":
        return None, None
    return verb, getattr(rule, verb)


def _bindings(m: MethodDescriptor) -> tuple[tuple[str, str, str, str], ...]:
    """Every HTTP binding of the RPC (its rule, then the rule's additional bindings), as
    the REST transport's route table lists them."""
    from flyteclient.runtime.rest.routes import http_bindings

    return tuple(
        (b.verb.lower(), b.template.text, b.body, b.response_body) for b in http_bindings(m)
    )


def _description(m: MethodDescriptor) -> str:
    try:
        from protoc_gen_openapiv2.options import annotations_pb2 as openapi
    except ImportError:  # optional: only used for docstrings
        return ""
    options = m.GetOptions()
    extension = getattr(openapi, "openapiv2_operation")  # the stubs lack this extension
    if not options.HasExtension(extension):
        return ""
    return " ".join(options.Extensions[extension].description.split())


def _method(service: Service, m: MethodDescriptor) -> Method:
    verb, path = _http(m)
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
        deprecated=m.GetOptions().deprecated,
        bindings=_bindings(m),
        surface=service.surface.for_rpc(m.name),
        retry_rules=service.surface.retry,
    )


@dataclass(frozen=True)
class Flavor:
    """One shape of the generated clients: the same templates render a sync and an
    async client from the same schema (as gapic renders ``client.py`` and
    ``async_client.py`` from the same wrappers)."""

    name: str
    aio: bool
    raw_class: str
    friendly_class: str
    base_class: str
    base_module: str
    pager_class: str
    raw_module: str

    @property
    def def_(self) -> str:
        """How a unary method is defined: ``def`` or ``async def``."""
        return "async def" if self.aio else "def"

    @property
    def await_(self) -> str:
        """What precedes a call whose result a unary method returns."""
        return "await " if self.aio else ""

    @property
    def iterator(self) -> str:
        """The type of a server-streaming method's result."""
        return "AsyncIterator" if self.aio else "Iterator"


SYNC = Flavor(
    "sync",
    False,
    "RawSynchronousFlyteClient",
    "SynchronousFlyteClient",
    "ClientBase",
    "flyteclient.runtime.client_base",
    "Pager",
    "raw",
)
ASYNC = Flavor(
    "async",
    True,
    "AsyncRawFlyteClient",
    "AsyncFlyteClient",
    "AsyncClientBase",
    "flyteclient.runtime.aio",
    "AsyncPager",
    "aio_raw",
)


@dataclass(frozen=True)
class Api:
    """Everything generated in one run."""

    flyteidl_version: str
    services: tuple[Service, ...]
    surface: Surface = field(repr=False, compare=False)
    history: Optional[ApiHistory] = field(default=None, repr=False, compare=False)

    @cached_property
    def methods(self) -> tuple[Method, ...]:
        return tuple(m for s in self.services for m in s.methods)

    @property
    def dated_methods(self) -> tuple[Method, ...]:
        """RPCs newer than the oldest supported release."""
        return tuple(m for m in self.methods if m.added is not None)

    @property
    def paginated(self) -> tuple[Method, ...]:
        return tuple(m for m in self.methods if m.is_paginated)

    @property
    def routed(self) -> tuple[Method, ...]:
        """RPCs the REST transport can send (those with an HTTP binding)."""
        return tuple(m for m in self.methods if m.bindings)

    @property
    def unrouted(self) -> tuple[Method, ...]:
        return tuple(m for m in self.methods if not m.bindings)

    @property
    def raw_methods_on_friendly(self) -> tuple[Method, ...]:
        """RPCs whose friendly method has another name: the friendly client keeps the
        raw-style method too, as flytekit's friendly client inherits its raw methods."""
        return tuple(m for m in self.methods if not m.overrides_raw)

    @property
    def error_codes(self) -> tuple[tuple[str, str], ...]:
        return tuple(sorted(self.surface.errors.codes.items()))

    @property
    def error_messages(self) -> tuple[tuple[str, str, str], ...]:
        return tuple((r.code, r.contains, r.exception) for r in self.surface.errors.messages)

    @property
    def default_error(self) -> str:
        return self.surface.errors.default

    @property
    def flytekit_methods(self) -> tuple[Method, ...]:
        """The friendly methods flyteclient.flytekit re-types (their results become models)."""
        return tuple(m for m in self.methods if m.flytekit_model is not None)

    @property
    def flytekit_errors(self) -> tuple[tuple[str, PyRef], ...]:
        """Per flyteclient exception class, flytekit's class for the same status (the
        code table's class; message rules and unmapped classes take their code's or the
        default): the bases of flyteclient.flytekit's exception classes."""
        table = self.surface.errors.flytekit
        codes = {code: dotted_ref(cls) for code, cls in table.codes.items()}
        default = dotted_ref(table.default)
        pairs = {cls: codes.get(code, default) for code, cls in self.error_codes}
        for code, _, exception in self.error_messages:
            pairs[exception] = codes.get(code, default)
        pairs.setdefault(self.default_error, default)
        pairs.setdefault("FlyteException", default)
        return tuple(sorted(pairs.items()))


def _resolve(m: Method) -> None:
    """Compute every fact of ``m`` that reads the surface file (raises CodegenError)."""
    facts = [m.params, m.request_tree, m.return_hint, m.flytekit_model]
    if m.fill_resource_type:
        facts.append(m.resource_type_enum)


def build_api(loaded: LoadedServices, surface: Surface) -> Api:
    """Wrap the loaded descriptors; checks the surface file against them."""
    services = tuple(
        Service(d.name, d.full_name, surface.services[d.name], d, surface) for d in loaded.services
    )
    api = Api(loaded.flyteidl_version, services, surface)
    names = {m.name for m in api.methods}
    for rpc, entry in surface.rpc.items():
        if rpc not in names and not entry.optional:
            raise CodegenError(
                f"{surface.path.name}: [rpc.{rpc}]: flyteidl {loaded.flyteidl_version} has no RPC {rpc} in "
                f"{', '.join(s.name for s in services)} (misspelled? `optional = true` if older flyteidl lacks it)"
            )
    seen: dict[str, str] = {}
    for m in api.methods:
        for name in {m.raw_name, m.friendly_name} | ({m.pager_name} if m.is_paginated else set()):
            owner = seen.setdefault(name, m.name)
            if owner != m.name:
                raise CodegenError(f"method name {name} is used by both {owner} and {m.name}")
        try:  # resolve everything now: a bad surface entry fails before rendering
            _resolve(m)
        except CodegenError as exc:
            raise CodegenError(f"{surface.path.name}: [rpc.{m.name}]: {exc}") from None
    return api


def with_history(api: Api, history: History) -> Api:
    """``api`` with its history (``codegen/history.py``): the release of each RPC and
    field newer than the oldest supported, for the docstrings and the generated data."""
    from .manifest import build_manifest

    manifest = build_manifest(api)
    rpcs = [m.full_name for m in api.methods]
    view = for_api(history, api.flyteidl_version, rpcs, manifest, manifest)
    services = tuple(replace(s, history=view) for s in api.services)
    return Api(api.flyteidl_version, services, api.surface, view)
