"""Pkce mode: the OAuth2 authorization-code grant with PKCE (S256), through the browser."""

from __future__ import annotations

import base64
import hashlib
import http.server
import logging
import queue
import secrets
import sys
import threading
import urllib.parse
import webbrowser
from typing import Dict, Tuple

from flyteclient.runtime.auth.credentials import Credentials
from flyteclient.runtime.auth.discovery import ClientConfig
from flyteclient.runtime.auth.errors import AuthenticationError
from flyteclient.runtime.auth.interactive import UserLoginAuthenticator

__all__ = ["PkceAuthenticator", "code_challenge", "new_code_verifier"]

logger = logging.getLogger(__name__)

_PAGE = "<!DOCTYPE html><html><head><title>Flyte login</title></head><body><p>{}</p></body></html>"


def new_code_verifier() -> str:
    """A random PKCE code verifier (RFC 7636: 43-128 unreserved characters)."""
    return secrets.token_urlsafe(64)  # 86 characters of [A-Za-z0-9_-]


def code_challenge(verifier: str) -> str:
    """The S256 code challenge for ``verifier``."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


class _CallbackHandler(http.server.BaseHTTPRequestHandler):
    server: "_CallbackServer"

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        url = urllib.parse.urlparse(self.path)
        if url.path.rstrip("/") != self.server.callback_path.rstrip("/"):
            self.send_error(404)
            return
        params = dict(urllib.parse.parse_qsl(url.query))
        ok = "code" in params and "error" not in params
        text = (
            "Login successful. You can close this window."
            if ok
            else "Login failed. You can close this window."
        )
        body = _PAGE.format(text).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.server.results.put(params)

    def log_message(self, format: str, *args: object) -> None:
        pass  # the default logs the request line, which holds the authorization code


class _CallbackServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: Tuple[str, int], callback_path: str) -> None:
        self.callback_path = callback_path or "/"
        self.results: "queue.Queue[Dict[str, str]]" = queue.Queue()
        super().__init__(address, _CallbackHandler)


class PkceAuthenticator(UserLoginAuthenticator):
    """Logs the user in through the browser.

    Opens the discovered authorization endpoint with ``webbrowser.open`` (and prints the
    URL when no browser can be opened), receives the authorization code on a loopback
    HTTP server listening at the discovered ``redirect_uri``, checks ``state``, and
    exchanges the code and PKCE verifier at the token endpoint. Cached tokens from the
    keyring are used first, and refresh tokens before logging in again.
    """

    #: Seconds to wait for the browser to come back to the redirect URI.
    login_timeout: float = 300.0

    def _login(self, server: ClientConfig) -> Credentials:
        redirect = urllib.parse.urlparse(server.redirect_uri)
        if not redirect.hostname or redirect.scheme != "http":
            raise AuthenticationError(
                f"Pkce login needs an http:// loopback redirect URI; the server announced {server.redirect_uri!r}"
            )
        verifier = new_code_verifier()
        state = secrets.token_urlsafe(32)
        params = {
            "client_id": server.client_id,
            "response_type": "code",
            "redirect_uri": server.redirect_uri,
            "state": state,
            "code_challenge": code_challenge(verifier),
            "code_challenge_method": "S256",
            "scope": self._scope(server),
            "audience": self._audience_for(server),
        }
        query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
        sep = "&" if urllib.parse.urlparse(server.authorization_endpoint).query else "?"
        login_url = f"{server.authorization_endpoint}{sep}{query}"

        try:
            callback = _CallbackServer((redirect.hostname, redirect.port or 80), redirect.path)
        except OSError as e:
            raise AuthenticationError(
                f"Cannot listen on {redirect.hostname}:{redirect.port or 80} for the login callback: {e.strerror or e}"
            ) from e
        thread = threading.Thread(
            target=callback.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="flyteclient-pkce-callback",
            daemon=True,
        )
        thread.start()
        try:
            logger.debug("Opening the browser to log in at %s", server.authorization_endpoint)
            if not webbrowser.open(login_url):
                print(
                    f"Open this URL in a browser to log in to Flyte:\n{login_url}", file=sys.stderr
                )
            try:
                result = callback.results.get(timeout=self.login_timeout)
            except queue.Empty:
                raise AuthenticationError(
                    f"No login callback arrived at {server.redirect_uri} within {self.login_timeout:.0f}s"
                ) from None
        finally:
            callback.shutdown()
            callback.server_close()
            thread.join(timeout=5)

        if "error" in result:
            description = result.get("error_description")
            raise AuthenticationError(
                f"Login was refused: {result['error']}"
                + (f" ({description})" if description else "")
            )
        if not secrets.compare_digest(result.get("state", ""), state):
            raise AuthenticationError(
                "The login callback's state does not match the request; login aborted"
            )
        if not result.get("code"):
            raise AuthenticationError("The login callback carried no authorization code")

        body = self._http.post_form(
            server.token_endpoint,
            {
                "grant_type": "authorization_code",
                "code": result["code"],
                "redirect_uri": server.redirect_uri,
                "client_id": server.client_id,
                "code_verifier": verifier,
            },
            what="authorization-code exchange",
        )
        return Credentials.from_token_response(body)
