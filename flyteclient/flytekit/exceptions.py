"""The exceptions :mod:`flyteclient.flytekit` raises: each derives from flyteclient's class
and from flytekit's class for the same gRPC status (flytekit's own client's mapping), so
both ``except flyteclient.exceptions.X`` and ``except flytekit.exceptions...`` catch it.

====================  ===========================================  =============================================
status                flyteclient                                   flytekit
====================  ===========================================  =============================================
NOT_FOUND             FlyteEntityNotExistException                  user.FlyteEntityNotExistException
ALREADY_EXISTS        FlyteEntityAlreadyExistsException             user.FlyteEntityAlreadyExistsException
INVALID_ARGUMENT      FlyteInvalidInputException (and                user.FlyteInvalidInputException
                      FlyteEntityDifferentStructureException)
UNAUTHENTICATED       FlyteAuthenticationException                  user.FlyteAuthenticationException
UNAVAILABLE           FlyteSystemUnavailableException               system.FlyteSystemUnavailableException
DEADLINE_EXCEEDED     FlyteTimeout                                  user.FlyteTimeout
others                (per status)                                  system.FlyteSystemException
====================  ===========================================  =============================================

The table is generated from ``codegen/surface.toml`` ``[errors]`` with the main one.
"""

from flyteclient.generated.flytekit_compat import (
    EXCEPTIONS,
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
)

__all__ = [
    "EXCEPTIONS",
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
]
