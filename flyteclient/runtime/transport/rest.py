"""The HTTP/JSON transport: each RPC sent to flyteadmin's grpc-gateway routes
(``/api/v1/...``) with httpx, sync and async.

A call becomes the HTTP request its ``google.api.http`` binding describes (the route
table is generated: :mod:`flyteclient.generated.routes`; the transcoding is
:mod:`flyteclient.runtime.rest`), and the answer becomes the same response message the
gRPC transport returns. Failures become :class:`RestRpcError`, a ``grpc.RpcError`` with
``code()``, ``details()`` and ``trailing_metadata()`` (the error details as
``grpc-status-details-bin``), so the layers above (retry, error mapping, auth refresh)
treat both transports alike:

- a grpc-gateway error body gives its code, message and details;
- any other answer (an ingress's HTML 502, a proxy's 401 or 407) gives the code gRPC
  derives from the HTTP status, and keeps the status in ``http_status``;
- a connection that was never made is UNAVAILABLE "failed to connect ..." (safe to retry
  even for non-idempotent RPCs: nothing was sent); a read that timed out is
  DEADLINE_EXCEEDED; a connection lost after sending is UNAVAILABLE.

httpx is used because it has the same API for sync and async clients, verifies TLS with a
custom CA, honours ``HTTP(S)_PROXY``/``NO_PROXY`` from the environment and keeps
connections alive (``pip install 'flyteclient[rest]'``).
"""

from __future__ import annotations

import contextlib
import ssl
from typing import Any, Dict, Iterator, Mapping, Optional, Sequence, Tuple, Type, TypeVar, Union

import grpc

from ..methods import MethodSpec
from ..pipeline import Metadata
from ..rest import (
    CLIENT_JSON,
    Codec,
    HttpRequest,
    UnroutableRequest,
    decode_error,
    decode_response,
    expand,
)
from ..rest.errors import unrouted_as_unimplemented

# Call metadata that is not sent as an HTTP header: gRPC's own ``accept`` (HTTP's Accept
# asks for JSON) and binary ``-bin`` values (HTTP headers carry text).
_NOT_HEADERS = frozenset({"accept", "content-type", "user-agent"})
_NEVER_CONNECTED = "failed to connect to all addresses"

Verify = Union[bool, str, ssl.SSLContext]
_T = TypeVar("_T", bound="_RestCalls")


class RestRpcError(grpc.RpcError):
    """A failed REST call, shaped like gRPC's errors."""

    def __init__(
        self,
        code: grpc.StatusCode,
        message: str,
        details_bin: Optional[bytes] = None,
        http_status: Optional[int] = None,
    ) -> None:
        super().__init__(message)
        self._code = code
        self._message = message
        self._details_bin = details_bin
        self.http_status = http_status
        """The HTTP status of an answer that was not a grpc-gateway error (e.g. a proxy's 407)."""

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._message

    def trailing_metadata(self) -> Any:
        return (("grpc-status-details-bin", self._details_bin),) if self._details_bin else ()

    def debug_error_string(self) -> str:
        return self._message

    def __str__(self) -> str:
        return f"{self._code.name}: {self._message}"


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
    and an HTTP answer as a response message or a :class:`RestRpcError`. Subclasses name
    the httpx client class they send with (``_client_class``)."""

    _client_class = "Client"

    def __init__(
        self,
        url: str,
        *,
        verify: Verify = True,
        client: Any = None,
        codec: Codec = CLIENT_JSON,
        routes: Optional[Mapping[str, Sequence[Any]]] = None,
    ) -> None:
        import httpx

        self.url = url
        self._routes = routes if routes is not None else _routes()
        self._codec = codec
        self._httpx = httpx
        if client is None:
            client = getattr(httpx, self._client_class)(base_url=url, verify=verify, trust_env=True)
        self._client = client

    @classmethod
    def connect(cls: Type[_T], connection: Any) -> _T:
        """A transport for a client's :class:`~flyteclient.runtime.client_base.Connection`."""
        url, verify = connection_arguments(connection)
        return cls(url, verify=verify)

    def request(
        self, method: MethodSpec, request: Any, timeout: Optional[float], metadata: Metadata
    ) -> Tuple[HttpRequest, Dict[str, Any]]:
        """The HTTP request and httpx's ``request()`` arguments for one call."""
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
        headers = dict(http.headers)
        for key, value in metadata or ():
            if key not in _NOT_HEADERS and not key.endswith("-bin"):
                headers[key] = value
        if timeout is not None:
            headers["grpc-timeout"] = f"{max(1, int(timeout * 1000))}m"  # the server's deadline too
        kwargs: Dict[str, Any] = {"headers": headers, "timeout": timeout}
        if http.body is not None:
            kwargs["content"] = http.body
        return http, kwargs

    def response(self, http: HttpRequest, method: MethodSpec, answer: Any) -> Any:
        """The response message of a 2xx answer; else raises the answer's :class:`RestRpcError`."""
        status, content_type, body = (
            answer.status_code,
            answer.headers.get("content-type"),
            answer.content,
        )
        if 200 <= status < 300:
            assert http.binding is not None
            return decode_response(http.binding, body, method.response_type(), self._codec)
        error = decode_error(status, body, content_type)
        if status == 404 and http.binding is not None:
            route = f"{http.binding.verb} {http.binding.template.text}"
            error = unrouted_as_unimplemented(error, f"{method.service}.{method.name}", route)
        details = error.to_proto().SerializeToString() if error.details else None
        raise RestRpcError(
            error.code, error.message, details, None if error.from_gateway else status
        )

    @contextlib.contextmanager
    def _sending(self) -> Iterator[None]:
        """Turn httpx's errors while sending into :class:`RestRpcError`."""
        httpx = self._httpx
        try:
            yield
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise RestRpcError(grpc.StatusCode.UNAVAILABLE, f"{_NEVER_CONNECTED}: {exc}") from exc
        except httpx.TimeoutException as exc:
            raise RestRpcError(
                grpc.StatusCode.DEADLINE_EXCEEDED, f"Deadline Exceeded: {exc}"
            ) from exc
        except httpx.HTTPError as exc:
            raise RestRpcError(grpc.StatusCode.UNAVAILABLE, f"{type(exc).__name__}: {exc}") from exc

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r})"


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
    """Sends calls as HTTP/JSON with an ``httpx.Client`` (made from the arguments, or given)."""

    def __call__(
        self, method: MethodSpec, request: Any, timeout: Optional[float], metadata: Metadata
    ) -> Any:
        http, kwargs = self.request(method, request, timeout, metadata)
        with self._sending():
            answer = self._client.request(http.verb, self.url + http.target, **kwargs)
        return self.response(http, method, answer)

    def close(self) -> None:
        self._client.close()


class AsyncRestTransport(_RestCalls):
    """:class:`RestTransport` with an ``httpx.AsyncClient``: calls are awaitable."""

    _client_class = "AsyncClient"

    async def __call__(
        self, method: MethodSpec, request: Any, timeout: Optional[float], metadata: Metadata
    ) -> Any:
        http, kwargs = self.request(method, request, timeout, metadata)
        with self._sending():
            answer = await self._client.request(http.verb, self.url + http.target, **kwargs)
        return self.response(http, method, answer)

    async def close(self) -> None:
        await self._client.aclose()
