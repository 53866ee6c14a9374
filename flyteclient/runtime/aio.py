"""What the generated async clients stand on: :class:`AsyncClientBase`, the async form
of :class:`~flyteclient.runtime.client_base.ClientBase` (same constructor, same
construction steps and call pipeline, with the async forms of the retry and auth layers
and a ``grpc.aio`` transport)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, TypeVar

from .cache import AsyncLRUCache
from .client_base import Connection, CoreBase, _cache_key, _copy, closed_invoker
from .interceptors.auth import AsyncAuthInterceptor
from .interceptors.retry import AsyncRetryInterceptor
from .interceptors.skew import AsyncSkewInterceptor
from .methods import MethodSpec
from .pipeline import Metadata

if TYPE_CHECKING:
    from .compatibility import CompatibilityReport

_Client = TypeVar("_Client", bound="AsyncClientBase")


class AsyncClientBase(CoreBase):
    """The async client base: methods are coroutines, pagers async iterators,
    ``await client.close()`` or ``async with`` closes the transport. One client belongs
    to one event loop (its channel does). See
    :class:`~flyteclient.runtime.client_base.CoreBase` for the constructor's arguments;
    ``transport`` is an async transport here.
    """

    _retry_layer = AsyncRetryInterceptor
    _retry: AsyncRetryInterceptor
    _auth_layer = AsyncAuthInterceptor
    _skew_layer = AsyncSkewInterceptor
    _cache: AsyncLRUCache

    def _connect(self, connection: Connection) -> Any:
        return connection.open_async()

    def _discovery_transport(self) -> Any:
        # The authenticator discovers the OAuth2 settings on a worker thread, with blocking
        # calls: a sync transport of its own, opened the first time it is needed.
        discovery = self.__dict__.get("_discovery")
        if discovery is None:
            discovery = self._discovery = self._connection.open_sync()
        return discovery

    def _new_cache(self, size: int) -> AsyncLRUCache:
        return AsyncLRUCache(size)

    async def _cached_call(
        self,
        method: MethodSpec,
        request: Any,
        timeout: Optional[float] = None,
        metadata: Metadata = None,
    ) -> Any:
        value = await self._cache.get_or_load_async(
            _cache_key(method, request), lambda: self._invoke(method, request, timeout, metadata)
        )
        return _copy(value)

    async def compatibility(self, *, timeout: Optional[float] = None) -> "CompatibilityReport":
        """Which of this client's RPCs and request fields the server's release lacks (see
        :meth:`flyteclient.SynchronousFlyteClient.compatibility`)."""
        from flyteclient.generated.methods import AdminService_GetVersion as spec

        from .compatibility import build_report

        response = await self._invoke(spec, spec.request_type(), timeout, None)
        self._release.learn(response)
        return build_report(response.control_plane_version.Version)

    async def close(self) -> None:
        """Close the transport and drop cached entities. Calls after this, and calls in
        progress (which the transport cuts short), raise
        :class:`~flyteclient.exceptions.ClientClosedError`."""
        self._invoke = closed_invoker
        self._retry.closed = True  # calls the close cuts short end in ClientClosedError
        self._cache.clear()
        discovery = self.__dict__.pop("_discovery", None)
        if discovery is not None:
            discovery.close()
        await self._transport.close()

    async def __aenter__(self: _Client) -> _Client:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()
