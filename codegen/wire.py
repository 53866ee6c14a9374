"""The wire-level manifest: every message and enum the services' RPCs reach, transitively.

Walks ``FileDescriptorProto``s (not ``schema.py``'s wrappers, which only cover what the
templates print): starting from each RPC's request and response type, every field's
message, enum or map value type is visited in turn. Each type is recorded with what its
binary and JSON encodings depend on, one field or value per entry:

* message: ``file``, ``fields`` keyed by number (in numeric order), each with ``name``,
  ``json_name``, ``type`` (scalar name, message/enum full name, or ``map<K, V>``),
  ``kind`` (``scalar``, ``message``, ``enum``, ``group`` or ``map``), ``label``
  (``optional``, ``required``, ``repeated``, ``map``), ``presence`` for singular fields
  (``explicit``: proto3 ``optional``, message types, oneof members, proto2, editions'
  EXPLICIT; else ``implicit``), ``oneof`` (real oneofs only: the synthetic oneof of a
  proto3 ``optional`` field is not one), ``default`` (proto2), ``deprecated``; real
  ``oneofs``; ``reserved`` numbers (inclusive ranges) and names; ``deprecated``.
* enum: ``file``, ``values`` (name -> number, in numeric order), ``deprecated_values``,
  ``closed`` (proto2 enums), ``reserved``, ``deprecated``.

Keys whose value would be false or empty are left out, so each field stays one short
line of JSON. Map entry messages are not types of their own: the field says ``map<K, V>``.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any, Iterable, Optional, Sequence

from google.protobuf import descriptor_pb2
from google.protobuf.descriptor import ServiceDescriptor

from .idl import file_closure

FDP = descriptor_pb2.FieldDescriptorProto
# Editions features (protobuf >= 4.25); only read for files with ``syntax = "editions"``.
_IMPLICIT, _LEGACY_REQUIRED, _CLOSED = 2, 3, 2  # FeatureSet.FieldPresence / .EnumType numbers

SCALARS = {
    FDP.TYPE_DOUBLE: "double",
    FDP.TYPE_FLOAT: "float",
    FDP.TYPE_INT64: "int64",
    FDP.TYPE_UINT64: "uint64",
    FDP.TYPE_INT32: "int32",
    FDP.TYPE_FIXED64: "fixed64",
    FDP.TYPE_FIXED32: "fixed32",
    FDP.TYPE_BOOL: "bool",
    FDP.TYPE_STRING: "string",
    FDP.TYPE_BYTES: "bytes",
    FDP.TYPE_UINT32: "uint32",
    FDP.TYPE_SFIXED32: "sfixed32",
    FDP.TYPE_SFIXED64: "sfixed64",
    FDP.TYPE_SINT32: "sint32",
    FDP.TYPE_SINT64: "sint64",
}
_IDEMPOTENCY = {
    descriptor_pb2.MethodOptions.NO_SIDE_EFFECTS: "no_side_effects",
    descriptor_pb2.MethodOptions.IDEMPOTENT: "idempotent",
}


@dataclass(frozen=True)
class _Type:
    """A message or enum found in the files, with what its fields' presence depends on."""

    full_name: str
    package: str
    file: descriptor_pb2.FileDescriptorProto
    proto: Any  # DescriptorProto | EnumDescriptorProto
    scopes: tuple[Any, ...]  # options: the file's, each enclosing message's, its own

    @property
    def is_message(self) -> bool:
        return isinstance(self.proto, descriptor_pb2.DescriptorProto)


@dataclass(frozen=True)
class WireApi:
    """RPC wire facts (``Service.Method`` full name -> record) and reachable types
    grouped by proto package (package -> ``{"messages": {...}, "enums": {...}}``)."""

    rpcs: dict[str, dict[str, Any]]
    packages: dict[str, dict[str, dict[str, Any]]]


