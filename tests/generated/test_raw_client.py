"""The raw client: every RPC of every service crosses the wire unchanged, both ways."""

import random

import pytest

from flyteclient import RawSynchronousFlyteClient, SynchronousFlyteClient
from flyteclient.exceptions import ClientClosedError
from flyteclient.generated import methods
from tests.support.messages import populate
from tests.support.optional import require

ALL_METHODS = sorted(methods.BY_PATH.values(), key=lambda m: m.path)


def _raw_name(spec):
    import json
    from pathlib import Path

    manifest = json.loads((Path(methods.__file__).parent / "api.json").read_text())
    return manifest["services"][spec.service]["rpcs"][spec.name]["raw"]["name"]


def test_all_five_services_and_66_rpcs_are_generated():
    services = {m.service for m in ALL_METHODS}
    assert services == {
        "flyteidl.service.AdminService",
        "flyteidl.service.DataProxyService",
        "flyteidl.service.SignalService",
        "flyteidl.service.IdentityService",
        "flyteidl.service.AuthMetadataService",
    }
    assert len(ALL_METHODS) == 66


@pytest.fixture(scope="module")
def shared_server():
    from tests.support.servers import RecordingServer

    with RecordingServer() as s:
        yield s


@pytest.fixture(scope="module")
def raw(shared_server):
    with RawSynchronousFlyteClient(shared_server.endpoint, insecure=True) as c:
        yield c


@pytest.mark.parametrize("spec", ALL_METHODS, ids=lambda m: m.name)
def test_every_rpc_round_trips(spec, shared_server, raw):
    rng = random.Random(spec.path)
    request = populate(spec.request_type(), rng)
    response = populate(spec.response_type(), rng)
    shared_server.script(spec.name, response)
    got = getattr(raw, _raw_name(spec))(request)
    assert got == response
    assert shared_server.requests(spec.name)[-1] == request


def test_flytekit_raw_names():
    for name in [
        "list_task_ids_paginated",
        "list_projects",
        "create_upload_location",
        "list_node_executions_paginated",
        "list_node_executions_for_task_paginated",
        "set_signal",
        "list_signals",
        "create_download_link",
        "get_domains",
    ]:
        assert callable(getattr(RawSynchronousFlyteClient, name)), name


def test_raw_methods_with_empty_requests_may_omit_them(server):
    from flyteidl.admin import project_pb2, version_pb2

    server.script(
        "GetVersion",
        version_pb2.GetVersionResponse(control_plane_version=version_pb2.Version(Version="v9")),
    )
    with RawSynchronousFlyteClient(server.endpoint, insecure=True) as raw:
        assert raw.get_version().control_plane_version.Version == "v9"
        raw.list_projects()
        assert server.requests("ListProjects") == [project_pb2.ProjectListRequest()]


def test_wrong_request_type_is_a_type_error_before_any_call(server):
    from flyteidl.admin import common_pb2

    with RawSynchronousFlyteClient(server.endpoint, insecure=True) as raw:
        with pytest.raises(
            TypeError, match="get_object_request must be flyteidl.admin.ObjectGetRequest"
        ):
            raw.get_task(common_pb2.ResourceListRequest())
    assert server.received == []


def test_per_call_metadata_and_default_headers_reach_the_server(server):
    from flyteidl.admin import version_pb2

    with RawSynchronousFlyteClient(
        server.endpoint, insecure=True, headers=[("x-team", "ml")]
    ) as raw:
        raw.get_version(version_pb2.GetVersionRequest(), metadata=[("x-call", "1")])
    md = server.calls("GetVersion")[0].metadata
    assert md["accept"] == "application/grpc"
    assert md["x-team"] == "ml" and md["x-call"] == "1"
    assert md["user-agent"].startswith("flyteclient/") and " flyteidl/1." in md["user-agent"]


class _Cfg:
    def __init__(self, endpoint, insecure):
        self.endpoint, self.insecure = endpoint, insecure


def test_built_from_a_config_object_and_flytekit_platform_config(server):
    require("flytekit")
    from flytekit.configuration import PlatformConfig

    with RawSynchronousFlyteClient(_Cfg(server.endpoint, True)) as raw:
        assert raw.url == server.endpoint
        raw.get_domains()
    with SynchronousFlyteClient(
        PlatformConfig(endpoint=f"dns:///{server.endpoint}", insecure=True)
    ) as c:
        assert c.url == server.endpoint
        c.get_domains()
    assert len(server.requests("GetDomains")) == 2


def test_close_and_context_manager(server):
    raw = RawSynchronousFlyteClient(server.endpoint, insecure=True)
    with raw as entered:
        assert entered is raw
    with pytest.raises(ClientClosedError, match="GetDomains: the client is closed"):
        raw.get_domains()


def test_unknown_constructor_keyword_is_a_type_error():
    with pytest.raises(TypeError, match="bogus"):
        RawSynchronousFlyteClient("localhost:1", insecure=True, bogus=1)


def test_from_config_reads_flyte_environment_variables(server, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("FLYTECTL_CONFIG", raising=False)
    monkeypatch.setenv("FLYTE_PLATFORM_URL", f"dns:///{server.endpoint}")
    monkeypatch.setenv("FLYTE_PLATFORM_INSECURE", "true")
    with SynchronousFlyteClient.from_config() as client:
        assert client.url == server.endpoint
        client.get_domains()
    assert len(server.requests("GetDomains")) == 1
