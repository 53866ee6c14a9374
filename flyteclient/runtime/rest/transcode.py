"""Request message <-> HTTP request, following an RPC's :class:`~.routes.HttpBinding`.

* :func:`expand` (client): the verb, the percent-encoded path, the query parameters,
  the headers and
  the body of a request message, on the first binding whose path variables are all
  non-empty (``ListTasks`` goes to ``/api/v1/tasks/{id.project}/{id.domain}/{id.name}``
  with a name, else to its additional binding without one). An empty value is never sent
  as an empty path segment: flyteadmin's Go server would redirect ``//`` away and route the
  request to another RPC. :func:`decode_response` reads the answer.
* :func:`decode_request` / :func:`match_request` (server): the request message of an
  incoming HTTP request, as flyteadmin's generated grpc-gateway handlers build it: body
  first (``body: "*"`` or the body field), then the path variables (overriding the body),
  then, unless the body is ``*``, the query parameters except those under a path- or
  body-bound field. Any failure is a :class:`~.status.GatewayError` INVALID_ARGUMENT
  with grpc-gateway's message.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple, Union

import grpc
from google.protobuf.message import Message

from .codec import CLIENT_JSON, JSON_CONTENT_TYPE, Codec, codecs_for_request
from .descriptors import FieldDesc, is_repeated, message_class
from .query import (
    QueryError,
    encode_query,
    parse_query_string,
    populate_query,
    query_params,
    set_field_path,
)
from .routes import HttpBinding, Route, RouteTable
from .status import GatewayError
from .template import PathTemplate
from .values import format_value, formattable, parse_value

__all__ = [
    "HttpRequest",
    "UnroutableRequest",
    "expand",
    "decode_response",
    "decode_request",
    "match_request",
    "path_components",
    "path_values",
]


@dataclass(frozen=True)
class HttpRequest:
    """An RPC call as an HTTP request (what :func:`expand` returns)."""

    verb: str
    """``GET``, ``POST``, ``PUT``, ``DELETE``, ``PATCH`` (or a custom verb)."""
    path: str
    """Percent-encoded path, e.g. ``/api/v1/tasks/p/d/my.task/v1``."""
    query: Tuple[Tuple[str, str], ...] = ()
    """Unencoded ``(name, value)`` query parameters, in field order."""
    body: Optional[bytes] = None
    """The body, ``None`` when the binding has none."""
    content_type: Optional[str] = None
    """The body's media type (``None`` without a body)."""
    binding: Optional[HttpBinding] = None
    accept: str = JSON_CONTENT_TYPE
    """The media type to ask the answer in (the codec's)."""

    @property
    def target(self) -> str:
        """Path and encoded query string: the request target to send."""
        return f"{self.path}?{encode_query(self.query)}" if self.query else self.path

    @property
    def headers(self) -> Dict[str, str]:
        """``Accept`` (and ``Content-Type`` with a body): flyteadmin answers in proto field
        names only to ``Accept: application/json``, and reads unknown body fields as errors
        only under ``Content-Type: application/json``."""
        headers = {"Accept": self.accept}
        if self.content_type:
            headers["Content-Type"] = self.content_type
        return headers


class UnroutableRequest(ValueError):
    """The request cannot be sent on any of the RPC's bindings: a path variable is empty
    (or does not fit its template), a set field has no query-parameter form, or the body
    cannot be encoded (JSON of an ``Any`` whose type this process has not imported)."""


