"""The ``google.api.http`` machinery of flyteadmin's HTTP/JSON gateway, for both sides.

Pure functions over protobuf descriptors and messages (no HTTP library, no flyteclient
client code): a REST transport builds its requests with it, and LocalAdmin serves the
gateway with it (:mod:`flyteclient.testing.gateway`).

* :mod:`.template` – path templates: :func:`parse_template`, :meth:`PathTemplate.expand`,
  :meth:`PathTemplate.match`;
* :mod:`.routes` – :func:`http_bindings` of a method descriptor, :class:`RouteTable`;
* :mod:`.transcode` – :func:`expand` (request message -> :class:`HttpRequest`),
  :func:`decode_response` (answer body -> response message), :func:`match_request` /
  :func:`decode_request` (HTTP request -> request message);
* :mod:`.query`, :mod:`.values` – query parameters and path/query value texts;
* :mod:`.codec` – bodies as flyteadmin's marshalers write and read them;
* :mod:`.status` – gRPC code <-> HTTP status; :mod:`.errors` – grpc-gateway error bodies.
"""

from .codec import (
    CLIENT_JSON,
    FLYTEADMIN_JSON,
    GATEWAY_DEFAULT_JSON,
    JSON_CONTENT_TYPE,
    PROTO_CONTENT_TYPE,
    PROTOBUF,
    Codec,
    JsonCodec,
    ProtoCodec,
    codecs_for_request,
    json_to_message,
    message_to_dict,
    message_to_json,
)
from .descriptors import is_map, is_repeated, message_class
from .errors import ErrorStatus, decode_error, encode_error
from .query import QueryError, encode_query, parse_query_string, populate_query, query_params
from .routes import HttpBinding, Route, RouteTable, RoutingError, http_bindings
from .status import GatewayError, code_from_http_status, http_status_from_code, status_code
from .template import PathTemplate, TemplateError, parse_template
from .transcode import (
    HttpRequest,
    UnroutableRequest,
    decode_request,
    decode_response,
    expand,
    match_request,
    path_components,
    path_values,
)

__all__ = [
    "CLIENT_JSON",
    "FLYTEADMIN_JSON",
    "GATEWAY_DEFAULT_JSON",
    "JSON_CONTENT_TYPE",
    "PROTO_CONTENT_TYPE",
    "PROTOBUF",
    "Codec",
    "JsonCodec",
    "ProtoCodec",
    "codecs_for_request",
    "json_to_message",
    "is_map",
    "is_repeated",
    "message_class",
    "message_to_dict",
    "message_to_json",
    "ErrorStatus",
    "decode_error",
    "encode_error",
    "QueryError",
    "encode_query",
    "parse_query_string",
    "populate_query",
    "query_params",
    "HttpBinding",
    "Route",
    "RouteTable",
    "RoutingError",
    "http_bindings",
    "GatewayError",
    "code_from_http_status",
    "http_status_from_code",
    "status_code",
    "PathTemplate",
    "TemplateError",
    "parse_template",
    "HttpRequest",
    "UnroutableRequest",
    "decode_request",
    "decode_response",
    "expand",
    "match_request",
    "path_components",
    "path_values",
]
