"""Data on LocalAdmin: files and directories tasks write are read by downstream tasks and by
the user's FlyteRemote; files the user passes in are uploaded through the data proxy and read
by tasks; shell tasks run through flytekit's entrypoint; caching reuses outputs."""

from __future__ import annotations

import os

from tests.support.optional import require

require("flytekit")  # skipped where flytekit cannot install, failed where it should

from flyteidl.core.catalog_pb2 import CatalogCacheStatus  # noqa: E402
from flytekit.types.file import FlyteFile  # noqa: E402

from tests.testing.executor.support import local  # noqa: E402


def test_files_and_directories(env):
    execution = env.run("data", "files", text="hi there", n=5)
    assert execution.is_successful, execution.error
    want = local("data", "files", text="hi there", n=5)
    assert execution.outputs["o0"] == want[0] == "HI THERE"
    assert execution.outputs["o2"] == want[2] == 10
    f = execution.outputs["o1"]
    with open(f) as handle:  # the user's process reads the task's file
        assert handle.read() == "hi there"
    d = execution.outputs["o3"]
    assert sorted(os.listdir(d.download())) == [f"part-{i}.txt" for i in range(5)]


def test_a_file_the_user_passes_in(env, tmp_path):
    source = tmp_path / "mine.txt"
    source.write_text("from the user")
    execution = env.run("data", "upper", f=FlyteFile(str(source)))
    assert execution.is_successful, execution.error
    assert execution.outputs["o0"] == "FROM THE USER"
    uploaded = env.remote.client.get_execution_data(execution.id).full_inputs.literals["f"]
    assert uploaded.scalar.blob.uri.startswith("s3://")  # it went through the data proxy


def test_shell_tasks(env, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the local run writes its output file into the working directory
    execution = env.run("data", "shell", word="yo")
    assert execution.is_successful, execution.error
    assert execution.outputs["o0"] == local("data", "shell", word="yo") == "YO YO!\n"


def _cache_status(execution):
    node = next(n for n in execution.node_executions.values() if n.inputs and "x" in n.inputs)
    return node.closure.task_node_metadata.cache_status, len(node.task_executions)


def test_cached_outputs_are_reused(env, tmp_path):
    counter = tmp_path / "calls.txt"
    wf = env.register("data", "cached")
    envs = {"EXECUTOR_TEST_COUNTER": str(counter)}
    first = env.wait(env.remote.execute(wf, inputs={"x": 7}, envs=envs))
    second = env.wait(env.remote.execute(wf, inputs={"x": 7}, envs=envs))
    other = env.wait(env.remote.execute(wf, inputs={"x": 8}, envs=envs))
    forced = env.wait(env.remote.execute(wf, inputs={"x": 7}, envs=envs, overwrite_cache=True))
    assert [e.outputs["o0"] for e in (first, second, other, forced)] == [49, 49, 64, 49]
    assert _cache_status(first) == (CatalogCacheStatus.CACHE_POPULATED, 1)
    assert _cache_status(second) == (CatalogCacheStatus.CACHE_HIT, 0)
    assert _cache_status(other)[0] == CatalogCacheStatus.CACHE_POPULATED
    assert _cache_status(forced)[0] == CatalogCacheStatus.CACHE_POPULATED
    assert counter.read_text().split() == ["7", "8", "7"]


def test_decks_are_linked_from_the_node(env):
    execution = env.run("data", "decked", x=1)
    assert execution.is_successful, execution.error
    node = next(n for n in execution.node_executions.values() if n.task_executions)
    deck = node.closure.deck_uri
    assert deck.endswith("deck.html") and os.path.exists(deck)
    with open(deck) as f:
        assert "<html" in f.read().lower()
