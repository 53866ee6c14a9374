"""LocalAdmin's HTTP/JSON gateway: flyteadmin's grpc-gateway routes over the servicers.

Every RPC of the served services that has a ``google.api.http`` rule is routed (the route
table comes from the descriptors, :class:`~flyteclient.runtime.rest.RouteTable`), its
request message built from the path, query and body as flyteadmin's generated handlers
build it (:func:`~flyteclient.runtime.rest.decode_request`), and the *same servicer
method* the gRPC server calls is called with a :class:`~.context.GatewayContext`, through
the same server interceptors (so LocalAdmin's :class:`~flyteclient.testing.auth.AuthInterceptor`
checks the ``Authorization`` header exactly as it checks gRPC metadata, and exempts
AuthMetadataService the same way). The answer is marshaled as flyteadmin's mux does
(:mod:`flyteclient.runtime.rest.codec`), failures as grpc-gateway error bodies with the
mapped HTTP status.

Also from flyteadmin's HTTP server: ``GET /healthcheck`` answers 200; a path that Go's
``http.ServeMux`` would clean (``//``, ``/./``, ``/../``) is redirected (301); a path with a
malformed ``%`` escape, or escapes that are not UTF-8 (``%ff%fe``), is a plain-text 400;
a ``POST`` with ``Content-Type: application/x-www-form-urlencoded`` to a path only a GET
route matches is served by that route with the form as query parameters
(grpc-gateway's path-length fallback, for filters too long for a URL), and
``X-HTTP-Method-Override`` applies to such a request.

Headers follow flyteadmin's rules (:mod:`.headers`): ``Authorization``, the configured HTTP
authorization header (``flyte-authorization`` by default) and ``Grpc-Metadata-*``. The
gateway reaches flyteadmin's gRPC server through a grpc-go client whose receive limit is
``maxMessageSizeBytes`` (grpc-go's 4 MiB when unset), and the server's own receive limit
is the same: a request or response over ``max_message_bytes`` is answered RESOURCE_EXHAUSTED
"grpc: received message larger than max (N vs. L)" (HTTP 429) without being served.
"""

from __future__ import annotations

import json
import time
from typing import Any, Collection, Dict, List, Optional, Sequence, Tuple

import grpc
from flyteidl.service import identity_pb2
from google.protobuf.descriptor import ServiceDescriptor
from google.protobuf.message import Message
from google.rpc import status_pb2

from flyteclient.runtime.rest import (
    Codec,
    GatewayError,
    Route,
    RouteTable,
    RoutingError,
    codecs_for_request,
    decode_request,
    encode_error,
    message_class,
    parse_query_string,
    path_components,
)

from ..http_server import Request, Response, text_response
from .context import Aborted, GatewayContext
from .headers import (
    DEFAULT_HTTP_AUTHORIZATION_HEADER,
    HeaderError,
    clean_path,
    deadline_seconds,
    escaped_path,
    incoming_metadata,
    outgoing_headers,
)

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
#: grpc-go's default receive limit (the gateway's client and flyteadmin's gRPC server)
DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024
DETAILS_KEY = "grpc-status-details-bin"
_INVALID = grpc.StatusCode.INVALID_ARGUMENT


class _CallDetails(grpc.HandlerCallDetails):
    def __init__(self, method: str, invocation_metadata: Sequence[Tuple[str, Any]]) -> None:
        self.method = method
        self.invocation_metadata = tuple(invocation_metadata)


