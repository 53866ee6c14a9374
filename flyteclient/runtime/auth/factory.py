"""Choosing and building the authenticator for a PlatformConfig."""

from __future__ import annotations

from typing import Any, Optional

from flyteclient.runtime.auth.base import DEFAULT_HEADER_KEY, TokenAuthenticator
from flyteclient.runtime.auth.command import CommandAuthenticator
from flyteclient.runtime.auth.discovery import RemoteClientConfigStore
from flyteclient.runtime.config import PlatformConfig

__all__ = ["PROXY_HEADER_KEY", "create_authenticator", "create_proxy_authenticator"]

PROXY_HEADER_KEY = "proxy-authorization"


def auth_required(cfg: PlatformConfig) -> bool:
    """Whether the client should authenticate to ``cfg.endpoint`` at all.

    Always for TLS endpoints. For an ``insecure`` (plaintext, typically local) endpoint,
    only when the config asks for it: a ``command``, a client secret, or an auth mode
    that was set explicitly (any mode, Pkce included). The implicit default (Pkce) does
    not make the client log in to a plaintext server.
    """
    if not cfg.insecure:
        return True
    return bool(cfg.command or cfg.client_credentials_secret or cfg.auth_mode_is_explicit)


def create_authenticator(
    cfg: PlatformConfig,
    channel: Any,
    proxy_authenticator: Optional[TokenAuthenticator] = None,
) -> Optional[TokenAuthenticator]:
    """The authenticator for ``cfg``, or None when no authentication applies (see
    :func:`auth_required`).

    ``channel`` is the bare sync transport or channel (no auth layers) used to discover the
    server's OAuth2 endpoints and metadata key through AuthMetadataService; discovery, keyring
    access and logins all happen lazily, on first use, not here. The mode is
    ``cfg.effective_auth_mode``: an invalid ``auth_mode`` raises ``ValueError`` listing the
    valid modes. OAuth2 modes need ``requests`` (``pip install 'flyteclient[auth]'``).

    ``proxy_authenticator`` supplies ``proxy-authorization`` for the discovery calls and
    OAuth2 requests (default: one for ``cfg.proxy_command``); the client passes the one
    its calls use, so the proxy command runs once for both.
    """
    mode = cfg.effective_auth_mode  # validates auth_mode first, whatever else is set
    if not auth_required(cfg):
        return None
    if proxy_authenticator is None:
        proxy_authenticator = create_proxy_authenticator(cfg)
    store = (
        RemoteClientConfigStore(channel, cfg.endpoint, proxy_authenticator=proxy_authenticator)
        if channel is not None
        else None
    )

    if mode == "ExternalCommand":
        if not cfg.command:
            raise ValueError(
                "auth_mode ExternalCommand needs a command (admin.command / FLYTE_CREDENTIALS_COMMAND)"
            )
        return CommandAuthenticator(
            cfg.command, header_key=store.header_key if store else DEFAULT_HEADER_KEY
        )

    if store is None:
        raise ValueError(
            f"auth_mode {mode} needs the channel to discover the server's OAuth2 settings"
        )

    from flyteclient.runtime.auth.http import OAuthHttp

    http = OAuthHttp(cfg, proxy_authenticator=proxy_authenticator)
    if mode == "ClientSecret":
        from flyteclient.runtime.auth.client_secret import ClientSecretAuthenticator

        return ClientSecretAuthenticator(
            cfg.client_id or "",
            cfg.client_credentials_secret or "",
            store,
            http,
            scopes=cfg.scopes,
            audience=cfg.audience,
        )

    from flyteclient.runtime.auth.keyring_store import KeyringTokenCache

    cache = KeyringTokenCache(cfg.endpoint)
    if mode == "DeviceFlow":
        from flyteclient.runtime.auth.device_flow import DeviceFlowAuthenticator

        return DeviceFlowAuthenticator(store, http, cache, scopes=cfg.scopes, audience=cfg.audience)

    from flyteclient.runtime.auth.pkce import PkceAuthenticator

    return PkceAuthenticator(store, http, cache, scopes=cfg.scopes, audience=cfg.audience)


def create_proxy_authenticator(cfg: PlatformConfig) -> Optional[TokenAuthenticator]:
    """The authenticator for ``cfg.proxy_command`` (token sent as ``proxy-authorization``
    to a proxy in front of Flyte), or None when there is no proxy command."""
    if not cfg.proxy_command:
        return None
    return CommandAuthenticator(cfg.proxy_command, header_key=PROXY_HEADER_KEY)
