"""The HTTP transport: each RPC sent to flyteadmin's grpc-gateway routes (``/api/v1/...``)
with httpx, sync and async.

A call becomes the HTTP request its ``google.api.http`` binding describes (the route
table is generated: :mod:`flyteclient.generated.routes`; the transcoding is
:mod:`flyteclient.runtime.rest`), and the answer becomes the same response message the
gRPC transport returns. Bodies are binary protobuf (``application/octet-stream``) by
default, as flyteconsole sends them and every flyteadmin release serves them; JSON
(``codec="json"``) for debugging or proxies that need it. Failures become
:class:`~.rest_answer.RestRpcError`, a ``grpc.RpcError`` with ``code()``, ``details()``
and ``trailing_metadata()``, so the layers above (retry, error mapping, auth refresh)
treat both transports alike (what each answer becomes: :mod:`.rest_answer`):

- a connection that was never made is UNAVAILABLE "failed to connect ..." (safe to retry
  even for non-idempotent RPCs: nothing was sent); a call past its deadline is
  DEADLINE_EXCEEDED; a connection lost after sending is UNAVAILABLE.

Limits, per attempt: one deadline (the call's ``timeout`` left) for the pool wait, the
connect, sending, the response headers and the whole body (:mod:`.http_deadline`); a
success body of at most ``max_response_bytes`` (the gRPC channel's 20 MiB receive limit
by default), enforced while it streams in; error bodies read up to
:data:`~.rest_answer.ERROR_BODY_LIMIT` only. A closed transport raises
:class:`~flyteclient.runtime.exceptions.ClientClosedError` (also for the calls it cut
short), and the async one belongs to the event loop of its first call
(:class:`~flyteclient.runtime.exceptions.ForeignEventLoopError` elsewhere).

httpx is used because it has the same API for sync and async clients, verifies TLS with a
custom CA, honours ``HTTP(S)_PROXY``/``NO_PROXY`` from the environment and keeps
connections alive (``pip install 'flyteclient[rest]'``).
"""

from __future__ import annotations

import asyncio
import ssl
import time
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple, Type, TypeVar, Union

import grpc

from ..exceptions import ClientClosedError
from ..methods import MethodSpec
from ..pipeline import Metadata
from ..rest import CLIENT_JSON, PROTOBUF, Codec, HttpRequest, UnroutableRequest, expand
from . import http_deadline
from .grpc import foreign_loop_error
from .rest_answer import (
    DEFAULT_MAX_RESPONSE_BYTES,
    ERROR_BODY_LIMIT,
    RestRpcError,
    decode_failure,
    decode_success,
)

# Call metadata that is not sent as an HTTP header: gRPC's own ``accept`` (HTTP's Accept
# names the codec) and binary ``-bin`` values (HTTP headers carry text).
_NOT_HEADERS = frozenset({"accept", "content-type", "user-agent"})
_NEVER_CONNECTED = "failed to connect to all addresses"
#: Calls a transport sends at once (httpx's default connection limit); more wait their
#: turn here, within their deadline: httpcore's pool does work in proportion to waiting
#: requests times connections on every change, which stalls hundreds of concurrent calls.
MAX_IN_FLIGHT = 100
CODECS: Dict[str, Codec] = {"protobuf": PROTOBUF, "json": CLIENT_JSON}
"""The body codecs by name (``rest_codec=``): binary protobuf (default) or JSON."""

Verify = Union[bool, str, ssl.SSLContext]
_T = TypeVar("_T", bound="_RestCalls")

__all__ = [
    "AsyncRestTransport",
    "CODECS",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "RestRpcError",
    "RestTransport",
    "base_url",
    "codec_for",
    "tls_verify",
]


def codec_for(value: Union[str, Codec, None], param: str = "rest_codec") -> Codec:
    """The codec named ``value`` (``"protobuf"`` when None), or ``value`` itself."""
    if value is None:
        return PROTOBUF
    if isinstance(value, Codec):
        return value
    codec = CODECS.get(value) if isinstance(value, str) else None
    if codec is None:
        raise ValueError(f"{param} must be one of {', '.join(CODECS)}, got {value!r}")
    return codec


def check_max_response_bytes(value: Any, param: str = "max_response_bytes") -> int:
    """``value`` if it is a positive int (not a bool); else TypeError/ValueError naming ``param``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{param} must be an int number of bytes, not {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"{param} must be positive, got {value!r}")
    return value


def base_url(endpoint: str, insecure: bool) -> str:
    """``https://host:port`` for ``host:port`` (``http://`` when ``insecure``); a URL is kept."""
    if endpoint.startswith(("http://", "https://")):
        return endpoint.rstrip("/")
    return f"{'http' if insecure else 'https'}://{endpoint}"


