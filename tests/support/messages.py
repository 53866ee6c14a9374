"""Deterministic, fully populated protobuf messages for round-trip tests."""

from __future__ import annotations

import datetime
import random
from typing import Any

from google.protobuf.descriptor import FieldDescriptor

_INTS = {
    FieldDescriptor.TYPE_INT32,
    FieldDescriptor.TYPE_INT64,
    FieldDescriptor.TYPE_UINT32,
    FieldDescriptor.TYPE_UINT64,
    FieldDescriptor.TYPE_SINT32,
    FieldDescriptor.TYPE_SINT64,
    FieldDescriptor.TYPE_FIXED32,
    FieldDescriptor.TYPE_FIXED64,
    FieldDescriptor.TYPE_SFIXED32,
    FieldDescriptor.TYPE_SFIXED64,
}


def is_repeated(f: FieldDescriptor) -> bool:
    """Whether ``f`` is repeated, on every supported protobuf (``is_repeated`` is >= 5.27)."""
    return f.is_repeated if hasattr(f, "is_repeated") else f.label == FieldDescriptor.LABEL_REPEATED


def populate(message: Any, rng: random.Random, depth: int = 3) -> Any:
    """Fill every field (one member per oneof) with random values, ``depth`` levels deep."""
    chosen_oneofs = set()
    for f in message.DESCRIPTOR.fields:
        if f.containing_oneof is not None:
            if f.containing_oneof.name in chosen_oneofs:
                continue
            chosen_oneofs.add(f.containing_oneof.name)
        if f.type == FieldDescriptor.TYPE_MESSAGE:
            if depth <= 0 or f.message_type.full_name.startswith("google.protobuf.Struct"):
                continue
            if f.message_type.GetOptions().map_entry:
                key_f, value_f = (
                    f.message_type.fields_by_name["key"],
                    f.message_type.fields_by_name["value"],
                )
                key = _scalar(key_f, rng)
                target = getattr(message, f.name)
                if value_f.type == FieldDescriptor.TYPE_MESSAGE:
                    populate(target[key], rng, depth - 1)
                else:
                    target[key] = _scalar(value_f, rng)
            elif is_repeated(f):
                populate(getattr(message, f.name).add(), rng, depth - 1)
            else:
                populate(getattr(message, f.name), rng, depth - 1)
                getattr(message, f.name).SetInParent()
        elif is_repeated(f):
            getattr(message, f.name).append(_scalar(f, rng))
        else:
            setattr(message, f.name, _scalar(f, rng))
    return message


def _scalar(f: FieldDescriptor, rng: random.Random) -> Any:
    if f.type == FieldDescriptor.TYPE_STRING:
        return f"s{rng.randrange(10**6)}"
    if f.type == FieldDescriptor.TYPE_BYTES:
        return bytes(rng.randrange(256) for _ in range(4))
    if f.type == FieldDescriptor.TYPE_BOOL:
        return True
    if f.type in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        return 0.5
    if f.type == FieldDescriptor.TYPE_ENUM:
        values = [v.number for v in f.enum_type.values if v.number != 0] or [0]
        return rng.choice(values)
    if f.type in _INTS:
        return rng.randrange(1, 1000)
    raise AssertionError(f"unhandled type {f.type}")


class Model:
    """A flytekit-model stand-in: anything with to_flyte_idl()."""

    def __init__(self, pb: Any) -> None:
        self.pb = pb

    def to_flyte_idl(self) -> Any:
        return self.pb


def argument_value(param: Any, rng: random.Random, as_model: bool) -> Any:
    """A test value for a friendly method's parameter ``param`` (a schema Param): a
    protobuf, or with ``as_model`` a flytekit model (or a stand-in with ``to_flyte_idl``)."""
    if param.field is None:
        from flyteidl.admin import project_pb2

        pb = populate(project_pb2.Project(), rng)
        return Model(pb) if as_model else pb
    kind = param.kind.name.lower()
    if kind == "filters":
        if not as_model:
            return "eq(name,x)+value_in(phase,A;B)"
        from flytekit.models import filters as fk_filters

        return [fk_filters.Equal("name", "x"), fk_filters.ValueIn("phase", ["A", "B"])]
    if param.name == "sort_by":
        if not as_model:
            from flyteidl.admin import common_pb2

            return common_pb2.Sort(key="created_at", direction=common_pb2.Sort.ASCENDING)
        from flytekit.models.admin import common as fk_common

        return fk_common.Sort("created_at", fk_common.Sort.Direction.ASCENDING)
    if kind == "message":
        pb = populate(param.field.message.descriptor._concrete_class(), rng)
        return Model(pb) if as_model else pb
    if kind == "duration":
        return datetime.timedelta(minutes=5)
    if kind in ("enum",):
        return 1
    if kind in ("int", "limit"):
        return 7
    if kind == "bool":
        return False
    if kind == "bytes":
        return b"\x01\x02"
    if kind == "str":
        return "s" + str(rng.randrange(1000))
    raise AssertionError(f"no test value for {param.name} ({kind})")
