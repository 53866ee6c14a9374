"""The ``grpc.aio`` transport of the async client."""

from __future__ import annotations

from typing import Any

import grpc.aio

from .channel import create_aio_channel
from .grpc import Multicallables


class AioGrpcTransport(Multicallables):
    """Calls over a ``grpc.aio.Channel``; each call is awaitable (cancelling the task
    awaiting it cancels the RPC)."""

    channel: grpc.aio.Channel

    def __init__(self, channel: grpc.aio.Channel) -> None:
        super().__init__(channel)

    @classmethod
    def connect(cls, endpoint: str, insecure: bool = False, **channel_kwargs: Any) -> "AioGrpcTransport":
        return cls(create_aio_channel(endpoint, insecure, **channel_kwargs))

    async def close(self) -> None:
        await self.channel.close(None)
