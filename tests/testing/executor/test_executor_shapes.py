"""More of what flytekit programs do: single-task executions, failure nodes (``on_failure``),
map tasks with bound inputs, arrays of launch plans, dataclass attribute access."""

from __future__ import annotations

from tests.support.optional import require

require("flytekit")  # skipped where flytekit cannot install, failed where it should

from tests.testing.executor.support import local, outputs_of  # noqa: E402


def test_a_single_task_execution(env):
    execution = env.run("extra", "scale", x=7, factor=3)
    assert execution.is_successful, execution.error
    assert execution.outputs["o0"] == 21
    nodes = [n for k, n in execution.node_executions.items() if k not in ("start-node", "end-node")]
    assert len(nodes) == 1 and nodes[0].task_executions


def test_pyflyte_run_remote_of_a_task(env):
    done = env.pyflyte_run("extra.py", "scale", "--x", "4", "--factor", "5", name="single-task")
    assert done.returncode == 0, done.stdout + done.stderr
    assert env.fetch("single-task").outputs["o0"] == 20


def test_failure_node_runs_with_the_error(env, tmp_path):
    marker = tmp_path / "cleanup"
    wf = env.register("extra", "with_failure_node")
    execution = env.wait(
        env.remote.execute(wf, inputs={"x": 3}, envs={"EXECUTOR_TEST_CLEANUP_FILE": str(marker)})
    )
    assert not execution.is_successful
    assert "exploded on 3" in execution.error.message
    text = marker.read_text()
    assert text.startswith("3: ") and "exploded on 3" in text


def test_map_task_with_bound_inputs(env):
    execution = env.run("extra", "partial_map", xs=[1, 2, 3])
    assert execution.is_successful, execution.error
    assert outputs_of(execution) == local("extra", "partial_map", xs=[1, 2, 3]) == [10, 20, 30]


def test_map_over_a_launch_plan(env):
    execution = env.run("extra", "map_launch_plans", xs=[4, 5, 6])
    assert execution.is_successful, execution.error
    assert outputs_of(execution) == [8, 10, 12]  # flytekit cannot run this one locally
    (array,) = [n for n in execution.node_executions.values() if n.metadata.is_array]
    children = array.task_executions[0].closure.metadata.external_resources
    assert len(children) == 3


def test_dataclass_attribute_access(env):
    execution = env.run("extra", "attribute_access", x=5)
    assert execution.is_successful, execution.error
    assert outputs_of(execution) == local("extra", "attribute_access", x=5) == 30


def test_eager_workflows_launch_their_tasks_on_localadmin(env):
    import asyncio

    from tests.testing.executor.wf import eager_wf

    execution = env.run("eager_wf", "eager_chain", x=3)
    assert execution.is_successful, execution.error
    assert execution.outputs["o0"] == asyncio.run(eager_wf.eager_chain(x=3)) == 8
    children = [
        e
        for e in env.remote.recent_executions(limit=50)
        if e.id.name.startswith("e-eager-ch-" + execution.id.name[:5])
    ]
    assert len(children) == 2 and all(c.is_successful for c in children)
