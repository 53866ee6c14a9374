"""Attaches credentials to calls and refreshes them when they are rejected, within the
call's deadline.

The authenticator has flytekit's interface: ``fetch_grpc_call_auth_metadata()`` returns
``(header, value)`` or None, and ``refresh_credentials()`` gets new credentials. It is
created lazily, on the first call, by the factory the client passes.

Two kinds of layer:

* the server's credentials (``proxy=False``): on UNAUTHENTICATED, refresh once and
  retry once;
* a proxy's credentials (``proxy_for=<the server's layer or None>``, sent as
  ``proxy-authorization``): obtained *before* the first call, since a proxy turns away a
  call without them, and refreshed (then the call retried once) when the proxy rejects
  the call with HTTP 401 or 407, which gRPC reports as ``Received http2 header with
  status: 401`` (UNAUTHENTICATED) or ``407`` (UNKNOWN); also on any other
  UNAUTHENTICATED when the client sends no server credentials, so the rejection can only
  be about the proxy's (otherwise the server's layer refreshes those).

Deadlines: a refresh runs on its own thread and the call waits for it only until the
call's deadline, then raises :class:`~flyteclient.exceptions.FlyteTimeout` (the refresh
goes on, and later calls use its result). The retry after a refresh gets the time left,
not the original timeout. While credentials are fetched, the call's deadline is in
:data:`~flyteclient.runtime.interceptors.deadline.fetch_deadline`, so an authenticator waiting for a
token that expired (flyteclient's do) stops waiting then too.

Refreshing is single-flight: each credential has a generation number. A call remembers
the generation it sent; when it fails it refreshes only if no other thread has refreshed
since (the generation is unchanged), and joins a refresh already in flight. So when many
threads fail together on the same stale token, exactly one refresh runs and all of them
retry with the new token.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
import time
from typing import Any, AsyncIterator, Callable, Iterator, Optional, Protocol, Tuple

import grpc

from ..exceptions import FlyteException, FlyteTimeout
from ..methods import MethodSpec
from ..pipeline import Invoker, Metadata
from .deadline import fetch_deadline

log = logging.getLogger("flyteclient.auth")

_HTTP_STATUS = "Received http2 header with status: "


class Authenticator(Protocol):
    def fetch_grpc_call_auth_metadata(self) -> Optional[Tuple[str, str]]: ...

    def refresh_credentials(self) -> None: ...


def rejected_by_proxy(error: grpc.RpcError) -> bool:
    """The call was refused with HTTP 401 or 407 by something that does not speak gRPC
    (the REST transport keeps such a status in ``http_status``)."""
    if getattr(error, "http_status", None) in (401, 407):
        return True
    details = (error.details() if hasattr(error, "details") else None) or ""
    return details.startswith(_HTTP_STATUS) and details[len(_HTTP_STATUS) :].strip() in (
        "401",
        "407",
    )


class _Refresh:
    """One refresh in flight, on a daemon thread, so waiters can give up at their
    deadline: threads wait on ``future`` directly, tasks on ``asyncio.wrap_future``."""

    __slots__ = ("future",)

    def __init__(self, run: Callable[[], None]) -> None:
        self.future: "concurrent.futures.Future[None]" = concurrent.futures.Future()
        threading.Thread(
            target=self._run, args=(run,), name="flyteclient-auth-refresh", daemon=True
        ).start()

    def _run(self, run: Callable[[], None]) -> None:
        try:
            run()
        except BaseException as e:  # handed to every waiting caller
            self.future.set_exception(e)
        else:
            self.future.set_result(None)


def _time_left(deadline: Optional[float], method: MethodSpec) -> Optional[float]:
    if deadline is None:
        return None
    left = deadline - time.monotonic()
    if left <= 0:
        raise FlyteTimeout(
            "the call's deadline passed while refreshing credentials",
            code=grpc.StatusCode.DEADLINE_EXCEEDED,
            rpc=method.name,
        )
    return left


def _fetch(authenticator: Authenticator, deadline: Optional[float]) -> Optional[Tuple[str, str]]:
    """The authenticator's header; a token being refreshed is waited for until ``deadline``
    (:data:`fetch_deadline`; None: as long as the refresh takes)."""
    if deadline is None:
        return authenticator.fetch_grpc_call_auth_metadata()
    token = fetch_deadline.set(deadline)
    try:
        return authenticator.fetch_grpc_call_auth_metadata()
    finally:
        fetch_deadline.reset(token)


def _refresh_timeout(method: MethodSpec) -> FlyteTimeout:
    return FlyteTimeout(
        "credentials were not refreshed before the call's deadline (the refresh goes on in the background)",
        code=grpc.StatusCode.DEADLINE_EXCEEDED,
        rpc=method.name,
    )


def _raise_failure(flight: _Refresh, method: MethodSpec) -> None:
    """Raise the finished refresh's error, if it failed, naming the call it failed."""
    error = flight.future.exception()
    if error is not None:
        if isinstance(error, FlyteException) and error.rpc is None:
            error.rpc = method.name  # e.g. AuthenticationError: name the call it failed
        raise error


