"""Exceptions raised by the authenticators. Messages never contain tokens or secrets.

Both are :class:`~flyteclient.exceptions.FlyteAuthenticationException` (so a failed
login is caught by ``except FlyteException``); what caused them (the failed process,
HTTP request or gRPC call) is their ``__cause__``.
"""

from __future__ import annotations

from typing import Optional

from flyteclient.runtime.exceptions import FlyteAuthenticationException

__all__ = ["AuthNotEnabledError", "AuthenticationError", "TokenRequestError"]


class AuthenticationError(FlyteAuthenticationException):
    """Credentials could not be obtained or refreshed."""


class AuthNotEnabledError(AuthenticationError):
    """The server does not serve AuthMetadataService (authentication is not enabled on it)."""


class TokenRequestError(AuthenticationError):
    """An OAuth2 endpoint answered with an error.

    ``error`` is the OAuth2 error code from the response (e.g. ``invalid_grant``,
    ``authorization_pending``) when there was one, and ``status`` the HTTP status.
    """

    def __init__(
        self, message: str, *, error: Optional[str] = None, status: Optional[int] = None
    ) -> None:
        super().__init__(message)
        self.error = error
        self.status = status
