"""The exceptions flyteclient raises (defined in :mod:`flyteclient.runtime.exceptions`)."""

from flyteclient.runtime.exceptions import (
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
    FlyteVersionSkewWarning,
)
from flyteclient.runtime.pager import PaginationError

__all__ = [
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
    "FlyteVersionSkewWarning",
    "PaginationError",
]