def expand(
    bindings: Union[HttpBinding, Sequence[HttpBinding]],
    request: Message,
    codec: Codec = CLIENT_JSON,
) -> HttpRequest:
    """The HTTP request for ``request`` on the first of ``bindings`` it can use.

    ``codec`` writes the body (default: JSON with proto field names, set fields only).
    Raises :class:`UnroutableRequest`."""
    if isinstance(bindings, HttpBinding):
        bindings = (bindings,)
    problems: List[str] = []
    for binding in bindings:
        try:
            path = binding.template.expand(path_values(binding.template, request))
        except ValueError as exc:
            problems.append(str(exc))
            continue
        bound: Set[str] = set(binding.template.field_paths)
        body: Optional[bytes] = None
        query: List[Tuple[str, str]] = []
        try:
            if binding.body == "*":
                body = codec.encode(_without(request, bound))
            else:
                if binding.body:
                    body = codec.encode_value(request, binding.body)
                    bound.add(binding.body)
                query = query_params(request, bound)
        except QueryError as exc:
            raise UnroutableRequest(
                f"{request.DESCRIPTOR.full_name} over {binding}: {exc}"
            ) from None
        except (TypeError, ValueError) as exc:  # json_format: an Any of a type this process lacks
            raise UnroutableRequest(
                f"{request.DESCRIPTOR.full_name}: cannot encode the body: {exc}"
            ) from None
        return HttpRequest(
            binding.verb,
            path,
            tuple(query),
            body,
            codec.content_type if body is not None else None,
            binding,
            codec.content_type,
        )
    name = request.DESCRIPTOR.full_name
    raise UnroutableRequest(
        f"{name} fits none of its HTTP routes: " + "; ".join(problems)
        if problems
        else f"{name} has no HTTP route"
    )


def path_values(template: PathTemplate, request: Message) -> Dict[str, str]:
    """Text of each field bound by ``template`` (``"id.project"`` -> ``"flytesnacks"``);
    :class:`ValueError` for a path naming no scalar field."""
    fields = _PATH_FIELDS.get((template.text, request.DESCRIPTOR))
    if fields is None:
        fields = _path_fields(template, request.DESCRIPTOR)
    values: Dict[str, str] = {}
    for name, parents, last, fd in fields:
        message = request
        for parent in parents:
            message = getattr(message, parent)
        values[name] = format_value(fd, getattr(message, last))
    return values


# (template text, request descriptor) -> each variable's (name, parent fields, field, descriptor)
_PATH_FIELDS: Dict[Tuple[str, Any], Tuple[Tuple[str, Tuple[str, ...], str, FieldDesc], ...]] = {}


def _path_fields(
    template: PathTemplate, desc: Any
) -> Tuple[Tuple[str, Tuple[str, ...], str, FieldDesc], ...]:
    """The fields ``template``'s variables name in messages of ``desc``, checked once."""
    out = []
    for var in template.variables:
        *parents, last = var.field_path
        current = desc
        for name in parents:
            fd = _field_of(current, name, var.name)
            if fd.message_type is None or is_repeated(fd):
                raise ValueError(f"{{{var.name}}}: {name} is not a singular message")
            current = fd.message_type
        fd = _field_of(current, last, var.name)
        if is_repeated(fd) or not formattable(fd.message_type):
            raise ValueError(f"{{{var.name}}}: {last} has no text form")
        out.append((var.name, tuple(parents), last, fd))
    fields = tuple(out)
    _PATH_FIELDS[(template.text, desc)] = fields
    return fields


def _field_of(desc: Any, name: str, var: str) -> FieldDesc:
    fd = desc.fields_by_name.get(name)
    if fd is None:
        raise ValueError(f"{desc.full_name} has no field {name!r} ({{{var}}})")
    return fd


def _without(request: Message, paths: Set[str]) -> Message:
    """A copy of ``request`` with the fields at ``paths`` cleared (body ``*`` leaves out
    what the path carries)."""
    if not paths:
        return request
    copy = type(request)()
    copy.CopyFrom(request)
    for path in paths:
        *parents, last = path.split(".")
        message: Optional[Message] = copy
        for name in parents:
            assert message is not None
            message = getattr(message, name) if message.HasField(name) else None
            if message is None:
                break
        if message is not None:
            message.ClearField(last)
    return copy


def decode_response(
    binding: HttpBinding, body: bytes, response: Message, codec: Codec = CLIENT_JSON
) -> Message:
    """Fill the empty ``response`` from the body of a 200 answer to a request sent on
    ``binding`` (the whole message, or its ``response_body`` field) and return it.
    :class:`ValueError` when the body does not decode."""
    if binding.response_body:
        codec.decode_field(body, response, binding.response_body)
    else:
        codec.decode(body, response)
    return response


