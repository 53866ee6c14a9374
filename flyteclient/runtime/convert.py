"""Argument conversion for the generated friendly methods.

Each function turns one user argument into what a protobuf constructor takes, or raises
``TypeError``/``ValueError`` naming the parameter -- before any network call. ``None``
always means "leave the field unset", as in flytekit.
"""

from __future__ import annotations

import datetime
from typing import Any, Iterable, Mapping, Optional, Protocol, Type, Union

from google.protobuf import duration_pb2, timestamp_pb2
from google.protobuf.message import Message

_STR = (str,)


def _type_error(param: str, value: Any, accepted: str) -> TypeError:
    return TypeError(f"{param} must be {accepted}, not {type(value).__name__}")


def message(value: Any, cls: Type[Message], param: str) -> Any:
    """A protobuf message of ``cls``, or an object whose ``to_flyte_idl()`` returns one."""
    if value is None or type(value) is cls:
        return value
    to_idl = getattr(value, "to_flyte_idl", None)
    if to_idl is not None:
        value = to_idl()
        if isinstance(value, cls):
            return value
    elif isinstance(value, cls):
        return value
    raise _type_error(
        param, value, f"{cls.DESCRIPTOR.full_name} or an object with to_flyte_idl() returning one"
    )


def request(value: Any, cls: Type[Message], param: str) -> Any:
    """A whole request message; required."""
    if value is None:
        raise TypeError(f"{param} is required ({cls.DESCRIPTOR.full_name})")
    return message(value, cls, param)


def string(value: Any, param: str) -> Optional[str]:
    if value is None or type(value) is str:
        return value
    if isinstance(value, str):
        return str(value)
    raise _type_error(param, value, "str")


def bytes_(value: Any, param: str) -> Optional[bytes]:
    if value is None or isinstance(value, bytes):
        return value
    raise _type_error(param, value, "bytes")


def boolean(value: Any, param: str) -> Any:
    if value is None or isinstance(value, bool):
        return value
    raise _type_error(param, value, "bool")


_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)
_UINT32 = (0, 2**32 - 1)
_UINT64 = (0, 2**64 - 1)
#: Range of each protobuf integer type.
INT_RANGES = {
    "int32": _INT32, "sint32": _INT32, "sfixed32": _INT32,
    "int64": _INT64, "sint64": _INT64, "sfixed64": _INT64,
    "uint32": _UINT32, "fixed32": _UINT32,
    "uint64": _UINT64, "fixed64": _UINT64,
}  # fmt: skip


def integer(value: Any, param: str, proto: str = "int64") -> Optional[int]:
    """An int that fits the field's protobuf type ``proto`` (protobuf's own range error
    would not name the parameter)."""
    if value is None:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        low, high = INT_RANGES[proto]
        if low <= value <= high:
            return value
        raise ValueError(f"{param} must be between {low} and {high} (a {proto} field), got {value}")
    raise _type_error(param, value, "int")


def number(value: Any, param: str) -> Optional[float]:
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return value
    raise _type_error(param, value, "float")


def enum(value: Any, param: str) -> Any:
    """An enum value: its number (flyteidl enum constants are ints; enums are int32)."""
    return integer(value, param, "int32")


def limit(value: Any, param: str, proto: str = "uint32") -> Optional[int]:
    """A page size: a positive int that fits the field."""
    value = integer(value, param, proto)
    if value is not None and value <= 0:
        raise ValueError(f"{param} must be a positive int, got {value}")
    return value


FiltersArg = Union[None, str, Iterable[Any]]


def filters(value: Any, param: str = "filters") -> Optional[str]:
    """A filter string: a string, or strings / objects with ``to_flyte_idl()``, joined with ``+``."""
    if value is None or type(value) is str:
        return value or None
    if isinstance(value, (bytes, Mapping)) or not isinstance(value, Iterable):
        raise _type_error(
            param, value, "a filter string, a list of them, or filter objects with to_flyte_idl()"
        )
    parts = []
    for item in value:
        if isinstance(item, str):
            parts.append(item)
            continue
        to_idl = getattr(item, "to_flyte_idl", None)
        if to_idl is None:
            raise _type_error(
                f"{param}[{len(parts)}]", item, "a filter string or an object with to_flyte_idl()"
            )
        parts.append(to_idl())
    return "+".join(parts) or None


def duration(value: Any, param: str) -> Optional[duration_pb2.Duration]:
    if value is None or isinstance(value, duration_pb2.Duration):
        return value
    if isinstance(value, datetime.timedelta):
        d = duration_pb2.Duration()
        d.FromTimedelta(value)
        return d
    raise _type_error(param, value, "datetime.timedelta or google.protobuf.Duration")


def timestamp(value: Any, param: str) -> Optional[timestamp_pb2.Timestamp]:
    if value is None or isinstance(value, timestamp_pb2.Timestamp):
        return value
    if isinstance(value, datetime.datetime):
        t = timestamp_pb2.Timestamp()
        t.FromDatetime(value)
        return t
    raise _type_error(param, value, "datetime.datetime or google.protobuf.Timestamp")


def repeated(value: Any, param: str) -> Optional[list]:
    if value is None:
        return None
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise _type_error(param, value, "an iterable")
    return [v.to_flyte_idl() if hasattr(v, "to_flyte_idl") else v for v in value]


def mapping(value: Any, param: str) -> Optional[Mapping]:
    if value is None or isinstance(value, Mapping):
        return value
    raise _type_error(param, value, "a mapping")


def no_request_and_fields(request: Any, method: str, **fields: Any) -> None:
    """Friendly methods take a whole request or keyword fields, not both."""
    given = sorted(k for k, v in fields.items() if v is not None)
    if request is not None and given:
        raise TypeError(
            f"{method}() takes a request message or keyword fields, not both (got request and {', '.join(given)})"
        )


class ToFlyteIdl(Protocol):
    """A flytekit model: anything with ``to_flyte_idl()`` returning a protobuf message."""

    def to_flyte_idl(self) -> Any: ...
