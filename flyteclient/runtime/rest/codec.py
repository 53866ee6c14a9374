"""Message <-> HTTP body, as flyteadmin's grpc-gateway marshals them.

flyteadmin (``flyteadmin/pkg/server/service.go``, ``newHTTPServer``, v1.16.8, which uses
grpc-gateway v2.28.0) registers two marshalers on its ``runtime.ServeMux``:

* ``application/json``: ``runtime.JSONPb{MarshalOptions: protojson.MarshalOptions{
  UseProtoNames: true, EmitUnpopulated: true, EmitDefaultValues: true}}`` with zero
  ``UnmarshalOptions`` (an unknown field in a request body is an error) ->
  :data:`FLYTEADMIN_JSON`;
* ``application/octet-stream``: ``runtime.ProtoMarshaller`` (binary protobuf) ->
  :data:`PROTOBUF`;

and every other request gets grpc-gateway's default ``"*"`` marshaler: JSON with
lowerCamelCase names, ``EmitUnpopulated`` and ``DiscardUnknown`` -> :data:`GATEWAY_DEFAULT_JSON`.
Which one is picked follows ``runtime.MarshalerForRequest``: the request's
``Content-Type`` (media type, parameters ignored) chooses the inbound marshaler, an
``Accept`` header equal to a registered type the outbound one (else the inbound one).
So a JSON client must send ``Accept: application/json`` (and ``Content-Type:
application/json`` with a body) to get proto field names back.

``EmitUnpopulated`` prints every field: scalars at their zero value, empty lists and
maps, and ``null`` for an unset message field (or proto2 optional field); fields in a
oneof (including proto3 ``optional`` ones) only when set. :meth:`JsonCodec.encode`
produces the same document with :mod:`google.protobuf.json_format`.
"""

from __future__ import annotations

import inspect
import json
from typing import Any, Dict, Optional, Tuple

from google.protobuf import descriptor_pool, json_format
from google.protobuf.message import DecodeError, Message

from .descriptors import MessageDesc, has_presence, is_map, is_repeated, message_class

__all__ = [
    "Codec",
    "JsonCodec",
    "ProtoCodec",
    "CLIENT_JSON",
    "FLYTEADMIN_JSON",
    "GATEWAY_DEFAULT_JSON",
    "PROTOBUF",
    "JSON_CONTENT_TYPE",
    "PROTO_CONTENT_TYPE",
    "codecs_for_request",
    "message_to_dict",
    "message_to_json",
    "json_to_message",
    "message_class",
]

JSON_CONTENT_TYPE = "application/json"
PROTO_CONTENT_TYPE = "application/octet-stream"

# protobuf >= 5.26 renamed ``including_default_value_fields`` (same effect here: fields
# without presence are printed, fields with presence and oneof members are not).
_NO_PRESENCE_KW = (
    "always_print_fields_with_no_presence"
    if "always_print_fields_with_no_presence"
    in inspect.signature(json_format.MessageToDict).parameters
    else "including_default_value_fields"
)