# -- server side ----------------------------------------------------------------------
def path_components(path: str) -> List[str]:
    """The decoded segments of a percent-encoded path, as grpc-gateway v2's default
    (legacy) unescaping splits them: decode the whole path, then split at ``/``.
    :class:`GatewayError` INVALID_ARGUMENT for a malformed ``%`` escape, or escapes that
    do not decode to UTF-8 text (``%ff%fe``: no path variable could hold them)."""
    if not path.startswith("/"):
        raise GatewayError(grpc.StatusCode.INVALID_ARGUMENT, "Bad Request")
    i = path.find("%")
    while i != -1:
        if len(path) < i + 3 or not all(c in "0123456789abcdefABCDEF" for c in path[i + 1 : i + 3]):
            raise GatewayError(
                grpc.StatusCode.INVALID_ARGUMENT, f'invalid URL escape "{path[i : i + 3]}"'
            )
        i = path.find("%", i + 3)
    try:
        return urllib.parse.unquote(path[1:], errors="strict").split("/")
    except UnicodeDecodeError:
        raise GatewayError(
            grpc.StatusCode.INVALID_ARGUMENT, "path escapes do not decode to UTF-8 text"
        ) from None


def decode_request(
    binding: HttpBinding,
    path_params: Mapping[str, str],
    query: Sequence[Tuple[str, str]],
    body: bytes,
    request: Message,
    codec: Codec,
) -> Message:
    """Fill the empty ``request`` from the parts of an HTTP request routed to ``binding``:
    ``path_params`` from :meth:`RouteTable.match`, ``query`` from
    :func:`~.query.parse_query_string`, ``body`` read with the inbound ``codec``.
    Raises :class:`GatewayError` INVALID_ARGUMENT."""
    invalid = grpc.StatusCode.INVALID_ARGUMENT
    try:
        if binding.body == "*":
            codec.decode(body, request)
        elif binding.body:
            codec.decode_field(body, request, binding.body)
    except ValueError as exc:
        raise GatewayError(invalid, str(exc)) from None
    for var in binding.template.variables:
        try:
            _set_path_value(request, var.field_path, path_params[var.name])
        except ValueError as exc:
            raise GatewayError(
                invalid, f"type mismatch, parameter: {var.name}, error: {exc}"
            ) from None
    if binding.body != "*":
        skip = [v.field_path for v in binding.template.variables] + (
            [(binding.body,)] if binding.body else []
        )
        try:
            populate_query(request, query, skip)
        except ValueError as exc:
            raise GatewayError(invalid, str(exc)) from None
    return request


def _set_path_value(request: Message, field_path: Tuple[str, ...], text: str) -> None:
    """Set a path variable as the generated handlers do: a top-level enum or scalar with
    grpc-gateway's converters (``runtime.Enum``: name or declared number, "X is not
    valid"), a nested field with ``runtime.PopulateFieldFromPath``."""
    fd = request.DESCRIPTOR.fields_by_name.get(field_path[0])
    if len(field_path) > 1 or fd is None or fd.message_type is not None or is_repeated(fd):
        set_field_path(request, field_path, [text])
    elif fd.enum_type is not None:
        ev = fd.enum_type.values_by_name.get(text)
        if ev is None and re.fullmatch(r"[+-]?\d+", text):
            ev = fd.enum_type.values_by_number.get(int(text))
        if ev is None:
            raise ValueError(f"{text} is not valid")
        setattr(request, fd.name, ev.number)
    else:
        setattr(request, fd.name, parse_value(fd, text))


def match_request(
    table: RouteTable, verb: str, target: str, body: bytes = b"", content_type: Optional[str] = None
) -> Tuple[Route, Message]:
    """The route and request message of an HTTP request (``target``: path and query as
    sent, percent-encoded). Raises :class:`GatewayError` (incl. ``RoutingError``)."""
    path, _, raw_query = target.partition("?")
    route, params = table.match(verb, path_components(path))
    try:  # a body "*" handler never parses the query
        query = parse_query_string(raw_query) if route.binding.body != "*" else []
    except ValueError as exc:
        raise GatewayError(grpc.StatusCode.INVALID_ARGUMENT, str(exc)) from None
    inbound, _ = codecs_for_request(content_type, None)
    request = message_class(route.method.input_type)()
    return route, decode_request(route.binding, params, query, body, request, inbound)
