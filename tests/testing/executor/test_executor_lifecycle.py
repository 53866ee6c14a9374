"""Lifecycle on LocalAdmin: terminate kills the running task, relaunch runs again, recover
reuses the nodes that succeeded, and with ``--db`` finished executions survive a restart while
one interrupted by a restart fails cleanly."""

from __future__ import annotations

import os
import time
from pathlib import Path

from tests.support.optional import require

require("flytekit")  # skipped where flytekit cannot install, failed where it should

from flytekit.models.core.execution import NodeExecutionPhase as NodePhase  # noqa: E402
from flytekit.models.core.execution import WorkflowExecutionPhase as Phase  # noqa: E402

from tests.testing.executor.support import Env  # noqa: E402


def _wait_for(path: Path, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text():
            return path.read_text()
        time.sleep(0.05)
    raise AssertionError(f"{path} was never written")


def _gone(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not os.path.exists(f"/proc/{pid}"):
            return True
        time.sleep(0.05)
    return False


def test_terminate_stops_the_running_task(env, tmp_path):
    pid_file = tmp_path / "pid"
    wf = env.register("lifecycle", "long_running")
    execution = env.remote.execute(
        wf, inputs={"seconds": 120.0}, envs={"EXECUTOR_TEST_PID_FILE": str(pid_file)}
    )
    pid = int(_wait_for(pid_file))
    assert os.path.exists(f"/proc/{pid}")
    started = time.monotonic()
    env.remote.terminate(execution, "enough")
    done = env.wait(execution, timeout=30)
    assert time.monotonic() - started < 15
    assert done.closure.phase == Phase.ABORTED
    assert done.closure.abort_metadata.cause == "enough"
    assert _gone(pid), f"task process {pid} still runs"
    node = next(n for n in done.node_executions.values() if n.task_executions)
    assert node.closure.phase == NodePhase.ABORTED


def test_relaunch_runs_again(env):
    execution = env.run("lifecycle", "two_steps", x=4)
    assert execution.is_successful, execution.error
    new_id = env.remote.client.relaunch_execution(execution.id, name="relaunched-two-steps")
    again = env.fetch(new_id.name)
    assert again.is_successful, again.error
    assert again.outputs["o0"] == execution.outputs["o0"] == 50


def test_recover_reuses_successful_nodes(env, tmp_path):
    counter, gate = tmp_path / "calls", tmp_path / "gate"
    wf = env.register("lifecycle", "two_steps")
    envs = {"EXECUTOR_TEST_COUNTER": str(counter), "EXECUTOR_TEST_GATE_FILE": str(gate)}
    failed = env.wait(env.remote.execute(wf, inputs={"x": 2}, envs=envs))
    assert not failed.is_successful and "the gate file is missing" in failed.error.message
    gate.write_text("open")
    new_id = env.remote.client.recover_execution(failed.id, name="recovered-two-steps")
    recovered = env.fetch(new_id.name)
    assert recovered.is_successful, recovered.error
    assert recovered.outputs["o0"] == 30
    phases = {
        n.metadata.spec_node_id: n.closure.phase
        for k, n in recovered.node_executions.items()
        if k not in ("start-node", "end-node")
    }
    assert sorted(phases.values()) == sorted([NodePhase.RECOVERED, NodePhase.SUCCEEDED])
    assert counter.read_text().split() == ["first"]  # the first task ran once


def test_finished_executions_survive_a_restart(tmp_path):
    db = tmp_path / "state.db"
    env = Env(tmp_path, db_path=str(db))
    try:
        execution = env.run("basic", "pipeline", a=2, b=5)
        assert execution.is_successful
        name = execution.id.name
    finally:
        env.stop()
    env = Env(tmp_path, db_path=str(db))
    try:
        again = env.fetch(name)
        assert again.is_successful and again.outputs["o0"] == 14
        assert len([n for n in again.node_executions if n not in ("start-node", "end-node")]) == 2
    finally:
        env.stop()


def test_an_execution_interrupted_by_a_restart_fails_cleanly(tmp_path):
    db = tmp_path / "state.db"
    pid_file = tmp_path / "pid"
    env = Env(tmp_path, db_path=str(db))
    try:
        wf = env.register("lifecycle", "long_running")
        execution = env.remote.execute(
            wf, inputs={"seconds": 120.0}, envs={"EXECUTOR_TEST_PID_FILE": str(pid_file)}
        )
        pid = int(_wait_for(pid_file))
        name = execution.id.name
    finally:
        env.stop()
    assert _gone(pid), "stopping LocalAdmin left the task running"
    env = Env(tmp_path, db_path=str(db))
    try:
        e = env.remote.fetch_execution(name=name)
        assert e.closure.phase == Phase.FAILED
        assert "interrupted" in e.closure.error.message
    finally:
        env.stop()
