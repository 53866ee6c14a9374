"""What the runtime knows about one RPC; the generated ``methods`` module holds one per RPC."""

from __future__ import annotations

from typing import Any, Callable, Type

from google.protobuf.message import Message


class MethodSpec:
    """One RPC: its gRPC path, message classes and retry class.

    ``retry_class`` is ``"read"`` (a GET route: safe to repeat), ``"write"`` (repeating
    leaves the same state, e.g. Update*, Create* of a versioned entity) or
    ``"non_idempotent"`` (each call is a new side effect, e.g. CreateExecution).
    """

    __slots__ = (
        "service",
        "name",
        "path",
        "request_type",
        "response_type",
        "retry_class",
        "server_streaming",
        "serialize",
        "deserialize",
    )

    def __init__(
        self,
        service: str,
        name: str,
        request_type: Type[Message],
        response_type: Type[Message],
        retry_class: str,
        server_streaming: bool = False,
    ) -> None:
        self.service = service
        self.name = name
        self.path = f"/{service}/{name}"
        self.request_type = request_type
        self.response_type = response_type
        self.retry_class = retry_class
        self.server_streaming = server_streaming
        self.serialize: Callable[[Any], bytes] = request_type.SerializeToString
        self.deserialize: Callable[[bytes], Any] = response_type.FromString

    def __repr__(self) -> str:
        return f"MethodSpec({self.path!r}, {self.retry_class})"
