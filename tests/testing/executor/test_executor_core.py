"""Step one, end to end: python-task workflows registered with ``pyflyte run --remote`` (fast
registration) and with FlyteRemote execute in LocalAdmin, with the outputs of a local run."""

from __future__ import annotations

import pytest

from tests.support.optional import require

require("flytekit")  # skipped where flytekit cannot install, failed where it should

from flytekit.models.core.execution import ExecutionError  # noqa: E402
from flytekit.models.core.execution import NodeExecutionPhase as NodePhase  # noqa: E402

from tests.testing.executor.support import local, outputs_of  # noqa: E402


def test_pyflyte_run_remote_waits_and_outputs_match_a_local_run(env):
    done = env.pyflyte_run("basic.py", "pipeline", "--a", "5", name="core-pyflyte")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "has succeeded" in done.stdout
    execution = env.fetch("core-pyflyte")
    assert execution.is_successful
    assert outputs_of(execution) == local("basic", "pipeline", a=5) == 14


def test_flyteremote_execute_outputs_and_nodes(env):
    execution = env.run("basic", "mixed", name="remote", n=2, values=[1.0, 2.0, 6.0])
    assert execution.is_successful, execution.error
    assert outputs_of(execution) == local(
        "basic", "mixed", name="remote", n=2, values=[1.0, 2.0, 6.0]
    )
    synced = env.remote.sync_execution(execution, sync_nodes=True)
    nodes = synced.node_executions
    assert {"start-node", "end-node"} <= set(nodes)
    task_nodes = {k: v for k, v in nodes.items() if k not in ("start-node", "end-node")}
    assert len(task_nodes) == 2
    for node in task_nodes.values():
        assert node.is_done and node.closure.phase == 3  # SUCCEEDED
        assert node.task_executions and node.task_executions[0].is_done
    greet = next(n for n in task_nodes.values() if "times" in n.inputs)
    assert greet.inputs["times"] == 2
    assert greet.outputs["o0"] == ["hello remote #0", "hello remote #1"]


def test_a_failing_task_fails_the_execution_with_its_error(env):
    execution = env.run("basic", "failing", x=7)
    assert execution.is_done and not execution.is_successful
    assert "x is too large: 7" in execution.error.message
    assert execution.error.kind == ExecutionError.ErrorKind.USER
    with pytest.raises(ValueError, match="x is too large: 7"):
        local("basic", "failing", x=7)
    synced = env.remote.sync_execution(execution, sync_nodes=True)
    failed = [n for n in synced.node_executions.values() if n.closure.phase == NodePhase.FAILED]
    assert len(failed) == 1 and "x is too large" in failed[0].closure.error.message


def test_pyflyte_register_then_execute(env):
    import subprocess
    import sys
    import uuid
    from pathlib import Path

    from tests.testing.executor.support import WF

    version = uuid.uuid4().hex[:10]
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("pyflyte")),
            "--config",
            str(env.config),
            "register",
            "--project",
            "flytesnacks",
            "--domain",
            "development",
            "--version",
            version,
            str(WF / "basic.py"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=str(WF),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lp = env.remote.fetch_launch_plan(name="tests.testing.executor.wf.basic.mixed", version=version)
    execution = env.wait(env.remote.execute(lp, inputs={"n": 1}))
    assert execution.is_successful, execution.error
    assert outputs_of(execution) == local("basic", "mixed", n=1)


def test_registered_without_fast_registration(env):
    """No code archive: the task imports its module from the server's environment (here the
    repository, which is the server's working directory)."""
    import uuid

    from flytekit.configuration import ImageConfig, SerializationSettings

    from tests.testing.executor.wf import basic

    settings = SerializationSettings(
        image_config=ImageConfig.auto_default_image(), project="flytesnacks", domain="development"
    )
    wf = env.remote.register_workflow(basic.pipeline, settings, version=uuid.uuid4().hex[:10])
    execution = env.wait(env.remote.execute(wf, inputs={"a": 4, "b": 6}))
    assert execution.is_successful, execution.error
    assert outputs_of(execution) == local("basic", "pipeline", a=4, b=6) == 20


def test_a_new_process_per_attempt_works_too(env):
    """The launcher without the warm worker: each attempt is a new interpreter running
    ``python -m flytekit.bin.entrypoint`` (pyflyte-fast-execute then starts pyflyte-execute)."""
    from flyteclient.testing.executor.launch import SubprocessLauncher

    executor = env.admin.executor
    warm, executor.launcher = executor.launcher, SubprocessLauncher()
    try:
        execution = env.run("basic", "pipeline", a=1, b=1)
    finally:
        executor.launcher = warm
    assert execution.is_successful, execution.error
    assert outputs_of(execution) == local("basic", "pipeline", a=1, b=1) == 4