class Gateway:
    """``Gateway(services, interceptors).handle`` is an :class:`HttpServer` route handler.

    :param services: ``(service descriptor, servicer)`` pairs, in flyteadmin's registration
        order (it decides which route wins when two templates match a path).
    :param interceptors: the gRPC server's interceptors, applied to every call in order.
    :param authorization_header: flyteadmin's ``httpAuthorizationHeader``: this HTTP
        header's value is passed as ``authorization`` metadata (as is ``Authorization``).
    :param max_message_bytes: the internal gRPC hop's limit on a request or response.
    :param exclude: gRPC paths of RPCs without routes (an older release lacks them: a
        request for one gets grpc-gateway's routing 404).
    """

    def __init__(
        self,
        services: Sequence[Tuple[ServiceDescriptor, Any]],
        interceptors: Sequence[grpc.ServerInterceptor] = (),
        authorization_header: str = DEFAULT_HTTP_AUTHORIZATION_HEADER,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        exclude: Collection[str] = (),
    ) -> None:
        self.table = RouteTable((d for d, _ in services), exclude)
        self._interceptors = tuple(interceptors)
        self.authorization_header = authorization_header
        self.max_message_bytes = max_message_bytes
        self._handlers: Dict[str, grpc.RpcMethodHandler] = {}
        for desc, servicer in services:
            for method in desc.methods:
                impl = getattr(servicer, method.name)
                self._handlers[f"/{desc.full_name}/{method.name}"] = (
                    grpc.unary_unary_rpc_method_handler(impl)
                )

    # -- HTTP -----------------------------------------------------------------------
    def handle(self, req: Request) -> Response:
        """Answer one HTTP request (any path the server's other routes do not take)."""
        if req.path == "/healthcheck":
            return 200, {}, b""
        cleaned = clean_path(req.path)
        if cleaned != req.path:
            location = escaped_path(cleaned) + (f"?{req.raw_query}" if req.raw_query else "")
            return (
                301,
                {"Location": location, "Content-Type": "text/html; charset=utf-8"},
                f'<a href="{location}">Moved Permanently</a>.\n'.encode(),
            )
        try:
            components = path_components(req.raw_path)
        except GatewayError:
            return text_response(400, "400 Bad Request")
        inbound, outbound = codecs_for_request(
            req.headers.get("content-type"), req.headers.get("accept")
        )
        try:
            return self._serve(req, components, inbound, outbound)
        except GatewayError as err:
            return self._error(err.code, err.message, (), outbound, ())

    def _serve(
        self, req: Request, components: List[str], inbound: Codec, outbound: Codec
    ) -> Response:
        verb, form = req.method, None
        fallback = verb == "POST" and req.headers.get("content-type") == FORM_CONTENT_TYPE
        override = req.headers.get("x-http-method-override")
        if override and fallback:
            form, verb, fallback = self._form(req), override.upper(), False
        route, params, form = self._route(verb, components, fallback, req, form)
        try:
            metadata = incoming_metadata(
                req.headers, req.client[0] if req.client else None, self.authorization_header
            )
            timeout = deadline_seconds(req.headers.get("grpc-timeout"))
        except HeaderError as exc:
            raise GatewayError(_INVALID, str(exc)) from None
        query: List[Tuple[str, str]] = []
        if route.binding.body != "*":
            try:
                query = (form or []) + parse_query_string(req.raw_query)
            except ValueError as exc:
                raise GatewayError(_INVALID, str(exc)) from None
        body = req.body if route.binding.body and form is None else b""
        request = decode_request(
            route.binding, params, query, body, message_class(route.method.input_type)(), inbound
        )
        deadline = time.monotonic() + timeout if timeout is not None else None
        peer = f"ipv4:{req.client[0]}:{req.client[1]}" if req.client else ""
        return self._call(route, request, GatewayContext(metadata, deadline, peer), outbound)

    def _route(
        self,
        verb: str,
        components: List[str],
        fallback: bool,
        req: Request,
        form: Optional[List[Tuple[str, str]]],
    ) -> Tuple[Route, Dict[str, str], Optional[List[Tuple[str, str]]]]:
        try:
            route, params = self.table.match(verb, components)
            return route, params, form
        except RoutingError as err:
            if not fallback or err.code != grpc.StatusCode.UNIMPLEMENTED:
                raise
            try:
                route, params = self.table.match("GET", components)
            except RoutingError:
                raise err from None
            return route, params, self._form(req)

    @staticmethod
    def _form(req: Request) -> List[Tuple[str, str]]:
        try:
            return parse_query_string(req.body.decode("utf-8", "replace"))
        except ValueError as exc:
            raise GatewayError(_INVALID, str(exc)) from None

    # -- the call ----------------------------------------------------------------------
    def _handler(
        self, full_method: str, metadata: Sequence[Tuple[str, Any]]
    ) -> Optional[grpc.RpcMethodHandler]:
        """The method handler after the server interceptors, as gRPC resolves it."""

        def resolve(
            index: int, details: grpc.HandlerCallDetails
        ) -> Optional[grpc.RpcMethodHandler]:
            if index == len(self._interceptors):
                return self._handlers.get(details.method)
            return self._interceptors[index].intercept_service(
                lambda d: resolve(index + 1, d), details
            )

        return resolve(0, _CallDetails(full_method, metadata))

    def _call(
        self, route: Route, request: Message, ctx: GatewayContext, outbound: Codec
    ) -> Response:
        too_large = self._over_limit(request)
        if too_large:  # refused by the gRPC server before anything runs
            return self._error(grpc.StatusCode.RESOURCE_EXHAUSTED, too_large, (), outbound, ())
        handler = self._handler(route.full_method, ctx.invocation_metadata())
        response: Any = None
        code: Optional[grpc.StatusCode] = None
        try:
            if handler is None or handler.unary_unary is None:
                code, ctx.status_details = grpc.StatusCode.UNIMPLEMENTED, "Method not found!"
            else:
                response = handler.unary_unary(request, ctx)
        except Aborted:
            code = ctx.status_code
        except Exception as exc:  # noqa: BLE001 - gRPC answers UNKNOWN for a servicer's exception
            code = (
                ctx.status_code
                if ctx.status_code != grpc.StatusCode.OK
                else grpc.StatusCode.UNKNOWN
            )
            if not ctx.status_details:
                ctx.status_details = f"Exception calling application: {exc}"
        finally:
            ctx.run_callbacks()
        if code is None:
            code = ctx.status_code
            if code == grpc.StatusCode.OK and ctx.expired():
                code, ctx.status_details = (
                    grpc.StatusCode.DEADLINE_EXCEEDED,
                    "context deadline exceeded",
                )
        if code != grpc.StatusCode.OK:
            return self._error(
                code, ctx.status_details, _details(ctx.trailing), outbound, ctx.initial
            )
        too_large = self._over_limit(response)
        if too_large:  # the gateway's gRPC client refuses the answer
            return self._error(grpc.StatusCode.RESOURCE_EXHAUSTED, too_large, (), outbound, ())
        headers = {
            "Content-Type": outbound.content_type,
            **outgoing_headers(ctx.initial),
            **_user_info(response),
        }
        field = route.binding.response_body
        body = outbound.encode_value(response, field) if field else outbound.encode(response)
        return 200, headers, body

    def _over_limit(self, message: Message) -> str:
        """grpc-go's refusal of a message over the hop's limit ("" when it fits)."""
        size = message.ByteSize()
        if size <= self.max_message_bytes:
            return ""
        return f"grpc: received message larger than max ({size} vs. {self.max_message_bytes})"

    @staticmethod
    def _error(
        code: grpc.StatusCode,
        message: str,
        details: Sequence[Message],
        codec: Codec,
        initial: Sequence[Tuple[str, Any]],
    ) -> Response:
        status, body = encode_error(code, message, details, codec)
        headers = {"Content-Type": codec.content_type, **outgoing_headers(initial)}
        if code == grpc.StatusCode.UNAUTHENTICATED:
            headers["WWW-Authenticate"] = _header_text(message)
        return status, headers, body