def _index(files: Iterable[descriptor_pb2.FileDescriptorProto]) -> dict[str, _Type]:
    found: dict[str, _Type] = {}

    def add_enums(prefix: str, f: Any, enums: Iterable[Any], scopes: tuple[Any, ...]) -> None:
        for e in enums:
            found[prefix + e.name] = _Type(prefix + e.name, f.package, f, e, (*scopes, e.options))

    def add_messages(prefix: str, f: Any, messages: Iterable[Any], scopes: tuple[Any, ...]) -> None:
        for m in messages:
            name = prefix + m.name
            own = (*scopes, m.options)
            found[name] = _Type(name, f.package, f, m, own)
            add_messages(name + ".", f, m.nested_type, own)
            add_enums(name + ".", f, m.enum_type, own)

    for f in files:
        prefix = f"{f.package}." if f.package else ""
        add_messages(prefix, f, f.message_type, (f.options,))
        add_enums(prefix, f, f.enum_type, (f.options,))
    return found


def default_json_name(name: str) -> str:
    """protoc's json_name for a field that does not set one: lowerCamelCase of the name."""
    parts = name.split("_")
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])


def _nearest(scopes: Iterable[Any], feature: str) -> Optional[int]:
    """An editions feature's value from the nearest options that set it (None: default)."""
    for options in scopes:
        features = options.features if options.HasField("features") else None
        if features is not None and feature in (d.name for d, _ in features.ListFields()):
            return int(getattr(features, feature))
    return None


def _syntax(t: _Type) -> str:
    return t.file.syntax or "proto2"


def _field_presence(t: _Type, f: Any) -> Optional[int]:
    return _nearest((f.options, *reversed(t.scopes)), "field_presence")


def _explicit_presence(t: _Type, f: Any) -> bool:
    if f.type in (FDP.TYPE_MESSAGE, FDP.TYPE_GROUP) or f.HasField("oneof_index"):
        return True
    if _syntax(t) in ("proto2", "proto3"):
        return _syntax(t) == "proto2" or bool(f.proto3_optional)
    return _field_presence(t, f) != _IMPLICIT  # edition 2023 default: EXPLICIT


def _required(t: _Type, f: Any) -> bool:
    if f.label == FDP.LABEL_REQUIRED:
        return True
    return _syntax(t) == "editions" and _field_presence(t, f) == _LEGACY_REQUIRED


def _closed(t: _Type) -> bool:
    if _syntax(t) in ("proto2", "proto3"):
        return _syntax(t) == "proto2"
    return _nearest(reversed(t.scopes), "enum_type") == _CLOSED


def _reserved(proto: Any, exclusive_end: bool) -> dict[str, Any]:
    numbers = [[r.start, r.end - 1 if exclusive_end else r.end] for r in proto.reserved_range]
    out: dict[str, Any] = {}
    if numbers:
        out["numbers"] = sorted(numbers)
    if proto.reserved_name:
        out["names"] = sorted(proto.reserved_name)
    return out


def _set_if(record: dict[str, Any], **entries: Any) -> dict[str, Any]:
    """``record`` plus those ``entries`` that say something: None, False and empty lists
    or dicts are left out, so the manifest only spells out what is set."""
    record.update(
        (k, v)
        for k, v in entries.items()
        if v is not None and v is not False and v != [] and v != {}
    )
    return record


