"""client.compatibility() and ``python -m flyteclient compatibility``: the server's release
and which of the client's RPCs and request fields it lacks, against LocalAdmin as older
releases."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from flyteclient import AsyncFlyteClient, SynchronousFlyteClient
from flyteclient.generated import FLYTEIDL_VERSION
from flyteclient.testing import LocalAdmin
from tests.conftest import ROOT


def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flyteclient", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


@pytest.mark.parametrize("transport", ["grpc", "rest"])
def test_the_report_against_1_10_7_and_1_12_0(transport: str) -> None:
    for version in ("1.10.7", "1.12.0"):
        with LocalAdmin(flyteidl_version=version) as admin:
            endpoint = admin.http_url if transport == "rest" else admin.endpoint
            with SynchronousFlyteClient(endpoint, insecure=True, transport=transport) as client:
                report = client.compatibility()
                # What the report learnt is what the client uses for its errors.
                assert client._release.version == version
        assert report.server_version == version and report.reported == f"v{version}"
        assert report.known and not report.compatible
        assert report.client_flyteidl == FLYTEIDL_VERSION and report.baseline == "1.10.7"
        rpcs = {m.rpc: m.added for m in report.missing_rpcs}
        fields = {m.field: m for m in report.missing_fields}
        text = str(report)
        assert f"Server: flyteadmin {version}; this client: flyteidl {FLYTEIDL_VERSION}" in text
        assert "AdminService.GetDomains  (added in flyteidl 1.13.0)" in text
        eager = fields["flyteidl.core.TaskMetadata.is_eager"]
        assert eager.added == "1.13.8" and "AdminService.CreateTask" in eager.rpcs
        assert "flyteidl.core.TaskMetadata.is_eager  (added in flyteidl 1.13.8): " in text
        if version == "1.10.7":
            assert rpcs == {
                "AdminService.GetDomains": "1.13.0",
                "AdminService.GetProject": "1.12.0",
            }
            assert fields["flyteidl.service.CreateUploadLocationRequest.org"].added == "1.12.0"
            # GetProject's own request fields are as old as the RPC: not listed separately.
            assert not any(f.startswith("flyteidl.admin.ProjectGetRequest.") for f in fields)
        else:
            assert rpcs == {"AdminService.GetDomains": "1.13.0"}
            assert "flyteidl.service.CreateUploadLocationRequest.org" not in fields
            assert "flyteidl.admin.ExecutionSpec.execution_cluster_label" not in fields
        assert all(f.added != "1.10.7" for f in report.missing_fields)


def test_the_clients_own_release_and_a_server_without_one() -> None:
    with LocalAdmin(flyteidl_version=FLYTEIDL_VERSION) as admin:
        with SynchronousFlyteClient(admin.endpoint, insecure=True) as client:
            report = client.compatibility()
    assert report.compatible and report.missing_rpcs == () and report.missing_fields == ()
    assert "the server has every RPC and request field of this client" in str(report)
    with LocalAdmin() as admin:  # reports "flyteclient-local-admin/...": no flyteadmin release
        with SynchronousFlyteClient(admin.endpoint, insecure=True) as client:
            report = client.compatibility()
    assert not report.known and not report.compatible
    assert "did not report a flyteadmin release" in str(report)


def test_the_async_client() -> None:
    with LocalAdmin(flyteidl_version="1.12.0") as admin:

        async def main() -> Any:
            async with AsyncFlyteClient(admin.endpoint, insecure=True) as client:
                return await client.compatibility()

        report = asyncio.run(main())
    assert [m.rpc for m in report.missing_rpcs] == ["AdminService.GetDomains"]
    assert report.to_dict()["missing_rpcs"] == [
        {"rpc": "AdminService.GetDomains", "added": "1.13.0"}
    ]


def test_the_command(tmp_path: Path) -> None:
    with LocalAdmin(flyteidl_version="1.12.0") as admin:
        done = run("compatibility", "--endpoint", admin.endpoint, "--insecure")
        assert done.returncode == 1, done.stderr
        assert done.stdout.startswith("Server: flyteadmin 1.12.0; this client: flyteidl ")
        assert "AdminService.GetDomains  (added in flyteidl 1.13.0)" in done.stdout
        done = run("compatibility", "--endpoint", admin.http_url, "--transport", "rest", "--json")
        assert done.returncode == 1, done.stderr
        body = json.loads(done.stdout)
        assert body["server_version"] == "1.12.0" and body["compatible"] is False
        assert body["missing_rpcs"] == [{"rpc": "AdminService.GetDomains", "added": "1.13.0"}]
        # From a config file, as flytectl and flytekit read it.
        config = tmp_path / "config.yaml"
        config.write_text(f"admin:\n  endpoint: dns:///{admin.endpoint}\n  insecure: true\n")
        done = run("compatibility", "--config", str(config))
        assert done.returncode == 1 and "flyteadmin 1.12.0" in done.stdout, done.stderr
    with LocalAdmin(flyteidl_version=FLYTEIDL_VERSION) as admin:
        done = run("compatibility", "--endpoint", admin.endpoint, "--insecure")
        assert done.returncode == 0 and "has every RPC" in done.stdout, done.stderr
    with LocalAdmin() as admin:
        done = run("compatibility", "--endpoint", admin.endpoint, "--insecure")
        assert done.returncode == 2 and "did not report a flyteadmin release" in done.stdout


def test_the_command_on_bad_input_says_so_in_one_line(tmp_path: Path) -> None:
    done = run("compatibility", "--endpoint", "127.0.0.1:1", "--insecure", "--timeout", "1")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("flyteclient compatibility: error: 127.0.0.1:1: ")
    assert len(done.stderr.strip().splitlines()) == 1
    bad = tmp_path / "config.yaml"
    bad.write_text("admin:\n  insecure: maybe\n")
    done = run("compatibility", "--config", str(bad))
    assert done.returncode == 2 and "insecure" in done.stderr
    assert run("compatibility", "--transport", "carrier-pigeon").returncode == 2
    assert run().returncode == 2
