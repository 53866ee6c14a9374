"""The REST transport against an HTTP server that fails on purpose: the same retries,
deadlines, error mapping and credential refresh as over gRPC."""

from __future__ import annotations

import asyncio
import ssl
import threading
import time
from http.server import ThreadingHTTPServer
from typing import Any, List

import grpc
import pytest
from flyteidl.admin import common_pb2, execution_pb2, version_pb2
from flyteidl.core import identifier_pb2

from flyteclient import AsyncFlyteClient, SynchronousFlyteClient
from flyteclient import exceptions as fx
from flyteclient.runtime.config import PlatformConfig
from flyteclient.runtime.interceptors.retry import RetryPolicy
from tests.support.http_script import ScriptedHttpServer, Seen, gateway_error, ok, plain
from tests.support.tls import self_signed_certificate

EX_ID = identifier_pb2.WorkflowExecutionIdentifier(project="p", domain="d", name="e")
VERSION = version_pb2.GetVersionResponse(control_plane_version=version_pb2.Version(Version="v1"))
FAST = RetryPolicy(initial_backoff=0.01, rng=lambda: 1.0)


def rest_client(server: ScriptedHttpServer, **kwargs: Any) -> SynchronousFlyteClient:
    kwargs.setdefault("retry", FAST)
    return SynchronousFlyteClient(server.url, transport="rest", **kwargs)


def test_request_is_the_route_with_query_parameters_and_binary_protobuf():
    with ScriptedHttpServer(default=ok(execution_pb2.ExecutionList(token="7"))) as server:
        with rest_client(server, headers=[("x-team", "ml")]) as client:
            _, token = client.list_executions_paginated(
                "p",
                "d",
                limit=5,
                filters=["eq(phase,SUCCEEDED)"],
                sort_by=common_pb2.Sort(key="created_at", direction=common_pb2.Sort.ASCENDING),
            )
    assert token == "7"
    seen = server.seen[0]
    assert seen.method == "GET"
    assert seen.target == (
        "/api/v1/executions/p/d?limit=5&filters=eq%28phase%2CSUCCEEDED%29"
        "&sort_by.key=created_at&sort_by.direction=ASCENDING"
    )
    assert seen.headers["accept"] == "application/octet-stream" and seen.headers["x-team"] == "ml"
    assert "content-type" not in seen.headers  # a GET has no body


def test_503_then_ok_is_retried_with_backoff():
    with ScriptedHttpServer(default=ok(VERSION)) as server:
        server.script(plain(503), plain(502))
        with rest_client(server) as client:
            sleeps: List[float] = []
            client._retry._sleep = sleeps.append
            assert client.get_control_plane_version() == "v1"
    assert len(server.seen) == 3 and sleeps == [0.01, 0.02]


def test_gateway_errors_map_to_the_same_exceptions_and_are_not_retried():
    for code, exc in (
        (grpc.StatusCode.NOT_FOUND, fx.FlyteEntityNotExistException),
        (grpc.StatusCode.INVALID_ARGUMENT, fx.FlyteInvalidInputException),
        (grpc.StatusCode.ALREADY_EXISTS, fx.FlyteEntityAlreadyExistsException),
    ):
        with ScriptedHttpServer(default=gateway_error(code, f"scripted {code.name}")) as server:
            with rest_client(server) as client:
                with pytest.raises(exc) as error:
                    client.get_execution(EX_ID)
        assert (
            error.value.code == code
            and error.value.message == f"scripted {code.name}"
            and error.value.rpc == "GetExecution"
        )
        assert len(server.seen) == 1


def test_non_gateway_4xx_is_not_retried_and_names_the_status():
    with ScriptedHttpServer(default=plain(403, b"<html>Forbidden by the ingress</html>")) as server:
        with rest_client(server) as client:
            with pytest.raises(fx.FlytePermissionDeniedException) as error:
                client.get_execution(EX_ID)
    assert (
        len(server.seen) == 1
        and "403" in error.value.message
        and "Forbidden by the ingress" in error.value.message
    )