class _Walker:
    """Breadth-first over the types reachable from some roots, recording each once."""

    def __init__(self, types: dict[str, _Type]) -> None:
        self.types = types
        self.records: dict[str, tuple[_Type, dict[str, Any]]] = {}
        self.queue: deque[str] = deque()

    def visit(self, full_name: str) -> None:
        if full_name not in self.records and full_name not in self.queue:
            self.queue.append(full_name)

    def run(self) -> None:
        while self.queue:
            name = self.queue.popleft()
            t = self.types.get(name)
            if t is None:  # unreachable: a pool-built descriptor always resolves
                continue
            self.records[name] = (t, self._message(t) if t.is_message else self._enum(t))

    def _type_of(self, f: Any) -> tuple[str, str]:
        """(type, kind) of a field, visiting the type it names."""
        if f.type in SCALARS:
            return SCALARS[f.type], "scalar"
        target = f.type_name.lstrip(".")
        self.visit(target)
        kind = {FDP.TYPE_MESSAGE: "message", FDP.TYPE_ENUM: "enum"}.get(f.type, "group")
        return target, kind

    def _map_entry(self, f: Any) -> Optional[Any]:
        if f.type != FDP.TYPE_MESSAGE or f.label != FDP.LABEL_REPEATED:
            return None
        entry = self.types.get(f.type_name.lstrip("."))
        if entry is None or not entry.proto.options.map_entry:
            return None
        return entry.proto

    def _field(self, t: _Type, f: Any) -> dict[str, Any]:
        record: dict[str, Any] = {
            "name": f.name,
            "json_name": f.json_name or default_json_name(f.name),
        }
        entry = self._map_entry(f)
        if entry is not None:
            key, value = sorted(entry.field, key=lambda e: e.number)
            record.update(
                type=f"map<{self._type_of(key)[0]}, {self._type_of(value)[0]}>",
                kind="map",
                label="map",
            )
        else:
            record["type"], record["kind"] = self._type_of(f)
            if f.label == FDP.LABEL_REPEATED:
                record["label"] = "repeated"
            elif _required(t, f):
                record["label"] = "required"
            else:
                record["label"] = "optional"
                record["presence"] = "explicit" if _explicit_presence(t, f) else "implicit"
        real_oneof = f.HasField("oneof_index") and not f.proto3_optional
        return _set_if(
            record,
            oneof=t.proto.oneof_decl[f.oneof_index].name if real_oneof else None,
            default=f.default_value if f.HasField("default_value") else None,
            deprecated=f.options.deprecated,
        )

    def _message(self, t: _Type) -> dict[str, Any]:
        m = t.proto
        fields = sorted(m.field, key=lambda f: f.number)
        record: dict[str, Any] = {
            "file": t.file.name,
            "fields": {str(f.number): self._field(t, f) for f in fields},
        }
        synthetic = {f.oneof_index for f in m.field if f.proto3_optional}
        return _set_if(
            record,
            oneofs=[o.name for i, o in enumerate(m.oneof_decl) if i not in synthetic],
            reserved=_reserved(m, exclusive_end=True),
            deprecated=m.options.deprecated,
        )

    def _enum(self, t: _Type) -> dict[str, Any]:
        e = t.proto
        values = sorted(e.value, key=lambda v: v.number)  # stable: declaration order among aliases
        record: dict[str, Any] = {"file": t.file.name, "values": {v.name: v.number for v in values}}
        return _set_if(
            record,
            deprecated_values=[v.name for v in values if v.options.deprecated],
            closed=_closed(t),
            reserved=_reserved(e, exclusive_end=False),
            deprecated=e.options.deprecated,
        )


def _rpc(service: Any, method: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "request": method.input_type.lstrip("."),
        "response": method.output_type.lstrip("."),
    }
    return _set_if(
        record,
        idempotency=_IDEMPOTENCY.get(method.options.idempotency_level),
        deprecated=method.options.deprecated or service.options.deprecated,
    )


def build_wire(services: Sequence[ServiceDescriptor]) -> WireApi:
    """Wire facts of ``services``' RPCs and every type they reach."""
    files = file_closure(s.file for s in services)
    by_name = {f.name: f for f in files}
    walker = _Walker(_index(files))
    rpcs: dict[str, dict[str, Any]] = {}
    for s in services:
        proto = next(p for p in by_name[s.file.name].service if p.name == s.name)
        for method in proto.method:
            record = _rpc(proto, method)
            rpcs[f"{s.full_name}.{method.name}"] = record
            walker.visit(record["request"])
            walker.visit(record["response"])
    walker.run()
    packages: dict[str, dict[str, dict[str, Any]]] = {}
    for name in sorted(walker.records):
        t, record = walker.records[name]
        group = packages.setdefault(t.package, {"messages": {}, "enums": {}})
        group["messages" if t.is_message else "enums"][name] = record
    return WireApi(rpcs, {p: packages[p] for p in sorted(packages)})
