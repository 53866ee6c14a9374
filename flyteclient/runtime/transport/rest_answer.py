"""An HTTP answer to a REST call as the RPC's response message or a gRPC-shaped error.

A 2xx answer is decoded by its ``Content-Type`` (binary protobuf for
``application/octet-stream``, protobuf JSON for ``application/json``, proto or
lowerCamelCase names as any flyteadmin release writes them); anything else — an
ingress's login page, garbage, an empty or ``204`` answer where grpc-gateway always
writes a body — is an INTERNAL :class:`RestRpcError` naming the RPC, the HTTP status and
the content type, never retried and never an empty message.

An error answer becomes the status of its grpc-gateway body (JSON or binary
``google.rpc.Status``), else the code gRPC derives from the HTTP status
(:func:`~flyteclient.runtime.rest.decode_error`), with these refinements:

- grpc-gateway's *routing* 404 (``{"code": 5, "message": "Not Found"}`` without details:
  no route for the path) and its 501 ``Method Not Allowed`` are UNIMPLEMENTED naming the
  RPC: a server older than the RPC, not a missing entity;
- RESOURCE_EXHAUSTED "received message larger than max" from the gateway is its internal
  gRPC hop's receive limit (flyteadmin's ``maxMessageSizeBytes``, grpc-go's 4 MiB by
  default), explained with what to do;
- a redirect names its ``Location`` (it is never followed: credentials stay with the
  endpoint they were meant for);
- answers that are not from the gateway with a 3xx/4xx status (but 408 and 429) are not
  retried: the same request meets them again;
- ``Retry-After`` (seconds or an HTTP date) is kept for the retry layer;
- messages are cut to :data:`MESSAGE_LIMIT` bytes (flyteadmin's own limit), and a body
  cut at the transport's error-body bound still gives its code and message start.
"""

from __future__ import annotations

import email.utils
import json
import re
import time
from typing import Any, Mapping, Optional

import grpc
from google.protobuf.message import Message

from ..methods import MethodSpec
from ..rest import (
    CLIENT_JSON,
    PROTO_CONTENT_TYPE,
    PROTOBUF,
    HttpRequest,
    decode_error,
    decode_response,
    status_code,
)
from .channel import DEFAULT_OPTIONS
from .status import StatusRpcError

#: What the REST transport accepts in a success body by default: the gRPC channel's
#: receive limit (``grpc.max_receive_message_length``).
DEFAULT_MAX_RESPONSE_BYTES: int = dict(DEFAULT_OPTIONS)["grpc.max_receive_message_length"]
#: How much of an error answer is read (a grpc-gateway status is far smaller; an ingress's
#: error page is not worth downloading).
ERROR_BODY_LIMIT = 256 * 1024
#: Bytes of an error message kept (flyteadmin cuts its own at 32,000).
MESSAGE_LIMIT = 32_000
_SNIPPET = 120
_C = grpc.StatusCode
_HOP_LIMIT_TEXT = "received message larger than max"


class RestRpcError(StatusRpcError):
    """A failed REST call, shaped like gRPC's errors (``code()``, ``details()``,
    ``trailing_metadata()`` with the details as ``grpc-status-details-bin``)."""

    def __init__(
        self,
        code: grpc.StatusCode,
        message: str,
        details_bin: Optional[bytes] = None,
        http_status: Optional[int] = None,
        *,
        permanent: bool = False,
        retry_after: Optional[float] = None,
    ) -> None:
        super().__init__(code, message, details_bin)
        self.http_status = http_status
        """The HTTP status of an answer that was not a grpc-gateway error (e.g. a proxy's 407)."""
        self.permanent = permanent
        """The same request would fail the same way: the retry layer does not resend it."""
        self.retry_after = retry_after
        """Seconds the server asked to wait before a retry (``Retry-After``), if it did."""


def media_type(content_type: Optional[str]) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def decode_success(
    method: MethodSpec, http: HttpRequest, status: int, content_type: Optional[str], body: bytes
) -> Message:
    """The response message of a 2xx answer; raises :class:`RestRpcError` (INTERNAL,
    permanent) when the answer is not one."""
    media = media_type(content_type)
    problem = None
    if status == 204:
        problem = "no content (grpc-gateway always writes a body)"
    elif media == PROTO_CONTENT_TYPE:
        codec: Any = PROTOBUF
    elif media == "application/json" or media.endswith("+json"):
        codec = CLIENT_JSON
        if not body.strip():
            problem = "an empty body (grpc-gateway always writes one)"
    else:
        problem = "a body grpc-gateway does not write"
    if problem is None:
        assert http.binding is not None
        try:
            return decode_response(http.binding, body, method.response_type(), codec)
        except Exception as exc:  # noqa: BLE001 - ValueError, RecursionError, ...: all malformed
            problem = f"a body that does not decode ({type(exc).__name__}: {_cut(str(exc))})"
    raise RestRpcError(
        _C.INTERNAL,
        f"HTTP {status} answer with content type {content_type or 'none'!r} and {problem}: "
        f"not the {method.response_type.__name__} flyteadmin's gateway writes"
        + (f"; it starts {_snippet(body)!r}" if body.strip() else ""),
        http_status=status,
        permanent=True,
    )


