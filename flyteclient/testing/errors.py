"""gRPC error helpers: flyteadmin-style statuses with admin messages as details."""

from __future__ import annotations

import collections
import functools
import logging
from typing import Any, Callable, Iterable, Optional, Sequence

import grpc
from google.protobuf import any_pb2, text_format
from google.protobuf.message import Message
from google.rpc import status_pb2

_LOG = logging.getLogger("flyteclient.testing")

#: flyteadmin truncates longer messages and then drops the details. Here the limit
#: applies to the message as sent: gRPC percent-encodes every byte of the UTF-8 text
#: outside printable ASCII (and ``%``) in the ``grpc-message`` header, up to 3x.
MAX_MESSAGE_BYTES = 32_000
DETAILS_KEY = "grpc-status-details-bin"


class AdminError(Exception):
    """An error answered to the client as a gRPC status.

    ``details`` are protobuf messages; they are ``Any``-packed into a
    ``google.rpc.Status`` carried in the ``grpc-status-details-bin`` trailer.
    """

    def __init__(
        self, code: grpc.StatusCode, message: str, details: Sequence[Message] = ()
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = list(details)


def invalid(message: str, *details: Message) -> AdminError:
    return AdminError(grpc.StatusCode.INVALID_ARGUMENT, message, details)


def not_found(message: str, *details: Message) -> AdminError:
    return AdminError(grpc.StatusCode.NOT_FOUND, message, details)


def already_exists(message: str, *details: Message) -> AdminError:
    return AdminError(grpc.StatusCode.ALREADY_EXISTS, message, details)


def failed_precondition(message: str, *details: Message) -> AdminError:
    return AdminError(grpc.StatusCode.FAILED_PRECONDITION, message, details)


class _Status(
    collections.namedtuple("_Status", ("code", "details", "trailing_metadata")), grpc.Status
):
    pass


def _encoded_size(ch: str) -> int:
    """Bytes ``ch`` takes in a percent-encoded ``grpc-message`` header."""
    if " " <= ch <= "~":
        return 3 if ch == "%" else 1
    return 3 * len(ch.encode("utf-8", "surrogatepass"))


def truncate_message(message: str, limit: int = MAX_MESSAGE_BYTES) -> str:
    """``message`` unchanged if its percent-encoded size is within ``limit``, else cut
    (at a character boundary) so that it, plus a marker saying how much was cut, is."""
    sizes = [_encoded_size(ch) for ch in message]
    total = sum(sizes)
    if total <= limit:
        return message
    marker = f" ... [truncated: {total} bytes when encoded, limit {limit}]"
    budget = limit - len(marker)
    kept = 0
    for size in sizes:
        if budget < size:
            break
        budget -= size
        kept += 1
    return message[:kept] + marker


def to_grpc_status(err: AdminError) -> grpc.Status:
    """Build the ``grpc.Status`` (with rich details trailer) for an :class:`AdminError`."""
    message = truncate_message(err.message)
    details = err.details if message is err.message else []
    trailing: tuple = ()
    if details:
        st = status_pb2.Status(code=err.code.value[0], message=message)
        for d in details:
            a = any_pb2.Any()
            a.Pack(d)
            st.details.append(a)
        trailing = ((DETAILS_KEY, st.SerializeToString()),)
    return _Status(err.code, message, trailing)


def id_text(msg: Optional[Message]) -> str:
    """One-line text rendering of an identifier, as used in error messages."""
    if msg is None:
        return "<nil>"
    return text_format.MessageToString(msg, as_one_line=True)


def rpc_method(fn: Callable) -> Callable:
    """Wrap a servicer method: run it in one store transaction, map errors to statuses.

    :class:`AdminError` becomes its status; any other exception becomes
    INTERNAL (never UNKNOWN), so bad input cannot take the server down.
    """

    @functools.wraps(fn)
    def wrapper(self: Any, request: Any, context: grpc.ServicerContext) -> Any:
        try:
            with self.store.transaction():  # all of the RPC's writes, or none
                return fn(self, request, context)
        except AdminError as err:
            context.abort_with_status(to_grpc_status(err))
        except Exception as exc:  # noqa: BLE001 - catch-all is the point
            if isinstance(exc, grpc.RpcError) or type(exc).__name__ == "_AbortionError":
                raise
            _LOG.exception("internal error in %s", fn.__name__)
            context.abort(
                grpc.StatusCode.INTERNAL,
                truncate_message(f"internal error: {type(exc).__name__}: {exc}"),
            )

    return wrapper


def wrap_service(cls: type, method_names: Iterable[str]) -> type:
    """Apply :func:`rpc_method` to each named method ``cls`` implements (including via mixins)."""
    for name in method_names:
        fn = getattr(cls, name, None)
        if fn is None or getattr(fn, "__module__", "").endswith("_pb2_grpc"):
            continue  # not implemented here: leave the generated UNIMPLEMENTED stub
        setattr(cls, name, rpc_method(fn))
    return cls


def service(descriptor: Any) -> Callable[[type], type]:
    """Class decorator: wrap every RPC of ``descriptor`` (a ServiceDescriptor) implemented by the class."""

    def deco(cls: type) -> type:
        return wrap_service(cls, [m.name for m in descriptor.methods])

    return deco
