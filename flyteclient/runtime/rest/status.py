"""gRPC status code <-> HTTP status, and the error type of the gateway machinery.

* :func:`http_status_from_code` is grpc-gateway v2's ``runtime.HTTPStatusFromCode``
  (what flyteadmin's gateway answers for a gRPC status; FAILED_PRECONDITION is 400, not
  412, deliberately).
* :func:`code_from_http_status` is gRPC's own table for a response that carries no gRPC
  status (``doc/http-grpc-status-mapping.md`` in grpc/grpc): what a gRPC client reports
  when an ingress or proxy answers instead of flyteadmin (an HTML 502, a 401 page). A REST
  client uses it when the body is not a grpc-gateway error, so both transports raise the
  same code for the same intermediary. The two tables are not inverses of each other.
"""

from __future__ import annotations

from typing import Dict, Union

import grpc

__all__ = ["GatewayError", "code_from_http_status", "http_status_from_code", "status_code"]

_C = grpc.StatusCode

_HTTP_FROM_CODE: Dict[_C, int] = {
    _C.OK: 200,
    _C.CANCELLED: 499,
    _C.UNKNOWN: 500,
    _C.INVALID_ARGUMENT: 400,
    _C.DEADLINE_EXCEEDED: 504,
    _C.NOT_FOUND: 404,
    _C.ALREADY_EXISTS: 409,
    _C.PERMISSION_DENIED: 403,
    _C.UNAUTHENTICATED: 401,
    _C.RESOURCE_EXHAUSTED: 429,
    _C.FAILED_PRECONDITION: 400,
    _C.ABORTED: 409,
    _C.OUT_OF_RANGE: 400,
    _C.UNIMPLEMENTED: 501,
    _C.INTERNAL: 500,
    _C.UNAVAILABLE: 503,
    _C.DATA_LOSS: 500,
}

_CODE_FROM_HTTP: Dict[int, _C] = {
    400: _C.INTERNAL,
    401: _C.UNAUTHENTICATED,
    403: _C.PERMISSION_DENIED,
    404: _C.UNIMPLEMENTED,
    429: _C.UNAVAILABLE,
    502: _C.UNAVAILABLE,
    503: _C.UNAVAILABLE,
    504: _C.UNAVAILABLE,
}

_BY_VALUE: Dict[int, _C] = {c.value[0]: c for c in _C}


def status_code(code: Union[_C, int]) -> _C:
    """``code`` as a ``grpc.StatusCode``; an int outside the 17 codes is UNKNOWN."""
    if isinstance(code, _C):
        return code
    return _BY_VALUE.get(int(code), _C.UNKNOWN)


def http_status_from_code(code: Union[_C, int]) -> int:
    """The HTTP status grpc-gateway answers for ``code`` (500 for an unknown code)."""
    return _HTTP_FROM_CODE.get(status_code(code), 500)


def code_from_http_status(http_status: int) -> _C:
    """The gRPC code for an HTTP response without a gRPC status (gRPC's mapping): 400
    INTERNAL, 401 UNAUTHENTICATED, 403 PERMISSION_DENIED, 404 UNIMPLEMENTED, 429/502/503/504
    UNAVAILABLE, 1xx INTERNAL, anything else UNKNOWN."""
    if 100 <= http_status < 200:
        return _C.INTERNAL
    return _CODE_FROM_HTTP.get(http_status, _C.UNKNOWN)


class GatewayError(Exception):
    """A request the gateway answers with a gRPC status before (or instead of) calling the
    RPC: a routing failure, a path/query/body that does not convert to the request message."""

    def __init__(self, code: _C, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def http_status(self) -> int:
        return http_status_from_code(self.code)
