"""Programs shaped like Flyte's published examples that once tripped the executor up."""

from __future__ import annotations

import pytest

from tests.support.optional import require

require("flytekit")  # skipped where flytekit cannot install, failed where it should

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


def test_eager_tasks_waiting_on_eager_tasks_hold_no_task_slot(tmp_path):
    # Two task slots: the outer eager task and its two nested eager calls would take three,
    # and the squares under them would wait for a slot forever.
    import asyncio

    from tests.testing.executor.support import Env
    from tests.testing.executor.wf import eager_nested

    small = Env(tmp_path, max_parallel_tasks=2)
    try:
        execution = small.run("eager_nested", "squares", timeout=90, n=2)
        assert execution.is_successful, execution.error
        assert execution.outputs["o0"] == asyncio.run(eager_nested.squares(n=2)) == [1, 4]
    finally:
        small.stop()


def test_code_registered_without_fast_registration_that_is_not_importable_says_what_to_do(
    env, tmp_path, monkeypatch
):
    # FlyteRemote.execute of a local workflow registers it without its code: the server's
    # environment must import the module, and this one cannot.
    import importlib
    import uuid

    (tmp_path / "nowhere_to_be_found.py").write_text(
        "from flytekit import task, workflow\n\n"
        "@task\ndef inc(x: int) -> int:\n    return x + 1\n\n"
        "@workflow\ndef wf(x: int = 1) -> int:\n    return inc(x=x)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("nowhere_to_be_found")
    try:
        execution = env.wait(
            env.remote.execute(module.wf, inputs={"x": 1}, version=uuid.uuid4().hex[:12])
        )
    finally:
        import sys

        sys.modules.pop("nowhere_to_be_found", None)
    assert not execution.is_successful
    message = execution.error.message
    assert "No module named 'nowhere_to_be_found'" in message
    assert "registered without its code" in message and "FlyteRemote.register_script" in message


def test_a_workflow_that_binds_none_of_its_outputs_fails_instead_of_succeeding(env):
    from tests.testing.executor.wf import broken

    with pytest.raises(TypeError):
        broken.unbound.compile()
    try:
        execution = env.run("broken", "unbound", x=1)
    except TypeError:
        pytest.skip("this flytekit refuses to register a workflow whose compilation failed")
    assert not execution.is_successful
    assert execution.error.code == "ParameterNotBound"
    assert "does not bind: o0" in execution.error.message


def test_raw_outputs_go_under_a_local_raw_output_data_prefix(env, tmp_path):
    # pyflyte run --raw-output-data-prefix /path (here through FlyteRemote's Options)
    from flytekit.models.common import RawOutputDataConfig
    from flytekit.remote.remote import Options

    wf = env.register("data", "files")
    options = Options(raw_output_data_config=RawOutputDataConfig(str(tmp_path)))
    execution = env.wait(env.remote.execute(wf, inputs={"text": "hi", "n": 2}, options=options))
    assert execution.is_successful, execution.error
    file_uri = execution.outputs.literals["o1"].scalar.blob.uri
    dir_uri = execution.outputs.literals["o3"].scalar.blob.uri
    assert file_uri.startswith(str(tmp_path)) and dir_uri.startswith(str(tmp_path))
    assert open(file_uri).read() == "hi"
    assert outputs_of(execution)[0] == "HI"


@pytest.mark.parametrize(("code", "reported"), [(3, 3), (-11, 139)])
def test_a_task_process_that_dies_reports_its_exit_code_like_a_container(env, code, reported):
    wf = env.register("exits", "exits")
    execution = env.wait(env.remote.execute(wf, inputs={"code": code}))
    assert not execution.is_successful
    message = execution.error.message
    assert f"terminated with exit code ({reported})" in message
    assert f"leaving with {code}" in message  # the end of the task's log


def test_tasks_an_eager_workflow_registers_match_the_same_code_registered_from_outside(env):
    # The eager task runs from a local copy of the code archive and registers add_one under
    # its own version; registering add_one again from the same code (same archive, same
    # version), as the next `pyflyte run --remote` of the file does, must be identical.
    import uuid

    version = uuid.uuid4().hex[:12]
    execution = env.wait(
        env.remote.execute(env.register("eager_wf", "eager_chain", version), {"x": 1})
    )
    assert execution.is_successful, execution.error
    again = env.register("eager_wf", "add_one", version)  # "different structure" before
    assert again.id.version == version


def test_a_task_execution_without_an_input_fails_naming_it(env):
    task = env.register("extra", "scale")
    execution = env.wait(env.remote.execute(task, inputs={"x": 2}))  # factor: a Python default
    assert not execution.is_successful
    assert execution.error.code == "MissingInputs"
    assert execution.error.message == "required inputs missing: factor"