def _details(trailing: Sequence[Tuple[str, Any]]) -> List[Any]:
    """The ``Any`` details of a ``grpc-status-details-bin`` trailer (what grpc-go's client
    puts into the status the gateway marshals)."""
    for key, value in trailing:
        if key == DETAILS_KEY:
            return list(status_pb2.Status.FromString(value).details)
    return []


def _user_info(response: Any) -> Dict[str, str]:
    """flyteadmin's ``GetUserInfoForwardResponseHandler``: ``X-User-Subject`` and one
    ``X-User-Claim-<name>`` (JSON) per additional claim of a UserInfo answer."""
    if not isinstance(response, identity_pb2.UserInfoResponse):
        return {}
    from google.protobuf import json_format

    headers = {"X-User-Subject": _header_text(response.subject)}
    for name, value in response.additional_claims.fields.items():
        headers[f"X-User-Claim-{name.replace('_', '-')}"] = _header_text(
            json.dumps(json_format.MessageToDict(value), separators=(",", ":"))
        )
    return headers


def _header_text(text: str) -> str:
    """``text`` as an HTTP header value: UTF-8 bytes sent as they are (as Go writes them),
    line breaks as spaces."""
    return text.replace("\r", " ").replace("\n", " ").encode("utf-8").decode("latin-1")
