"""Exceptions raised by flyteclient. The gRPC status -> class table is generated
(``flyteclient.generated.errors``) from ``codegen/surface.toml``; the classes are here.

Every exception raised for a failed call carries the gRPC status ``code``, the server's
message (also in ``str(e)``), the ``rpc`` name, the decoded flyteidl error ``details``
(``EventFailureReason``, ``CreateWorkflowFailureReason``, ``InactiveProject``) and has the
original ``grpc.RpcError`` as ``__cause__``.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import grpc


class FlyteException(Exception):
    """Base class of every flyteclient error."""

    def __init__(
        self,
        message: str = "",
        *,
        code: Optional[grpc.StatusCode] = None,
        rpc: Optional[str] = None,
        details: Sequence[Any] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.rpc = rpc
        self.details = tuple(details)

    def __str__(self) -> str:
        prefix = []
        if self.rpc:
            prefix.append(self.rpc)
        if self.code is not None:
            prefix.append(self.code.name)
        return f"{' '.join(prefix)}: {self.message}" if prefix else self.message

    def detail(self, message_type: type) -> Optional[Any]:
        """The first decoded error detail of ``message_type``, or None."""
        return next((d for d in self.details if isinstance(d, message_type)), None)


class FlyteAuthenticationException(FlyteException):
    """UNAUTHENTICATED: no valid credentials (after one refresh and retry)."""


class FlyteEntityAlreadyExistsException(FlyteException):
    """ALREADY_EXISTS: an identical entity is already registered."""


class FlyteEntityNotExistException(FlyteException):
    """NOT_FOUND."""


class FlyteInvalidInputException(FlyteException):
    """INVALID_ARGUMENT: the server rejected the request."""


class FlyteEntityDifferentStructureException(FlyteInvalidInputException):
    """A *different* definition is registered under the same id and version.

    Deliberately not a :class:`FlyteEntityAlreadyExistsException`: code written to ignore
    duplicates must not swallow a conflicting definition. ``diff`` is the server's diff.
    """

    @property
    def diff(self) -> str:
        _, sep, rest = self.message.partition("):")
        return rest.strip() if sep else self.message


class FlyteSystemException(FlyteException):
    """A server-side or transport failure without a more specific class."""


class FlyteSystemUnavailableException(FlyteSystemException):
    """UNAVAILABLE, after the retries the policy allows."""


class FlyteTimeout(FlyteSystemException):
    """DEADLINE_EXCEEDED: the per-call timeout, client default or scoped deadline passed."""


class FlytePermissionDeniedException(FlyteException):
    """PERMISSION_DENIED."""


class FlyteFailedPreconditionException(FlyteException):
    """FAILED_PRECONDITION, e.g. terminating an execution that already finished."""


class FlyteResourceExhaustedException(FlyteSystemException):
    """RESOURCE_EXHAUSTED: rate limited or a message too large."""


class FlyteUnimplementedException(FlyteSystemException):
    """UNIMPLEMENTED: the server does not offer this RPC (over REST also: it has no route
    for it). For an RPC newer than the oldest supported server release the message says
    which flyteidl release added it and that the server is likely older; ``added_in`` is
    that release, ``server_version`` the server's (when known), ``server_message`` what
    the server said."""

    added_in: Optional[str] = None
    server_version: Optional[str] = None

    @property
    def server_message(self) -> str:
        return str(self.__dict__.get("server_message", self.message))


class FlyteVersionSkewWarning(UserWarning):
    """A request sets a field that the server's flyteidl release does not have: the server
    drops it silently. Issued once per field and client, naming the field and releases."""


class FlyteCancelledException(FlyteException):
    """CANCELLED."""


def _decode_details(error: grpc.RpcError) -> tuple[Any, ...]:
    trailing = getattr(error, "trailing_metadata", None)
    if trailing is None:
        return ()
    try:
        metadata = trailing() or ()
    except Exception:
        return ()
    raw = next((v for k, v in metadata if k == "grpc-status-details-bin"), None)
    if not raw:
        return ()
    # Importing these registers the flyteidl detail types in the default pool.
    from flyteidl.admin import event_pb2, project_pb2, workflow_pb2  # noqa: F401
    from google.protobuf import symbol_database
    from google.rpc import status_pb2

    status = status_pb2.Status.FromString(raw)
    decoded: list = []
    db = symbol_database.Default()
    for detail in status.details:
        name = detail.type_url.rpartition("/")[2]
        try:
            cls = db.GetSymbol(name)
        except KeyError:
            decoded.append(detail)
            continue
        message = cls()
        detail.Unpack(message)
        decoded.append(message)
    return tuple(decoded)


def map_rpc_error(
    error: grpc.RpcError,
    rpc: str,
    codes: dict,
    messages: Sequence[tuple[grpc.StatusCode, str, type]],
    default: type,
) -> FlyteException:
    """Build the Flyte exception for a failed call (the caller raises it ``from error``)."""
    code = error.code() if hasattr(error, "code") else None
    text = (error.details() if hasattr(error, "details") else None) or str(error)
    cls = codes.get(code, default)
    for rule_code, fragment, rule_cls in messages:
        if code == rule_code and fragment in text:
            cls = rule_cls
            break
    return cls(text, code=code, rpc=rpc, details=_decode_details(error))


class ClientLifecycleError(FlyteException, RuntimeError):
    """A client used outside its life: after ``close()``, or (async) from an event loop
    that is not its own. The same class and message on every transport."""


class ClientClosedError(ClientLifecycleError):
    """The client is closed: a call made after ``close()`` (or after leaving its ``with`` /
    ``async with`` block), and a call still in flight when the client was closed, raise
    this instead of a transport's own error (``CancelledError``, ``ValueError``,
    ``RuntimeError``)."""


class ForeignEventLoopError(ClientLifecycleError):
    """An async client belongs to the event loop it first ran a call in (its connections
    do); a call from another event loop raises this. Make one client per event loop (per
    ``asyncio.run``)."""
