"""Optional OAuth2 for the local Admin server.

When enabled (``LocalAdmin(auth=LocalAuth(...))`` or ``auth=True``):

* a token endpoint (``POST /oauth2/token``, ``client_credentials`` and
  ``refresh_token`` grants, client authentication by HTTP Basic or form
  fields) runs on the loopback HTTP server;
* ``AuthMetadataService`` announces it and ``IdentityService.UserInfo`` answers;
* every other RPC needs ``Bearer <token>`` (the scheme in any case) under
  ``authorization`` or the advertised ``<authorization_metadata_key>`` (flyteadmin reads
  both: its interceptor copies the custom key to ``authorization``), else
  UNAUTHENTICATED (enforced by :class:`AuthInterceptor`).

Tests drive it through :class:`AuthState` (``admin.auth``):
``token_requests`` counts token endpoint calls, ``revoke_all()`` /
``expire_all()`` invalidate issued tokens, ``issue_token()`` mints one directly.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, Optional, Sequence, Tuple

import grpc
from flyteidl.service import auth_pb2, auth_pb2_grpc, identity_pb2, identity_pb2_grpc

from .http_server import HttpServer, Request, Response

AUTH_SERVICE = "/flyteidl.service.AuthMetadataService/"


@dataclass
class LocalAuth:
    """Auth configuration. ``LocalAuth()`` gives usable defaults."""

    client_id: str = "flytectl"
    client_secret: str = "secret"
    scopes: Sequence[str] = ("all", "offline")
    redirect_uri: str = "http://localhost:53593/callback"
    authorization_metadata_key: str = "authorization"
    audience: str = ""
    token_ttl_seconds: float = 3600.0
    #: extra clients allowed to use the client_credentials grant: {client_id: secret}
    extra_clients: Dict[str, str] = field(default_factory=dict)


class AuthState:
    """Issued tokens and counters; safe to use from tests while the server runs."""

    def __init__(self, config: LocalAuth) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._tokens: Dict[str, Tuple[str, float]] = {}  # token -> (client_id, expires_at)
        self._refresh: Dict[str, str] = {}  # refresh token -> client_id
        self.token_requests = 0
        self.token_requests_by_grant: Dict[str, int] = {}
        self.rejected_calls = 0
        self.base_url = ""

    # -- tokens --------------------------------------------------------------
    def issue_token(self, client_id: Optional[str] = None, ttl: Optional[float] = None) -> str:
        """Mint an access token directly (not counted as a token request)."""
        tok = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[tok] = (
                client_id or self.config.client_id,
                time.time() + (self.config.token_ttl_seconds if ttl is None else ttl),
            )
        return tok

    def validate(self, token: str) -> Optional[str]:
        """Client id of a valid unexpired token, else ``None``."""
        with self._lock:
            entry = self._tokens.get(token)
        if entry is None or entry[1] < time.time():
            return None
        return entry[0]

    def revoke_all(self) -> None:
        """Forget every access and refresh token (clients must log in again)."""
        with self._lock:
            self._tokens.clear()
            self._refresh.clear()

    def expire_all(self) -> None:
        """Mark every access token expired (refresh tokens stay usable)."""
        with self._lock:
            self._tokens = {t: (c, 0.0) for t, (c, _) in self._tokens.items()}

    def reset_counters(self) -> None:
        with self._lock:
            self.token_requests = 0
            self.token_requests_by_grant = {}
            self.rejected_calls = 0

    # -- HTTP token endpoint -------------------------------------------------
    def _clients(self) -> Dict[str, str]:
        d = {self.config.client_id: self.config.client_secret}
        d.update(self.config.extra_clients)
        return d

    def _client_auth(self, req: Request, form: Dict[str, str]) -> Optional[str]:
        cid, secret = form.get("client_id", ""), form.get("client_secret", "")
        header = req.headers.get("authorization", "")
        if header.lower().startswith("basic "):
            try:
                raw = base64.b64decode(header[6:].strip()).decode()
                cid, _, secret = raw.partition(":")
                cid, secret = urllib.parse.unquote_plus(cid), urllib.parse.unquote_plus(secret)
            except Exception:  # noqa: BLE001
                return None
        known = self._clients()
        if cid in known and known[cid] == secret:
            return cid
        return None

    def handle_token(self, req: Request) -> Response:
        if req.method != "POST":
            return _json(405, {"error": "invalid_request"})
        form = dict(urllib.parse.parse_qsl(req.body.decode(errors="replace")))
        grant = form.get("grant_type", "")
        with self._lock:
            self.token_requests += 1
            self.token_requests_by_grant[grant] = self.token_requests_by_grant.get(grant, 0) + 1
        cid: Optional[str]
        if grant == "client_credentials":
            cid = self._client_auth(req, form)
            if cid is None:
                return _json(
                    401,
                    {
                        "error": "invalid_client",
                        "error_description": "client authentication failed",
                    },
                )
        elif grant == "refresh_token":
            with self._lock:
                cid = self._refresh.pop(form.get("refresh_token", ""), None)
            if cid is None:
                return _json(
                    400, {"error": "invalid_grant", "error_description": "unknown refresh token"}
                )
        else:
            return _json(400, {"error": "unsupported_grant_type"})
        tok = self.issue_token(cid)
        refresh = secrets.token_urlsafe(24)
        with self._lock:
            self._refresh[refresh] = cid
        return _json(
            200,
            {
                "access_token": tok,
                "token_type": "Bearer",
                "expires_in": int(self.config.token_ttl_seconds),
                "refresh_token": refresh,
                "scope": " ".join(self.config.scopes),
            },
        )

    def metadata(self) -> auth_pb2.OAuth2MetadataResponse:
        b = self.base_url
        return auth_pb2.OAuth2MetadataResponse(
            issuer=b,
            authorization_endpoint=f"{b}/oauth2/authorize",
            token_endpoint=f"{b}/oauth2/token",
            device_authorization_endpoint=f"{b}/oauth2/device/auth",
            jwks_uri=f"{b}/oauth2/jwks",
            response_types_supported=["code", "token", "code token"],
            scopes_supported=list(self.config.scopes),
            token_endpoint_auth_methods_supported=["client_secret_basic", "client_secret_post"],
            code_challenge_methods_supported=["S256"],
            grant_types_supported=[
                "client_credentials",
                "refresh_token",
                "authorization_code",
                "urn:ietf:params:oauth:grant-type:device_code",
            ],
        )

    def install(self, http: HttpServer) -> None:
        """Register the OAuth2 HTTP routes on ``http``."""
        self.base_url = http.base_url
        http.route("/oauth2/token", self.handle_token)
        http.route(
            "/oauth2/",
            lambda req: _json(
                501,
                {
                    "error": "unsupported",
                    "error_description": "only the token endpoint is implemented",
                },
            ),
        )

        def well_known(req: Request) -> Response:
            from google.protobuf import json_format

            return _json(
                200, json_format.MessageToDict(self.metadata(), preserving_proto_field_name=True)
            )

        http.route("/.well-known/oauth-authorization-server", well_known)


def bearer_tokens(metadata: Any, key: str) -> Iterator[str]:
    """The bearer tokens in ``metadata`` under ``authorization`` or ``key``, in order
    (``Bearer`` in any case, as grpc-ecosystem's ``AuthFromMD`` reads it)."""
    keys = {"authorization", key.lower()}
    for k, v in metadata or ():
        if k in keys and isinstance(v, str):
            scheme, _, token = v.partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                yield token.strip()


def _json(status: int, body: Any) -> Response:
    return status, {"Content-Type": "application/json"}, json.dumps(body).encode()


def _enabled(state: Optional[AuthState], context: grpc.ServicerContext) -> AuthState:
    """The auth state, or abort UNIMPLEMENTED as flyteadmin does when auth is off."""
    if state is None:
        context.abort(grpc.StatusCode.UNIMPLEMENTED, "auth is not enabled")
        raise AssertionError("unreachable")
    return state


class AuthMetadataServicer(auth_pb2_grpc.AuthMetadataServiceServicer):
    """Announces the OAuth2 endpoints (auth on), or UNIMPLEMENTED (``state is None``)."""

    def __init__(self, state: Optional[AuthState]) -> None:
        self.state = state

    def GetOAuth2Metadata(
        self, request: Any, context: grpc.ServicerContext
    ) -> auth_pb2.OAuth2MetadataResponse:
        return _enabled(self.state, context).metadata()

    def GetPublicClientConfig(
        self, request: Any, context: grpc.ServicerContext
    ) -> auth_pb2.PublicClientAuthConfigResponse:
        state = _enabled(self.state, context)
        c = state.config
        return auth_pb2.PublicClientAuthConfigResponse(
            client_id=c.client_id,
            redirect_uri=c.redirect_uri,
            scopes=list(c.scopes),
            authorization_metadata_key=c.authorization_metadata_key,
            service_http_endpoint=state.base_url,
            audience=c.audience,
        )


class IdentityServicer(identity_pb2_grpc.IdentityServiceServicer):
    """UserInfo for the calling token's client (auth on), or UNIMPLEMENTED."""

    def __init__(self, state: Optional[AuthState]) -> None:
        self.state = state

    def UserInfo(
        self, request: Any, context: grpc.ServicerContext
    ) -> identity_pb2.UserInfoResponse:
        state = _enabled(self.state, context)
        key = state.config.authorization_metadata_key
        subject = ""
        for token in bearer_tokens(context.invocation_metadata(), key):
            subject = state.validate(token) or ""
            if subject:
                break
        return identity_pb2.UserInfoResponse(
            subject=subject, name=subject, preferred_username=subject
        )


class AuthInterceptor(grpc.ServerInterceptor):
    """Rejects calls without a valid bearer token (AuthMetadataService is exempt)."""

    def __init__(self, state: AuthState) -> None:
        self.state = state

        def deny(request: Any, context: grpc.ServicerContext) -> Any:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "Request unauthenticated with Bearer")

        self._deny = grpc.unary_unary_rpc_method_handler(deny)

    def intercept_service(
        self, continuation: Callable[[Any], Any], handler_call_details: Any
    ) -> Any:
        if handler_call_details.method.startswith(AUTH_SERVICE):
            return continuation(handler_call_details)
        key = self.state.config.authorization_metadata_key
        for token in bearer_tokens(handler_call_details.invocation_metadata, key):
            if self.state.validate(token):
                return continuation(handler_call_details)
        with self.state._lock:
            self.state.rejected_calls += 1
        return self._deny
