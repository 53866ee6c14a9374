"""Shared behaviour of the user-login modes (Pkce, DeviceFlow): cached tokens and refresh tokens."""

from __future__ import annotations

import abc
import logging
from typing import Optional, Sequence

from flyteclient.runtime.auth.base import TokenAuthenticator
from flyteclient.runtime.auth.credentials import Credentials
from flyteclient.runtime.auth.discovery import ClientConfig, RemoteClientConfigStore
from flyteclient.runtime.auth.errors import AuthenticationError
from flyteclient.runtime.auth.http import OAuthHttp, scope_param
from flyteclient.runtime.auth.keyring_store import KeyringTokenCache

__all__ = ["UserLoginAuthenticator"]

logger = logging.getLogger(__name__)


class UserLoginAuthenticator(TokenAuthenticator):
    """Starts from the keyring's cached tokens; refreshing first tries the refresh token and
    only then asks the user to log in (:meth:`_login`). New tokens go back to the keyring.
    A failed refresh keeps the cached tokens. Near expiry, only the refresh token is used
    (no login prompt in the middle of a call; the server's rejection triggers that)."""

    def __init__(
        self,
        config_store: RemoteClientConfigStore,
        http: OAuthHttp,
        cache: Optional[KeyringTokenCache],
        scopes: Sequence[str] = (),
        audience: Optional[str] = None,
    ) -> None:
        super().__init__()
        self._store = config_store
        self._http = http
        self._cache = cache
        self._scopes = tuple(scopes)
        self._audience = audience

    def _header_key(self) -> str:
        return self._store.header_key()

    def _initial_credentials(self) -> Optional[Credentials]:
        return self._cache.load() if self._cache else None

    def _scope(self, server: ClientConfig) -> Optional[str]:
        return scope_param(self._scopes or server.scopes)

    def _audience_for(self, server: ClientConfig) -> Optional[str]:
        return self._audience or server.audience

    def _accept(self, creds: Credentials) -> None:
        self._set_credentials(creds)
        if self._cache:
            self._cache.save(creds)

    def _use_refresh_token(self) -> bool:
        creds = self._creds
        if creds is None or not creds.refresh_token:
            return False
        server = self._store.get_client_config()
        body = self._http.post_form(
            server.token_endpoint,
            {
                "grant_type": "refresh_token",
                "refresh_token": creds.refresh_token,
                "client_id": server.client_id,
            },
            what="refresh-token request",
        )
        self._accept(Credentials.from_token_response(body, previous=creds))
        return True

    def _refresh_silently(self) -> None:
        self._use_refresh_token()

    def _refresh(self) -> None:
        try:
            if self._use_refresh_token():
                return
        except AuthenticationError as e:
            logger.info("Refreshing the token failed (%s); logging in again", e)
        server = self._store.get_client_config()
        self._accept(self._login(server))

    @abc.abstractmethod
    def _login(self, server: ClientConfig) -> Credentials:
        """Run the interactive login and return the new credentials."""
