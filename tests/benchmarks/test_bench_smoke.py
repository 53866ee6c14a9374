"""Smoke test of the benchmark pieces (benchmarks/) with tiny sizes. Nothing is timed
against a threshold: this only checks that each piece runs and counts correctly."""

from __future__ import annotations

import grpc
import pytest
from flyteidl.admin import common_pb2
from flyteidl.service.admin_pb2_grpc import AdminServiceStub

from benchmarks import clients, fixtures, measure, run
from benchmarks.server import Answers, build_server
from tests.support.optional import require


@pytest.fixture(scope="module")
def endpoint():
    server, port = build_server(total_tasks=250, workers=2)
    server.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.stop(0)


def test_answers_paginate_with_offset_tokens():
    answers = Answers(250)
    from flyteidl.admin import task_pb2

    first = task_pb2.TaskList.FromString(
        answers.list_tasks(common_pb2.ResourceListRequest(limit=100), None)
    )
    assert len(first.tasks) == 100 and first.token == "100"
    last = task_pb2.TaskList.FromString(
        answers.list_tasks(common_pb2.ResourceListRequest(limit=100, token="200"), None)
    )
    assert len(last.tasks) == 50 and last.token == ""
    assert last.tasks[-1].id.name.endswith("task_249")


def test_every_subject_runs(endpoint):
    with_flytekit = clients.flytekit_available()
    unary, pages = (
        clients.unary_subjects(endpoint, with_flytekit),
        clients.page_subjects(endpoint, with_flytekit, 100),
    )
    subjects = unary + pages
    try:
        results = measure.interleaved(unary, units=2, rounds=2, warmup=1)
        assert set(results) == {s.name for s in unary}
        assert all(len(r.wall) == 2 and len(r.cpu) == 2 for r in results.values())
        results = measure.interleaved(pages, units=1, rounds=1, warmup=0, expect=250)
        assert set(results) == {s.name for s in pages}
    finally:
        for s in subjects:
            s.close()


def test_raw_stub_sees_the_fixture_execution(endpoint):
    from flyteidl.admin import execution_pb2

    with grpc.insecure_channel(endpoint) as channel:
        got = AdminServiceStub(channel).GetExecution(
            execution_pb2.WorkflowExecutionGetRequest(id=fixtures.execution_id())
        )
    assert got == fixtures.execution()


def test_memory_measure(endpoint):
    from benchmarks.memory import measure as measure_memory

    result = measure_memory(endpoint, count=150, page_size=50)
    assert result["count"] == 150 and result["rss_peak_kb"] >= result["rss_before_kb"] > 0


def test_import_timing_runs_in_a_fresh_interpreter(tmp_path):
    seconds = measure.import_once("import json", measure.bytecode_env(str(tmp_path)))
    assert 0 <= seconds < 60


def test_paired_ratio_and_table():
    assert measure.paired_ratio([2.0, 4.0, 6.0], [1.0, 2.0, 3.0]) == 2.0
    rows = [
        run.Row("unary", "raw grpc stub", "wall", 100.0, "us/call", 1.0),
        run.Row("unary", "flyteclient", "wall", 104.0, "us/call", 1.04, "<= 1.05x", "PASS"),
    ]
    table = run.format_table(rows)
    assert "PASS" in table and "1.040x" in table


def test_flytekit_compat_subjects_run(endpoint):
    require("flytekit")
    from benchmarks import flytekit_compat

    for subjects, expect in (
        (flytekit_compat.list_tasks_subjects(endpoint, 250), 250),
        (flytekit_compat.recent_executions_subjects(endpoint), 100),
        (flytekit_compat.unary_subjects(endpoint), 1),
    ):
        try:
            results = measure.interleaved(subjects, units=1, rounds=1, warmup=0, expect=expect)
            assert set(results) == {s.name for s in subjects}
        finally:
            for s in subjects:
                s.close()


def test_startup_commands_run_and_are_timed(tmp_path):
    import sys

    times = measure.process_times(
        {name: [sys.executable, "-c", stmt] for name, stmt in run.STARTUP.items()},
        measure.bytecode_env(str(tmp_path)),
        1,
    )
    assert set(times) == set(run.STARTUP) and all(len(v) == 1 and v[0] > 0 for v in times.values())


def test_async_subjects_run(endpoint):
    from benchmarks import aio

    for subjects, expect in (
        (aio.unary_subjects(endpoint), aio.BATCH),
        (aio.page_subjects(endpoint, 100), 250),
    ):
        try:
            results = measure.interleaved(subjects, units=1, rounds=1, warmup=0, expect=expect)
            assert set(results) == {aio.RAW_AIO, aio.FLYTECLIENT_AIO}
        finally:
            for s in subjects:
                s.close()


def test_rest_subjects_run(endpoint):
    from benchmarks import rest
    from benchmarks.server import spawn

    with spawn(250, module="benchmarks.http_server") as http_endpoint:
        url = f"http://{http_endpoint}"
        for subjects, expect in (
            (rest.unary_subjects(url), 1),
            (rest.page_subjects(url, endpoint, 100), 250),
            (rest.page_subjects(url, endpoint, 100, "json"), 250),
        ):
            try:
                results = measure.interleaved(subjects, units=1, rounds=1, warmup=0, expect=expect)
                assert set(results) == {s.name for s in subjects}
            finally:
                for s in subjects:
                    s.close()


def test_execute_phase_pieces_run(tmp_path):
    """The executor phase: LocalAdmin in its own process executes the chain workflow."""
    require("flytekit")
    from benchmarks import executor

    server = executor.Server(tmp_path)
    try:
        executor.run_remote(server, "smoke-chain")
        seconds, value = executor.execution_seconds(server, "smoke-chain")
        assert value == executor.NODES and seconds > 0
        remote = executor._flyte_remote(server)
        lp = remote.fetch_launch_plan(name="benchmarks.workflows.chain.chain")
        elapsed, name = executor.run_execution(remote, lp)
        assert elapsed > 0 and executor.execution_seconds(server, name)[1] == executor.NODES
    finally:
        server.close()
    assert executor.run_local() > 0
