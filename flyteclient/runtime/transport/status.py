"""A failed call the transport itself reports, shaped like gRPC's errors so that the retry
and error-mapping layers treat it like any other status."""

from __future__ import annotations

from typing import Any, Optional

import grpc


class StatusRpcError(grpc.RpcError):
    """A gRPC status made on the client side: ``code()``, ``details()`` and, when there
    are flyteidl error details, ``grpc-status-details-bin`` in ``trailing_metadata()``."""

    def __init__(
        self, code: grpc.StatusCode, message: str, details_bin: Optional[bytes] = None
    ) -> None:
        super().__init__(message)
        self._code = code
        self._message = message
        self._details_bin = details_bin

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


def refused_metadata(metadata: Any) -> Optional[StatusRpcError]:
    """INTERNAL "Invalid metadata: ..." if gRPC cannot send ``metadata``, else None.

    grpcio >= 1.81 reports such metadata as that status; older releases raise a bare
    ``TypeError`` or ``ValueError`` from inside the call (``grpc.aio``: a private
    ``ExecuteBatchError``), which the transports turn into the same status."""
    from ..interceptors.metadata import check_metadata

    try:
        check_metadata(list(metadata or ()))
    except (TypeError, ValueError) as exc:
        return StatusRpcError(grpc.StatusCode.INTERNAL, f"Invalid metadata: {exc}")
    return None
