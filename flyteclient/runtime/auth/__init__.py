"""Authentication to flyteadmin: the auth modes of flytekit, behind flytekit's interface.

- :func:`create_authenticator` picks the authenticator for a :class:`PlatformConfig`
  (Pkce, ClientSecret, ExternalCommand or DeviceFlow), or None when the endpoint is
  plaintext and no authentication was asked for.
- :func:`create_proxy_authenticator` covers ``proxy_command`` (``proxy-authorization``).

Every authenticator has ``fetch_grpc_call_auth_metadata() -> (key, "Bearer <token>") | None``
and ``refresh_credentials()`` (flytekit's interface: the one
:class:`~flyteclient.runtime.interceptors.auth.Authenticator` protocol the client takes),
and is thread-safe. flyteclient's own derive from :class:`TokenAuthenticator`, which
holds the token and refreshes it ahead of expiry. ``requests`` and ``keyring`` are
imported only when a mode needs them.
"""

from flyteclient.runtime.auth.base import TokenAuthenticator
from flyteclient.runtime.auth.credentials import Credentials
from flyteclient.runtime.auth.errors import (
    AuthenticationError,
    AuthNotEnabledError,
    TokenRequestError,
)
from flyteclient.runtime.auth.factory import (
    auth_required,
    create_authenticator,
    create_proxy_authenticator,
)

__all__ = [
    "AuthNotEnabledError",
    "AuthenticationError",
    "TokenAuthenticator",
    "Credentials",
    "TokenRequestError",
    "auth_required",
    "create_authenticator",
    "create_proxy_authenticator",
]
