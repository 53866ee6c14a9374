"""The exceptions flyteclient raises (defined in :mod:`flyteclient.runtime.exceptions`)."""

from flyteclient.runtime.exceptions import (
    ClientClosedError,
    ClientLifecycleError,
    FlyteAuthenticationException,
    FlyteCancelledException,
    FlyteEntityAlreadyExistsException,
    FlyteEntityDifferentStructureException,
    FlyteEntityNotExistException,
    FlyteException,
    FlyteFailedPreconditionException,
    FlyteInvalidInputException,
    FlytePermissionDeniedException,
    FlyteResourceExhaustedException,
    FlyteSystemException,
    FlyteSystemUnavailableException,
    FlyteTimeout,
    FlyteUnimplementedException,
    ForeignEventLoopError,
)
from flyteclient.runtime.pager import PaginationError

__all__ = [
    "ClientClosedError",
    "ClientLifecycleError",
    "FlyteAuthenticationException",
    "FlyteCancelledException",
    "FlyteEntityAlreadyExistsException",
    "FlyteEntityDifferentStructureException",
    "FlyteEntityNotExistException",
    "FlyteException",
    "FlyteFailedPreconditionException",
    "FlyteInvalidInputException",
    "FlytePermissionDeniedException",
    "FlyteResourceExhaustedException",
    "FlyteSystemException",
    "FlyteSystemUnavailableException",
    "FlyteTimeout",
    "FlyteUnimplementedException",
    "ForeignEventLoopError",
    "PaginationError",
]
