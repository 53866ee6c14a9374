"""Programs shaped like Flyte's published examples that once tripped the executor up."""

from __future__ import annotations

import pytest

pytest.importorskip("flytekit", reason="flytekit is not installed (Python 3.10-3.12 only)")

from tests.testing.executor.support import local, outputs_of  # noqa: E402


def test_a_subworkflow_first_compiled_inside_a_dynamic_runs_from_the_futures(env):
    # flytekit compiles ``merge_sort`` inside the dynamic task (node IDs dn0...); the children
    # must run that template, or FlyteRemote cannot map the node executions to the dynamic
    # workflow GetNodeExecutionData returns ("Missing node from mapping: n0").
    numbers = [9, 3, 7, 1, 8, 2, 0]
    execution = env.run("recursive", "sort_numbers", numbers=numbers)  # syncs every node
    assert execution.is_successful, execution.error
    assert outputs_of(execution) == local("recursive", "sort_numbers", numbers=numbers)
    assert outputs_of(execution) == sorted(numbers)
