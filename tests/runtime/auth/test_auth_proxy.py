"""proxy_command end to end: the proxy token is obtained before the first call, sent as
``proxy-authorization`` and refreshed when the proxy rejects it. Real token commands,
real loopback servers; nothing injects the header by hand."""

from __future__ import annotations

import sys

import grpc
import pytest
from auth_test_servers import SERVICE_CLIENT_ID, SERVICE_CLIENT_SECRET
from flyteidl.admin import version_pb2

from flyteclient import SynchronousFlyteClient
from flyteclient import exceptions as fx
from flyteclient.runtime.config import PlatformConfig
from tests.support.http_status import HttpStatusServer
from tests.support.servers import Fail

REQUEST = version_pb2.GetVersionRequest()
OK = version_pb2.GetVersionResponse(control_plane_version=version_pb2.Version(Version="ok"))


def numbered_token_command(tmp_path, prefix: str):
    """Prints ``<prefix>-<n>`` on its n-th run (from 1); the runs are counted in a file."""
    runs = tmp_path / f"{prefix}-runs"
    script = (
        "import sys, pathlib; p = pathlib.Path(sys.argv[1]); n = len(p.read_text()) + 1 if p.exists() else 1; "
        f"p.write_text('x' * n); print({prefix!r} + '-' + str(n))"
    )
    return [sys.executable, "-c", script, str(runs)], runs


def proxy_client(endpoint, proxy_command, **cfg):
    return SynchronousFlyteClient(
        PlatformConfig(endpoint=endpoint, insecure=True, proxy_command=proxy_command, **cfg)
    )


def test_proxy_token_is_on_the_very_first_call(server, tmp_path):
    command, runs = numbered_token_command(tmp_path, "proxy")
    with proxy_client(server.endpoint, command) as client:
        client.raw.get_version(REQUEST)
        client.raw.get_version(REQUEST)
    assert [c.metadata.get("proxy-authorization") for c in server.calls()] == ["Bearer proxy-1"] * 2
    assert runs.read_text() == "x"


def test_proxy_token_is_refreshed_when_the_proxy_rejects_it(server, tmp_path):
    command, runs = numbered_token_command(tmp_path, "proxy")

    def proxy_accepts_only_the_second_token(request, metadata):
        if metadata.get("proxy-authorization") != "Bearer proxy-2":
            return Fail(grpc.StatusCode.UNAUTHENTICATED, "stale proxy token")
        return OK

    server.set_default("GetVersion", proxy_accepts_only_the_second_token)
    with proxy_client(server.endpoint, command) as client:
        assert client.raw.get_version(REQUEST, timeout=10) == OK
    assert runs.read_text() == "xx"


def test_http_407_from_the_proxy_refreshes_the_proxy_token_once(tmp_path):
    command, runs = numbered_token_command(tmp_path, "proxy")
    with HttpStatusServer(407) as proxy, proxy_client(proxy.endpoint, command) as client:
        with pytest.raises(fx.FlyteException, match="status: 407"):
            client.raw.get_version(REQUEST, timeout=10)
        assert proxy.requests == 2  # with the first token, then with the refreshed one
    assert runs.read_text() == "xx"


def test_proxy_and_server_credentials_together(server, tmp_path):
    proxy_command, proxy_runs = numbered_token_command(tmp_path, "proxy")
    server_command, server_runs = numbered_token_command(tmp_path, "server")

    def answer(request, metadata):
        if metadata.get("proxy-authorization") != "Bearer proxy-1":
            return Fail(grpc.StatusCode.UNAUTHENTICATED, "proxy says no")
        if metadata.get("authorization") != "Bearer server-1":
            return Fail(grpc.StatusCode.UNAUTHENTICATED, "server says no")
        return OK

    server.set_default("GetVersion", answer)
    with proxy_client(server.endpoint, proxy_command, command=server_command) as client:
        assert client.raw.get_version(REQUEST, timeout=10) == OK
    # The server's rejection refreshed the server token, not the proxy token.
    assert (proxy_runs.read_text(), server_runs.read_text()) == ("x", "x")


def test_proxy_token_on_oauth_discovery_and_token_requests(oauth, flyte, tmp_path):
    command, runs = numbered_token_command(tmp_path, "proxy")
    flyte.check.proxy_token = "proxy-1"
    cfg = PlatformConfig(
        endpoint=flyte.endpoint,
        insecure=True,
        client_id=SERVICE_CLIENT_ID,
        client_credentials_secret=SERVICE_CLIENT_SECRET,
        auth_mode="ClientSecret",
        proxy_command=command,
    )
    with SynchronousFlyteClient(cfg) as client:
        assert client.raw.get_version(REQUEST, timeout=10).control_plane_version.Version == "v-test"
    (grant,) = oauth.state.grants("client_credentials")
    assert grant["headers"].get("proxy-authorization") == "Bearer proxy-1"
    assert runs.read_text() == "x"  # one proxy token for the calls and the OAuth2 requests


def test_async_client_sends_and_refreshes_proxy_credentials(server, tmp_path):
    """The same through AsyncFlyteClient: the token command runs off the event loop."""
    import asyncio

    from flyteclient import AsyncFlyteClient

    command, runs = numbered_token_command(tmp_path, "proxy")
    answers = iter([Fail(grpc.StatusCode.UNAUTHENTICATED, "stale proxy token")])

    def proxy_rejects_the_second_call_once(request, metadata):
        return next(answers, OK) if len(server.calls()) == 2 else OK

    server.set_default("GetVersion", proxy_rejects_the_second_call_once)

    async def calls():
        cfg = PlatformConfig(endpoint=server.endpoint, insecure=True, proxy_command=command)
        async with AsyncFlyteClient(cfg) as client:
            return [await client.raw.get_version(REQUEST, timeout=10) for _ in range(2)]

    assert asyncio.run(calls()) == [OK, OK]
    sent = [c.metadata.get("proxy-authorization") for c in server.calls()]
    assert (
        sent == ["Bearer proxy-1", "Bearer proxy-1", "Bearer proxy-2"] and runs.read_text() == "xx"
    )
