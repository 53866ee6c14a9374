"""The async pipeline handles unary-stream RPCs like the sync one: retried only before
the first message, credentials refreshed once."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from flyteidl.admin import version_pb2

from flyteclient import AsyncFlyteClient
from flyteclient import exceptions as fx
from flyteclient.runtime.interceptors.retry import RetryPolicy
from tests.generated.test_streaming import WATCH, Auth, StreamServer


async def versions(client: AsyncFlyteClient, got: list) -> list:
    async for r in client._invoke(WATCH, version_pb2.GetVersionRequest(), None, None):
        got.append(r.control_plane_version.Version)
    return got


def test_stream_retried_before_the_first_message_only():
    with StreamServer(
        [[grpc.StatusCode.UNAVAILABLE], ["a", "b"], ["a", grpc.StatusCode.UNAVAILABLE]]
    ) as server:

        async def calls() -> tuple:
            async with AsyncFlyteClient(
                server.endpoint, insecure=True, retry=RetryPolicy(initial_backoff=0.01)
            ) as c:
                first = await versions(c, [])
                partial: list = []
                with pytest.raises(fx.FlyteSystemUnavailableException):
                    await versions(c, partial)
                return first, partial

        assert asyncio.run(calls()) == (["a", "b"], ["a"])
    assert len(server.calls) == 3


def test_stream_refreshes_credentials_once():
    with StreamServer([[grpc.StatusCode.UNAUTHENTICATED], ["ok"]]) as server:
        auth = Auth()

        async def call() -> list:
            async with AsyncFlyteClient(server.endpoint, insecure=True, authenticator=auth) as c:
                return await versions(c, [])

        assert asyncio.run(call()) == ["ok"]
    assert auth.refreshes == 1
    assert [c["authorization"] for c in server.calls] == ["Bearer old", "Bearer new"]
