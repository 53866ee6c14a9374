"""The gRPC transport: calls over a channel, one cached multicallable per RPC."""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional

import grpc

from ..methods import MethodSpec
from ..pipeline import Metadata
from .channel import create_channel
from .status import refused_metadata


def multicallable(channel: Any, method: MethodSpec) -> Callable[..., Any]:
    """The channel's multicallable (sync or ``grpc.aio``) for ``method``."""
    factory = channel.unary_stream if method.server_streaming else channel.unary_unary
    return factory(
        method.path, request_serializer=method.serialize, response_deserializer=method.deserialize
    )


class Multicallables:
    """The channel's multicallable for each RPC, made on first use."""

    def __init__(self, channel: Any) -> None:
        self.channel = channel
        self._callables: Dict[str, Callable[..., Any]] = {}

    def __call__(
        self, method: MethodSpec, request: Any, timeout: Optional[float], metadata: Metadata
    ) -> Any:
        call = self._callables.get(method.path)
        if call is None:
            call = self._callables[method.path] = multicallable(self.channel, method)
        try:
            return call(request, timeout=timeout, metadata=metadata)
        except (TypeError, ValueError):
            refused = refused_metadata(metadata)
            if refused is None:
                raise
            raise refused from None


class GrpcTransport(Multicallables):
    """Calls over a ``grpc.Channel`` (made from ``endpoint`` when none is given)."""

    channel: grpc.Channel

    def __init__(self, channel: grpc.Channel) -> None:
        super().__init__(channel)

    @classmethod
    def connect(
        cls, endpoint: str, insecure: bool = False, **channel_kwargs: Any
    ) -> "GrpcTransport":
        """A transport on a new channel (TLS unless ``insecure``; see :func:`create_channel`)."""
        return cls(create_channel(endpoint, insecure, **channel_kwargs))

    def close(self) -> None:
        self.channel.close()


__all__ = ["GrpcTransport"]
