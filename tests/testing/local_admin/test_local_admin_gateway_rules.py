"""LocalAdmin's gateway follows flyteadmin's header rules and limits: the configured HTTP
authorization header (``flyte-authorization`` by default), plain ``Authorization``,
``Grpc-Metadata-*``, the bearer scheme in any case; the internal gRPC hop's 4 MiB limit
(``maxMessageSizeBytes``); 400 for a path whose escapes are not UTF-8. And the REST
client on top: a ClientSecret login with each authorization key, the hop's refusal as a
clear error, a route the server lacks as UNIMPLEMENTED."""

from __future__ import annotations

import asyncio
from typing import Any, Dict

import grpc
import pytest
from flyteidl.admin import common_pb2, project_pb2, task_pb2

from flyteclient import AsyncFlyteClient, SynchronousFlyteClient
from flyteclient import exceptions as fx
from flyteclient.runtime.config import PlatformConfig
from flyteclient.testing import LocalAdmin, LocalAuth
from tests.support.gateway import send
from tests.testing.local_admin.conftest import RT, Env, ident

C = grpc.StatusCode
PROJECTS = "/api/v1/projects?limit=5"


def status_of(admin: LocalAdmin, headers: Dict[str, str], target: str = PROJECTS) -> int:
    return send(admin.http_url, "GET", target, None, headers)[0]


@pytest.mark.parametrize(
    "key, http_header",
    [
        ("authorization", "flyte-authorization"),  # flyteadmin's HTTP default, client default key
        ("flyte-authorization", "flyte-authorization"),  # flyteadmin's defaults
        ("x-team-auth", "x-team-auth"),  # a custom key (LocalAdmin's HTTP header follows it)
    ],
)
def test_each_authorization_header_setting(key: str, http_header: str) -> None:
    with LocalAdmin(auth=LocalAuth(authorization_metadata_key=key)) as admin:
        assert admin.http_authorization_header == http_header
        token = admin.auth.issue_token()
        assert status_of(admin, {}) == 401
        assert status_of(admin, {"Authorization": f"Bearer {token}"}) == 200  # always passed
        assert status_of(admin, {http_header: f"Bearer {token}"}) == 200  # the configured one
        assert status_of(admin, {"Authorization": f"bearer {token}"}) == 200  # any case
        assert status_of(admin, {"Authorization": f"BEARER {token}"}) == 200
        assert status_of(admin, {f"Grpc-Metadata-{key}": f"Bearer {token}"}) == 200
        assert status_of(admin, {"X-Other-Auth": f"Bearer {token}"}) == 401  # dropped
        assert status_of(admin, {"Authorization": f"Basic {token}"}) == 401
        assert status_of(admin, {"Authorization": "Bearer not-a-token"}) == 401


def test_the_http_authorization_header_is_configurable() -> None:
    with LocalAdmin(auth=True, http_authorization_header="X-Gateway-Auth") as admin:
        token = admin.auth.issue_token()
        assert status_of(admin, {"x-gateway-auth": f"Bearer {token}"}) == 200
        assert status_of(admin, {"flyte-authorization": f"Bearer {token}"}) == 401
        assert status_of(admin, {"Authorization": f"Bearer {token}"}) == 200


def _client_secret(admin: LocalAdmin) -> PlatformConfig:
    return PlatformConfig(
        endpoint=admin.http_url,
        insecure=True,
        auth_mode="ClientSecret",
        client_id="flytectl",
        client_credentials_secret="secret",
        transport="rest",
    )


@pytest.mark.parametrize("key", ["authorization", "flyte-authorization", "x-team-auth"])
def test_rest_client_secret_login_with_each_key(key: str) -> None:
    """Discovery, token request and calls over HTTP; the client sends its token under the
    key the server advertises, which the gateway must pass on."""
    with LocalAdmin(auth=LocalAuth(authorization_metadata_key=key)) as admin:
        with SynchronousFlyteClient(_client_secret(admin)) as client:
            assert client.get_control_plane_version() is not None
            assert client.list_projects().projects == []

        async def over_async() -> str:
            async with AsyncFlyteClient(_client_secret(admin)) as client:
                return (await client.user_info()).subject

        assert asyncio.run(over_async()) == "flytectl"
        assert admin.auth.token_requests == 2  # one login per client


