"""HTTP bindings of RPCs, read from their ``google.api.http`` options, and the route table.

Every route is derived from the method descriptors (``MethodDescriptor.GetOptions()
.Extensions[google.api.annotations_pb2.http]``): the primary rule and its
``additional_bindings``, in order. Nothing here is written per route.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Collection, Dict, Iterable, List, Optional, Tuple

import grpc
from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor

from .status import GatewayError
from .template import PathTemplate, parse_template

__all__ = ["HttpBinding", "Route", "RouteTable", "RoutingError", "http_bindings"]

_VERBS = ("get", "put", "post", "delete", "patch")


@dataclass(frozen=True)
class HttpBinding:
    """One way to call an RPC over HTTP: verb, path template, what goes in the body.

    ``body`` is ``""`` (no body: every field not in the path is a query parameter), ``"*"``
    (every field not in the path is in the JSON body, no query parameters) or a field name
    (that field is the body, the rest are query parameters). ``response_body`` names the
    response field sent as the HTTP body (``""``: the whole response)."""

    verb: str
    template: PathTemplate
    body: str = ""
    response_body: str = ""

    @classmethod
    def parse(cls, verb: str, path: str, body: str = "", response_body: str = "") -> "HttpBinding":
        """A binding from its parts, e.g. ``HttpBinding.parse("get", "/api/v1/tasks/{id.project}")``."""
        return cls(verb.upper(), parse_template(path), body, response_body)

    def __str__(self) -> str:
        return f"{self.verb} {self.template.text}" + (f" (body: {self.body})" if self.body else "")


def http_bindings(method: MethodDescriptor) -> Tuple[HttpBinding, ...]:
    """The HTTP bindings of ``method``: its ``google.api.http`` rule first, then the rule's
    ``additional_bindings``; empty when the method has no rule."""
    from google.api import annotations_pb2

    options = method.GetOptions()
    extension: Any = annotations_pb2.http  # typed as a plain FieldDescriptor by the stubs
    if not options.HasExtension(extension):
        return ()
    rule = options.Extensions[extension]
    return tuple(
        b for b in (_binding(r) for r in [rule, *rule.additional_bindings]) if b is not None
    )


def _binding(rule: Any) -> Optional[HttpBinding]:
    kind = rule.WhichOneof("pattern")
    if kind is None:
        return None
    if kind == "custom":
        verb, path = rule.custom.kind, rule.custom.path
    else:
        verb, path = kind, getattr(rule, kind)
    return HttpBinding.parse(verb, path, rule.body, rule.response_body)


@dataclass(frozen=True)
class Route:
    """An RPC's binding: ``full_method`` is the gRPC path ``/package.Service/Method``."""

    method: MethodDescriptor = field(compare=False)
    binding: HttpBinding
    index: int  # 0: the rule itself; 1..: its additional_bindings

    @property
    def full_method(self) -> str:
        return f"/{self.method.containing_service.full_name}/{self.method.name}"


class RoutingError(GatewayError):
    """No route for a request, as grpc-gateway v2's ``DefaultRoutingErrorHandler`` says it:
    NOT_FOUND "Not Found" (HTTP 404) when no template matches the path, UNIMPLEMENTED
    "Method Not Allowed" (HTTP 501) when only another verb's template does."""


class RouteTable:
    """The routes of some services, for both directions.

    ``bindings(full_method)`` gives an RPC's bindings (client side);
    ``match(verb, components)`` finds the route of an incoming request (server side).
    Like grpc-gateway's ``ServeMux`` (which prepends each handler it registers), when two
    templates match the same path the one registered *last* wins: services in the order
    given, methods in declaration order, a rule before its additional bindings."""

    def __init__(
        self, services: Iterable[ServiceDescriptor], exclude: Collection[str] = ()
    ) -> None:
        """``exclude``: gRPC paths (``/package.Service/Method``) of RPCs left out."""
        routes: List[Route] = []
        unrouted: List[str] = []
        for service in services:
            for method in service.methods:
                if f"/{service.full_name}/{method.name}" in exclude:
                    continue
                bindings = http_bindings(method)
                routes.extend(Route(method, b, i) for i, b in enumerate(bindings))
                if not bindings:
                    unrouted.append(f"{service.full_name}.{method.name}")
        self.routes: Tuple[Route, ...] = tuple(routes)
        #: ``package.Service.Method`` of every RPC without an HTTP rule
        self.unrouted: Tuple[str, ...] = tuple(unrouted)
        self._by_method: Dict[str, Tuple[HttpBinding, ...]] = {}
        for r in routes:
            self._by_method[r.full_method] = self._by_method.get(r.full_method, ()) + (r.binding,)
        self._by_verb: Dict[str, List[Route]] = {}
        for r in reversed(routes):
            self._by_verb.setdefault(r.binding.verb, []).append(r)

    def bindings(self, full_method: str) -> Tuple[HttpBinding, ...]:
        """Bindings of ``/package.Service/Method`` (empty when it has no HTTP rule)."""
        return self._by_method.get(full_method, ())

    def match(self, verb: str, components: List[str]) -> Tuple[Route, Dict[str, str]]:
        """The route for ``verb`` and the decoded path ``components`` (the path after its
        leading ``/``, split at ``/``) with the captured path variables.

        Raises :class:`RoutingError`."""
        for route in self._by_verb.get(verb.upper(), ()):
            captured = route.binding.template.match(components)
            if captured is not None:
                return route, captured
        for other, routes in self._by_verb.items():
            if other != verb.upper() and any(
                r.binding.template.match(components) is not None for r in routes
            ):
                raise RoutingError(grpc.StatusCode.UNIMPLEMENTED, "Method Not Allowed")
        raise RoutingError(grpc.StatusCode.NOT_FOUND, "Not Found")