#: messages with their own JSON form (nothing to add inside them)
_WELL_KNOWN = frozenset(
    f"google.protobuf.{n}"
    for n in (
        "Duration",
        "FieldMask",
        "ListValue",
        "Struct",
        "Timestamp",
        "Value",
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
_ANY = "google.protobuf.Any"


def message_to_dict(
    message: Message, *, proto_names: bool = True, emit_unpopulated: bool = False
) -> Dict[str, Any]:
    """``message`` as a JSON object (protobuf's JSON mapping). ``emit_unpopulated`` prints
    every field as protojson's ``EmitUnpopulated`` does (see the module doc)."""
    if not emit_unpopulated:
        return json_format.MessageToDict(message, preserving_proto_field_name=proto_names)
    options: Dict[str, Any] = {"preserving_proto_field_name": proto_names, _NO_PRESENCE_KW: True}
    js = json_format.MessageToDict(message, **options)
    _add_nulls(message, js, proto_names)
    return js


def message_to_json(
    message: Message, *, proto_names: bool = True, emit_unpopulated: bool = False
) -> bytes:
    """:func:`message_to_dict` as compact UTF-8 JSON."""
    return _dumps(
        message_to_dict(message, proto_names=proto_names, emit_unpopulated=emit_unpopulated)
    )


def json_to_message(
    data: bytes, message: Message, *, ignore_unknown_fields: bool = True
) -> Message:
    """Merge the JSON ``data`` into ``message`` (field names: proto or JSON names; enums
    by name or number) and return it. Empty ``data`` leaves it unchanged. A client reading
    responses should ignore unknown fields (a newer flyteadmin adds fields).

    Raises :class:`ValueError` when ``data`` is not UTF-8 JSON for the message."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"body is not UTF-8: {exc}") from None
    if not text.strip():
        return message
    try:
        return json_format.Parse(text, message, ignore_unknown_fields=ignore_unknown_fields)
    except (json_format.ParseError, TypeError, AttributeError) as exc:
        raise ValueError(str(exc)) from None


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _add_nulls(message: Message, js: Dict[str, Any], proto_names: bool) -> None:
    """Add ``null`` for unset fields with presence outside oneofs, in ``message`` and every
    message inside it (``js`` is ``message``'s JSON object)."""
    desc: MessageDesc = message.DESCRIPTOR
    for fd in desc.fields:
        key = fd.name if proto_names else fd.json_name
        if fd.message_type is None or key not in js:
            if has_presence(fd) and fd.containing_oneof is None and not message.HasField(fd.name):
                js[key] = None
            continue
        value = getattr(message, fd.name)
        if is_map(fd):
            value_fd = fd.message_type.fields_by_name["value"]
            if value_fd.message_type is not None:
                for k, v in value.items():
                    _add_nulls_inside(v, js[key][_map_key(k)], proto_names)
        elif is_repeated(fd):
            for item, item_js in zip(value, js[key], strict=True):
                _add_nulls_inside(item, item_js, proto_names)
        else:
            _add_nulls_inside(value, js[key], proto_names)


def _add_nulls_inside(message: Message, js: Any, proto_names: bool) -> None:
    name = message.DESCRIPTOR.full_name
    if name in _WELL_KNOWN or not isinstance(js, dict):
        return
    if name == _ANY:
        inner = _unpack_any(message)
        if inner is not None and inner.DESCRIPTOR.full_name not in _WELL_KNOWN:
            _add_nulls(inner, js, proto_names)
        return
    _add_nulls(message, js, proto_names)


def _unpack_any(message: Any) -> Optional[Message]:
    try:
        desc = descriptor_pool.Default().FindMessageTypeByName(message.TypeName())
    except KeyError:
        return None
    inner = message_class(desc)()
    return inner if message.Unpack(inner) else None


def _map_key(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)


class Codec:
    """How a body is written and read for one content type."""

    content_type: str = ""

    def encode(self, message: Message) -> bytes:
        """The body for ``message``."""
        raise NotImplementedError

    def encode_value(self, message: Message, field: str) -> bytes:
        """The body for one field of ``message`` (``response_body``)."""
        raise NotImplementedError

    def decode(self, data: bytes, message: Message) -> None:
        """Merge the body ``data`` into ``message``; :class:`ValueError` when it cannot."""
        raise NotImplementedError

    def decode_field(self, data: bytes, message: Message, field: str) -> None:
        """Read the body ``data`` into the field ``field`` of ``message`` (``body: "field"``)."""
        raise NotImplementedError


class JsonCodec(Codec):
    """protojson as grpc-gateway's ``JSONPb`` with the given options."""

    content_type = JSON_CONTENT_TYPE

    def __init__(self, proto_names: bool, emit_unpopulated: bool, discard_unknown: bool) -> None:
        self.proto_names = proto_names
        self.emit_unpopulated = emit_unpopulated
        self.discard_unknown = discard_unknown

    def encode(self, message: Message) -> bytes:
        return message_to_json(
            message, proto_names=self.proto_names, emit_unpopulated=self.emit_unpopulated
        )

    def encode_value(self, message: Message, field: str) -> bytes:
        fd = message.DESCRIPTOR.fields_by_name[field]
        if fd.message_type is not None and not is_repeated(fd) and message.HasField(field):
            return self.encode(getattr(message, field))
        js = message_to_dict(message, proto_names=True, emit_unpopulated=True)
        return _dumps(js[field])

    def decode(self, data: bytes, message: Message) -> None:
        json_to_message(data, message, ignore_unknown_fields=self.discard_unknown)

    def decode_field(self, data: bytes, message: Message, field: str) -> None:
        try:
            value = json.loads(data.decode("utf-8")) if data.strip() else None
        except (UnicodeDecodeError, ValueError) as exc:
            raise ValueError(str(exc)) from None
        if value is None:
            return
        try:
            json_format.ParseDict(
                {field: value}, message, ignore_unknown_fields=self.discard_unknown
            )
        except (json_format.ParseError, TypeError, AttributeError) as exc:
            raise ValueError(str(exc)) from None


class ProtoCodec(Codec):
    """Binary protobuf (grpc-gateway's ``ProtoMarshaller``)."""

    content_type = PROTO_CONTENT_TYPE

    def encode(self, message: Message) -> bytes:
        return message.SerializeToString()

    def encode_value(self, message: Message, field: str) -> bytes:
        value = getattr(message, field)
        if not isinstance(value, Message):
            raise ValueError(f"field {field!r} is not a message: cannot marshal it as protobuf")
        return value.SerializeToString()

    def decode(self, data: bytes, message: Message) -> None:
        try:
            message.MergeFromString(data)
        except DecodeError as exc:
            raise ValueError(str(exc)) from None

    def decode_field(self, data: bytes, message: Message, field: str) -> None:
        target = getattr(message, field)
        if not isinstance(target, Message):
            raise ValueError(f"field {field!r} is not a message: cannot unmarshal it from protobuf")
        self.decode(data, target)
        target.SetInParent()


#: flyteadmin's ``application/json`` marshaler
FLYTEADMIN_JSON = JsonCodec(proto_names=True, emit_unpopulated=True, discard_unknown=False)
#: grpc-gateway's default (``"*"``) marshaler, for requests naming neither registered type
GATEWAY_DEFAULT_JSON = JsonCodec(proto_names=False, emit_unpopulated=True, discard_unknown=True)
#: what a client sends and reads: proto names, set fields only, unknown response fields ignored
CLIENT_JSON = JsonCodec(proto_names=True, emit_unpopulated=False, discard_unknown=True)
#: flyteadmin's ``application/octet-stream`` marshaler
PROTOBUF = ProtoCodec()

_REGISTRY = {JSON_CONTENT_TYPE: FLYTEADMIN_JSON, PROTO_CONTENT_TYPE: PROTOBUF}


def codecs_for_request(content_type: Optional[str], accept: Optional[str]) -> Tuple[Codec, Codec]:
    """``(inbound, outbound)`` codecs for a request's ``Content-Type`` and ``Accept``
    headers, as ``runtime.MarshalerForRequest`` picks them on flyteadmin's mux."""
    outbound = _REGISTRY.get(accept or "")
    inbound: Optional[Codec] = None
    if content_type:
        media = content_type.split(";", 1)[0].strip().lower()
        inbound = _REGISTRY.get(media)
    inbound = inbound or GATEWAY_DEFAULT_JSON
    return inbound, outbound or inbound