_SERVER = object()  # proxy_for's default: this layer holds the server's credentials


class AuthInterceptor:
    """See the module doc."""

    def __init__(
        self, factory: Callable[[], Optional[Authenticator]], *, proxy_for: Any = _SERVER
    ) -> None:
        self._factory = factory
        self._authenticator: Optional[Authenticator] = None
        self._created = False
        self._lock = threading.Lock()
        self._generation = 0
        self._flight: Optional[_Refresh] = None
        self._proxy = proxy_for is not _SERVER
        self._server: Optional[AuthInterceptor] = None if proxy_for is _SERVER else proxy_for

    @property
    def authenticator(self) -> Optional[Authenticator]:
        if not self._created:
            with self._lock:
                if not self._created:
                    self._authenticator = self._factory()
                    self._created = True
        return self._authenticator

    # -- credentials -------------------------------------------------------------
    def _with_credentials(
        self, metadata: Metadata, method: MethodSpec, deadline: Optional[float]
    ) -> Tuple[int, Metadata]:
        generation = self._generation
        authenticator = self.authenticator
        if authenticator is None:
            return generation, metadata
        header = _fetch(authenticator, deadline)
        if header is None and self._proxy:
            self._refresh_after(generation, method, deadline)
            generation = self._generation
            header = authenticator.fetch_grpc_call_auth_metadata()
        if header is None:
            return generation, metadata
        return generation, (*(metadata or ()), header)

    def _should_refresh(self, error: grpc.RpcError) -> bool:
        if self._authenticator is None or not hasattr(error, "code"):
            return False
        unauthenticated = error.code() == grpc.StatusCode.UNAUTHENTICATED
        if not self._proxy:
            return unauthenticated
        if rejected_by_proxy(error):
            return True
        return unauthenticated and (self._server is None or self._server.authenticator is None)

    def _join_refresh(self, generation: int, method: MethodSpec) -> Optional[_Refresh]:
        """The refresh to wait for: the one in flight, or a new one; None when another
        call has refreshed since ``generation`` (its credentials are new already)."""
        with self._lock:
            if self._generation != generation:
                return None
            flight = self._flight
            if flight is None:
                log.debug(
                    "refreshing %scredentials for %s", "proxy " if self._proxy else "", method.name
                )
                flight = self._flight = _Refresh(self._run_refresh)
            return flight

    def _refresh_after(
        self, generation: int, method: MethodSpec, deadline: Optional[float]
    ) -> None:
        """Refresh unless another call did since ``generation``; wait until ``deadline``."""
        flight = self._join_refresh(generation, method)
        if flight is None:
            return
        done, _ = concurrent.futures.wait(
            [flight.future], None if deadline is None else deadline - time.monotonic()
        )
        if not done:
            raise _refresh_timeout(method)
        _raise_failure(flight, method)

    def _run_refresh(self) -> None:
        authenticator = self._authenticator
        assert authenticator is not None
        try:
            authenticator.refresh_credentials()
            # Anything the first use still needs (e.g. discovering the header key) happens
            # here too, not on the time of the call that waits.
            authenticator.fetch_grpc_call_auth_metadata()
        except BaseException:
            with self._lock:
                self._flight = None  # the next rejected call tries again
            raise
        with self._lock:
            self._generation += 1
            self._flight = None

    # -- calls -------------------------------------------------------------------
    def intercept(
        self,
        method: MethodSpec,
        request: Any,
        timeout: Optional[float],
        metadata: Metadata,
        proceed: Invoker,
    ) -> Any:
        if method.server_streaming:
            return self._stream(method, request, timeout, metadata, proceed)
        deadline = None if timeout is None else time.monotonic() + timeout
        generation, with_auth = self._with_credentials(metadata, method, deadline)
        try:
            return proceed(method, request, _time_left(deadline, method), with_auth)
        except grpc.RpcError as error:
            if not self._should_refresh(error):
                raise
            self._refresh_after(generation, method, deadline)
        with_auth = self._with_credentials(metadata, method, deadline)[1]
        return proceed(method, request, _time_left(deadline, method), with_auth)

    def _stream(
        self,
        method: MethodSpec,
        request: Any,
        timeout: Optional[float],
        metadata: Metadata,
        proceed: Invoker,
    ) -> Iterator[Any]:
        deadline = None if timeout is None else time.monotonic() + timeout
        generation, with_auth = self._with_credentials(metadata, method, deadline)
        received = False
        try:
            for item in proceed(method, request, _time_left(deadline, method), with_auth):
                received = True
                yield item
            return
        except grpc.RpcError as error:
            if received or not self._should_refresh(error):
                raise
            self._refresh_after(generation, method, deadline)
        with_auth = self._with_credentials(metadata, method, deadline)[1]
        yield from proceed(method, request, _time_left(deadline, method), with_auth)


