"""What the runtime knows about one RPC; the generated ``methods`` module holds one per RPC."""

from __future__ import annotations

import enum
from typing import Any, Callable, Optional, Type

from google.protobuf.message import Message


class RetryClass(str, enum.Enum):
    """How safe an RPC is to repeat (the generator assigns one to every RPC)."""

    READ = "read"
    """A GET route or a listed read: repeating it has no side effect."""
    WRITE = "write"
    """Repeating it leaves the same state (Update*, Create* of a versioned entity)."""
    NON_IDEMPOTENT = "non_idempotent"
    """Each call is a new side effect (CreateExecution, Create*Event)."""


class MethodSpec:
    """One RPC: its gRPC path, message classes and :class:`RetryClass`; ``added`` is the
    flyteidl release that added it when newer than the oldest supported server release
    (None otherwise), ``newer_fields`` whether its request can carry fields newer than
    that release (:mod:`flyteclient.generated.history`)."""

    __slots__ = (
        "service",
        "name",
        "path",
        "request_type",
        "response_type",
        "retry_class",
        "server_streaming",
        "request_param",
        "request_optional",
        "added",
        "newer_fields",
        "serialize",
        "deserialize",
    )

    def __init__(
        self,
        service: str,
        name: str,
        request_type: Type[Message],
        response_type: Type[Message],
        retry_class: RetryClass,
        server_streaming: bool = False,
        request_param: str = "request",
        request_optional: bool = False,
        added: Optional[str] = None,
        newer_fields: bool = False,
    ) -> None:
        self.service = service
        self.name = name
        self.path = f"/{service}/{name}"
        self.request_type = request_type
        self.response_type = response_type
        self.retry_class = retry_class
        self.server_streaming = server_streaming
        self.request_param = request_param
        self.request_optional = request_optional
        self.added = added
        self.newer_fields = newer_fields
        self.serialize: Callable[[Any], bytes] = request_type.SerializeToString
        self.deserialize: Callable[[bytes], Any] = response_type.FromString

    def coerce(self, request: Any) -> Message:
        """``request`` if it is this RPC's request message (a new empty one for ``None``
        when the request may be omitted); else TypeError naming the raw parameter."""
        if request is None and self.request_optional:
            return self.request_type()
        if isinstance(request, self.request_type):
            return request
        if request is None:
            raise TypeError(
                f"{self.request_param} is required ({self.request_type.DESCRIPTOR.full_name})"
            )
        raise TypeError(
            f"{self.request_param} must be {self.request_type.DESCRIPTOR.full_name}, not {type(request).__name__}"
        )

    def __repr__(self) -> str:
        return f"MethodSpec({self.path!r}, {self.retry_class.value})"