def tls_verify(root_certificates: Optional[bytes] = None, config: Any = None) -> Verify:
    """What httpx verifies the server's certificate with: the PEM ``root_certificates``,
    else the config's ``ca_cert_file_path`` / ``insecure_skip_verify``, else the system's."""
    if root_certificates:
        return ssl.create_default_context(cadata=root_certificates.decode("ascii"))
    if config is not None:
        from ..tls import requests_verify_for

        verify = requests_verify_for(config)
        return ssl.create_default_context(cafile=verify) if isinstance(verify, str) else verify
    return True


class _RestCalls:
    """What the sync and async transports share: construction, a call as an HTTP request,
    the limits of one attempt, and the translation of httpx's errors. Subclasses name the
    httpx client class they send with (``_client_class``)."""

    _client_class = "Client"

    def __init__(
        self,
        url: str,
        *,
        verify: Verify = True,
        client: Any = None,
        codec: Union[str, Codec, None] = None,
        routes: Optional[Mapping[str, Sequence[Any]]] = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        from ..extras import require_extra

        httpx = require_extra("httpx", "transport='rest'")

        self.url = url
        self._routes = routes if routes is not None else _routes()
        self._codec = codec_for(codec, "codec")
        self.max_response_bytes = check_max_response_bytes(max_response_bytes)
        self._httpx = httpx
        if client is None:
            client = getattr(httpx, self._client_class)(base_url=url, verify=verify, trust_env=True)
        # Each operation then ends by the attempt's deadline (a client given by the caller
        # keeps its own pools: the deadline is still checked between body chunks).
        http_deadline.install(client)
        self._client = client
        self._closed = False
        self._gate = self._new_gate()

    def _new_gate(self) -> Any:
        import threading

        return threading.BoundedSemaphore(MAX_IN_FLIGHT)

    def _gate_timeout(self, method: MethodSpec) -> RestRpcError:
        return RestRpcError(
            grpc.StatusCode.DEADLINE_EXCEEDED,
            f"Deadline Exceeded waiting for one of the {MAX_IN_FLIGHT} connections",
        )

    @property
    def codec(self) -> Codec:
        """The body codec (:data:`~flyteclient.runtime.rest.PROTOBUF` by default)."""
        return self._codec

    @classmethod
    def connect(cls: Type[_T], connection: Any) -> _T:
        """A transport for a client's :class:`~flyteclient.runtime.client_base.Connection`."""
        url, verify = connection_arguments(connection)
        rest = getattr(connection, "rest", None) or {}
        return cls(url, verify=verify, **rest)

    def request(
        self, method: MethodSpec, request: Any, timeout: Optional[float], metadata: Metadata
    ) -> Tuple[HttpRequest, Dict[str, Any]]:
        """The HTTP request and its headers for one call."""
        bindings = self._routes.get(method.path)
        if not bindings:
            raise RestRpcError(
                grpc.StatusCode.UNIMPLEMENTED,
                f"{method.service}.{method.name} has no HTTP route; only the gRPC transport can call it",
            )
        try:
            http = expand(bindings, request, self._codec)
        except UnroutableRequest as exc:
            raise RestRpcError(grpc.StatusCode.INVALID_ARGUMENT, str(exc)) from None
        headers = http.headers
        for key, value in metadata or ():
            if key not in _NOT_HEADERS and not key.endswith("-bin"):
                headers[key] = value
        if timeout is not None:
            headers["grpc-timeout"] = f"{max(1, int(timeout * 1000))}m"  # the server's deadline too
        return http, headers

    def _build(self, http: HttpRequest, headers: Dict[str, Any], timeout: Optional[float]) -> Any:
        return self._client.build_request(
            http.verb, self.url + http.target, headers=headers, content=http.body, timeout=timeout
        )

    def _limit(self, answer: Any) -> Tuple[int, bool]:
        """How many body bytes to read, and whether more than that fails the call (a
        success body over the cap) rather than being cut off (an error body)."""
        if 200 <= answer.status_code < 300:
            return self.max_response_bytes, True
        return ERROR_BODY_LIMIT, False

    def _too_large(self, method: MethodSpec, size: str) -> RestRpcError:
        return RestRpcError(
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            f"received message larger than max ({size} vs. {self.max_response_bytes}): the "
            f"{method.name} response is over the client's max_response_bytes; ask for less "
            "(a smaller page: limit=...) or raise max_response_bytes",
            permanent=True,
        )

    def _body(self, method: MethodSpec, answer: Any, deadline: Optional[float]) -> "_Body":
        """The reader of ``answer``'s body: within the size cap and the call's deadline."""
        limit, strict = self._limit(answer)
        text = answer.headers.get("content-length")
        announced = int(text) if text and text.isdigit() else None
        if strict and announced is not None and announced > limit:
            raise self._too_large(method, str(announced))
        return _Body(self, method, limit, strict, deadline)

    def _answer(
        self, method: MethodSpec, http: HttpRequest, answer: Any, body: bytes, complete: bool
    ) -> Any:
        status = answer.status_code
        if 200 <= status < 300:
            return decode_success(method, http, status, answer.headers.get("content-type"), body)
        raise decode_failure(method, http, status, answer.headers, body, complete)

    def _failure(
        self, exc: Exception, method: MethodSpec, deadline: Optional[float]
    ) -> BaseException:
        """What to raise for ``exc`` (raised while sending or reading): a
        :class:`RestRpcError` for httpx's errors, :class:`ClientClosedError` once the
        transport is closed, else ``exc`` itself."""
        httpx = self._httpx
        if isinstance(exc, RestRpcError):
            return exc
        if self._closed:
            return _closed(method)
        if not isinstance(exc, httpx.HTTPError):
            return exc
        if deadline is not None and time.monotonic() >= deadline:
            return RestRpcError(grpc.StatusCode.DEADLINE_EXCEEDED, f"Deadline Exceeded: {exc}")
        if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)):
            return RestRpcError(grpc.StatusCode.UNAVAILABLE, f"{_NEVER_CONNECTED}: {exc}")
        if isinstance(exc, httpx.TimeoutException):
            return RestRpcError(grpc.StatusCode.DEADLINE_EXCEEDED, f"Deadline Exceeded: {exc}")
        if isinstance(exc, httpx.RemoteProtocolError) and _not_http1(exc):
            return RestRpcError(
                grpc.StatusCode.UNAVAILABLE,
                f"{self.url} did not answer in HTTP/1.1 (a gRPC port answers in HTTP/2 "
                f"framing: {exc}): transport='rest' needs flyteadmin's HTTP endpoint (an "
                "insecure flyteadmin serves HTTP on 8088 and gRPC on 8089; a secure one "
                "serves both on one port)",
                permanent=True,
            )
        return RestRpcError(grpc.StatusCode.UNAVAILABLE, f"{type(exc).__name__}: {exc}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r})"


def _closed(method: MethodSpec) -> ClientClosedError:
    return ClientClosedError("the client is closed", rpc=method.name)


def _not_http1(exc: Exception) -> bool:
    """h11's complaint about an answer that does not start with an HTTP/1 status line
    (what a gRPC server's SETTINGS frame looks like to it)."""
    text = str(exc)
    return "illegal status line" in text or "illegal request line" in text


def connection_arguments(connection: Any) -> Tuple[str, Verify]:
    """The base URL and TLS verification for a client's :class:`~flyteclient.runtime.client_base.Connection`."""
    grpc_only = sorted(
        k
        for k in connection.channel_kwargs
        if k != "root_certificates" and connection.channel_kwargs[k] is not None
    )
    if grpc_only:
        raise TypeError(
            f"{', '.join(grpc_only)} apply to the gRPC transport, not to transport='rest'"
        )
    return base_url(connection.endpoint, connection.insecure), tls_verify(
        connection.channel_kwargs.get("root_certificates"), connection.config
    )


def _routes() -> Mapping[str, Sequence[Any]]:
    from flyteclient.generated.routes import ROUTES

    return ROUTES


class RestTransport(_RestCalls):
    """Sends calls over HTTP with an ``httpx.Client`` (made from the arguments, or given).

    :param url: the gateway's base URL (``https://flyte.example.com``).
    :param codec: ``"protobuf"`` (default) or ``"json"`` bodies (or a
        :class:`~flyteclient.runtime.rest.Codec`).
    :param max_response_bytes: largest success body accepted (RESOURCE_EXHAUSTED above).
    """

    def __call__(
        self, method: MethodSpec, request: Any, timeout: Optional[float], metadata: Metadata
    ) -> Any:
        if self._closed:
            raise _closed(method)
        http, headers = self.request(method, request, timeout, metadata)
        deadline = None if timeout is None else time.monotonic() + timeout
        if not self._gate.acquire(timeout=timeout):
            raise self._gate_timeout(method)
        token = http_deadline.call_deadline.set(deadline)
        try:
            answer = self._client.send(self._build(http, headers, timeout), stream=True)
            try:
                body, complete = self._read(method, answer, deadline)
            finally:
                answer.close()
        except Exception as exc:
            error = self._failure(exc, method, deadline)
            if error is exc:
                raise
            raise error from exc
        finally:
            http_deadline.call_deadline.reset(token)
            self._gate.release()
        return self._answer(method, http, answer, body, complete)

    def _read(
        self, method: MethodSpec, answer: Any, deadline: Optional[float]
    ) -> Tuple[bytes, bool]:
        body = self._body(method, answer, deadline)
        for chunk in answer.iter_bytes():
            if body.add(chunk):
                break
        return body.result()

    def close(self) -> None:
        """Close the connections; calls after this, and calls cut short by it, raise
        :class:`~flyteclient.runtime.exceptions.ClientClosedError`."""
        self._closed = True
        self._client.close()


class AsyncRestTransport(_RestCalls):
    """:class:`RestTransport` with an ``httpx.AsyncClient``: calls are awaitable. It
    belongs to the event loop of its first call."""

    _client_class = "AsyncClient"
    _loop: Any = None

    async def __call__(
        self, method: MethodSpec, request: Any, timeout: Optional[float], metadata: Metadata
    ) -> Any:
        if self._closed:
            raise _closed(method)
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._check_loop(method, loop)
        http, headers = self.request(method, request, timeout, metadata)
        deadline = None if timeout is None else time.monotonic() + timeout
        gate = self._gate
        if gate.locked():
            try:
                await asyncio.wait_for(gate.acquire(), timeout)
            except asyncio.TimeoutError:
                raise self._gate_timeout(method) from None
        else:
            await gate.acquire()
        token = http_deadline.call_deadline.set(deadline)
        try:
            answer = await self._client.send(self._build(http, headers, timeout), stream=True)
            try:
                body, complete = await self._read(method, answer, deadline)
            finally:
                await answer.aclose()
        except asyncio.CancelledError:
            if self._closed and not _cancelling():
                raise _closed(method) from None
            raise
        except Exception as exc:
            error = self._failure(exc, method, deadline)
            if error is exc:
                raise
            raise error from exc
        finally:
            http_deadline.call_deadline.reset(token)
            gate.release()
        return self._answer(method, http, answer, body, complete)

    def _new_gate(self) -> Any:
        return asyncio.Semaphore(MAX_IN_FLIGHT)

    def _check_loop(self, method: MethodSpec, loop: Any) -> None:
        if self._loop is None:
            self._loop = loop
            return
        raise foreign_loop_error(method, self._loop)

    async def _read(
        self, method: MethodSpec, answer: Any, deadline: Optional[float]
    ) -> Tuple[bytes, bool]:
        body = self._body(method, answer, deadline)
        async for chunk in answer.aiter_bytes():
            if body.add(chunk):
                break
        return body.result()

    async def close(self) -> None:
        """Close the connections; calls after this, and calls cut short by it, raise
        :class:`~flyteclient.runtime.exceptions.ClientClosedError`."""
        self._closed = True
        await self._client.aclose()


def _cancelling() -> bool:
    """Whether the current task itself was asked to cancel (Python 3.11+ can tell; on
    3.10 a cancellation during a closed transport's call is taken as the close's)."""
    task = asyncio.current_task()
    cancelling = getattr(task, "cancelling", None)
    return bool(cancelling()) if cancelling is not None else False


class _Body:
    """A response body read chunk by chunk (the sync and async transports feed it): at
    most ``limit`` bytes, over it a RESOURCE_EXHAUSTED (``strict``: a success body) or cut
    off (an error body), and a read timeout once the call's deadline passes."""

    def __init__(
        self,
        transport: Any,
        method: MethodSpec,
        limit: int,
        strict: bool,
        deadline: Optional[float],
    ) -> None:
        self._transport, self._method = transport, method
        self._limit, self._strict, self._deadline = limit, strict, deadline
        self._chunks: list = []
        self._size = 0
        self._complete = True

    def add(self, chunk: bytes) -> bool:
        """Take ``chunk``; True once the body is cut off at the limit (stop reading)."""
        self._size += len(chunk)
        if self._size > self._limit:
            if self._strict:
                raise self._transport._too_large(self._method, f"more than {self._limit}")
            self._chunks.append(chunk[: self._limit - self._size + len(chunk)])
            self._complete = False
            return True
        self._chunks.append(chunk)
        if self._deadline is not None and time.monotonic() > self._deadline:
            raise self._transport._httpx.ReadTimeout("deadline exceeded while reading the body")
        return False

    def result(self) -> Tuple[bytes, bool]:
        """The bytes read, and whether they are the whole body."""
        return b"".join(self._chunks), self._complete
