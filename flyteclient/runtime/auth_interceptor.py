"""Attaches credentials to calls; on UNAUTHENTICATED refreshes once and retries once.

The authenticator has flytekit's interface: ``fetch_grpc_call_auth_metadata()`` returns
``(header, value)`` or None, and ``refresh_credentials()`` gets new credentials. It is
created lazily, on the first call, by the factory the client passes.

Refreshing is single-flight: each credential has a generation number. A call remembers
the generation it sent; when it fails with UNAUTHENTICATED it refreshes only if no other
thread has refreshed since (the generation is unchanged), under a lock. So when many
threads fail together on the same stale token, exactly one refresh runs and all of them
retry with the new token.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable, Iterator, Optional, Protocol, Tuple

import grpc

from .exceptions import FlyteException
from .methods import MethodSpec
from .pipeline import Invoker, Metadata

log = logging.getLogger("flyteclient.auth")


class Authenticator(Protocol):
    def fetch_grpc_call_auth_metadata(self) -> Optional[Tuple[str, str]]: ...

    def refresh_credentials(self) -> None: ...


class AuthInterceptor:
    """``refresh_on_unauthenticated=False`` only attaches (used for proxy authorization)."""

    def __init__(self, factory: Callable[[], Optional[Authenticator]], refresh_on_unauthenticated: bool = True) -> None:
        self._factory = factory
        self._authenticator: Optional[Authenticator] = None
        self._created = False
        self._lock = threading.Lock()
        self._generation = 0
        self._refresh = refresh_on_unauthenticated

    @property
    def authenticator(self) -> Optional[Authenticator]:
        if not self._created:
            with self._lock:
                if not self._created:
                    self._authenticator = self._factory()
                    self._created = True
        return self._authenticator

    def _with_credentials(self, metadata: Metadata) -> Tuple[int, Metadata]:
        generation = self._generation
        authenticator = self.authenticator
        header = authenticator.fetch_grpc_call_auth_metadata() if authenticator is not None else None
        if header is None:
            return generation, metadata
        return generation, (*(metadata or ()), header)

    def _refresh_after(self, generation: int, method: MethodSpec) -> None:
        with self._lock:
            if self._generation != generation:
                return  # another thread refreshed since this call's credentials were read
            log.debug("refreshing credentials after UNAUTHENTICATED")
            assert self._authenticator is not None
            try:
                self._authenticator.refresh_credentials()
            except FlyteException as e:  # e.g. AuthenticationError: name the call it failed
                if e.rpc is None:
                    e.rpc = method.name
                raise
            self._generation += 1

    def _should_refresh(self, error: grpc.RpcError) -> bool:
        return (
            self._refresh
            and self._authenticator is not None
            and hasattr(error, "code")
            and error.code() == grpc.StatusCode.UNAUTHENTICATED
        )

    def intercept(self, method: MethodSpec, request: Any, timeout: Optional[float], metadata: Metadata, proceed: Invoker) -> Any:
        if method.server_streaming:
            return self._stream(method, request, timeout, metadata, proceed)
        generation, with_auth = self._with_credentials(metadata)
        try:
            return proceed(method, request, timeout, with_auth)
        except grpc.RpcError as error:
            if not self._should_refresh(error):
                raise
            self._refresh_after(generation, method)
        return proceed(method, request, timeout, self._with_credentials(metadata)[1])

    def _stream(self, method: MethodSpec, request: Any, timeout: Optional[float], metadata: Metadata, proceed: Invoker) -> Iterator[Any]:
        generation, with_auth = self._with_credentials(metadata)
        received = False
        try:
            for item in proceed(method, request, timeout, with_auth):
                received = True
                yield item
            return
        except grpc.RpcError as error:
            if received or not self._should_refresh(error):
                raise
            self._refresh_after(generation, method)
        yield from proceed(method, request, timeout, self._with_credentials(metadata)[1])
