"""The OAuth2 HTTP requests (token and device-authorization endpoints), over ``requests``.

``requests`` comes with the ``auth`` extra and is imported only when an OAuth2 mode is
used. TLS verification follows the PlatformConfig (see :mod:`flyteclient.runtime.tls`),
and ``http_proxy_url`` is used as the HTTP(S) proxy.
"""

from __future__ import annotations

import base64
import logging
import threading
import urllib.parse
from typing import TYPE_CHECKING, Any, Dict, Mapping, Optional, Sequence

from flyteclient.runtime.auth.base import header_of
from flyteclient.runtime.auth.errors import AuthenticationError, TokenRequestError
from flyteclient.runtime.config import PlatformConfig
from flyteclient.runtime.tls import requests_verify_for

if TYPE_CHECKING:
    import requests

    from flyteclient.runtime.auth.base import TokenAuthenticator

__all__ = ["OAuthHttp", "basic_authorization_header", "require_requests", "scope_param"]

logger = logging.getLogger(__name__)

_HTTP_TIMEOUT_S = 60.0


def require_requests() -> Any:
    """Import ``requests``, or explain how to install it."""
    from ..extras import require_extra

    return require_extra("requests", "OAuth2 authentication (Pkce, ClientSecret, DeviceFlow)")


def basic_authorization_header(client_id: str, client_secret: str) -> str:
    """HTTP basic auth as flytekit sends it: ``id:quote_plus(secret)``, base64-encoded."""
    raw = f"{client_id}:{urllib.parse.quote_plus(client_secret)}"
    return "Basic " + base64.b64encode(raw.encode("utf-8")).decode("ascii")


def scope_param(scopes: Sequence[str]) -> Optional[str]:
    """The space-separated ``scope`` parameter, or None for no scopes."""
    joined = " ".join(s.strip() for s in scopes if s.strip())
    return joined or None


class OAuthHttp:
    """Form POSTs to OAuth2 endpoints that answer JSON.

    When a proxy authenticator is given (``proxy_command``), its token is sent as
    ``proxy-authorization`` on every request, as flytekit does.
    """

    def __init__(
        self, cfg: PlatformConfig, proxy_authenticator: Optional["TokenAuthenticator"] = None
    ) -> None:
        self._requests = require_requests()
        self._verify = requests_verify_for(cfg)
        self._proxies = (
            {"http": cfg.http_proxy_url, "https": cfg.http_proxy_url}
            if cfg.http_proxy_url
            else None
        )
        self._proxy_authenticator = proxy_authenticator
        self._local = threading.local()  # requests.Session is not thread-safe

    def _session(self) -> "requests.Session":
        session: Optional["requests.Session"] = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = self._requests.Session()
        return session

    def post_form(
        self,
        url: str,
        data: Mapping[str, Optional[str]],
        *,
        authorization: Optional[str] = None,
        what: str = "OAuth2 request",
    ) -> Dict[str, Any]:
        """POST ``data`` (None values dropped) form-encoded to ``url``; return the JSON body.

        Raises :class:`TokenRequestError` (with the OAuth2 ``error`` code) for an error
        answer and :class:`AuthenticationError` when the endpoint cannot be reached.
        The request data (which holds secrets) never appears in messages.
        """
        if not url:
            raise AuthenticationError(f"The server announced no endpoint for the {what}")
        headers = {"Accept": "application/json", "Cache-Control": "no-cache"}
        if authorization:
            headers["Authorization"] = authorization
        if self._proxy_authenticator is not None:
            proxy = header_of(self._proxy_authenticator)
            if proxy is not None:
                headers[proxy[0]] = proxy[1]
        body = {k: v for k, v in data.items() if v is not None}
        try:
            response = self._session().post(
                url,
                data=body,
                headers=headers,
                proxies=self._proxies,
                verify=self._verify,
                timeout=_HTTP_TIMEOUT_S,
                allow_redirects=False,
            )
        except self._requests.RequestException as e:
            raise AuthenticationError(f"The {what} to {url} failed: {type(e).__name__}: {e}") from e
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            payload = {}
        if response.status_code != 200 or "error" in payload:
            error = payload.get("error")
            description = payload.get("error_description")
            detail = f": {error}" if error else f" {response.reason}" if response.reason else ""
            if description:
                detail += f" ({description})"
            raise TokenRequestError(
                f"The {what} to {url} was refused: HTTP {response.status_code}{detail}",
                error=str(error) if error else None,
                status=response.status_code,
            )
        return payload
