"""Failure handling as propeller does it: failure policies, user errors retried per the task's
retries only when recoverable, system errors against their own budget, timeouts,
checkpoints across attempts, and task types LocalAdmin does not run."""

from __future__ import annotations

import time

import pytest

from tests.support.optional import require

require("flytekit")  # skipped where flytekit cannot install, failed where it should

from flytekit.models.core.execution import ExecutionError  # noqa: E402
from flytekit.models.core.execution import NodeExecutionPhase as NodePhase  # noqa: E402
from flytekit.models.core.execution import TaskExecutionPhase as TaskPhase  # noqa: E402

from tests.testing.executor.support import local, outputs_of  # noqa: E402


def _node(execution, input_name):
    return next(
        n for n in execution.node_executions.values() if n.inputs and input_name in n.inputs
    )


def test_fail_immediately_aborts_the_other_nodes(env):
    started = time.monotonic()
    execution = env.run("failures", "fail_fast", seconds=30.0)
    assert time.monotonic() - started < 25, "the slow node was not aborted"
    assert not execution.is_successful
    assert "boom 1" in execution.error.message
    assert _node(execution, "seconds").closure.phase == NodePhase.ABORTED


def test_fail_after_executable_nodes_complete(env):
    execution = env.run("failures", "keep_going", seconds=1.0)
    assert not execution.is_successful
    assert "boom 2" in execution.error.message
    assert _node(execution, "seconds").closure.phase == NodePhase.SUCCEEDED
    assert _node(execution, "x").closure.phase == NodePhase.FAILED


def test_recoverable_user_errors_are_retried(env):
    execution = env.run("failures", "retried")
    assert execution.is_successful, execution.error
    assert outputs_of(execution) == 2
    node = next(n for n in execution.node_executions.values() if n.task_executions)
    attempts = sorted(node.task_executions, key=lambda t: t.id.retry_attempt)
    assert [t.closure.phase for t in attempts] == [
        TaskPhase.FAILED,
        TaskPhase.FAILED,
        TaskPhase.SUCCEEDED,
    ]
    assert "attempt 0 failed" in attempts[0].closure.error.message


def test_exhausted_retries_say_so(env):
    execution = env.run("failures", "retries_exhausted")
    assert not execution.is_successful
    message = execution.error.message
    assert message.startswith("[2/2] currentAttempt done. Last Error: USER::"), message
    assert "still flaky" in message
    assert (
        execution.error.code == "RetriesExhausted|USER:Recoverable"
        or execution.error.code.startswith("RetriesExhausted|")
    )


def test_non_recoverable_user_errors_are_not_retried(env):
    execution = env.run("failures", "not_retried")
    assert not execution.is_successful
    assert "not worth retrying" in execution.error.message
    assert execution.error.kind == ExecutionError.ErrorKind.USER
    node = next(n for n in execution.node_executions.values() if n.task_executions)
    assert len(node.task_executions) == 1


def test_system_errors_are_retried_on_their_own_budget(env):
    execution = env.run("failures", "system_error")
    assert not execution.is_successful
    message = execution.error.message
    assert message.startswith("[3/3] currentAttempt done. Last Error: SYSTEM::"), message
    node = next(n for n in execution.node_executions.values() if n.task_executions)
    assert len(node.task_executions) == 3  # the task has no retries: these are system retries


def test_timeouts(env):
    started = time.monotonic()
    execution = env.run("failures", "timed_out")
    assert time.monotonic() - started < 30
    assert not execution.is_successful
    assert "task execution timeout [1s] expired" in execution.error.message


def test_checkpoints_carry_over_to_the_next_attempt(env):
    execution = env.run("failures", "resumes", n=1)
    assert execution.is_successful, execution.error
    assert outputs_of(execution) == 42


def test_unsupported_task_types_fail_clearly(env):
    execution = env.run("failures", "unsupported")
    assert not execution.is_successful
    assert "not supported by LocalAdmin" in execution.error.message
    assert "raw-container" in execution.error.message


def test_local_runs_fail_the_same_way():
    with pytest.raises(Exception, match="boom 1"):
        local("failures", "fail_fast", seconds=0.0)
