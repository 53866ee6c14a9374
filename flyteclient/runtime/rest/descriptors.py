"""Descriptor helpers that work on every supported protobuf (>= 4.21)."""

from __future__ import annotations

from typing import Any, Type

from google.protobuf import message_factory
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

__all__ = ["FieldDesc", "MessageDesc", "has_presence", "is_repeated", "is_map", "message_class"]

#: A field descriptor. The stubs type the pure-Python and the upb descriptor classes
#: apart (and optional where protobuf always sets them), so annotations here use ``Any``.
FieldDesc = Any
#: A message descriptor (see :data:`FieldDesc`).
MessageDesc = Any


def is_repeated(fd: Any) -> bool:
    """Whether ``fd`` is a repeated (or map) field. protobuf >= 5.27 has ``is_repeated``;
    older releases only ``label`` (which the newest ones dropped)."""
    if hasattr(fd, "is_repeated"):
        return bool(fd.is_repeated)
    return bool(fd.label == FieldDescriptor.LABEL_REPEATED)


def has_presence(fd: Any) -> bool:
    """Whether ``fd`` tracks presence (messages, oneof members, proto3 ``optional``,
    proto2 scalars). Computed on protobuf releases without ``has_presence``."""
    if hasattr(fd, "has_presence"):
        return bool(fd.has_presence)
    if is_repeated(fd):
        return False
    return (
        fd.message_type is not None or fd.containing_oneof is not None or fd.file.syntax == "proto2"
    )


def is_map(fd: Any) -> bool:
    """Whether ``fd`` is a map field."""
    mt = fd.message_type
    return mt is not None and bool(mt.GetOptions().map_entry)


def message_class(desc: MessageDesc) -> Type[Message]:
    """The Python class of the message type ``desc`` (the generated one when imported)."""
    get: Any = getattr(message_factory, "GetMessageClass", None)
    if get is None:  # protobuf < 4.22
        get = getattr(message_factory.MessageFactory(desc.file.pool), "GetPrototype")
    cls: Type[Message] = get(desc)
    return cls
