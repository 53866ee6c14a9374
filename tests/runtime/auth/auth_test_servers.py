"""Real loopback servers for the auth tests (fixtures in conftest.py).

- ``oauth``: an OAuth2 authorization server (stdlib ThreadingHTTPServer on 127.0.0.1)
  with authorize, token (client_credentials, authorization_code + PKCE, refresh_token,
  device_code) and device-authorization endpoints.
- ``flyte``: a grpc.server serving flyteidl's AuthMetadataService (pointing at ``oauth``)
  and AdminService.GetVersion behind an interceptor that rejects calls without a valid
  bearer token in the announced metadata key.
- ``memory_keyring``: an in-memory keyring backend installed with ``keyring.set_keyring``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import urllib.parse
from concurrent import futures
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Set

import grpc
from flyteidl.admin import version_pb2
from flyteidl.service import admin_pb2_grpc, auth_pb2, auth_pb2_grpc

CLIENT_ID = "flytectl"  # the public client (Pkce, DeviceFlow)
SERVICE_CLIENT_ID = "flyte-service"  # the confidential client (ClientSecret)
SERVICE_CLIENT_SECRET = "s3cr3t/with+special&chars="
HEADER_KEY = "flyte-authorization"


@dataclass
class Device:
    user_code: str
    polls_pending: int = 2  # answer authorization_pending this many times
    slow_down_at: Optional[int] = 1  # answer slow_down at this poll (1-based)
    polls: int = 0
    denied: bool = False


@dataclass
class OAuthState:
    """What the OAuth server knows and what it has seen."""

    token_lifetime: int = 3600
    issue_refresh_tokens: bool = True
    refresh_fails: bool = False
    token_delay: float = 0.0
    device_expires_in: int = 60
    device_interval: int = 0
    redirect_uri: str = ""
    access_tokens: Dict[str, float] = field(default_factory=dict)  # token -> expiry (epoch)
    refresh_tokens: Set[str] = field(default_factory=set)
    codes: Dict[str, Dict[str, str]] = field(default_factory=dict)
    devices: Dict[str, Device] = field(default_factory=dict)
    requests: List[Dict[str, Any]] = field(default_factory=list)  # (path, form, headers)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def issue(self, with_refresh: bool) -> Dict[str, Any]:
        token = "at-" + secrets.token_urlsafe(16)
        with self.lock:
            self.access_tokens[token] = time.time() + self.token_lifetime
        body: Dict[str, Any] = {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": self.token_lifetime,
        }
        if with_refresh and self.issue_refresh_tokens:
            refresh = "rt-" + secrets.token_urlsafe(16)
            self.refresh_tokens.add(refresh)
            body["refresh_token"] = refresh
        return body

    def valid(self, token: str) -> bool:
        with self.lock:
            expiry = self.access_tokens.get(token)
        return expiry is not None and expiry > time.time()

    def revoke_all(self) -> None:
        with self.lock:
            self.access_tokens.clear()

    def grants(self, grant_type: str) -> List[Dict[str, Any]]:
        return [
            r
            for r in self.requests
            if r["path"] == "/token" and r["form"].get("grant_type") == grant_type
        ]


class _OAuthHandler(BaseHTTPRequestHandler):
    server: "OAuthServer"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _json(self, status: int, body: Dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, error: str, status: int = 400, description: Optional[str] = None) -> None:
        body = {"error": error}
        if description:
            body["error_description"] = description
        self._json(status, body)

    def do_GET(self) -> None:  # noqa: N802
        url = urllib.parse.urlparse(self.path)
        if url.path != "/authorize":
            self.send_error(404)
            return
        q = dict(urllib.parse.parse_qsl(url.query))
        state = self.server.state
        if (
            q.get("client_id") != CLIENT_ID
            or q.get("response_type") != "code"
            or q.get("code_challenge_method") != "S256"
        ):
            self.send_error(400, "bad authorize request")
            return
        if q.get("redirect_uri") != state.redirect_uri:
            self.send_error(400, "redirect_uri mismatch")
            return
        code = "code-" + secrets.token_urlsafe(8)
        state.codes[code] = {
            "challenge": q["code_challenge"],
            "redirect_uri": q["redirect_uri"],
            "scope": q.get("scope", ""),
        }
        location = (
            q["redirect_uri"]
            + "?"
            + urllib.parse.urlencode({"code": code, "state": q.get("state", "")})
        )
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
        state = self.server.state
        state.requests.append({"path": self.path, "form": form, "headers": dict(self.headers)})
        if self.path == "/token":
            if state.token_delay:
                time.sleep(state.token_delay)
            self._token(form)
        elif self.path == "/device/code":
            self._device_code(form)
        else:
            self.send_error(404)

    def _device_code(self, form: Dict[str, str]) -> None:
        if form.get("client_id") != CLIENT_ID:
            self._error("invalid_client", 401)
            return
        device_code = "dc-" + secrets.token_urlsafe(8)
        user_code = "WDJB-MJHT"
        self.server.state.devices[device_code] = Device(user_code=user_code)
        self._json(
            200,
            {
                "device_code": device_code,
                "user_code": user_code,
                "verification_uri": f"{self.server.url}/device",
                "expires_in": self.server.state.device_expires_in,
                "interval": self.server.state.device_interval,
            },
        )

    def _token(self, form: Dict[str, str]) -> None:
        state = self.server.state
        grant = form.get("grant_type")
        if grant == "client_credentials":
            auth = self.headers.get("Authorization", "")
            if not auth.startswith("Basic "):
                self._error("invalid_client", 401)
                return
            client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
            if (
                client_id != SERVICE_CLIENT_ID
                or urllib.parse.unquote_plus(secret) != SERVICE_CLIENT_SECRET
            ):
                self._error("invalid_client", 401, "bad client credentials")
                return
            self._json(200, state.issue(with_refresh=False))
        elif grant == "authorization_code":
            code = state.codes.pop(form.get("code", ""), None)
            verifier = form.get("code_verifier", "")
            challenge = (
                base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                .decode()
                .rstrip("=")
            )
            if (
                code is None
                or form.get("client_id") != CLIENT_ID
                or form.get("redirect_uri") != code["redirect_uri"]
            ):
                self._error("invalid_grant")
            elif challenge != code["challenge"]:
                self._error("invalid_grant", description="PKCE verification failed")
            else:
                self._json(200, state.issue(with_refresh=True))
        elif grant == "refresh_token":
            token = form.get("refresh_token", "")
            if (
                state.refresh_fails
                or token not in state.refresh_tokens
                or form.get("client_id") != CLIENT_ID
            ):
                self._error("invalid_grant", description="refresh token not valid")
                return
            state.refresh_tokens.discard(token)
            self._json(200, state.issue(with_refresh=True))
        elif grant == "urn:ietf:params:oauth:grant-type:device_code":
            device = state.devices.get(form.get("device_code", ""))
            if device is None or form.get("client_id") != CLIENT_ID:
                self._error("invalid_grant")
                return
            device.polls += 1
            if device.denied:
                self._error("access_denied")
            elif device.slow_down_at == device.polls:
                self._error("slow_down")
            elif device.polls <= device.polls_pending + (1 if device.slow_down_at else 0):
                self._error("authorization_pending")
            else:
                self._json(200, state.issue(with_refresh=True))
        else:
            self._error("unsupported_grant_type")


class OAuthServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _OAuthHandler)
        self.state = OAuthState()
        self.url = f"http://127.0.0.1:{self.server_address[1]}"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AuthMetadata(auth_pb2_grpc.AuthMetadataServiceServicer):
    def __init__(self, oauth_server: OAuthServer, redirect_uri: str, header_key: str) -> None:
        self._oauth = oauth_server
        self._redirect_uri = redirect_uri
        self._header_key = header_key
        self.calls = 0

    def GetOAuth2Metadata(self, request, context):  # noqa: N802
        self.calls += 1
        url = self._oauth.url
        return auth_pb2.OAuth2MetadataResponse(
            issuer=url,
            authorization_endpoint=f"{url}/authorize",
            token_endpoint=f"{url}/token",
            device_authorization_endpoint=f"{url}/device/code",
            grant_types_supported=["client_credentials", "authorization_code", "refresh_token"],
            code_challenge_methods_supported=["S256"],
        )

    def GetPublicClientConfig(self, request, context):  # noqa: N802
        self.calls += 1
        return auth_pb2.PublicClientAuthConfigResponse(
            client_id=CLIENT_ID,
            redirect_uri=self._redirect_uri,
            scopes=["offline", "all"],
            authorization_metadata_key=self._header_key,
            audience="flyte-test",
        )


class Admin(admin_pb2_grpc.AdminServiceServicer):
    def GetVersion(self, request, context):  # noqa: N802
        return version_pb2.GetVersionResponse(
            control_plane_version=version_pb2.Version(Version="v-test")
        )


class BearerCheck(grpc.ServerInterceptor):
    """Rejects AdminService calls without a valid ``Bearer`` token under ``header_key``
    (and, if ``proxy_token`` is set, without ``proxy-authorization: Bearer <proxy_token>``)."""

    def __init__(self, oauth_state: OAuthState, header_key: str) -> None:
        self._state = oauth_state
        self._header_key = header_key
        self.extra_tokens: Set[str] = set()
        self.proxy_token: Optional[str] = None
        self.seen: List[Dict[str, str]] = []

    def intercept_service(self, continuation, handler_call_details):
        if "AuthMetadataService" in handler_call_details.method:
            return continuation(handler_call_details)
        metadata = dict(handler_call_details.invocation_metadata or ())
        self.seen.append(metadata)
        value = metadata.get(self._header_key, "")
        token = value[len("Bearer ") :] if value.startswith("Bearer ") else None
        ok = token is not None and (self._state.valid(token) or token in self.extra_tokens)
        if ok and self.proxy_token is not None:
            ok = metadata.get("proxy-authorization") == f"Bearer {self.proxy_token}"
        if ok:
            return continuation(handler_call_details)

        def reject(request, context):
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "missing or invalid token")

        return grpc.unary_unary_rpc_method_handler(reject)


@dataclass
class FlyteServer:
    endpoint: str
    channel: grpc.Channel
    check: BearerCheck
    metadata: AuthMetadata
    redirect_uri: str


def start_flyte(oauth_server: OAuthServer, with_auth_metadata: bool = True):
    redirect_uri = f"http://127.0.0.1:{free_port()}/callback"
    oauth_server.state.redirect_uri = redirect_uri
    check = BearerCheck(oauth_server.state, HEADER_KEY)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8), interceptors=[check])
    metadata = AuthMetadata(oauth_server, redirect_uri, HEADER_KEY)
    if with_auth_metadata:
        auth_pb2_grpc.add_AuthMetadataServiceServicer_to_server(metadata, server)
    admin_pb2_grpc.add_AdminServiceServicer_to_server(Admin(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    endpoint = f"127.0.0.1:{port}"
    channel = grpc.insecure_channel(endpoint)
    return server, FlyteServer(endpoint, channel, check, metadata, redirect_uri)


def get_version(channel: grpc.Channel, authenticator, retry: bool = True) -> str:
    """GetVersion the way the client's auth interceptor does it: send the current token,
    and on UNAUTHENTICATED refresh once and retry."""
    from flyteidl.admin import version_pb2 as v

    stub = admin_pb2_grpc.AdminServiceStub(channel)

    def call():
        pair = authenticator.fetch_grpc_call_auth_metadata()
        return stub.GetVersion(v.GetVersionRequest(), metadata=[pair] if pair else None, timeout=10)

    try:
        return call().control_plane_version.Version
    except grpc.RpcError as e:
        if not retry or e.code() != grpc.StatusCode.UNAUTHENTICATED:
            raise
    authenticator.refresh_credentials()
    return call().control_plane_version.Version
