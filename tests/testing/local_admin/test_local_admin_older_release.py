"""LocalAdmin(flyteidl_version=...) / --flyteidl-version: flyteadmin of an older release,
seen with raw stubs and plain HTTP (the client's side is tests/generated/test_older_servers.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from typing import Any, Callable

import grpc
import pytest
from flyteidl.admin import project_pb2, version_pb2
from flyteidl.core import literals_pb2
from flyteidl.service import admin_pb2_grpc, dataproxy_pb2

from flyteclient import SynchronousFlyteClient
from flyteclient.exceptions import FlyteUnimplementedException
from flyteclient.generated import history
from flyteclient.runtime.release import older, parse_release
from flyteclient.testing import LocalAdmin, LocalAuth
from flyteclient.testing.release import ReleaseEmulation
from tests.conftest import ROOT
from tests.support.processes import AdminProcess


def call(channel: grpc.Channel, path: str) -> grpc.RpcError:
    """Call ``path`` with an empty request; the error (or fail)."""
    stub: Callable[..., Any] = channel.unary_unary(path)
    with pytest.raises(grpc.RpcError) as info:
        stub(b"", timeout=5)
    return info.value


def http_get(url: str) -> tuple:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.mark.parametrize("version", ["1.10.7", "1.12.0", "1.13.0"])
def test_only_the_rpcs_and_routes_of_the_release_are_served(version: str) -> None:
    release = parse_release(version)
    assert release is not None
    missing = {p for p, added in history.RPCS.items() if older(release, added)}
    with LocalAdmin(flyteidl_version=version) as admin:
        assert admin.flyteidl_version == version
        with grpc.insecure_channel(admin.endpoint) as channel:
            for path in history.RPCS:
                service, name = path[1:].split("/")
                if path in missing:
                    error = call(channel, path)
                    assert error.code() == grpc.StatusCode.UNIMPLEMENTED
                    assert error.details() == f"unknown method {name} for service {service}"
            stub = admin_pb2_grpc.AdminServiceStub(channel)
            reported = stub.GetVersion(version_pb2.GetVersionRequest())
            assert reported.control_plane_version.Version == f"v{version}"
        # The routes of missing RPCs are gone: grpc-gateway's routing 404.
        status, body = http_get(f"{admin.http_url}/api/v1/domains")
        if "/flyteidl.service.AdminService/GetDomains" in missing:
            assert status == 404
            assert json.loads(body) == {"code": 5, "message": "Not Found", "details": []}
        else:
            assert status == 200 and json.loads(body)["domains"]
        status, body = http_get(f"{admin.http_url}/api/v1/version")
        assert (
            status == 200 and json.loads(body)["control_plane_version"]["Version"] == f"v{version}"
        )
    assert (
        missing
        == {
            "1.10.7": {
                "/flyteidl.service.AdminService/GetProject",
                "/flyteidl.service.AdminService/GetDomains",
            },
            "1.12.0": {"/flyteidl.service.AdminService/GetDomains"},
            "1.13.0": set(),
        }[version]
    )


def test_a_missing_rpc_is_unimplemented_before_auth() -> None:
    """grpc-go answers a method it has no handler for before any interceptor runs."""
    with LocalAdmin(auth=LocalAuth(), flyteidl_version="1.12.0") as admin:
        with grpc.insecure_channel(admin.endpoint) as channel:
            error = call(channel, "/flyteidl.service.AdminService/GetDomains")
            assert error.code() == grpc.StatusCode.UNIMPLEMENTED
            error = call(channel, "/flyteidl.service.AdminService/ListProjects")
            assert error.code() == grpc.StatusCode.UNAUTHENTICATED


def test_request_fields_the_release_lacks_are_dropped_over_grpc_and_rest() -> None:
    """org (1.12.0) in a ProjectListRequest filter... is dropped by 1.10.7 on both paths;
    what a release has stays."""
    with LocalAdmin(flyteidl_version="1.10.7") as admin:
        stub_channel = grpc.insecure_channel(admin.endpoint)
        stub = admin_pb2_grpc.AdminServiceStub(stub_channel)
        stub.RegisterProject(
            project_pb2.ProjectRegisterRequest(project=project_pb2.Project(id="p", name="p"))
        )
        from flyteidl.service import dataproxy_pb2_grpc

        dp = dataproxy_pb2_grpc.DataProxyServiceStub(stub_channel)
        request = dataproxy_pb2.CreateUploadLocationRequest(
            project="p",
            domain="development",
            filename="f",
            content_md5=b"0" * 16,
            add_content_md5_metadata=True,  # 1.11.0: would add X-Md5 headers
        )
        answer = dp.CreateUploadLocation(request)
        assert not answer.headers  # the request field was dropped, and headers (1.11.0) too
        stub_channel.close()
        body = json.dumps(
            {
                "project": "p",
                "domain": "development",
                "filename": "f",
                "content_md5": "MDAwMDAwMDAwMDAwMDAwMA==",
                "add_content_md5_metadata": True,
            }
        ).encode()
        http = urllib.request.Request(
            f"{admin.http_url}/api/v1/dataproxy/artifact_urn",
            data=body,
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(http, timeout=5) as response:
            assert json.loads(response.read()).get("headers", {}) == {}
    with LocalAdmin(flyteidl_version="1.12.0") as admin:
        with grpc.insecure_channel(admin.endpoint) as channel:
            admin_pb2_grpc.AdminServiceStub(channel).RegisterProject(
                project_pb2.ProjectRegisterRequest(project=project_pb2.Project(id="p", name="p"))
            )
            answer = dataproxy_pb2_grpc.DataProxyServiceStub(channel).CreateUploadLocation(request)
            assert answer.headers  # 1.12.0 has both


def test_drop_unknown_copies_instead_of_changing_the_servers_object() -> None:
    emulation = ReleaseEmulation("1.13.0")
    literal = literals_pb2.Literal()
    literal.offloaded_metadata.uri = "s3://x"  # 1.13.4
    literal.hash = "h"
    dropped = emulation.drop_unknown(literal)
    assert dropped is not literal and not dropped.HasField("offloaded_metadata")
    assert dropped.hash == "h" and literal.offloaded_metadata.uri == "s3://x"
    kept = literals_pb2.Literal(hash="h")
    assert emulation.drop_unknown(kept) is kept
    assert ReleaseEmulation("v1.13.4").drop_unknown(literal) is literal


@pytest.mark.parametrize("bad", ["1.9.0", "1.10.6", "2.0.0", "1.13.10", "latest", 1.12, ""])
def test_a_release_the_history_lacks_is_refused_before_listening(bad: Any) -> None:
    with pytest.raises(
        ValueError, match=r"flyteidl_version must be a flyteidl release from 1\.10\.7"
    ):
        LocalAdmin(flyteidl_version=bad)


def test_the_command_line_flag() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "flyteclient.testing", "--flyteidl-version", "1.9.0"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode == 2 and "--flyteidl-version must be a flyteidl release" in done.stderr
    with AdminProcess(":memory:", ["--flyteidl-version", "1.12.0", "--http-port", "0"]) as server:
        assert "as flyteadmin 1.12.0" in server.banner
        http_url = server.banner.split("HTTP/JSON gateway ")[1].split("/api/v1/")[0]
        for endpoint, kwargs in ((server.endpoint, {}), (http_url, {"transport": "rest"})):
            with SynchronousFlyteClient(endpoint, insecure=True, **kwargs) as client:
                with pytest.raises(FlyteUnimplementedException, match=r"flyteidl 1\.13\.0") as e:
                    client.get_domains()
                assert "flyteadmin 1.12.0" in str(e.value)
                assert client.get_control_plane_version() == "v1.12.0"