def test_non_idempotent_rpc_is_not_resent_after_a_503():
    with ScriptedHttpServer(default=plain(503)) as server:
        with rest_client(server) as client:
            with pytest.raises(fx.FlyteSystemUnavailableException):
                client.create_execution("p", "d", "e", execution_pb2.ExecutionSpec(), None)
    assert len(server.seen) == 1


def test_connection_refused_is_retried_even_for_non_idempotent_rpcs():
    with ScriptedHttpServer() as closed:
        url = closed.url  # the port is free again once the server is gone
    with SynchronousFlyteClient(
        url, transport="rest", retry=RetryPolicy(max_retries=2, initial_backoff=0.01)
    ) as client:
        sleeps: List[float] = []
        client._retry._sleep = sleeps.append
        with pytest.raises(fx.FlyteSystemUnavailableException, match="failed to connect"):
            client.create_execution("p", "d", "e", execution_pb2.ExecutionSpec(), None)
    assert len(sleeps) == 2  # never sent: safe to try again


def test_deadline_bounds_all_attempts():
    with ScriptedHttpServer(default=plain(503), delay=0.15) as server:
        with rest_client(server, retry=RetryPolicy(initial_backoff=0.05)) as client:
            started = time.monotonic()
            with pytest.raises((fx.FlyteTimeout, fx.FlyteSystemUnavailableException)):
                client.get_execution(EX_ID, timeout=0.5)
            elapsed = time.monotonic() - started
    assert elapsed < 1.2 and len(server.seen) >= 2
    assert all("grpc-timeout" in s.headers for s in server.seen)


class StaleToken:
    def __init__(self) -> None:
        self.token, self.refreshes, self.lock = "old", 0, threading.Lock()

    def fetch_grpc_call_auth_metadata(self) -> Any:
        return ("authorization", f"Bearer {self.token}")

    def refresh_credentials(self) -> None:
        with self.lock:
            self.refreshes += 1
            time.sleep(0.1)
            self.token = "new"


def _only_new_token(seen: Seen) -> Any:
    if seen.headers.get("authorization") != "Bearer new":
        return plain(401, b"<html>401 Authorization Required</html>")  # an ingress, not the gateway
    return ok(VERSION)


def test_401_refreshes_once_for_32_concurrent_calls():
    from tests.support.threads import run_concurrently

    with ScriptedHttpServer(default=_only_new_token) as server:
        auth = StaleToken()
        with rest_client(server, insecure=True, authenticator=auth) as client:
            results: List[str] = []
            errors = run_concurrently(
                lambda: results.append(client.get_control_plane_version()), 32
            )
    assert errors == [] and results == ["v1"] * 32 and auth.refreshes == 1


def test_async_401_refreshes_once_for_32_tasks_and_503_is_retried():
    with ScriptedHttpServer(default=_only_new_token) as server:
        server.script(plain(503))
        auth = StaleToken()

        async def calls() -> List[str]:
            async with AsyncFlyteClient(
                server.url, transport="rest", insecure=True, authenticator=auth, retry=FAST
            ) as client:
                return list(
                    await asyncio.gather(*(client.get_control_plane_version() for _ in range(32)))
                )

        assert asyncio.run(calls()) == ["v1"] * 32
    assert auth.refreshes == 1


