"""A closed client, calls in flight when it closes, and an async client used from an
event loop that is not its own: one error class and message on every transport (gRPC,
grpc.aio, REST sync and async), never a stray CancelledError or a transport's own error."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any, List

import pytest
from flyteidl.admin import version_pb2

from flyteclient import AsyncFlyteClient, SynchronousFlyteClient
from flyteclient.exceptions import ClientClosedError, FlyteException, ForeignEventLoopError
from flyteclient.runtime.interceptors.retry import RetryPolicy
from flyteclient.testing import LocalAdmin
from tests.support.http_script import ScriptedHttpServer, ok_proto
from tests.support.servers import RecordingServer

VERSION = version_pb2.GetVersionResponse(control_plane_version=version_pb2.Version(Version="v1"))
TRANSPORTS = ["grpc", "rest"]
CLOSED = "GetVersion: the client is closed"


@pytest.fixture(scope="module")
def admin():
    with LocalAdmin() as server:
        yield server


def options(admin: LocalAdmin, transport: str) -> tuple:
    if transport == "grpc":
        return admin.endpoint, {"insecure": True}
    return admin.http_url, {"transport": "rest"}


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_call_after_close_raises_the_same_error(admin: LocalAdmin, transport: str) -> None:
    cfg, kwargs = options(admin, transport)
    client = SynchronousFlyteClient(cfg, **kwargs)
    assert client.get_control_plane_version()
    pager = client.iter_projects()
    client.close()
    for attempt in (
        client.get_control_plane_version,
        client.raw.get_version,
        lambda: next(iter(pager)),
    ):
        with pytest.raises(ClientClosedError) as info:
            attempt()
        assert isinstance(info.value, (FlyteException, RuntimeError))
    with pytest.raises(ClientClosedError, match=CLOSED):
        client.get_control_plane_version()
    with pytest.raises(ClientClosedError, match="GetVersion: the client is closed"):
        client.transport(  # the transport itself, as a pager made earlier reaches it
            __import__("flyteclient.generated.methods", fromlist=["x"]).AdminService_GetVersion,
            version_pb2.GetVersionRequest(),
            None,
            None,
        )

    async def after_close() -> None:
        async_client = AsyncFlyteClient(cfg, **kwargs)
        assert await async_client.get_control_plane_version()
        await async_client.close()
        with pytest.raises(ClientClosedError, match=CLOSED):
            await async_client.get_control_plane_version()

    asyncio.run(after_close())


def _slow_servers(transport: str) -> Any:
    if transport == "grpc":
        server = RecordingServer(delay=1.0)
        server.set_default("GetVersion", VERSION)
        return server, server.endpoint, {"insecure": True}
    server = ScriptedHttpServer(default=ok_proto(VERSION), delay=1.0)
    return server, server.url, {"transport": "rest"}


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_calls_in_flight_on_other_threads_end_in_the_closed_error(transport: str) -> None:
    server, cfg, kwargs = _slow_servers(transport)
    with server:
        client = SynchronousFlyteClient(cfg, retry=RetryPolicy(max_retries=2), **kwargs)
        errors: List[BaseException] = []

        def call() -> None:
            try:
                client.get_control_plane_version(timeout=10)
            except BaseException as exc:  # noqa: BLE001 - what is checked
                errors.append(exc)

        threads = [threading.Thread(target=call) for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.3)
        started = time.monotonic()
        client.close()
        for t in threads:
            t.join(5)
    assert time.monotonic() - started < 3
    assert [type(e) for e in errors] == [ClientClosedError] * 4, errors
    assert all(str(e) == CLOSED for e in errors)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_async_calls_in_flight_at_close_end_in_the_closed_error(transport: str) -> None:
    server, cfg, kwargs = _slow_servers(transport)

    async def run() -> List[Any]:
        client = AsyncFlyteClient(cfg, retry=RetryPolicy(max_retries=2), **kwargs)
        tasks = [
            asyncio.ensure_future(client.get_control_plane_version(timeout=10)) for _ in range(4)
        ]
        await asyncio.sleep(0.3)
        await client.close()
        return list(await asyncio.gather(*tasks, return_exceptions=True))

    with server:
        started = time.monotonic()
        results = asyncio.run(run())
    assert time.monotonic() - started < 3
    assert [type(r) for r in results] == [ClientClosedError] * 4, results
    assert all(str(r) == CLOSED for r in results)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_task_cancelled_by_its_owner_is_still_cancelled(transport: str) -> None:
    server, cfg, kwargs = _slow_servers(transport)

    async def run() -> Any:
        async with AsyncFlyteClient(cfg, **kwargs) as client:
            task = asyncio.ensure_future(client.get_control_plane_version(timeout=10))
            await asyncio.sleep(0.3)
            task.cancel()
            return (await asyncio.gather(task, return_exceptions=True))[0]

    with server:
        assert isinstance(asyncio.run(run()), asyncio.CancelledError)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_an_async_client_refuses_an_event_loop_not_its_own(
    admin: LocalAdmin, transport: str
) -> None:
    cfg, kwargs = options(admin, transport)
    client = AsyncFlyteClient(cfg, **kwargs)

    async def version() -> str:
        return await client.get_control_plane_version()

    assert asyncio.run(version())  # its loop is now closed
    with pytest.raises(
        ForeignEventLoopError, match="belongs to the event loop it first ran a call in"
    ):
        asyncio.run(version())

    # From another thread's loop, while its own is alive.
    other = AsyncFlyteClient(cfg, **kwargs)
    errors: List[BaseException] = []

    async def main() -> None:
        assert await other.get_control_plane_version()

        def elsewhere() -> None:
            try:
                asyncio.run(other.get_control_plane_version())
            except BaseException as exc:  # noqa: BLE001 - what is checked
                errors.append(exc)

        thread = threading.Thread(target=elsewhere)
        thread.start()
        await asyncio.get_running_loop().run_in_executor(None, thread.join)
        assert await other.get_control_plane_version()  # its own loop still works
        await other.close()

    asyncio.run(main())
    assert [type(e) for e in errors] == [ForeignEventLoopError]
    assert str(errors[0]).startswith("GetVersion: this async client belongs to the event loop")