def decode_failure(
    method: MethodSpec,
    http: HttpRequest,
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    complete: bool = True,
) -> RestRpcError:
    """The :class:`RestRpcError` of a non-2xx answer (``complete``: the whole body was read)."""
    content_type = headers.get("content-type")
    error = decode_error(status, body, content_type)
    code, message, from_gateway = error.code, error.message, error.from_gateway
    details = error.to_proto().SerializeToString() if error.details else None
    if not from_gateway and not complete:
        salvaged = _salvage_status(body, media_type(content_type))
        if salvaged is not None:
            code, message, from_gateway, details = salvaged[0], salvaged[1], True, None
    rpc = f"{method.service}.{method.name}"
    permanent = False
    if from_gateway and _is_routing_error(status, code, message, error.details):
        binding = http.binding
        route = f"{binding.verb} {binding.template.text}" if binding else http.path
        message = (
            f"the server has no HTTP route for {rpc} ({route}; grpc-gateway answered "
            f"{status} {message!r} for {http.verb} {http.path}): the server may predate this RPC"
        )
        code = _C.UNIMPLEMENTED
    elif from_gateway and code == _C.RESOURCE_EXHAUSTED and _HOP_LIMIT_TEXT in message:
        message = (
            f"{message}: flyteadmin's HTTP gateway could not pass the {rpc} response on from "
            "its gRPC server (the gateway's receive limit, flyteadmin's maxMessageSizeBytes, "
            "grpc-go's 4 MiB when unset). Ask for less per call (a smaller page: limit=...) "
            "or use transport='grpc'"
        )
    elif not from_gateway and 300 <= status < 400:
        location = headers.get("location")
        message = (
            f"HTTP {status} redirect to {location!r}, not followed (credentials are sent only "
            "to the configured endpoint): use that address as the endpoint"
            if location
            else f"HTTP {status} redirect without a Location"
        )
    if not from_gateway and 300 <= status < 500 and status not in (408, 429):
        permanent = True
    retry_after = _retry_after(headers.get("retry-after")) if status in (429, 503) else None
    return RestRpcError(
        code,
        truncate(message),
        details,
        None if from_gateway else status,
        permanent=permanent,
        retry_after=retry_after,
    )


def _is_routing_error(status: int, code: grpc.StatusCode, message: str, details: Any) -> bool:
    """grpc-gateway's ``DefaultRoutingErrorHandler`` answers: no route for the path (404
    NOT_FOUND "Not Found"), or only for another verb (501 UNIMPLEMENTED "Method Not
    Allowed"); never with details, unlike a servicer's NOT_FOUND for a missing entity."""
    if details:
        return False
    return (status, code, message) in (
        (404, _C.NOT_FOUND, "Not Found"),
        (501, _C.UNIMPLEMENTED, "Method Not Allowed"),
    )


def truncate(message: str, limit: int = MESSAGE_LIMIT) -> str:
    """``message`` cut to ``limit`` UTF-8 bytes, saying how long it was."""
    data = message.encode("utf-8", "replace")
    if len(data) <= limit:
        return message
    kept = data[:limit].decode("utf-8", "ignore")
    return f"{kept} ... [truncated: {len(data)} bytes, limit {limit}]"


def _retry_after(value: Optional[str]) -> Optional[float]:
    """Seconds of a ``Retry-After`` header (delta-seconds or an HTTP date), else None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - time.time())


_JSON_HEAD = re.compile(rb'\A\s*\{\s*"code"\s*:\s*(\d{1,10})\s*,\s*"message"\s*:\s*"')


def _salvage_status(prefix: bytes, media: str) -> Optional[tuple]:
    """Code and message start of a grpc-gateway status whose body was cut off: JSON
    (protojson writes ``code`` then ``message``) or binary ``google.rpc.Status``."""
    if media == PROTO_CONTENT_TYPE:
        return _salvage_binary(prefix)
    match = _JSON_HEAD.match(prefix)
    if match is None or not int(match.group(1)):
        return None
    text = _json_string_prefix(prefix[match.end() :].decode("utf-8", "ignore"))
    return status_code(int(match.group(1))), text


def _json_string_prefix(raw: str) -> str:
    """The decoded start of a JSON string literal whose opening quote is gone."""
    end, escaped = len(raw), False
    for i, ch in enumerate(raw):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == '"':
            end = i
            break
    body = raw[:end]
    for cut in range(0, 7):  # a partial escape at the end (\uXXXX at most)
        try:
            return str(json.loads(f'"{body[: len(body) - cut]}"'))
        except ValueError:
            continue
    return body


def _salvage_binary(prefix: bytes) -> Optional[tuple]:
    code, pos = _varint(prefix, 1) if prefix[:1] == b"\x08" else (None, 0)
    if not code or prefix[pos : pos + 1] != b"\x12":
        return None
    length, start = _varint(prefix, pos + 1)
    if length is None:
        return None
    text = prefix[start : start + length].decode("utf-8", "ignore")
    return status_code(code), text


def _varint(data: bytes, pos: int) -> tuple:
    value = shift = 0
    while pos < len(data) and shift < 64:
        byte = data[pos]
        value |= (byte & 0x7F) << shift
        pos += 1
        if not byte & 0x80:
            return value, pos
        shift += 7
    return None, pos


def _snippet(body: bytes) -> str:
    text = re.sub(r"<[^>]*>", " ", body[: _SNIPPET * 4].decode("utf-8", "replace"))
    return _cut(" ".join(text.split()))


def _cut(text: str) -> str:
    return text if len(text) <= _SNIPPET else text[:_SNIPPET] + "..."