def test_proxy_407_refreshes_the_proxy_token(tmp_path):
    import sys

    script = tmp_path / "token.py"
    runs = tmp_path / "runs"
    script.write_text(
        f"import pathlib; p = pathlib.Path({str(runs)!r}); n = len(p.read_text()) + 1 if p.exists() else 1; p.write_text('x' * n); print(f'proxy-{{n}}')"
    )

    def proxy(seen: Seen) -> Any:
        if seen.headers.get("proxy-authorization") != "Bearer proxy-2":
            return plain(407, b"Proxy Authentication Required", "text/plain")
        return ok(VERSION)

    with ScriptedHttpServer(default=proxy) as server:
        cfg = PlatformConfig(
            endpoint=server.url,
            insecure=True,
            proxy_command=[sys.executable, str(script)],
            transport="rest",
        )
        with SynchronousFlyteClient(cfg) as client:
            assert client.get_control_plane_version() == "v1"
    assert [s.headers.get("proxy-authorization") for s in server.seen] == [
        "Bearer proxy-1",
        "Bearer proxy-2",
    ]


def test_an_rpc_without_a_route_is_a_clear_error():
    with ScriptedHttpServer() as server:
        with rest_client(server) as client:
            with pytest.raises(
                fx.FlyteUnimplementedException, match="GetOrCreateSignal has no HTTP route"
            ):
                client.get_or_create_signal()
    assert server.seen == []


def test_bad_settings_for_rest_are_named():
    with pytest.raises(ValueError, match="is a URL: use transport='rest'"):
        SynchronousFlyteClient("https://flyte.example.com", insecure=True)
    with pytest.raises(ValueError, match="transport must be one of grpc, rest"):
        SynchronousFlyteClient("flyte.example.com:443", transport="http")
    with pytest.raises(TypeError, match="options apply to the gRPC transport"):
        SynchronousFlyteClient(
            "https://flyte.example.com", transport="rest", options=[("grpc.x", 1)]
        )


def test_http_proxy_from_the_environment(monkeypatch):
    with ScriptedHttpServer(default=ok(VERSION)) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        with SynchronousFlyteClient(
            "http://flyte.invalid:8088", transport="rest", retry=FAST
        ) as client:
            assert client.get_control_plane_version() == "v1"
    assert (
        proxy.seen[0].target == "http://flyte.invalid:8088/api/v1/version"
    )  # absolute-form: proxied


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


def test_tls_verification_with_a_custom_ca(certificate):
    cert, key = certificate
    with ScriptedHttpServer(default=ok(VERSION)) as server:
        httpd: ThreadingHTTPServer = server._server
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(cert), str(key))
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
        url = server.url.replace("http://", "https://")
        with SynchronousFlyteClient(
            url, transport="rest", retry=RetryPolicy(max_retries=0)
        ) as client:
            with pytest.raises(
                fx.FlyteSystemUnavailableException
            ):  # self-signed: not trusted by default
                client.get_control_plane_version()
        trusted = PlatformConfig(endpoint=url, ca_cert_file_path=str(cert), transport="rest")
        with SynchronousFlyteClient(trusted, retry=RetryPolicy(max_retries=0)) as client:
            assert client.get_control_plane_version() == "v1"
        with SynchronousFlyteClient(
            url, transport="rest", root_certificates=cert.read_bytes()
        ) as client:
            assert client.get_control_plane_version() == "v1"
        skip = PlatformConfig(endpoint=url, insecure_skip_verify=True, transport="rest")
        with SynchronousFlyteClient(skip, retry=RetryPolicy(max_retries=0)) as client:
            assert client.get_control_plane_version() == "v1"


def test_client_secret_login_over_rest_only():
    """OAuth2 discovery, the token request and the calls all over HTTP: a LocalAdmin with
    auth on, reached only through its gateway."""
    from flyteclient.testing import LocalAdmin

    with LocalAdmin(auth=True) as admin:
        cfg = PlatformConfig(
            endpoint=admin.http_url,
            insecure=True,
            auth_mode="ClientSecret",
            client_id="flytectl",
            client_credentials_secret="secret",
            transport="rest",
        )
        with SynchronousFlyteClient(cfg) as client:
            assert client.get_control_plane_version()
            admin.auth.revoke_all()  # the next call gets a 401 and logs in again, once
            assert client.get_control_plane_version()
        assert admin.auth.token_requests == 2 and admin.auth.rejected_calls >= 1
