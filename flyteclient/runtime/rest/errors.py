"""grpc-gateway error bodies: ``{"code", "message", "details"}``, both ways.

flyteadmin's gateway answers a failed RPC with the HTTP status of
:func:`~.status.http_status_from_code` and the ``google.rpc.Status`` of the call marshaled
by the request's outbound codec (``runtime.DefaultHTTPErrorHandler``)::

    {"code": 9, "message": "Cannot abort an already terminated workflow execution",
     "details": [{"@type": "type.googleapis.com/flyteidl.admin.EventFailureReason",
                  "already_in_terminal_state": {"current_phase": "SUCCEEDED"}}]}

``details`` are ``google.protobuf.Any`` in protobuf JSON, so flyteidl's error details
(``CreateWorkflowFailureReason``, ``EventFailureReason``, ``InactiveProject``) arrive as
the same messages the gRPC ``grpc-status-details-bin`` trailer carries. An UNAUTHENTICATED
answer also has ``WWW-Authenticate: <message>``.

A response that is not such a body (an ingress's HTML 502, a proxy's 401 page) gets the
code gRPC itself would report for it (:func:`~.status.code_from_http_status`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, List, Optional, Sequence, Tuple, Union

import grpc
from google.protobuf import any_pb2, json_format
from google.protobuf.message import DecodeError, Message
from google.rpc import status_pb2

from .codec import FLYTEADMIN_JSON, PROTO_CONTENT_TYPE, Codec
from .descriptors import message_class
from .status import code_from_http_status, http_status_from_code, status_code

__all__ = [
    "ErrorStatus",
    "encode_error",
    "decode_error",
    "MARSHAL_FALLBACK",
]

#: what grpc-gateway answers (HTTP 500) when the status itself cannot be marshaled
MARSHAL_FALLBACK = b'{"code": 13, "message": "failed to marshal error message"}'
_SNIPPET = 200


@dataclass(frozen=True)
class ErrorStatus:
    """The gRPC status an HTTP error response stands for."""

    code: grpc.StatusCode
    message: str
    details: Tuple[any_pb2.Any, ...] = ()
    """Details whose type is known here, as ``Any`` (what ``grpc-status-details-bin`` holds)."""
    http_status: int = 0
    from_gateway: bool = True
    """False when the body was not a grpc-gateway error (code from the HTTP status)."""
    unparsed_details: Tuple[Any, ...] = field(default=(), compare=False)
    """JSON details whose ``@type`` is not in this process's descriptor pool."""

    def to_proto(self) -> status_pb2.Status:
        """As a ``google.rpc.Status`` (the decoded ``grpc-status-details-bin`` of gRPC)."""
        return status_pb2.Status(
            code=self.code.value[0], message=self.message, details=list(self.details)
        )

    def unpacked_details(self) -> List[Message]:
        """The details as their own message types (those this process has imported)."""
        out: List[Message] = []
        from google.protobuf import descriptor_pool

        for d in self.details:
            try:
                desc = descriptor_pool.Default().FindMessageTypeByName(d.TypeName())
            except KeyError:
                continue
            msg = message_class(desc)()
            if d.Unpack(msg):
                out.append(msg)
        return out


def encode_error(
    code: Union[grpc.StatusCode, int],
    message: str,
    details: Sequence[Message] = (),
    codec: Codec = FLYTEADMIN_JSON,
) -> Tuple[int, bytes]:
    """``(HTTP status, body)`` of grpc-gateway's answer to a failed call; ``details`` are
    messages (packed into ``Any``) or ``Any``."""
    code = status_code(code)
    st = status_pb2.Status(code=code.value[0], message=message)
    for d in details:
        if isinstance(d, any_pb2.Any):
            st.details.append(d)
        else:
            st.details.add().Pack(d)
    try:
        body = codec.encode(st)
    except Exception:  # noqa: BLE001 - an Any of a type this process does not know
        return 500, MARSHAL_FALLBACK
    return http_status_from_code(code), body


def decode_error(http_status: int, body: bytes, content_type: Optional[str] = None) -> ErrorStatus:
    """The status of an HTTP error response: from its grpc-gateway body (JSON, or binary
    ``google.rpc.Status`` for ``application/octet-stream``) when it has one, else from
    the HTTP status alone (message: the status and the start of the body)."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media == PROTO_CONTENT_TYPE:
        try:
            st = status_pb2.Status.FromString(body)
        except DecodeError:
            st = None
        if st is not None and st.code:
            return ErrorStatus(status_code(st.code), st.message, tuple(st.details), http_status)
    else:
        found = _json_status(body, http_status)
        if found is not None:
            return found
    return ErrorStatus(
        code_from_http_status(http_status), _describe(http_status, body), (), http_status, False
    )


def _json_status(body: bytes, http_status: int) -> Optional[ErrorStatus]:
    try:
        obj = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(obj, dict):
        return None
    code, message, raw = obj.get("code"), obj.get("message", ""), obj.get("details") or []
    if (
        isinstance(code, bool)
        or not isinstance(code, int)
        or code == 0
        or not isinstance(message, str)
    ):
        return None
    details: List[any_pb2.Any] = []
    unparsed: List[Any] = []
    for item in raw if isinstance(raw, list) else []:
        try:
            details.append(json_format.ParseDict(item, any_pb2.Any(), ignore_unknown_fields=True))
        except (json_format.ParseError, TypeError, AttributeError, KeyError):
            unparsed.append(item)
    return ErrorStatus(
        status_code(code), message, tuple(details), http_status, True, tuple(unparsed)
    )


def _describe(http_status: int, body: bytes) -> str:
    text = re.sub(r"<[^>]*>", " ", body[: _SNIPPET * 4].decode("utf-8", "replace"))
    text = " ".join(text.split())[:_SNIPPET]
    base = f"HTTP {http_status} with no grpc-gateway status"
    return f"{base}: {text}" if text else base
