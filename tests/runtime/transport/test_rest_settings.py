"""Settings of the REST transport, checked before any network call: the body codec
(binary protobuf by default, JSON on request, from the constructor, config.yaml or the
environment), TLS unless plain text is asked for, credentials in plain text logged once,
REST endpoints in config files, gRPC-style targets refused for REST."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from flyteidl.admin import execution_pb2, version_pb2
from flyteidl.core import identifier_pb2

from flyteclient import SynchronousFlyteClient
from flyteclient.runtime.config import ConfigError, PlatformConfig
from flyteclient.runtime.interceptors.retry import RetryPolicy
from flyteclient.runtime.rest import CLIENT_JSON, PROTOBUF
from flyteclient.testing import LocalAdmin
from tests.runtime.transport.test_rest_transport import StaleToken
from tests.support.http_script import ScriptedHttpServer, ok, ok_proto

VERSION = version_pb2.GetVersionResponse(control_plane_version=version_pb2.Version(Version="v1"))
CREATED = execution_pb2.ExecutionCreateResponse(
    id=identifier_pb2.WorkflowExecutionIdentifier(project="p", domain="d", name="e")
)
NO_RETRY = RetryPolicy(max_retries=0)


def _spec() -> execution_pb2.ExecutionSpec:
    return execution_pb2.ExecutionSpec(metadata=execution_pb2.ExecutionMetadata(nesting=3))


def test_a_default_client_sends_and_accepts_binary_protobuf() -> None:
    with ScriptedHttpServer(default=ok_proto(CREATED)) as server:
        with SynchronousFlyteClient(server.url, transport="rest") as client:
            assert client.transport.codec is PROTOBUF
            assert client.create_execution("p", "d", "e", _spec(), None) == CREATED.id
    seen = server.seen[0]
    assert seen.headers["accept"] == "application/octet-stream"
    assert seen.headers["content-type"] == "application/octet-stream"
    sent = execution_pb2.ExecutionCreateRequest.FromString(seen.body)
    assert (sent.project, sent.name, sent.spec) == ("p", "e", _spec())


@pytest.mark.parametrize("how", ["argument", "config", "environment"])
def test_json_bodies_on_request(how: str, tmp_path: Any, monkeypatch: Any) -> None:
    with ScriptedHttpServer(default=ok(CREATED)) as server:
        if how == "argument":
            client = SynchronousFlyteClient(server.url, transport="rest", rest_codec="json")
        else:
            path = tmp_path / "config.yaml"
            body = f"admin:\n  endpoint: {server.url}\n  insecure: true\nflyteclient:\n  transport: rest\n"
            if how == "config":
                body += "  restCodec: json\n"
            else:
                monkeypatch.setenv("FLYTECLIENT_REST_CODEC", "json")
            path.write_text(body)
            client = SynchronousFlyteClient.from_config(str(path))
        with client:
            assert client.transport.codec is CLIENT_JSON
            assert client.create_execution("p", "d", "e", _spec(), None) == CREATED.id
    seen = server.seen[0]
    assert seen.headers["accept"] == seen.headers["content-type"] == "application/json"
    assert b'"nesting":3' in seen.body


def test_bad_codec_settings_are_named() -> None:
    with pytest.raises(ValueError, match="rest_codec must be one of protobuf, json, got 'xml'"):
        SynchronousFlyteClient("http://localhost:8088", transport="rest", rest_codec="xml")
    with pytest.raises(ValueError, match="rest_codec applies to transport='rest'"):
        SynchronousFlyteClient("localhost:8089", insecure=True, rest_codec="json")
    with pytest.raises(ConfigError, match="rest_codec must be one of protobuf, json"):
        PlatformConfig(rest_codec="yaml")


# -- TLS ---------------------------------------------------------------------------------------
def test_an_http_endpoint_needs_insecure() -> None:
    with ScriptedHttpServer(default=ok_proto(VERSION)) as server:
        with pytest.raises(ValueError, match="is plain HTTP but insecure=False"):
            SynchronousFlyteClient(server.url, transport="rest", insecure=False)
        with pytest.raises(ValueError, match=r"insecure=True \(admin.insecure: true\)"):
            SynchronousFlyteClient(PlatformConfig(endpoint=server.url, transport="rest"))
        # The URL given as the endpoint string asks for plain text itself.
        with SynchronousFlyteClient(server.url, transport="rest") as client:
            assert client.get_control_plane_version() == "v1"
            assert "insecure=True" in repr(client)
    assert len(server.seen) == 1


def test_client_secret_over_http_without_insecure_never_reaches_the_server() -> None:
    with LocalAdmin(auth=True) as admin:
        cfg = PlatformConfig(
            endpoint=admin.http_url,
            auth_mode="ClientSecret",
            client_id="flytectl",
            client_credentials_secret="secret",
            transport="rest",
        )
        with pytest.raises(ValueError, match="is plain HTTP but insecure=False"):
            SynchronousFlyteClient(cfg)
        assert admin.auth.token_requests == 0 and admin.auth.rejected_calls == 0


def test_credentials_over_a_bare_http_url_need_insecure_true() -> None:
    """A URL alone may ask for plain text for calls, not for credentials."""
    with ScriptedHttpServer(default=ok_proto(VERSION)) as server:
        for kwargs in ({"authenticator": StaleToken()}, {"proxy_authenticator": StaleToken()}):
            with pytest.raises(ValueError, match="is plain HTTP and credentials were given"):
                SynchronousFlyteClient(server.url, transport="rest", **kwargs)
    assert server.seen == []


def test_plaintext_credentials_are_logged_once(caplog: Any) -> None:
    with ScriptedHttpServer(default=ok_proto(VERSION)) as server:
        with caplog.at_level(logging.WARNING, logger="flyteclient"):
            with SynchronousFlyteClient(
                server.url, transport="rest", insecure=True, authenticator=StaleToken()
            ) as client:
                for _ in range(3):
                    client.get_control_plane_version()
            with SynchronousFlyteClient(f"https://{server.url[7:]}", transport="rest"):
                pass  # TLS, no credentials: nothing to say
    warnings = [r.getMessage() for r in caplog.records if "plain text" in r.getMessage()]
    assert len(warnings) == 1 and server.url in warnings[0]
    assert "Bearer" not in warnings[0]


# -- endpoints ---------------------------------------------------------------------------------
def test_from_config_with_a_rest_endpoint(tmp_path: Any) -> None:
    with LocalAdmin() as admin:
        path = tmp_path / "config.yaml"
        path.write_text(
            f"admin:\n  endpoint: {admin.http_url}\n  insecure: true\nflyteclient:\n  transport: rest\n"
        )
        with SynchronousFlyteClient.from_config(str(path)) as client:
            assert client.get_control_plane_version()
            assert client.transport.url == admin.http_url


def test_a_grpc_target_is_refused_for_rest() -> None:
    with pytest.raises(
        ValueError, match="is a gRPC target: transport='rest' needs flyteadmin's HTTP"
    ):
        SynchronousFlyteClient("dns:///flyte.example.com:8089", transport="rest", insecure=True)
    # A config's dns:/// prefix is flytectl's spelling: host:port with TLS is the same port.
    cfg = PlatformConfig(endpoint="dns:///flyte.example.com", transport="rest")
    with SynchronousFlyteClient(cfg, retry=NO_RETRY) as client:
        assert client.transport.url == "https://flyte.example.com"
