"""The same calls through the client's gRPC transport and its REST transport, against
LocalAdmin (flyteadmin's behaviour, with its HTTP/JSON gateway): every RPC with an HTTP
route gives equal responses, or the same exception class, code, message and details.

Server A is driven by a ``RawSynchronousFlyteClient`` over gRPC, server B by one with
``transport="rest"``, through the gateway differential's script of calls."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Tuple

import pytest
from flyteidl.admin import common_pb2, signal_pb2
from flyteidl.core import identifier_pb2, types_pb2
from test_local_admin_gateway_differential import _scrub, exec_id, script

from flyteclient import AsyncFlyteClient, RawSynchronousFlyteClient, SynchronousFlyteClient
from flyteclient.generated import methods
from flyteclient.runtime.interceptors.retry import RetryPolicy
from flyteclient.runtime.transport.rest import CODECS
from flyteclient.testing import LocalAdmin
from tests.generated.test_raw_client import _raw_name
from tests.support.gateway import ROUTED, full_method

NO_RETRY = RetryPolicy(max_retries=0)


def outcome(client: Any, rpc: str, request: Any) -> Tuple[Any, ...]:
    spec = methods.BY_PATH[full_method(rpc)]
    try:
        response = getattr(client, _raw_name(spec))(request)
    except Exception as exc:  # noqa: BLE001 - what is compared
        details = tuple(d.SerializeToString() for d in getattr(exc, "details", ()))
        return (
            "raised",
            type(exc).__name__,
            getattr(exc, "code", None),
            getattr(exc, "message", str(exc)),
            details,
        )
    copy = type(response)()
    copy.CopyFrom(response)
    return ("ok", type(response).__name__, _scrub(copy).SerializeToString(deterministic=True))


@pytest.fixture(scope="module", params=["protobuf", "json"])
def twins(request):
    """Both servers after the script; the REST client sends binary protobuf bodies (the
    default, as flyteconsole does) or JSON (``rest_codec="json"``)."""
    with LocalAdmin() as a, LocalAdmin() as b:
        over_grpc = RawSynchronousFlyteClient(a.endpoint, insecure=True, retry=NO_RETRY)
        over_rest = RawSynchronousFlyteClient(
            b.http_url, transport="rest", rest_codec=request.param, retry=NO_RETRY
        )
        assert over_rest.transport.codec is CODECS[request.param]
        sid = identifier_pb2.SignalIdentifier(signal_id="approve", execution_id=exec_id("e1"))
        create = signal_pb2.SignalGetOrCreateRequest(
            id=sid, type=types_pb2.LiteralType(simple=types_pb2.BOOLEAN)
        )
        for endpoint in (a.endpoint, b.endpoint):  # GetOrCreateSignal has no HTTP route
            with RawSynchronousFlyteClient(endpoint, insecure=True) as setup:
                setup.get_or_create_signal(create)
        try:
            yield (
                a,
                b,
                over_grpc,
                over_rest,
                _run_script(over_grpc, over_rest),
                request.param,
            )  # leaves both servers populated
        finally:
            over_grpc.close()
            over_rest.close()


def _run_script(over_grpc: Any, over_rest: Any) -> Tuple[List[str], Dict[str, set]]:
    mismatches: List[str] = []
    covered: Dict[str, set] = {}
    for i, step in enumerate(script()):
        a, b = (
            outcome(over_grpc, step.rpc, step.request),
            outcome(over_rest, step.rpc, step.request),
        )
        if a != b:
            mismatches.append(f"step {i} {step.rpc}:\n  gRPC {a}\n  REST {b}")
        covered.setdefault(full_method(step.rpc), set()).add(a[0] if a[0] == "ok" else a[2])
    return mismatches, covered


def test_every_routed_rpc_gives_the_same_result_over_both_transports(twins):
    mismatches, covered = twins[4]
    assert not mismatches, "\n".join(mismatches)
    assert sorted(covered) == ROUTED
    assert sum(1 for codes in covered.values() if codes - {"ok"}) >= 55  # failures compared too


def test_friendly_paging_filters_sort_and_nested_paths(twins):
    a, b = twins[0], twins[1]
    named = common_pb2.NamedEntityIdentifier(project="flytesnacks", domain="development")
    sort = common_pb2.Sort(key="version", direction=common_pb2.Sort.DESCENDING)
    results = []
    for client in (
        SynchronousFlyteClient(a.endpoint, insecure=True),
        SynchronousFlyteClient(b.http_url, transport="rest", rest_codec=twins[5]),
    ):
        with client:
            pages = [
                [t.id.version for t in p.tasks]
                for p in client.iter_tasks(
                    named, filters=["contains(name,t)"], sort_by=sort, page_size=2
                ).pages()
            ]
            one, token = client.list_task_ids_paginated(
                "flytesnacks", "development", limit=1, sort_by=common_pb2.Sort(key="name")
            )
            results.append((pages, [e.name for e in one], token))
    assert results[0] == results[1] and results[0][0]  # something was listed


def test_async_client_over_rest_agrees(twins):
    a, b = twins[0], twins[1]
    named = common_pb2.NamedEntityIdentifier(project="flytesnacks", domain="development")

    async def listed(client: AsyncFlyteClient) -> List[str]:
        async with client:
            return [
                t.id.name + "/" + t.id.version async for t in client.iter_tasks(named, page_size=3)
            ]

    over_grpc = asyncio.run(listed(AsyncFlyteClient(a.endpoint, insecure=True)))
    over_rest = asyncio.run(
        listed(AsyncFlyteClient(b.http_url, transport="rest", rest_codec=twins[5]))
    )
    assert over_grpc == over_rest and over_grpc
