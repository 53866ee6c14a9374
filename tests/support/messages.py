"""Deterministic, fully populated protobuf messages for round-trip tests."""

from __future__ import annotations

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


def _repeated(f: FieldDescriptor) -> bool:
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
            elif _repeated(f):
                populate(getattr(message, f.name).add(), rng, depth - 1)
            else:
                populate(getattr(message, f.name), rng, depth - 1)
                getattr(message, f.name).SetInParent()
        elif _repeated(f):
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
