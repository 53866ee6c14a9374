"""A ``grpc.ServicerContext`` for servicer methods called by the HTTP gateway.

It records what a servicer (or a server interceptor's handler) does to the call: ``abort``
and ``abort_with_status`` raise :class:`Aborted` like gRPC's own context does;
``set_code``/``set_details``, initial and trailing metadata (``grpc-status-details-bin``
included) are kept for the gateway to turn into the HTTP response. Metadata, deadline and
peer come from the HTTP request.
"""

from __future__ import annotations

import time
from typing import Any, Callable, List, Optional, Sequence, Tuple

import grpc

Metadata = Tuple[Tuple[str, Any], ...]


class Aborted(grpc.RpcError):
    """Raised by :meth:`GatewayContext.abort`; a ``grpc.RpcError`` so that LocalAdmin's
    ``rpc_method`` wrapper lets it through, as it does gRPC's own abort exception."""


class GatewayContext(grpc.ServicerContext):
    """The servicer context of one gateway call."""

    def __init__(
        self, metadata: Sequence[Tuple[str, Any]], deadline: Optional[float], peer: str
    ) -> None:
        self._metadata: Metadata = tuple(metadata)
        self._deadline = deadline  # time.monotonic() value, or None
        self._peer = peer
        self._callbacks: List[Callable[[], None]] = []
        self.status_code: grpc.StatusCode = grpc.StatusCode.OK
        self.status_details: str = ""
        self.initial: Metadata = ()
        self.trailing: Metadata = ()

    # -- what the servicer reads ------------------------------------------------
    def invocation_metadata(self) -> Metadata:
        return self._metadata

    def peer(self) -> str:
        return self._peer

    def peer_identities(self) -> Optional[Sequence[bytes]]:
        return None

    def peer_identity_key(self) -> Optional[str]:
        return None

    def auth_context(self) -> Any:
        return {}

    def is_active(self) -> bool:
        return self._deadline is None or time.monotonic() < self._deadline

    def time_remaining(self) -> Optional[float]:  # type: ignore[override]  # None: no deadline, as gRPC
        return None if self._deadline is None else max(0.0, self._deadline - time.monotonic())

    def expired(self) -> bool:
        """Whether the call's deadline (the ``Grpc-Timeout`` header) has passed."""
        return not self.is_active()

    # -- what the servicer sets -------------------------------------------------
    def abort(self, code: grpc.StatusCode, details: str) -> Any:
        if code == grpc.StatusCode.OK:  # gRPC answers UNKNOWN for an abort with OK
            code = grpc.StatusCode.UNKNOWN
        self.status_code, self.status_details = code, details
        raise Aborted(details)

    def abort_with_status(self, status: grpc.Status) -> Any:
        self.set_trailing_metadata(tuple(status.trailing_metadata or ()))
        self.abort(status.code, status.details)

    def set_code(self, code: grpc.StatusCode) -> None:
        self.status_code = code

    def set_details(self, details: str) -> None:
        self.status_details = details

    def code(self) -> grpc.StatusCode:
        return self.status_code

    def details(self) -> str:
        return self.status_details

    def send_initial_metadata(self, initial_metadata: Any) -> None:
        self.initial = tuple(initial_metadata)

    def set_trailing_metadata(self, trailing_metadata: Any) -> None:
        self.trailing = tuple(trailing_metadata)

    def trailing_metadata(self) -> Metadata:
        return self.trailing

    # -- the rest of the interface --------------------------------------------------
    def add_callback(self, callback: Callable[[], None]) -> bool:
        self._callbacks.append(callback)
        return True

    def run_callbacks(self) -> None:
        """Run the callbacks registered with :meth:`add_callback` (at the end of the call)."""
        for callback in self._callbacks:
            callback()

    def cancel(self) -> None:
        pass

    def disable_next_message_compression(self) -> None:
        pass

    def set_compression(self, compression: Any) -> None:
        pass