class AsyncAuthInterceptor(AuthInterceptor):
    """:class:`AuthInterceptor` for the async client. Nothing that blocks runs on the
    event loop: the authenticator is created (keyring, discovery) on a worker thread, a
    token is read without waiting (an expired one is sent, rejected and refreshed), and
    refreshes run on their own thread as in the sync client, awaited until the call's
    deadline. Single-flight across tasks and threads alike: one refresh however many
    calls fail together."""

    async def _credentials(
        self, metadata: Metadata, method: MethodSpec, deadline: Optional[float]
    ) -> Tuple[int, Metadata]:
        generation = self._generation
        if not self._created:
            await asyncio.to_thread(self._first_use, deadline)
        authenticator = self._authenticator
        if authenticator is None:
            return generation, metadata
        header = self._read_now(authenticator)
        if header is None and self._proxy:  # proxy credentials are needed before the first call
            await self._refresh_after_async(generation, method, deadline)
            generation, header = self._generation, self._read_now(authenticator)
        if header is None:
            return generation, metadata
        return generation, (*(metadata or ()), header)

    def _first_use(self, deadline: Optional[float]) -> None:
        """Create the authenticator and read its first credentials (a keyring, a cache
        file): on a worker thread, waiting no longer than the call's deadline."""
        authenticator = self.authenticator
        if authenticator is not None:
            _fetch(authenticator, deadline)

    @staticmethod
    def _read_now(authenticator: Authenticator) -> Optional[Tuple[str, str]]:
        """The current header, never waiting for a token being refreshed."""
        return _fetch(authenticator, time.monotonic())

    async def _refresh_after_async(
        self, generation: int, method: MethodSpec, deadline: Optional[float]
    ) -> None:
        flight = self._join_refresh(generation, method)
        if flight is None:
            return
        waiting = asyncio.shield(asyncio.wrap_future(flight.future))
        try:
            await asyncio.wait_for(
                waiting, None if deadline is None else max(0.0, deadline - time.monotonic())
            )
        except asyncio.TimeoutError:
            raise _refresh_timeout(method) from None
        except BaseException:
            if not flight.future.done():  # cancelled: the refresh goes on for others
                raise
        _raise_failure(flight, method)

    def intercept(
        self,
        method: MethodSpec,
        request: Any,
        timeout: Optional[float],
        metadata: Metadata,
        proceed: Invoker,
    ) -> Any:
        if method.server_streaming:
            return self._async_stream(method, request, timeout, metadata, proceed)
        return self._call_with_credentials(method, request, timeout, metadata, proceed)

    async def _call_with_credentials(
        self,
        method: MethodSpec,
        request: Any,
        timeout: Optional[float],
        metadata: Metadata,
        proceed: Invoker,
    ) -> Any:
        deadline = None if timeout is None else time.monotonic() + timeout
        generation, with_auth = await self._credentials(metadata, method, deadline)
        try:
            return await proceed(method, request, _time_left(deadline, method), with_auth)
        except grpc.RpcError as error:
            if not self._should_refresh(error):
                raise
        await self._refresh_after_async(generation, method, deadline)
        with_auth = (await self._credentials(metadata, method, deadline))[1]
        return await proceed(method, request, _time_left(deadline, method), with_auth)

    async def _async_stream(
        self,
        method: MethodSpec,
        request: Any,
        timeout: Optional[float],
        metadata: Metadata,
        proceed: Invoker,
    ) -> AsyncIterator[Any]:
        deadline = None if timeout is None else time.monotonic() + timeout
        generation, with_auth = await self._credentials(metadata, method, deadline)
        received = False
        try:
            async for item in proceed(method, request, _time_left(deadline, method), with_auth):
                received = True
                yield item
            return
        except grpc.RpcError as error:
            if received or not self._should_refresh(error):
                raise
        await self._refresh_after_async(generation, method, deadline)
        with_auth = (await self._credentials(metadata, method, deadline))[1]
        async for item in proceed(method, request, _time_left(deadline, method), with_auth):
            yield item