def test_a_path_whose_escapes_are_not_utf8_is_400() -> None:
    with LocalAdmin() as admin:
        status, _, body = send(admin.http_url, "GET", "/api/v1/projects/%ff%fe", None, {})
        assert (status, body) == (400, b"400 Bad Request")
        status, headers, body = send(admin.http_url, "GET", "/api/v1/projects/%C3%A9", None, {})
        assert status == 404 and b"[\xc3\xa9] not found" in body  # UTF-8 escapes are fine


def _register_big_tasks(env: Env, count: int, arg_bytes: int) -> None:
    env.stub.RegisterProject(
        project_pb2.ProjectRegisterRequest(project=project_pb2.Project(id="flytesnacks", name="p"))
    )
    for i in range(count):
        spec = Env.task_spec(f"t{i}")
        spec.template.container.args.append("x" * arg_bytes)
        env.stub.CreateTask(task_pb2.TaskCreateRequest(id=ident(RT.TASK, f"t{i}"), spec=spec))


def test_a_response_over_the_gateways_4_mib_hop_fails_over_rest_only() -> None:
    """A page of 5 MiB: gRPC delivers it (the client accepts 20 MiB); the gateway's
    internal hop refuses it (429), and the REST client says what happened and what to do."""
    named = common_pb2.NamedEntityIdentifier(project="flytesnacks", domain="development")
    with LocalAdmin() as admin, grpc.insecure_channel(admin.endpoint) as channel:
        _register_big_tasks(Env(admin, channel), 10, 512 * 1024)
        with SynchronousFlyteClient(admin.endpoint, insecure=True) as over_grpc:
            assert len(over_grpc.list_tasks_paginated(named, limit=10)[0]) == 10
        with SynchronousFlyteClient(admin.http_url, transport="rest") as over_rest:
            with pytest.raises(fx.FlyteResourceExhaustedException) as info:
                over_rest.list_tasks_paginated(named, limit=10)
            assert len(over_rest.list_tasks_paginated(named, limit=5)[0]) == 5  # a smaller page
        message = str(info.value)
        assert "ListTasks" in message and "received message larger than max (" in message
        assert "vs. 4194304" in message and "maxMessageSizeBytes" in message
        assert "limit=" in message and "transport='grpc'" in message
        status, _, _ = send(
            admin.http_url, "GET", "/api/v1/tasks/flytesnacks/development?limit=10", None, {}
        )
        assert status == 429
    with LocalAdmin(max_message_size_bytes=16 * 1024 * 1024) as admin:
        with grpc.insecure_channel(admin.endpoint) as channel:
            _register_big_tasks(Env(admin, channel), 10, 512 * 1024)
        with SynchronousFlyteClient(admin.http_url, transport="rest") as over_rest:
            assert len(over_rest.list_tasks_paginated(named, limit=10)[0]) == 10


def test_a_request_over_the_hop_is_refused_too() -> None:
    with LocalAdmin() as admin:
        with SynchronousFlyteClient(admin.http_url, transport="rest") as client:
            client.register_project(project_pb2.Project(id="flytesnacks", name="p"))
            spec = Env.task_spec("big")
            spec.template.container.args.append("x" * (5 * 1024 * 1024))
            with pytest.raises(fx.FlyteResourceExhaustedException, match="larger than max"):
                client.create_task(ident(RT.TASK, "big"), spec)


def test_a_route_the_server_lacks_is_unimplemented_not_not_found() -> None:
    """An RPC newer than the server: its route is grpc-gateway's routing 404, which the
    client raises as UNIMPLEMENTED naming the RPC (a missing entity stays NOT_FOUND)."""
    with LocalAdmin() as admin:
        # The server's gateway forgets GetVersion's route, as a release predating it would.
        gateway = _gateway_of(admin)
        gateway.table = type(gateway.table)([])
        for codec in ("protobuf", "json"):
            with SynchronousFlyteClient(
                admin.http_url, transport="rest", rest_codec=codec
            ) as client:
                with pytest.raises(fx.FlyteUnimplementedException) as info:
                    client.get_control_plane_version()
                text = str(info.value)
                assert "GetVersion" in text and "may predate this RPC" in text, text
                assert info.value.code == C.UNIMPLEMENTED
    with LocalAdmin() as admin:
        with SynchronousFlyteClient(admin.http_url, transport="rest") as client:
            with pytest.raises(fx.FlyteEntityNotExistException, match="ghost"):
                client.raw.get_project(project_pb2.ProjectGetRequest(id="ghost"))


def _gateway_of(admin: LocalAdmin) -> Any:
    for prefix, handler in admin._http._routes:  # noqa: SLF001 - the test reaches in on purpose
        if prefix == "/":
            return handler.__self__
    raise AssertionError("no gateway route")
