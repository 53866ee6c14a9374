"""The ``grpc.aio`` transport of the async client."""

from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator, Callable, Dict, Optional

import grpc

from ..methods import MethodSpec
from ..pipeline import Metadata
from .channel import create_aio_channel
from .grpc import closed_error, foreign_loop_error, multicallable
from .status import refused_metadata

_METADATA_CACHE = 32


def _as_aio_metadata(metadata: Any) -> Any:
    import grpc.aio

    return grpc.aio.Metadata(*metadata)


class AioGrpcTransport:
    """Calls over a ``grpc.aio`` channel; each call is awaitable, and cancelling the task
    that awaits it cancels the RPC.

    The channel is given, or opened on the first call (``connect``): a ``grpc.aio``
    channel belongs to the event loop it is first used in, so a client can be created
    outside a coroutine and used inside one; a call from another event loop raises
    :class:`~flyteclient.runtime.exceptions.ForeignEventLoopError`. Once closed, calls —
    and the calls the close cut short — raise
    :class:`~flyteclient.runtime.exceptions.ClientClosedError`.
    """

    def __init__(
        self, channel: Any = None, *, open_channel: Optional[Callable[[], Any]] = None
    ) -> None:
        if channel is None and open_channel is None:
            raise TypeError("AioGrpcTransport needs a channel or open_channel")
        self._channel = channel
        self._open_channel = open_channel
        self._callables: Dict[str, Callable[..., Any]] = {}
        # grpc.aio turns a tuple of pairs into its Metadata on every call (an ABC check and
        # a copy); the client's default headers are the same tuple each time, so keep it.
        self._metadata: Dict[Any, Any] = {}
        self._closed = False
        self._loop: Any = None

    @classmethod
    def connect(
        cls, endpoint: str, insecure: bool = False, **channel_kwargs: Any
    ) -> "AioGrpcTransport":
        """A transport that opens its channel to ``endpoint`` on the first call (see
        :func:`~flyteclient.runtime.transport.channel.create_aio_channel`)."""
        return cls(open_channel=lambda: create_aio_channel(endpoint, insecure, **channel_kwargs))

    @property
    def channel(self) -> Any:
        """The ``grpc.aio.Channel`` (opened now if it was not yet)."""
        if self._channel is None:
            assert self._open_channel is not None
            self._channel = self._open_channel()
        return self._channel

    def __call__(
        self, method: MethodSpec, request: Any, timeout: Optional[float], metadata: Metadata
    ) -> Any:
        if self._closed:
            raise closed_error(method)
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._adopt(loop, method)
        call = self._callables.get(method.path)
        if call is None:
            call = self._callables[method.path] = multicallable(self.channel, method)
        if metadata:
            converted = self._metadata.get(metadata)
            if converted is None:
                # Checked before sending: grpc.aio reports metadata it cannot send as a
                # private ExecuteBatchError (grpcio < 1.81) and logs a C-core error line.
                refused = refused_metadata(metadata)
                if refused is not None:
                    raise refused
                converted = _as_aio_metadata(metadata)
                if len(self._metadata) < _METADATA_CACHE:
                    self._metadata[metadata] = converted
            metadata = converted
        started = call(request, timeout=timeout, metadata=metadata)
        if method.server_streaming:
            return self._stream(method, started)
        # A unary call is awaited by the async retry layer, which turns what close() does
        # to it into ClientClosedError (no extra coroutine per call here).
        return started

    def _adopt(self, loop: Any, method: MethodSpec) -> None:
        """Bind to ``loop`` (the first call's), or refuse a call from another loop."""
        if self._loop is None:
            self._loop = loop
            return
        raise foreign_loop_error(method, self._loop)

    async def _stream(self, method: MethodSpec, call: Any) -> AsyncIterator[Any]:
        try:
            async for response in call:
                yield response
        except (asyncio.CancelledError, grpc.RpcError) as exc:
            if self._closed and not cancelling(exc):
                raise closed_error(method) from None
            raise

    async def close(self) -> None:
        """Close the channel, if it was opened (calls in progress end in
        :class:`~flyteclient.runtime.exceptions.ClientClosedError`)."""
        self._closed = True
        self._callables.clear()
        if self._channel is not None:
            await self._channel.close(None)


def cancelling(exc: BaseException) -> bool:
    """A CancelledError that cancels the current task itself (not one ``close()`` caused
    in its call); Python 3.10 cannot tell them apart, and takes it as the close's."""
    if not isinstance(exc, asyncio.CancelledError):
        return False
    cancelling = getattr(asyncio.current_task(), "cancelling", None)
    return bool(cancelling()) if cancelling is not None else False
