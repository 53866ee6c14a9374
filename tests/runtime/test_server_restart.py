"""Riding out a server restart: retries continue while the deadline allows, and the
channel reconnects quickly once the server is back."""

from __future__ import annotations

import time

import grpc
import pytest
from flyteidl.admin import execution_pb2, project_pb2
from flyteidl.core import identifier_pb2

from flyteclient import SynchronousFlyteClient
from flyteclient import exceptions as fx
from flyteclient.runtime.interceptors.retry import RetryPolicy
from tests.support.processes import AdminProcess
from tests.support.servers import Fail

EX_ID = identifier_pb2.WorkflowExecutionIdentifier(project="p", domain="d", name="e")


def unavailable_for(seconds: float):
    started = time.monotonic()

    def answer(request, metadata):
        if time.monotonic() - started < seconds:
            return Fail(grpc.StatusCode.UNAVAILABLE, "restarting")
        return execution_pb2.Execution(id=EX_ID)

    return answer


def test_transient_failures_are_retried_while_the_deadline_allows(server):
    server.set_default("GetExecution", unavailable_for(1.5))
    with SynchronousFlyteClient(
        server.endpoint, insecure=True
    ) as client:  # default policy: max_retries=3
        started = time.monotonic()
        request = execution_pb2.WorkflowExecutionGetRequest(id=EX_ID)
        assert client.raw.get_execution(request, timeout=5).id == EX_ID
        assert 1.5 <= time.monotonic() - started < 5


def test_without_a_deadline_max_retries_bounds_the_attempts(server):
    server.set_default("GetExecution", Fail(grpc.StatusCode.UNAVAILABLE, "down"))
    with SynchronousFlyteClient(
        server.endpoint, insecure=True, retry=RetryPolicy(initial_backoff=0.01)
    ) as client:
        with pytest.raises(fx.FlyteSystemUnavailableException):
            client.get_execution(EX_ID)
    assert len(server.calls("GetExecution")) == 4


@pytest.mark.parametrize(
    "policy, timeout, within",
    [
        (RetryPolicy(budget=0.3), 10, 2.0),  # the budget bounds retries within a long deadline
        (RetryPolicy(max_backoff=30), 1, 1.5),  # a long back-off never outlives the deadline
    ],
    ids=["budget", "deadline"],
)
def test_retries_of_a_server_that_stays_down_end_in_time(server, policy, timeout, within):
    server.set_default("GetExecution", Fail(grpc.StatusCode.UNAVAILABLE, "down"))
    with SynchronousFlyteClient(
        server.endpoint, insecure=True, retry=policy, timeout=timeout
    ) as client:
        started = time.monotonic()
        with pytest.raises(fx.FlyteSystemUnavailableException):
            client.get_execution(EX_ID)
        assert time.monotonic() - started < within


def test_first_call_after_a_killed_server_is_back_succeeds(tmp_path):
    project = project_pb2.Project(id="restart", name="restart")
    with AdminProcess(str(tmp_path / "state.db")) as admin:
        with SynchronousFlyteClient(admin.endpoint, insecure=True, timeout=5) as client:
            client.register_project(project)
            admin.kill()
            down_until = (
                time.monotonic() + 3
            )  # calls while it is down grow gRPC's reconnect back-off
            while time.monotonic() < down_until:
                with pytest.raises(fx.FlyteException):
                    client.list_projects(timeout=0.5)
            admin.start()
            started = time.monotonic()
            assert [p.id for p in client.list_projects().projects] == ["restart"]
            took = time.monotonic() - started
            print(f"first call after the restart took {took:.2f}s")
            assert took < 5
