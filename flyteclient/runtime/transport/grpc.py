"""The gRPC transport: calls over a channel, one cached multicallable per RPC."""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterator, Optional

import grpc

from ..exceptions import ClientClosedError, ForeignEventLoopError
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


def closed_error(method: MethodSpec) -> ClientClosedError:
    return ClientClosedError("the client is closed", rpc=method.name)


def foreign_loop_error(method: MethodSpec, owner: Any) -> ForeignEventLoopError:
    """The error for a call from an event loop other than ``owner``, the client's."""
    return ForeignEventLoopError(
        "this async client belongs to the event loop it first ran a call in"
        + (" (now closed)" if owner.is_closed() else "")
        + "; make one client per event loop",
        rpc=method.name,
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
    """Calls over a ``grpc.Channel`` (made from ``endpoint`` when none is given). Once it
    is closed, calls — and the calls the close cut short — raise
    :class:`~flyteclient.runtime.exceptions.ClientClosedError`."""

    channel: grpc.Channel
    _closed = False

    def __init__(self, channel: grpc.Channel) -> None:
        super().__init__(channel)

    @classmethod
    def connect(
        cls, endpoint: str, insecure: bool = False, **channel_kwargs: Any
    ) -> "GrpcTransport":
        """A transport on a new channel (TLS unless ``insecure``; see :func:`create_channel`)."""
        return cls(create_channel(endpoint, insecure, **channel_kwargs))

    def __call__(
        self, method: MethodSpec, request: Any, timeout: Optional[float], metadata: Metadata
    ) -> Any:
        try:
            result = Multicallables.__call__(self, method, request, timeout, metadata)
        except (grpc.RpcError, ValueError) as exc:  # ValueError: "...on closed channel!"
            if self._closed:
                raise closed_error(method) from exc
            raise
        if method.server_streaming:
            return self._stream(method, result)
        return result

    def _stream(self, method: MethodSpec, responses: Iterator[Any]) -> Iterator[Any]:
        try:
            yield from responses
        except grpc.RpcError as exc:
            if self._closed:
                raise closed_error(method) from exc
            raise

    def close(self) -> None:
        self._closed = True
        self.channel.close()


__all__ = ["GrpcTransport"]
