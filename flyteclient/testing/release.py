"""LocalAdmin as flyteadmin of an older release: ``LocalAdmin(flyteidl_version="1.12.0")``.

What a server of that release does to a newer client, from the API's history
(:mod:`flyteclient.generated.history`; flyteadmin and flyteidl share release numbers):

* an RPC the release lacks is not served: over gRPC it answers UNIMPLEMENTED with
  grpc-go's text (``unknown method GetDomains for service flyteidl.service.AdminService``),
  before any interceptor (auth included) runs, as grpc-go does for a method it has no
  handler for; its HTTP route does not exist, so the gateway answers grpc-gateway's
  routing 404 (``{"code": 5, "message": "Not Found"}``);
* request fields the release does not know are dropped (a proto3 server ignores unknown
  fields), and responses carry none (the release cannot set them);
* ``GetVersion`` reports ``v<release>``.

Enum values newer than the release pass through (proto3 keeps an unknown number).
Releases are those of the history, from the oldest supported one to the one this client
was generated from.
"""

from __future__ import annotations

from typing import Any, Callable, FrozenSet, Optional

import grpc
from google.protobuf.message import Message

from flyteclient.runtime.release import Release, older, parse_release
from flyteclient.runtime.skew import newer_fields, strip_fields

GET_VERSION = "/flyteidl.service.AdminService/GetVersion"


def check_version(version: Any, param: str = "flyteidl_version") -> str:
    """``version`` (``"1.12.0"`` or ``"v1.12.0"``) as a release the history has; a
    ValueError naming ``param`` otherwise."""
    from flyteclient.generated import history

    text = str(version).strip()
    text = text[1:] if text.startswith("v") else text
    if not isinstance(version, str) or text not in history.RELEASES:
        raise ValueError(
            f"{param} must be a flyteidl release from {history.BASELINE} to "
            f"{history.RELEASES[-1]} (the API's history: {', '.join(history.RELEASES)}), "
            f"got {version!r}"
        )
    return text


class ReleaseEmulation:
    """The behaviour of flyteadmin ``version`` (see the module docstring)."""

    def __init__(self, version: str) -> None:
        from flyteclient.generated import history

        self.version = check_version(version)
        release = parse_release(self.version)
        assert release is not None
        self.release: Release = release
        #: gRPC paths (``/package.Service/Method``) of the RPCs this release lacks
        self.missing: FrozenSet[str] = frozenset(
            path for path, added in history.RPCS.items() if older(release, added)
        )

    def interceptor(self) -> grpc.ServerInterceptor:
        """The server interceptor that makes LocalAdmin this release (put it first)."""
        return _ReleaseInterceptor(self)

    def drop_unknown(self, message: Any) -> Any:
        """``message`` without the fields this release does not know (a copy when any
        had to go: a servicer's answer may be LocalAdmin's own object)."""
        if not newer_fields(message, self.release):
            return message
        copy = type(message)()
        copy.CopyFrom(message)
        strip_fields(copy, self.release)
        return copy

    def __repr__(self) -> str:
        return f"ReleaseEmulation({self.version!r})"


class _ReleaseInterceptor(grpc.ServerInterceptor):
    def __init__(self, emulation: ReleaseEmulation) -> None:
        self.emulation = emulation

    def intercept_service(
        self, continuation: Callable[[Any], Any], handler_call_details: Any
    ) -> Any:
        method = handler_call_details.method
        if method in self.emulation.missing:
            return _unknown_method(method)
        handler = continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        serve = handler.unary_unary
        emulation = self.emulation
        version = method == GET_VERSION

        def unary(request: Any, context: grpc.ServicerContext) -> Any:
            if isinstance(request, Message):  # not the raw bytes of a handler that only denies
                strip_fields(request, emulation.release)
            response = serve(request, context)
            if not isinstance(response, Message):
                return response
            response = emulation.drop_unknown(response)
            if version:
                response.control_plane_version.Version = f"v{emulation.version}"
            return response

        return grpc.unary_unary_rpc_method_handler(
            unary,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


def _unknown_method(path: str) -> grpc.RpcMethodHandler:
    service, _, name = path[1:].partition("/")
    text = f"unknown method {name} for service {service}"  # grpc-go's status message

    def answer(request: Any, context: grpc.ServicerContext) -> Optional[Any]:
        context.abort(grpc.StatusCode.UNIMPLEMENTED, text)
        return None

    return grpc.unary_unary_rpc_method_handler(answer)
