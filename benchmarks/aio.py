"""The async client against a bare ``grpc.aio`` stub (the floor), on the same server.

Each subject owns an event loop; one ``run()`` is one batch inside one
``run_until_complete`` (``BATCH`` sequential GetExecution calls, ``CONCURRENT``
GetExecution calls gathered, or a full pass over every task), so the loop's own start-up
is spread over the batch and is the same for both subjects.
"""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, List

from flyteidl.admin import common_pb2, execution_pb2

from . import fixtures
from .clients import Subject

RAW_AIO, FLYTECLIENT_AIO = "raw grpc.aio stub", "AsyncFlyteClient"
BATCH = 50
CONCURRENT = 1000


def _subject(
    name: str,
    make: Callable[[], Awaitable[Any]],
    work: Callable[[Any], Awaitable[int]],
    close: Callable[[Any], Awaitable[None]],
) -> Subject:
    loop = asyncio.new_event_loop()
    target = loop.run_until_complete(make())

    def finish() -> None:
        loop.run_until_complete(close(target))
        loop.close()

    return Subject(name, lambda: loop.run_until_complete(work(target)), finish)


def _raw(endpoint: str, work: Callable[[Any], Awaitable[int]]) -> Subject:
    import grpc.aio
    from flyteidl.service.admin_pb2_grpc import AdminServiceStub

    channels: List[Any] = []

    async def make() -> Any:
        channels.append(grpc.aio.insecure_channel(endpoint))
        return AdminServiceStub(channels[0])

    async def close(_: Any) -> None:
        await channels[0].close()

    return _subject(RAW_AIO, make, work, close)


def _ours(endpoint: str, work: Callable[[Any], Awaitable[int]]) -> Subject:
    from flyteclient import AsyncFlyteClient

    async def make() -> Any:
        return AsyncFlyteClient(endpoint, insecure=True)

    async def close(client: Any) -> None:
        await client.close()

    return _subject(FLYTECLIENT_AIO, make, work, close)


def unary_subjects(endpoint: str) -> List[Subject]:
    """``BATCH`` sequential GetExecution calls per run."""
    eid = fixtures.execution_id()
    Request = execution_pb2.WorkflowExecutionGetRequest

    async def raw(stub: Any) -> int:
        for _ in range(BATCH):
            await stub.GetExecution(Request(id=eid))
        return BATCH

    async def ours(client: Any) -> int:
        for _ in range(BATCH):
            await client.get_execution(eid)
        return BATCH

    return [_raw(endpoint, raw), _ours(endpoint, ours)]


def concurrent_subjects(endpoint: str) -> List[Subject]:
    """``CONCURRENT`` GetExecution calls at once per run."""
    eid = fixtures.execution_id()
    Request = execution_pb2.WorkflowExecutionGetRequest

    async def raw(stub: Any) -> int:
        return len(
            await asyncio.gather(*(stub.GetExecution(Request(id=eid)) for _ in range(CONCURRENT)))
        )

    async def ours(client: Any) -> int:
        return len(await asyncio.gather(*(client.get_execution(eid) for _ in range(CONCURRENT))))

    return [_raw(endpoint, raw), _ours(endpoint, ours)]


def page_subjects(endpoint: str, page_size: int = 100) -> List[Subject]:
    """Every task, page by page: a stub loop and the async pager."""
    ident = fixtures.named_entity()

    async def raw(stub: Any) -> int:
        count, token = 0, ""
        while True:
            page = await stub.ListTasks(
                common_pb2.ResourceListRequest(id=ident, limit=page_size, token=token)
            )
            for _task in page.tasks:
                count += 1
            token = page.token
            if not token or not page.tasks:
                return count

    async def ours(client: Any) -> int:
        count = 0
        async for _task in client.iter_tasks(ident, page_size=page_size):
            count += 1
        return count

    return [_raw(endpoint, raw), _ours(endpoint, ours)]
