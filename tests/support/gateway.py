"""Calling an RPC both ways: through gRPC (a raw flyteidl method) and through the HTTP/JSON
gateway (the request built with :func:`flyteclient.runtime.rest.expand`, sent with
``http.client``, the answer read with the REST machinery), as comparable outcomes."""

from __future__ import annotations

import http.client
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Sequence, Tuple

import grpc
from flyteidl.service import admin_pb2, auth_pb2, dataproxy_pb2, identity_pb2, signal_pb2
from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.message import Message
from google.rpc import status_pb2

from flyteclient.runtime.rest import (
    CLIENT_JSON,
    JSON_CONTENT_TYPE,
    PROTO_CONTENT_TYPE,
    PROTOBUF,
    JsonCodec,
    RouteTable,
    decode_error,
    decode_response,
    expand,
    message_class,
)

#: the five services, in the order flyteadmin registers their gateway handlers
SERVICES = (
    admin_pb2.DESCRIPTOR.services_by_name["AdminService"],
    auth_pb2.DESCRIPTOR.services_by_name["AuthMetadataService"],
    identity_pb2.DESCRIPTOR.services_by_name["IdentityService"],
    dataproxy_pb2.DESCRIPTOR.services_by_name["DataProxyService"],
    signal_pb2.DESCRIPTOR.services_by_name["SignalService"],
)
TABLE = RouteTable(SERVICES)
#: reads answers strictly: every name the gateway writes must be a field of the response type
STRICT_JSON = JsonCodec(proto_names=True, emit_unpopulated=False, discard_unknown=False)
ROUTED = sorted({r.full_method for r in TABLE.routes})


def method(rpc: str) -> MethodDescriptor:
    """``"AdminService.GetTask"`` -> its method descriptor."""
    service, name = rpc.split(".")
    for s in SERVICES:
        if s.name == service:
            return s.methods_by_name[name]
    raise KeyError(rpc)


def full_method(rpc: str) -> str:
    m = method(rpc)
    return f"/{m.containing_service.full_name}/{m.name}"


@dataclass
class Outcome:
    """A response, or a status with its (``Any``) details."""

    response: Optional[Message] = None
    code: grpc.StatusCode = grpc.StatusCode.OK
    message: str = ""
    details: Tuple[Any, ...] = ()
    http_status: int = 0
    headers: Dict[str, str] = field(default_factory=dict, compare=False)

    def key(self) -> Tuple[Any, ...]:
        """What must agree between the transports."""
        return (
            self.response,
            self.code,
            self.message,
            tuple(d.SerializeToString() for d in self.details),
        )


def call_grpc(
    channel: grpc.Channel, rpc: str, request: Message, metadata: Sequence[Tuple[str, str]] = ()
) -> Outcome:
    m = method(rpc)
    stub = channel.unary_unary(
        full_method(rpc),
        request_serializer=lambda r: r.SerializeToString(),
        response_deserializer=message_class(m.output_type).FromString,
    )
    try:
        return Outcome(stub(request, metadata=tuple(metadata), timeout=30))
    except grpc.RpcError as err:
        details: Tuple[Any, ...] = ()
        for k, v in err.trailing_metadata() or ():  # type: ignore[attr-defined]
            if k == "grpc-status-details-bin":
                details = tuple(status_pb2.Status.FromString(v).details)
        return Outcome(None, err.code(), err.details(), details)  # type: ignore[attr-defined]


def send(
    base_url: str,
    verb: str,
    target: str,
    body: Optional[bytes] = None,
    headers: Optional[Dict[str, str]] = None,
) -> Tuple[int, Dict[str, str], bytes]:
    """One HTTP request over a fresh loopback connection: ``(status, headers, body)``."""
    url = urllib.parse.urlsplit(base_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        conn.request(verb, target, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def call_http(
    base_url: str,
    rpc: str,
    request: Message,
    headers: Optional[Dict[str, str]] = None,
    codec: str = "json",
) -> Outcome:
    """The RPC through the gateway, as a REST client sends it: JSON with proto names, or
    binary protobuf (``codec="protobuf"``)."""
    m = method(rpc)
    binary = codec == "protobuf"
    req = expand(TABLE.bindings(full_method(rpc)), request, PROTOBUF if binary else CLIENT_JSON)
    status, got, body = send(
        base_url, req.verb, req.target, req.body, {**req.headers, **(headers or {})}
    )
    if status == 200:
        assert got.get("content-type") == (PROTO_CONTENT_TYPE if binary else JSON_CONTENT_TYPE)
        assert req.binding is not None
        response = decode_response(
            req.binding, body, message_class(m.output_type)(), PROTOBUF if binary else STRICT_JSON
        )
        return Outcome(response, http_status=status, headers=got)
    err = decode_error(status, body, got.get("content-type"))
    assert err.from_gateway, (status, body)
    assert not err.unparsed_details
    return Outcome(None, err.code, err.message, err.details, status, got)


__all__ = [
    "SERVICES",
    "TABLE",
    "ROUTED",
    "Outcome",
    "call_grpc",
    "call_http",
    "send",
    "method",
    "full_method",
]
