"""DeviceFlow mode: the OAuth2 device authorization grant (RFC 8628), for headless logins."""

from __future__ import annotations

import logging
import sys
import time
from typing import Any, Callable, Dict

from flyteclient.runtime.auth.credentials import Credentials
from flyteclient.runtime.auth.discovery import ClientConfig
from flyteclient.runtime.auth.errors import AuthenticationError, TokenRequestError
from flyteclient.runtime.auth.interactive import UserLoginAuthenticator

__all__ = ["DeviceFlowAuthenticator"]

logger = logging.getLogger(__name__)

DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


class DeviceFlowAuthenticator(UserLoginAuthenticator):
    """Logs the user in on another device.

    Asks the discovered device-authorization endpoint for a code, prints the
    verification URL and user code (to stderr), then polls the token endpoint every
    ``interval`` seconds, waiting longer after ``slow_down``, until the user approves,
    denies, or the code expires. Cached and refresh tokens are used first.
    """

    #: Seconds added to the polling interval on each ``slow_down`` answer (RFC 8628: 5).
    slow_down_increment: float = 5.0
    #: Polling interval when the server gives none (RFC 8628: 5).
    default_interval: float = 5.0
    _sleep: Callable[[float], None] = staticmethod(time.sleep)

    def _login(self, server: ClientConfig) -> Credentials:
        if not server.device_authorization_endpoint:
            raise AuthenticationError(
                "The Flyte server announces no device authorization endpoint; DeviceFlow is unavailable"
            )
        device = self._http.post_form(
            server.device_authorization_endpoint,
            {
                "client_id": server.client_id,
                "scope": self._scope(server),
                "audience": self._audience_for(server),
            },
            what="device authorization request",
        )
        device_code = _required(device, "device_code")
        user_code = _required(device, "user_code")
        verification_uri = device.get("verification_uri") or device.get("verification_url")
        if not verification_uri:
            raise AuthenticationError("The device authorization response has no verification_uri")
        complete = device.get("verification_uri_complete")
        interval = _number(device.get("interval"), self.default_interval)
        deadline = time.monotonic() + _number(device.get("expires_in"), 600.0)

        message = f"To log in to Flyte, open {verification_uri} and enter the code {user_code}"
        if complete:
            message += f"\n(or open {complete})"
        print(message, file=sys.stderr)

        while True:
            try:
                body = self._http.post_form(
                    server.token_endpoint,
                    {
                        "grant_type": DEVICE_CODE_GRANT,
                        "device_code": device_code,
                        "client_id": server.client_id,
                    },
                    what="device token request",
                )
                return Credentials.from_token_response(body)
            except TokenRequestError as e:
                if e.error == "slow_down":
                    interval += self.slow_down_increment
                elif e.error != "authorization_pending":
                    raise
            if time.monotonic() + interval >= deadline:
                raise AuthenticationError("The device code expired before the login was approved")
            self._sleep(interval)


def _required(body: Dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise AuthenticationError(f"The device authorization response has no {key}")
    return value


def _number(value: Any, default: float) -> float:
    try:
        return float(value) if value is not None else default
    except (TypeError, ValueError):
        return default
