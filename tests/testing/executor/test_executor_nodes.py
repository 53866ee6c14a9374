"""Node kinds on LocalAdmin, each compared with the same workflow run locally: parallel
independent nodes, subworkflows, launch plans (child executions), branches, dynamic
workflows and map tasks (concurrency, minimum success ratio)."""

from __future__ import annotations

import pytest

from tests.support.optional import require

require("flytekit")  # skipped where flytekit cannot install, failed where it should

from flyteidl.admin import execution_pb2  # noqa: E402
from flytekit.models.core.execution import NodeExecutionPhase as NodePhase  # noqa: E402

from tests.testing.executor.support import local, outputs_of  # noqa: E402

TASK_NODES = ("start-node", "end-node")


def _task_nodes(execution):
    return {k: v for k, v in execution.node_executions.items() if k not in TASK_NODES}


def test_independent_nodes_run_in_parallel(env):
    execution = env.run("control", "fan_out", seconds=1.5)
    assert execution.is_successful, execution.error
    assert outputs_of(execution) == local("control", "fan_out", seconds=0.0) == 29
    squares = [n for n in _task_nodes(execution).values() if "seconds" in n.inputs]
    assert len(squares) == 3
    spans = []
    for n in squares:
        start = n.closure.started_at.timestamp()
        spans.append((start, start + n.closure.duration.total_seconds()))
    latest_start = max(s for s, _ in spans)
    earliest_end = min(e for _, e in spans)
    assert latest_start < earliest_end, f"the three sleeps did not overlap: {spans}"


def test_max_parallel_tasks_bounds_the_task_processes(tmp_path):
    from tests.testing.executor.support import Env

    env = Env(tmp_path, max_parallel_tasks=1)
    try:
        execution = env.run("control", "fan_out", seconds=0.5)
        assert execution.is_successful, execution.error
        attempts = [
            n.task_executions[0].closure
            for n in _task_nodes(execution).values()
            if "seconds" in n.inputs
        ]
        spans = sorted(
            (c.started_at.timestamp(), c.started_at.timestamp() + c.duration.total_seconds())
            for c in attempts
        )
        assert len(spans) == 3
        for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
            assert start >= end - 0.01, f"task processes overlapped: {spans}"
    finally:
        env.stop()


def test_subworkflows(env):
    execution = env.run("control", "outer", x=4)
    assert execution.is_successful, execution.error
    assert outputs_of(execution) == local("control", "outer", x=4)
    nodes = _task_nodes(execution)
    parents = [n for n in nodes.values() if n.metadata.is_parent_node]
    assert len(parents) == 2
    children = parents[0].subworkflow_node_executions
    assert {n.metadata.spec_node_id for n in children.values()} >= {"n0", "n1"}
    assert all(k.startswith(parents[0].id.node_id + "-0-") for k in children)


def test_launch_plans_run_as_child_executions(env):
    execution = env.run("control", "with_launch_plan", x=2)
    assert execution.is_successful, execution.error
    assert outputs_of(execution) == local("control", "with_launch_plan", x=2)
    lp_node = next(n for n in _task_nodes(execution).values() if n.workflow_executions)
    child = lp_node.workflow_executions[0]
    assert child.is_successful
    assert child.spec.metadata.mode == execution_pb2.ExecutionMetadata.CHILD_WORKFLOW
    assert child.spec.metadata.parent_node_execution.node_id == lp_node.id.node_id
    assert lp_node.outputs["o0"] == 3 and lp_node.outputs["o1"] == 6


@pytest.mark.parametrize("n", [6, 7, 1])
def test_branches(env, n):
    execution = env.run("control", "collatz_step", n=n)
    assert execution.is_successful, execution.error
    assert outputs_of(execution) == local("control", "collatz_step", n=n)


def test_branch_on_a_task_output(env):
    execution = env.run("control", "branch_on_output", n=7)
    assert execution.is_successful, execution.error
    assert outputs_of(execution) == local("control", "branch_on_output", n=7) == 22
    branch = next(n for n in _task_nodes(execution).values() if n.metadata.is_parent_node)
    (chosen,) = branch.subworkflow_node_executions.values()
    assert chosen.closure.phase == NodePhase.SUCCEEDED


def test_a_failing_branch_carries_its_message(env):
    execution = env.run("control", "branch_fails", n=5)
    assert not execution.is_successful
    assert "n must be smaller than 3" in execution.error.message
    with pytest.raises(Exception, match="n must be smaller than 3"):
        local("control", "branch_fails", n=5)


def test_dynamic_workflows(env):
    execution = env.run("control", "dynamic_wf", n=4)
    assert execution.is_successful, execution.error
    assert outputs_of(execution) == local("control", "dynamic_wf", n=4) == 14
    dyn = next(n for n in _task_nodes(execution).values() if n.metadata.is_parent_node)
    assert len(dyn.subworkflow_node_executions) >= 4
    data = env.remote.client.get_node_execution_data(dyn.id)
    assert data.dynamic_workflow is not None and data.dynamic_workflow.compiled_workflow


def test_dynamic_workflow_with_a_subworkflow(env):
    execution = env.run("control", "dynamic_with_subworkflow", n=3)
    assert execution.is_successful, execution.error
    assert outputs_of(execution) == local("control", "dynamic_with_subworkflow", n=3) == 48


def test_map_task(env):
    execution = env.run("control", "mapped", xs=[5, 6, 7, 8, 9])
    assert execution.is_successful, execution.error
    assert outputs_of(execution) == local("control", "mapped", xs=[5, 6, 7, 8, 9])
    (array,) = [n for n in _task_nodes(execution).values() if n.metadata.is_array]
    assert array.outputs["o0"] == [6, 7, 8, 9, 10]


def test_map_task_min_success_ratio(env):
    execution = env.run("control", "mapped_tolerant", xs=[1, 2, 3, 4, 5])
    assert execution.is_successful, execution.error
    assert outputs_of(execution) == local("control", "mapped_tolerant", xs=[1, 2, 3, 4, 5])


def test_map_task_failure(env):
    execution = env.run("control", "mapped_strict", xs=[1, 3, 4])
    assert not execution.is_successful
    assert "3 is a multiple of 3" in execution.error.message


@pytest.mark.parametrize("n", [3, 8])
def test_echo_tasks(env, n):
    execution = env.run("control", "echo_in_a_branch", n=n)
    assert execution.is_successful, execution.error
    assert outputs_of(execution) == local("control", "echo_in_a_branch", n=n)
