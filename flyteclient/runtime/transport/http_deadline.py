"""One absolute deadline for everything an HTTP call does on the network.

httpx applies a timeout to each operation (a pool wait, a connect, one socket read or
write), not to the call: a server that sends a byte every quarter second never trips a
2 s read timeout. The REST transport sets the attempt's deadline (``time.monotonic()``)
in :data:`call_deadline` and sends through httpx pools whose network backend is wrapped
here: every connect, TLS handshake, read and write gets at most the time left before the
deadline, and one started after it fails at once with httpcore's timeout error (which
httpx reports as its ``TimeoutException``). The pool wait comes first and gets the time
left when the request is sent. The deadline lives in a context variable, so it follows
the calling thread (sync) or task (async), which is where httpcore does its I/O.

httpx has no public way to give its transports a network backend: :func:`install`
wraps the backend of the pools an httpx client built (its default transport and the
proxy transports it mounted from the environment) and reports whether it could.
"""

from __future__ import annotations

import contextvars
import inspect
import time
from typing import Any, Iterable, Optional

import httpcore

call_deadline: contextvars.ContextVar[Optional[float]] = contextvars.ContextVar(
    "flyteclient_http_deadline", default=None
)
_get_deadline = call_deadline.get


def _clamp(timeout: Optional[float], expired: Any) -> Optional[float]:
    """``timeout`` cut to the time left before the call's deadline; raises ``expired``
    (an httpcore timeout class) when none is left."""
    deadline = _get_deadline()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise expired("deadline exceeded")
    return left if timeout is None or timeout > left else timeout


class _Stream:
    """A sync network stream whose operations end by the call's deadline."""

    __slots__ = ("_inner",)

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: Optional[float] = None) -> bytes:
        data: bytes = self._inner.read(max_bytes, _clamp(timeout, httpcore.ReadTimeout))
        return data

    def write(self, buffer: bytes, timeout: Optional[float] = None) -> None:
        self._inner.write(buffer, _clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: Optional[str] = None, timeout: Any = None
    ) -> "_Stream":
        timeout = _clamp(timeout, httpcore.ConnectTimeout)
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _AsyncStream:
    """An async network stream whose operations end by the call's deadline."""

    __slots__ = ("_inner",)

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    async def read(self, max_bytes: int, timeout: Optional[float] = None) -> bytes:
        data: bytes = await self._inner.read(max_bytes, _clamp(timeout, httpcore.ReadTimeout))
        return data

    async def write(self, buffer: bytes, timeout: Optional[float] = None) -> None:
        await self._inner.write(buffer, _clamp(timeout, httpcore.WriteTimeout))

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self, ssl_context: Any, server_hostname: Optional[str] = None, timeout: Any = None
    ) -> "_AsyncStream":
        timeout = _clamp(timeout, httpcore.ConnectTimeout)
        return _AsyncStream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class DeadlineBackend:
    """A sync httpcore network backend around ``inner`` (see the module doc)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: Optional[float] = None,
        local_address: Optional[str] = None,
        socket_options: Optional[Iterable[Any]] = None,
    ) -> _Stream:
        timeout = _clamp(timeout, httpcore.ConnectTimeout)
        return _Stream(self.inner.connect_tcp(host, port, timeout, local_address, socket_options))

    def connect_unix_socket(
        self, path: str, timeout: Optional[float] = None, socket_options: Any = None
    ) -> _Stream:
        timeout = _clamp(timeout, httpcore.ConnectTimeout)
        return _Stream(self.inner.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


class AsyncDeadlineBackend:
    """An async httpcore network backend around ``inner`` (see the module doc)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: Optional[float] = None,
        local_address: Optional[str] = None,
        socket_options: Optional[Iterable[Any]] = None,
    ) -> _AsyncStream:
        timeout = _clamp(timeout, httpcore.ConnectTimeout)
        stream = await self.inner.connect_tcp(host, port, timeout, local_address, socket_options)
        return _AsyncStream(stream)

    async def connect_unix_socket(
        self, path: str, timeout: Optional[float] = None, socket_options: Any = None
    ) -> _AsyncStream:
        timeout = _clamp(timeout, httpcore.ConnectTimeout)
        return _AsyncStream(await self.inner.connect_unix_socket(path, timeout, socket_options))

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def install(client: Any) -> bool:
    """Wrap the network backend of every pool of the httpx ``client`` (its transport and
    mounted proxy transports); False when one of them is not laid out as expected (a
    caller-supplied transport, or an httpx/httpcore release that moved things)."""
    transports = [getattr(client, "_transport", None)]
    transports += [t for t in (getattr(client, "_mounts", None) or {}).values() if t is not None]
    done = True
    for transport in transports:
        pool: Any = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if backend is None:
            done = False
            continue
        if isinstance(backend, (DeadlineBackend, AsyncDeadlineBackend)):
            continue
        is_async = inspect.iscoroutinefunction(getattr(backend, "connect_tcp", None))
        pool._network_backend = (AsyncDeadlineBackend if is_async else DeadlineBackend)(backend)
    return done
