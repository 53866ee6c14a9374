"""Bad per-call arguments fail before any network call, naming the parameter; failures
the same request meets every time are not retried."""

from __future__ import annotations

import math

import grpc
import pytest
from flyteidl.admin import common_pb2, project_pb2, version_pb2

from flyteclient import SynchronousFlyteClient, scoped_deadline
from flyteclient import exceptions as fx
from flyteclient.runtime.interceptors.retry import RetryPolicy

NE = common_pb2.NamedEntityIdentifier(project="p", domain="d")
MB = 1024 * 1024


def client_for(server, **kwargs):
    return SynchronousFlyteClient(
        server.endpoint, insecure=True, retry=RetryPolicy(initial_backoff=0.01), **kwargs
    )


def test_a_5mb_request_is_sent_once(server):
    big = project_pb2.Project(id="p", description="x" * (5 * MB))
    with client_for(server) as client:
        with pytest.raises(fx.FlyteResourceExhaustedException, match="larger than max"):
            client.register_project(big)
    assert server.arrived == ["RegisterProject"]  # the server's 4 MB limit refused it once


def test_a_30mb_response_is_fetched_once(server):
    server.set_default(
        "ListProjects",
        project_pb2.Projects(projects=[project_pb2.Project(id="p", description="x" * (30 * MB))]),
    )
    with client_for(server) as client:
        with pytest.raises(
            fx.FlyteResourceExhaustedException, match="Received message larger than max"
        ):
            client.list_projects()
    assert server.arrived == ["ListProjects"]


def test_rate_limiting_is_still_retried(server):
    from tests.support.servers import Fail

    server.script("ListProjects", Fail(grpc.StatusCode.RESOURCE_EXHAUSTED, "rate limit exceeded"))
    with client_for(server) as client:
        client.list_projects()
    assert server.arrived == ["ListProjects", "ListProjects"]


class BadHeader:
    """An extra interceptor (after the client's checks) adding metadata gRPC refuses."""

    def __init__(self):
        self.calls = 0

    def intercept(self, method, request, timeout, metadata, proceed):
        self.calls += 1
        return proceed(method, request, timeout, (*(metadata or ()), ("x-bad", "line\nbreak")))


def test_metadata_grpc_refuses_is_not_retried_even_for_reads(server):
    bad = BadHeader()
    with client_for(server, interceptors=[bad]) as client:
        with pytest.raises(fx.FlyteSystemException, match="Invalid metadata"):
            client.get_control_plane_version()
    assert bad.calls == 1 and server.arrived == []


@pytest.mark.parametrize(
    "timeout, error",
    [
        ("5", TypeError),
        (True, TypeError),
        (b"5", TypeError),
        ([5], TypeError),
        (0, ValueError),
        (-1, ValueError),
        (-0.5, ValueError),
        (math.nan, ValueError),
        (math.inf, ValueError),
    ],
)
def test_bad_per_call_timeout_names_the_parameter(server, timeout, error):
    with client_for(server) as client:
        with pytest.raises(error, match="timeout"):
            client.raw.get_version(version_pb2.GetVersionRequest(), timeout=timeout)
        with pytest.raises(error, match="timeout"):
            client.get_named_entity(resource_type=1, id=NE, timeout=timeout)
    assert server.arrived == []


@pytest.mark.parametrize(
    "metadata, error, text",
    [
        ("abc", TypeError, "metadata must be a list or tuple"),
        ({"k": "v"}, TypeError, "metadata must be a list or tuple"),
        ([("k",)], TypeError, r"metadata\[0\] must be a \(key, value\) tuple"),
        ([("k", "v"), "kv"], TypeError, r"metadata\[1\] must be a \(key, value\) tuple"),
        ([("Upper", "v")], ValueError, r"metadata\[0\]: key 'Upper' must be lower case"),
        ([("a b", "v")], ValueError, "key 'a b'"),
        ([(1, "v")], ValueError, "key 1"),
        ([("grpc-timeout", "1S")], ValueError, "grpc-"),
        ([("k-bin", "text")], TypeError, "binary key 'k-bin' needs a bytes value"),
        ([("k", "a\nb")], ValueError, "printable ASCII"),
        ([("k", "ä")], ValueError, "printable ASCII"),
        ([("k", 5)], TypeError, "must be str"),
    ],
)
def test_bad_per_call_metadata_names_the_parameter(server, metadata, error, text):
    with client_for(server) as client:
        with pytest.raises(error, match=text):
            client.raw.get_version(version_pb2.GetVersionRequest(), metadata=metadata)
    assert server.arrived == []


def test_good_metadata_and_timeout_reach_the_server(server):
    with client_for(server) as client:
        client.raw.get_version(
            version_pb2.GetVersionRequest(),
            timeout=2,
            metadata=[("x-a", "1"), ("x-b-bin", b"\0\1")],
        )
        client.raw.get_version(
            version_pb2.GetVersionRequest(), timeout=0.5, metadata=(("x-c", b"bytes"),)
        )
    assert server.calls()[0].metadata["x-a"] == "1"


def test_bad_client_timeout_headers_and_scoped_deadline_are_rejected(server):
    with pytest.raises(TypeError, match="timeout must be a positive number"):
        client_for(server, timeout="5")
    with pytest.raises(ValueError, match=r"headers\[0\]: key 'X-Team'"):
        client_for(server, headers=[("X-Team", "a")])
    with pytest.raises(TypeError, match="seconds must be a positive number"):
        with scoped_deadline("5"):
            pass
    with pytest.raises(ValueError, match="seconds must be a positive, finite number"):
        with scoped_deadline(0):
            pass


@pytest.mark.parametrize(
    "call, param",
    [
        (lambda c: c.list_tasks_paginated(NE, limit=2**32), "limit"),
        (lambda c: c.list_tasks_paginated(NE, limit=-1), "limit"),
        (lambda c: c.get_named_entity(resource_type=2**31, id=NE), "resource_type"),
        (lambda c: c.get_execution_metrics(id=None, depth=2**31), "depth"),
        (lambda c: c.get_execution_metrics(id=None, depth=-(2**31) - 1), "depth"),
        (lambda c: list(c.iter_tasks(NE, page_size=2**32)), "page_size"),
    ],
)
def test_out_of_range_ints_name_the_parameter(server, call, param):
    with client_for(server) as client:
        with pytest.raises(ValueError, match=rf"^{param} must be"):
            call(client)
    assert server.arrived == []


def test_metadata_grpc_refuses_is_the_same_error_from_the_async_client(server):
    import asyncio

    from flyteclient import AsyncFlyteClient

    class AsyncBadHeader(BadHeader):
        async def intercept(self, method, request, timeout, metadata, proceed):
            self.calls += 1
            return await proceed(
                method, request, timeout, (*(metadata or ()), ("x-bad", "line\nbreak"))
            )

    bad = AsyncBadHeader()

    async def call():
        async with AsyncFlyteClient(server.endpoint, insecure=True, interceptors=[bad]) as client:
            await client.get_control_plane_version()

    with pytest.raises(fx.FlyteSystemException, match="Invalid metadata") as info:
        asyncio.run(call())
    assert info.value.code == grpc.StatusCode.INTERNAL
    assert bad.calls == 1 and server.arrived == []
