"""ClientSecret mode: the OAuth2 client-credentials grant."""

from __future__ import annotations

import logging
from typing import Optional, Sequence

from flyteclient.runtime.auth.base import TokenAuthenticator
from flyteclient.runtime.auth.credentials import Credentials
from flyteclient.runtime.auth.discovery import RemoteClientConfigStore
from flyteclient.runtime.auth.http import OAuthHttp, basic_authorization_header, scope_param

__all__ = ["ClientSecretAuthenticator"]

logger = logging.getLogger(__name__)


class ClientSecretAuthenticator(TokenAuthenticator):
    """Gets tokens from the discovered token endpoint with ``grant_type=client_credentials``,
    authenticating with HTTP basic auth (client id and secret). ``scopes`` / ``audience``
    default to the server's. A new token is fetched when the current one nears expiry."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        config_store: RemoteClientConfigStore,
        http: OAuthHttp,
        scopes: Sequence[str] = (),
        audience: Optional[str] = None,
    ) -> None:
        super().__init__()
        if not client_id or not client_secret:
            raise ValueError(
                "ClientSecret authentication needs both client_id and client_credentials_secret"
            )
        self._client_id = client_id
        self._client_secret = client_secret
        self._store = config_store
        self._http = http
        self._scopes = tuple(scopes)
        self._audience = audience

    def __repr__(self) -> str:
        return f"ClientSecretAuthenticator(client_id={self._client_id!r})"

    def _header_key(self) -> str:
        return self._store.header_key()

    def _refresh(self) -> None:
        server = self._store.get_client_config()
        scopes = self._scopes or server.scopes
        logger.debug(
            "Requesting a token with the client-credentials grant for client %s", self._client_id
        )
        body = self._http.post_form(
            server.token_endpoint,
            {
                "grant_type": "client_credentials",
                "scope": scope_param(scopes),
                "audience": self._audience or server.audience,
            },
            authorization=basic_authorization_header(self._client_id, self._client_secret),
            what="client-credentials token request",
        )
        self._set_credentials(Credentials.from_token_response(body))
