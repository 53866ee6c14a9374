"""One field value as the text of a path segment or query parameter, both ways.

:func:`parse_value` is grpc-gateway v2's ``parseField`` (``runtime/query.go``): Go's
``strconv`` syntax for numbers and booleans, enums by name or declared number, bytes in
standard or URL-safe padded base64, and the well-known types it accepts (Timestamp as
RFC 3339, Duration in Go's ``time.ParseDuration`` syntax, the wrappers, FieldMask as
comma-separated paths, Struct and Value as JSON). Errors are :class:`ValueError` with
Go's wording.

:func:`format_value` is the inverse used by a client, choosing forms every such parser
reads back: enum names, ``true``/``false``, URL-safe base64 (it decodes under both of
grpc-gateway's alphabets, and has no ``/`` to split a path), Timestamp and Duration in
their protobuf JSON forms (valid RFC 3339 and Go durations).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import struct
from typing import Any, Callable, Dict, Optional

from google.protobuf import duration_pb2, field_mask_pb2, json_format, struct_pb2, timestamp_pb2
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from .descriptors import FieldDesc, MessageDesc, message_class

__all__ = ["format_value", "parse_value", "formattable", "parse_go_duration", "WRAPPERS"]

_F = FieldDescriptor

WRAPPERS = frozenset(
    f"google.protobuf.{n}"
    for n in (
        "DoubleValue",
        "FloatValue",
        "Int64Value",
        "UInt64Value",
        "Int32Value",
        "UInt32Value",
        "BoolValue",
        "StringValue",
        "BytesValue",
    )
)
_TIMESTAMP, _DURATION, _FIELD_MASK = (
    "google.protobuf.Timestamp",
    "google.protobuf.Duration",
    "google.protobuf.FieldMask",
)
_VALUE, _STRUCT = "google.protobuf.Value", "google.protobuf.Struct"
#: message types a path segment or query parameter can carry (grpc-gateway's parseMessage)
SCALAR_MESSAGES = WRAPPERS | {_TIMESTAMP, _DURATION, _FIELD_MASK, _VALUE, _STRUCT}

_SIGNED = {
    _F.TYPE_INT32: 32,
    _F.TYPE_SINT32: 32,
    _F.TYPE_SFIXED32: 32,
    _F.TYPE_INT64: 64,
    _F.TYPE_SINT64: 64,
    _F.TYPE_SFIXED64: 64,
}
_UNSIGNED = {_F.TYPE_UINT32: 32, _F.TYPE_FIXED32: 32, _F.TYPE_UINT64: 64, _F.TYPE_FIXED64: 64}
_BOOLS = {
    "1": True,
    "t": True,
    "T": True,
    "TRUE": True,
    "true": True,
    "True": True,
    "0": False,
    "f": False,
    "F": False,
    "FALSE": False,
    "false": False,
    "False": False,
}
_DECIMAL_FLOAT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\Z")
_HEX_FLOAT = re.compile(r"[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?\d+\Z")
_INFINITY = re.compile(r"[+-]?(?:inf|infinity)\Z", re.IGNORECASE)
_FLOAT32_MAX = struct.unpack("<f", b"\xff\xff\x7f\x7f")[0]


def formattable(desc: Optional[MessageDesc]) -> bool:
    """Whether a field of this message type (``None``: a scalar) fits in one text value."""
    return desc is None or desc.full_name in SCALAR_MESSAGES


# -- client side -----------------------------------------------------------------
def format_value(fd: FieldDesc, value: Any) -> str:
    """The text of one value of ``fd`` (an element, for a repeated field)."""
    if fd.type == _F.TYPE_MESSAGE:
        return _format_message(value)
    if fd.type == _F.TYPE_ENUM:
        ev = fd.enum_type.values_by_number.get(value)
        return ev.name if ev is not None else str(value)
    if fd.type == _F.TYPE_BOOL:
        return "true" if value else "false"
    if fd.type == _F.TYPE_BYTES:
        return base64.urlsafe_b64encode(value).decode("ascii")
    if fd.type in (_F.TYPE_FLOAT, _F.TYPE_DOUBLE):
        return "NaN" if math.isnan(value) else repr(float(value))
    return str(value)


def _format_message(value: Message) -> str:
    name = value.DESCRIPTOR.full_name
    if name in WRAPPERS:
        return format_value(value.DESCRIPTOR.fields_by_name["value"], getattr(value, "value"))
    if name == _FIELD_MASK:
        return ",".join(value.paths)  # type: ignore[attr-defined]
    if name in (_TIMESTAMP, _DURATION):
        return str(value.ToJsonString())  # type: ignore[attr-defined]
    if name in (_VALUE, _STRUCT):
        return json.dumps(json_format.MessageToDict(value), separators=(",", ":"))
    raise ValueError(f"a {name} cannot be sent as one path or query value")


# -- server side ------------------------------------------------------------------
def parse_value(fd: FieldDesc, text: str) -> Any:
    """The value of ``fd`` written as ``text`` (Go's ``parseField``): a Python scalar, or a
    message for the well-known types. :class:`ValueError` when ``text`` does not parse."""
    if fd.type == _F.TYPE_BOOL:
        if text not in _BOOLS:
            raise ValueError(f'strconv.ParseBool: parsing "{text}": invalid syntax')
        return _BOOLS[text]
    if fd.type == _F.TYPE_ENUM:
        ev = fd.enum_type.values_by_name.get(text)
        if ev is None:
            number = _go_atoi(text)
            ev = fd.enum_type.values_by_number.get(number) if number is not None else None
        if ev is None:
            raise ValueError(f'"{text}" is not a valid value')
        return ev.number
    if fd.type in _SIGNED:
        return _parse_int(text, _SIGNED[fd.type], signed=True)
    if fd.type in _UNSIGNED:
        return _parse_int(text, _UNSIGNED[fd.type], signed=False)
    if fd.type in (_F.TYPE_FLOAT, _F.TYPE_DOUBLE):
        return _parse_float(text, 32 if fd.type == _F.TYPE_FLOAT else 64)
    if fd.type == _F.TYPE_STRING:
        return text
    if fd.type == _F.TYPE_BYTES:
        return parse_bytes(text)
    if fd.type == _F.TYPE_MESSAGE:
        return _parse_message(fd.message_type, text)
    raise ValueError(f"unsupported field type {fd.type}")


def parse_bytes(text: str) -> bytes:
    """grpc-gateway's ``runtime.Bytes``: standard base64, else URL-safe (both padded)."""
    for altchars in (None, b"-_"):
        try:
            return base64.b64decode(text.encode("ascii"), altchars=altchars, validate=True)
        except (binascii.Error, UnicodeEncodeError):
            continue
    raise ValueError(f"illegal base64 data: {text!r}")


def _go_atoi(text: str) -> Optional[int]:
    return int(text) if re.fullmatch(r"[+-]?\d+", text) else None


def _parse_int(text: str, bits: int, signed: bool) -> int:
    name = "ParseInt" if signed else "ParseUint"
    if not re.fullmatch(r"[+-]?\d+" if signed else r"\d+", text):
        raise ValueError(f'strconv.{name}: parsing "{text}": invalid syntax')
    value = int(text)
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    if not lo <= value <= hi:
        raise ValueError(f'strconv.{name}: parsing "{text}": value out of range')
    return value


def _parse_float(text: str, bits: int) -> float:
    if _DECIMAL_FLOAT.match(text):
        value = float(text)
    elif _HEX_FLOAT.match(text):
        value = float.fromhex(text)
    elif _INFINITY.match(text):
        return float("-inf") if text.startswith("-") else float("inf")
    elif text.lower() == "nan":
        return float("nan")
    else:
        raise ValueError(f'strconv.ParseFloat: parsing "{text}": invalid syntax')
    if math.isinf(value) or (bits == 32 and abs(value) > _FLOAT32_MAX):
        raise ValueError(f'strconv.ParseFloat: parsing "{text}": value out of range')
    return value


_DURATION_UNITS = {
    "ns": 1,
    "us": 1_000,
    "\u00b5s": 1_000,
    "\u03bcs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_DURATION_NUMBER = re.compile(r"(\d*)(?:\.(\d*))?")
_DURATION_UNIT = re.compile(r"[^\d.]*")


def parse_go_duration(text: str) -> int:
    """Nanoseconds of a Go duration (``time.ParseDuration``): ``"1h2m3.5s"``, ``"-300ms"``,
    ``"0"``; :class:`ValueError` otherwise (or beyond Go's ~292 years)."""
    rest, negative = text, False
    if rest[:1] in ("+", "-"):
        negative, rest = rest[0] == "-", rest[1:]
    if rest == "0":
        return 0
    if not rest:
        raise ValueError(f'time: invalid duration "{text}"')
    total = 0
    while rest:
        number = _DURATION_NUMBER.match(rest)
        assert number is not None  # the pattern matches the empty string
        whole, frac = number.group(1), number.group(2)
        if not whole and not frac:
            raise ValueError(f'time: invalid duration "{text}"')
        rest = rest[number.end() :]
        unit_match = _DURATION_UNIT.match(rest)
        unit = unit_match.group(0) if unit_match else ""
        if not unit:
            raise ValueError(f'time: missing unit in duration "{text}"')
        if unit not in _DURATION_UNITS:
            raise ValueError(f'time: unknown unit "{unit}" in duration "{text}"')
        rest = rest[len(unit) :]
        scale = _DURATION_UNITS[unit]
        total += int(whole or 0) * scale + (int(frac) * scale // 10 ** len(frac) if frac else 0)
        if total > (1 << 63) - (0 if negative else 1):
            raise ValueError(f'time: invalid duration "{text}"')
    return -total if negative else total


def _timestamp(text: str) -> Message:
    ts = timestamp_pb2.Timestamp()
    try:
        ts.FromJsonString(text)
    except ValueError as exc:
        raise ValueError(f'parsing time "{text}": {exc}') from None
    return ts


def _duration(text: str) -> Message:
    d = duration_pb2.Duration()
    d.FromNanoseconds(parse_go_duration(text))
    return d


def _json_message(cls: Callable[[], Message]) -> Callable[[str], Message]:
    def parse(text: str) -> Message:
        try:
            return json_format.Parse(text, cls())
        except json_format.ParseError as exc:
            raise ValueError(str(exc)) from None

    return parse


_MESSAGE_PARSERS: Dict[str, Callable[[str], Message]] = {
    _TIMESTAMP: _timestamp,
    _DURATION: _duration,
    _FIELD_MASK: lambda text: field_mask_pb2.FieldMask(paths=text.split(",")),
    _VALUE: _json_message(struct_pb2.Value),
    _STRUCT: _json_message(struct_pb2.Struct),
}


def _parse_message(desc: MessageDesc, text: str) -> Message:
    name = desc.full_name
    if name in WRAPPERS:
        wrapper = message_class(desc)()
        setattr(wrapper, "value", parse_value(desc.fields_by_name["value"], text))
        return wrapper
    parser = _MESSAGE_PARSERS.get(name)
    if parser is None:
        raise ValueError(f'unsupported message type: "{name}"')
    return parser(text)
