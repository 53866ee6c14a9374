"""A small IDL with every kind of field and HTTP binding the REST machinery handles, built
as descriptors in the default pool (``acme/things.proto``), for unit tests."""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

from google.api import annotations_pb2
from google.protobuf import (  # noqa: F401 - imported to load the well-known files into the pool
    any_pb2,
    descriptor_pb2,
    descriptor_pool,
    duration_pb2,
    field_mask_pb2,
    struct_pb2,
    timestamp_pb2,
    wrappers_pb2,
)
from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor

from flyteclient.runtime.rest import message_class

F = descriptor_pb2.FieldDescriptorProto
_SCALARS = {
    "string": F.TYPE_STRING,
    "int32": F.TYPE_INT32,
    "int64": F.TYPE_INT64,
    "uint32": F.TYPE_UINT32,
    "sint32": F.TYPE_SINT32,
    "bool": F.TYPE_BOOL,
    "bytes": F.TYPE_BYTES,
    "double": F.TYPE_DOUBLE,
    "float": F.TYPE_FLOAT,
}
_WKT = {
    "Timestamp": "google/protobuf/timestamp.proto",
    "Duration": "google/protobuf/duration.proto",
    "Int32Value": "google/protobuf/wrappers.proto",
    "StringValue": "google/protobuf/wrappers.proto",
    "FieldMask": "google/protobuf/field_mask.proto",
    "Struct": "google/protobuf/struct.proto",
    "Any": "google/protobuf/any.proto",
}
FILE = "acme/things.proto"


def _field(
    msg: Any,
    name: str,
    number: int,
    kind: str,
    repeated: bool = False,
    json_name: str = "",
    oneof: Optional[int] = None,
    proto3_optional: bool = False,
) -> None:
    f = msg.field.add(name=name, number=number, json_name=json_name or _camel(name))
    f.label = F.LABEL_REPEATED if repeated else F.LABEL_OPTIONAL
    if kind in _SCALARS:
        f.type = _SCALARS[kind]
    elif kind == "Color":
        f.type, f.type_name = F.TYPE_ENUM, ".acme.Color"
    elif kind in _WKT:
        f.type, f.type_name = F.TYPE_MESSAGE, f".google.protobuf.{kind}"
    else:
        f.type, f.type_name = F.TYPE_MESSAGE, f".acme.{kind}"
    if oneof is not None:
        f.oneof_index = oneof
    if proto3_optional:
        f.proto3_optional = True


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.capitalize() for p in rest)


def _map(msg: Any, name: str, number: int, value: str) -> None:
    entry = msg.nested_type.add(name=_camel(name)[0].upper() + _camel(name)[1:] + "Entry")
    entry.options.map_entry = True
    _field(entry, "key", 1, "string")
    _field(entry, "value", 2, value)
    f = msg.field.add(
        name=name,
        number=number,
        json_name=_camel(name),
        label=F.LABEL_REPEATED,
        type=F.TYPE_MESSAGE,
    )
    f.type_name = f".acme.Thing.{entry.name}"


def _build() -> descriptor_pb2.FileDescriptorProto:
    fdp = descriptor_pb2.FileDescriptorProto(name=FILE, package="acme", syntax="proto3")
    fdp.dependency.extend(sorted(set(_WKT.values())))
    color = fdp.enum_type.add(name="Color")
    for number, name in enumerate(("COLOR_UNSPECIFIED", "RED", "GREEN")):
        color.value.add(name=name, number=number)
    inner = fdp.message_type.add(name="Inner")
    for number, (name, kind) in enumerate(
        (("name", "string"), ("n", "int32"), ("color", "Color")), start=1
    ):
        _field(inner, name, number, kind)
    _field(inner, "tags", 4, "string", repeated=True)
    thing = fdp.message_type.add(name="Thing")
    fields = [
        ("id", "string"),
        ("parent", "string"),
        ("inner", "Inner"),
        ("names", "string", True),
        ("nums", "int64", True),
        ("color", "Color"),
        ("blob", "bytes"),
        ("flag", "bool"),
        ("ratio", "double"),
        ("f", "float"),
        ("u", "uint32"),
        ("big", "int64"),
        ("s", "sint32"),
        ("at", "Timestamp"),
        ("wait", "Duration"),
        ("maybe", "Int32Value"),
        ("label", "StringValue"),
        ("mask", "FieldMask"),
    ]
    for number, spec in enumerate(fields, start=1):
        _field(thing, spec[0], number, spec[1], repeated=len(spec) > 2)
    _map(thing, "labels", 19, "string")
    _map(thing, "counts", 20, "int32")
    thing.oneof_decl.add(name="choice")
    _field(thing, "a", 21, "string", oneof=0)
    _field(thing, "b", 22, "Inner", oneof=0)
    _field(thing, "items", 24, "Inner", repeated=True)
    _field(thing, "renamed", 25, "string", json_name="customName")
    _field(thing, "path", 26, "string")
    _field(thing, "extra", 27, "Struct")
    _field(thing, "any", 28, "Any")
    thing.oneof_decl.add(name="_opt")  # synthetic oneofs come after the real ones
    _field(thing, "opt", 23, "int32", oneof=1, proto3_optional=True)
    service = fdp.service.add(name="Things")
    rules: Dict[str, Tuple[Dict[str, Any], ...]] = {
        "Get": ({"get": "/v1/things/{id}"},),
        "Nested": ({"get": "/v1/things/{inner.name}/n/{inner.n}"}, {"get": "/v1/things:all"}),
        "Under": ({"get": "/v1/{parent=shelves/*}/books"},),
        "Files": ({"get": "/v1/files/{path=**}:download"},),
        "Create": ({"post": "/v1/things/{id}", "body": "*"},),
        "Update": ({"patch": "/v1/things/{id}", "body": "inner", "response_body": "inner"},),
        "Custom": ({"custom": ("HEAD", "/v1/things/{id}")},),
        "NoRule": (),
    }
    for name, bindings in rules.items():
        method = service.method.add(name=name, input_type=".acme.Thing", output_type=".acme.Thing")
        if not bindings:
            continue
        rule = method.options.Extensions[annotations_pb2.http]
        for i, b in enumerate(bindings):
            target = rule if i == 0 else rule.additional_bindings.add()
            for key, value in b.items():
                if key == "custom":
                    target.custom.kind, target.custom.path = value
                else:
                    setattr(target, key, value)
    return fdp


def _service() -> ServiceDescriptor:
    pool = descriptor_pool.Default()
    try:
        pool.FindFileByName(FILE)
    except KeyError:
        pool.Add(_build())
    return pool.FindServiceByName("acme.Things")


THINGS = _service()
Thing = message_class(THINGS.file.message_types_by_name["Thing"])
Inner = message_class(THINGS.file.message_types_by_name["Inner"])
RED, GREEN = 1, 2


def rpc(name: str) -> MethodDescriptor:
    return THINGS.methods_by_name[name]
