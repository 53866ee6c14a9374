"""Authentication to flyteadmin: the auth modes of flytekit, behind flytekit's interface.

- :func:`create_authenticator` picks the authenticator for a :class:`PlatformConfig`
  (Pkce, ClientSecret, ExternalCommand or DeviceFlow), or None when the endpoint is
  plaintext and no authentication was asked for.
- :func:`create_proxy_authenticator` covers ``proxy_command`` (``proxy-authorization``).

Every authenticator has ``fetch_grpc_call_auth_metadata() -> (key, "Bearer <token>") | None``
and ``refresh_credentials()``, and is thread-safe. ``requests`` and ``keyring`` are
imported only when a mode needs them.
"""

from flyteclient.runtime.auth.base import Authenticator
from flyteclient.runtime.auth.credentials import Credentials
from flyteclient.runtime.auth.errors import AuthenticationError, AuthNotEnabledError, TokenRequestError
from flyteclient.runtime.auth.factory import auth_required, create_authenticator, create_proxy_authenticator

__all__ = [
    "AuthNotEnabledError",
    "AuthenticationError",
    "Authenticator",
    "Credentials",
    "TokenRequestError",
    "auth_required",
    "create_authenticator",
    "create_proxy_authenticator",
]
