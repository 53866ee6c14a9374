"""Discovering OAuth2 endpoints and client settings from flyteadmin's AuthMetadataService."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Optional, Tuple

import grpc

from flyteclient.runtime.auth.base import DEFAULT_HEADER_KEY, header_of
from flyteclient.runtime.auth.errors import AuthenticationError, AuthNotEnabledError
from flyteclient.runtime.transport.grpc import GrpcTransport

__all__ = ["ClientConfig", "RemoteClientConfigStore"]

_DISCOVERY_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class ClientConfig:
    """What the server announces about its OAuth2 setup."""

    token_endpoint: str
    authorization_endpoint: str
    redirect_uri: str
    client_id: str
    device_authorization_endpoint: Optional[str] = None
    scopes: Tuple[str, ...] = ()
    header_key: str = DEFAULT_HEADER_KEY
    audience: Optional[str] = None


class RemoteClientConfigStore:
    """Asks the server's AuthMetadataService once (lazily, thread-safe) and remembers the answer.

    ``transport`` sends the calls (a sync transport, see
    :mod:`flyteclient.runtime.transport`; a ``grpc.Channel`` is accepted too) and must be
    bare, without the auth layers: these calls are how the client learns to authenticate.
    """

    def __init__(
        self,
        transport: Any,
        endpoint: str = "",
        timeout: float = _DISCOVERY_TIMEOUT_S,
        proxy_authenticator: Optional[Any] = None,
    ) -> None:
        self._call = GrpcTransport(transport) if isinstance(transport, grpc.Channel) else transport
        self._endpoint = endpoint
        self._timeout = timeout
        self._proxy = proxy_authenticator  # its header goes on the discovery calls
        self._lock = threading.Lock()
        self._config: Optional[ClientConfig] = None

    def get_client_config(self) -> ClientConfig:
        """The server's auth settings. Raises :class:`AuthNotEnabledError` when the server
        has no AuthMetadataService and :class:`AuthenticationError` on other failures."""
        with self._lock:
            if self._config is None:
                self._config = self._fetch()
            return self._config

    def header_key(self) -> str:
        """The metadata key the server expects the token under; ``authorization`` when
        the server has no AuthMetadataService (a token sent there is simply ignored)."""
        try:
            return self.get_client_config().header_key
        except AuthNotEnabledError:
            return DEFAULT_HEADER_KEY

    def _fetch(self) -> ClientConfig:
        from flyteclient.generated import methods

        where = f" at {self._endpoint}" if self._endpoint else ""
        proxy = header_of(self._proxy) if self._proxy is not None else None
        metadata = [proxy] if proxy is not None else None
        try:
            client_spec = methods.AuthMetadataService_GetPublicClientConfig
            client = self._call(client_spec, client_spec.request_type(), self._timeout, metadata)
            oauth_spec = methods.AuthMetadataService_GetOAuth2Metadata
            oauth = self._call(oauth_spec, oauth_spec.request_type(), self._timeout, metadata)
        except grpc.RpcError as e:
            code = e.code() if hasattr(e, "code") else None
            if code == grpc.StatusCode.UNIMPLEMENTED:
                raise AuthNotEnabledError(
                    f"The Flyte server{where} does not serve AuthMetadataService, so it does not have "
                    "authentication enabled; OAuth2 login is not possible"
                ) from e
            details = e.details() if hasattr(e, "details") else str(e)
            name = code.name if code is not None else "error"
            raise AuthenticationError(
                f"Could not discover the auth settings of the Flyte server{where}: {name}: {details}"
            ) from e
        return ClientConfig(
            token_endpoint=oauth.token_endpoint,
            authorization_endpoint=oauth.authorization_endpoint,
            redirect_uri=client.redirect_uri,
            client_id=client.client_id,
            device_authorization_endpoint=oauth.device_authorization_endpoint or None,
            scopes=tuple(client.scopes),
            header_key=client.authorization_metadata_key or DEFAULT_HEADER_KEY,
            audience=client.audience or None,
        )
