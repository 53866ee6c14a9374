"""What sends a call: the transport seam every client stands on.

A transport is any callable ``transport(method, request, timeout, metadata)`` that sends
one call and returns the response message (or, for a server-streaming RPC, an iterator
of them), raising a ``grpc.RpcError`` (``code()``, ``details()``,
``trailing_metadata()``) when it fails, plus ``close()``. The async client's transports
return awaitables (async iterators for streams) and have an awaitable ``close()``. The
layers above a transport (deadline, retry and error mapping, auth, metadata) work the
same on any of them::

    client = SynchronousFlyteClient("localhost:8089", insecure=True, transport=my_transport)

``grpc`` holds the sync gRPC transport, ``aio_grpc`` the ``grpc.aio`` one (imported only
by the async client).
"""

from .base import AsyncTransport, Transport

__all__ = ["AsyncTransport", "Transport"]
