"""pyflyte on flyteclient, opt-in: ``python -m flyteclient.flytekit.pyflyte run --remote``
registers and launches through flyteclient's client; plain pyflyte keeps flytekit's."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Callable, List

import grpc
import pytest

from flyteclient import SynchronousFlyteClient
from tests.flytekit.support import DOMAIN, PROJECT, local_admin

WORKFLOW = Path(__file__).with_name("wfpkg") / "simple.py"


class UserAgents(grpc.ServerInterceptor):
    """Records the user-agent of every call LocalAdmin receives."""

    def __init__(self) -> None:
        self.seen: List[str] = []
        self._lock = threading.Lock()

    def intercept_service(self, continuation: Callable[[Any], Any], details: Any) -> Any:
        agent = dict(details.invocation_metadata or ()).get("user-agent", "")
        with self._lock:
            self.seen.append(f"{details.method.rsplit('/', 1)[-1]} {agent}")
        return continuation(details)


@pytest.fixture
def admin(tmp_path):
    agents = UserAgents()
    admin = local_admin(interceptors=[agents])
    admin.agents = agents
    config = tmp_path / "config.yaml"
    config.write_text(f"admin:\n  endpoint: dns:///{admin.endpoint}\n  insecure: true\n")
    admin.config_file = config
    agents.seen.clear()  # only the command's calls
    yield admin
    admin.stop()


def _pyflyte(admin, command: List[str], name: str) -> subprocess.CompletedProcess:
    args = [
        *command,
        "--config",
        str(admin.config_file),
        "run",
        "--remote",
        "--project",
        PROJECT,
        "--domain",
        DOMAIN,
        "--name",
        name,
        str(WORKFLOW),
        "pipeline",
        "--a",
        "5",
    ]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    return subprocess.run(
        args, capture_output=True, text=True, timeout=240, env=env, cwd=WORKFLOW.parent
    )


def _execution(admin, name: str) -> Any:
    from flyteidl.core import identifier_pb2

    with SynchronousFlyteClient(admin.endpoint, insecure=True) as client:
        return client.get_execution(
            identifier_pb2.WorkflowExecutionIdentifier(project=PROJECT, domain=DOMAIN, name=name)
        )


def test_pyflyte_run_remote_with_flyteclient(admin):
    done = _pyflyte(
        admin, [sys.executable, "-m", "flyteclient.flytekit.pyflyte"], "via-flyteclient"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    execution = _execution(admin, "via-flyteclient")
    assert execution.spec.launch_plan.name.endswith("pipeline")
    called = [s for s in admin.agents.seen if not s.startswith("GetExecution ")]
    assert any(s.startswith("CreateExecution flyteclient/") for s in called), called
    assert any(s.startswith("CreateWorkflow flyteclient/") for s in called), called
    assert not [s for s in called if "flyteclient/" not in s], called


def test_plain_pyflyte_is_unchanged(admin):
    pyflyte = Path(sys.executable).with_name("pyflyte")
    done = _pyflyte(admin, [str(pyflyte)], "via-flytekit")
    assert done.returncode == 0, done.stdout + done.stderr
    assert _execution(admin, "via-flytekit").id.name == "via-flytekit"
    called = [s for s in admin.agents.seen if s.startswith("CreateExecution ")]
    assert called and not [s for s in called if "flyteclient/" in s], called


def test_pyflyte_register_and_get_with_flyteclient(admin):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    command = [
        sys.executable,
        "-m",
        "flyteclient.flytekit.pyflyte",
        "--config",
        str(admin.config_file),
    ]
    scope = ["--project", PROJECT, "--domain", DOMAIN]
    registered = subprocess.run(
        [*command, "register", *scope, "--version", "v7", str(WORKFLOW)],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
        cwd=WORKFLOW.parent,
    )
    assert registered.returncode == 0, registered.stdout + registered.stderr
    assert "Successfully registered" in registered.stdout
    got = subprocess.run(
        [*command, "get", "launchplan", *scope, "wfpkg.simple.pipeline_lp", "v7"],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
        cwd=WORKFLOW.parent,
    )
    assert got.returncode == 0, got.stdout + got.stderr
    assert "wfpkg.simple.pipeline_lp" in got.stdout
    creates = [
        s
        for s in admin.agents.seen
        if s.startswith(("CreateTask ", "CreateWorkflow ", "CreateLaunchPlan "))
    ]
    assert len(creates) >= 3 and all("flyteclient/" in s for s in creates), creates
    gets = [s for s in admin.agents.seen if s.startswith("GetLaunchPlan ")]
    assert gets and all("flyteclient/" in s for s in gets), gets
