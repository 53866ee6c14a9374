"""The tokens an authenticator holds, with their expiry. ``repr`` never shows a token."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from typing import Any, Mapping, Optional

from flyteclient.runtime.auth.errors import AuthenticationError

__all__ = ["Credentials"]

# Refresh this long before expiry when the token's lifetime is unknown...
_DEFAULT_MARGIN_S = 30.0
# ...otherwise 10% of the lifetime, at most this long.
_MAX_MARGIN_S = 60.0


@dataclass(repr=False)
class Credentials:
    """An access token and what came with it.

    ``expires_at`` is in epoch seconds (None when unknown); ``lifetime`` is the
    ``expires_in`` the server announced, used to decide how early to refresh.
    """

    access_token: str
    refresh_token: Optional[str] = None
    id_token: Optional[str] = None
    expires_at: Optional[float] = None
    lifetime: Optional[float] = None

    def __repr__(self) -> str:
        def mask(v: Optional[str]) -> str:
            return "None" if v is None else "'***'"

        return (
            f"Credentials(access_token={mask(self.access_token)}, refresh_token={mask(self.refresh_token)}, "
            f"id_token={mask(self.id_token)}, expires_at={self.expires_at!r})"
        )

    @classmethod
    def from_token(
        cls, access_token: str, refresh_token: Optional[str] = None, id_token: Optional[str] = None
    ) -> "Credentials":
        """Credentials for a bare token; the expiry is taken from a JWT's ``exp`` claim if it has one."""
        return cls(access_token, refresh_token, id_token, expires_at=_jwt_expiry(access_token))

    @classmethod
    def from_token_response(
        cls, body: Mapping[str, Any], previous: Optional["Credentials"] = None
    ) -> "Credentials":
        """Build credentials from an OAuth2 token response body.

        A refresh or id token the response leaves out is kept from ``previous`` (many
        identity providers do not rotate refresh tokens).
        """
        access_token = body.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            raise AuthenticationError("The token endpoint's response has no access_token")
        lifetime: Optional[float] = None
        try:
            if body.get("expires_in") is not None:
                lifetime = float(body["expires_in"])
        except (TypeError, ValueError):
            lifetime = None
        refresh_token = body.get("refresh_token") or (previous.refresh_token if previous else None)
        id_token = body.get("id_token") or (previous.id_token if previous else None)
        if lifetime is None:
            return cls.from_token(access_token, refresh_token, id_token)
        return cls(
            access_token,
            refresh_token,
            id_token,
            expires_at=time.time() + lifetime,
            lifetime=lifetime,
        )

    def expired(self) -> bool:
        """True when the token is known to have expired."""
        return self.expires_at is not None and time.time() >= self.expires_at

    def needs_refresh(self, now: Optional[float] = None) -> bool:
        """True when the token has expired or will within the refresh margin."""
        if self.expires_at is None:
            return False
        margin = min(_MAX_MARGIN_S, 0.1 * self.lifetime) if self.lifetime else _DEFAULT_MARGIN_S
        return (time.time() if now is None else now) >= self.expires_at - margin


def _jwt_expiry(token: str) -> Optional[float]:
    """The ``exp`` claim of a JWT (unverified; only used to schedule refreshes)."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        exp = payload.get("exp") if isinstance(payload, dict) else None
        return float(exp) if isinstance(exp, (int, float)) and not isinstance(exp, bool) else None
    except (ValueError, TypeError):
        return None
