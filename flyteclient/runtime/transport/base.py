"""The transport interfaces (see the package doc)."""

from __future__ import annotations

from typing import Any, Awaitable, Optional, Protocol

from ..methods import MethodSpec
from ..pipeline import Metadata

#: The transports a client can make by name (``transport=``, ``PlatformConfig.transport``).
TRANSPORTS = ("grpc", "rest")
#: The body codecs of the ``rest`` transport by name (``rest_codec=``, ``PlatformConfig.rest_codec``).
REST_CODECS = ("protobuf", "json")


class Transport(Protocol):
    """Sends one call: returns the response (an iterator of them for a server-streaming
    RPC) or raises ``grpc.RpcError``."""

    def __call__(
        self, method: MethodSpec, request: Any, timeout: Optional[float], metadata: Metadata
    ) -> Any: ...

    def close(self) -> None: ...


class AsyncTransport(Protocol):
    """The async form: returns an awaitable response (an async iterator for a
    server-streaming RPC); ``close()`` is awaitable."""

    def __call__(
        self, method: MethodSpec, request: Any, timeout: Optional[float], metadata: Metadata
    ) -> Any: ...

    def close(self) -> Awaitable[None]: ...
