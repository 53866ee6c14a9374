"""AsyncFlyteClient against real loopback servers, mirroring the sync client's tests:
every RPC, pagers, retries and non-idempotent safety, deadlines, single-flight refresh
from 64 tasks, cancellation, errors with details, idempotent create, the cache, and
nothing left running after close."""

from __future__ import annotations

import asyncio
import random
import threading
import time
from concurrent import futures
from typing import Any, Awaitable, Callable, List

import grpc
import pytest
from flyteidl.admin import (
    common_pb2,
    execution_pb2,
    project_pb2,
    task_pb2,
    version_pb2,
    workflow_pb2,
)
from flyteidl.core import identifier_pb2

from flyteclient import AsyncFlyteClient, AsyncRawFlyteClient, scoped_deadline
from flyteclient import exceptions as fx
from flyteclient.generated import methods
from flyteclient.runtime.interceptors.retry import RetryPolicy
from tests.generated.test_raw_client import ALL_METHODS, _raw_name
from tests.support.messages import populate
from tests.support.pages import offset_pages
from tests.support.servers import Fail, RecordingServer

EX_ID = identifier_pb2.WorkflowExecutionIdentifier(project="p", domain="d", name="e")
TASK_ID = identifier_pb2.Identifier(
    resource_type=identifier_pb2.TASK, project="p", domain="d", name="t", version="v1"
)
FAST = RetryPolicy(initial_backoff=0.01, rng=lambda: 1.0)


def run(coro_fn: Callable[[], Awaitable[Any]]) -> Any:
    """Run ``coro_fn()`` in a fresh event loop; fail if it leaves tasks behind."""

    async def main() -> Any:
        result = await coro_fn()
        others = asyncio.all_tasks() - {asyncio.current_task()}
        assert not others, f"tasks left running: {others}"
        return result

    return asyncio.run(main())


def client(server: RecordingServer, **kwargs: Any) -> AsyncFlyteClient:
    kwargs.setdefault("retry", FAST)
    return AsyncFlyteClient(server.endpoint, insecure=True, **kwargs)


@pytest.fixture(scope="module")
def shared():
    with RecordingServer() as s:
        yield s


@pytest.mark.parametrize("spec", ALL_METHODS, ids=lambda m: m.name)
def test_every_rpc_round_trips(spec, shared):
    rng = random.Random(spec.path)
    request, response = populate(spec.request_type(), rng), populate(spec.response_type(), rng)
    shared.script(spec.name, response)

    async def call() -> Any:
        async with AsyncRawFlyteClient(shared.endpoint, insecure=True) as raw:
            return await getattr(raw, _raw_name(spec))(request)

    assert run(call) == response
    assert shared.requests(spec.name)[-1] == request


def test_friendly_methods_pagers_and_raw_view(server):
    server.set_default(
        "ListTasks",
        offset_pages(
            250,
            lambda i: task_pb2.Task(id=identifier_pb2.Identifier(name="t", version=str(i))),
            task_pb2.TaskList,
            "tasks",
        ),
    )
    server.script(
        "GetVersion",
        version_pb2.GetVersionResponse(control_plane_version=version_pb2.Version(Version="v9")),
    )
    named = common_pb2.NamedEntityIdentifier(project="p", domain="d")

    async def calls() -> Any:
        async with client(server) as c:
            assert isinstance(c.raw, AsyncRawFlyteClient) and c.raw.transport is c.transport
            version = await c.get_control_plane_version()
            tasks, token = await c.list_tasks_paginated(named, limit=2)
            versions = [t.id.version async for t in c.iter_tasks(named, page_size=100)]
            limited = [t.id.version async for t in c.iter_tasks(named, page_size=7, limit=10)]
            pages = [len(p.tasks) async for p in c.iter_tasks(named, page_size=100).pages()]
            return (
                version,
                [t.id.version for t in tasks],
                token,
                versions,
                limited,
                pages,
                tasks[0].id.resource_type,
            )

    version, first, token, versions, limited, pages, resource_type = run(calls)
    assert version == "v9" and first == ["0", "1"] and token == "2"
    assert versions == [str(i) for i in range(250)] and limited == [str(i) for i in range(10)]
    assert pages == [100, 100, 50] and resource_type == identifier_pb2.TASK


def test_pager_refuses_a_repeated_token(server):
    server.set_default("ListTasks", task_pb2.TaskList(tasks=[task_pb2.Task()], token="same"))

    async def iterate() -> None:
        async with client(server) as c:
            async for _ in c.iter_tasks(common_pb2.NamedEntityIdentifier(project="p", domain="d")):
                pass

    with pytest.raises(fx.PaginationError):
        run(iterate)


def test_transient_failures_are_retried_with_backoff(server):
    server.script(
        "GetExecution",
        Fail(grpc.StatusCode.UNAVAILABLE),
        Fail(grpc.StatusCode.UNAVAILABLE),
        execution_pb2.Execution(id=EX_ID),
    )
    sleeps: List[float] = []

    async def record(seconds: float) -> None:
        sleeps.append(seconds)

    async def call() -> Any:
        async with client(server) as c:
            c._retry._async_sleep = record
            return await c.get_execution(EX_ID)

    assert run(call).id == EX_ID
    assert sleeps == [0.01, 0.02] and len(server.requests("GetExecution")) == 3


def test_non_idempotent_rpcs_are_never_sent_twice(server):
    server.script("CreateExecution", Fail(grpc.StatusCode.UNAVAILABLE, "server restarting"))

    async def call() -> None:
        async with client(server) as c:
            await c.create_execution("p", "d", "e", execution_pb2.ExecutionSpec(), None)

    with pytest.raises(fx.FlyteSystemUnavailableException):
        run(call)
    assert len(server.requests("CreateExecution")) == 1


@pytest.mark.parametrize(
    "code, exc",
    [
        (grpc.StatusCode.NOT_FOUND, fx.FlyteEntityNotExistException),
        (grpc.StatusCode.INVALID_ARGUMENT, fx.FlyteInvalidInputException),
        (grpc.StatusCode.PERMISSION_DENIED, fx.FlytePermissionDeniedException),
    ],
)
def test_errors_are_mapped_with_fields_and_details(server, code, exc):
    from flyteidl.admin import event_pb2

    detail = event_pb2.EventFailureReason(
        already_in_terminal_state=event_pb2.EventErrorAlreadyInTerminalState(
            current_phase="SUCCEEDED"
        )
    )
    server.script("GetExecution", Fail(code, "scripted failure", details=[detail]))

    async def call() -> None:
        async with client(server) as c:
            await c.get_execution(EX_ID)

    with pytest.raises(exc) as error:
        run(call)
    assert (
        error.value.code == code
        and error.value.rpc == "GetExecution"
        and error.value.message == "scripted failure"
    )
    assert error.value.detail(event_pb2.EventFailureReason) == detail
    assert (
        isinstance(error.value.__cause__, grpc.RpcError)
        and len(server.requests("GetExecution")) == 1
    )


def test_deadlines_per_call_client_default_and_scoped_per_task():
    with RecordingServer(delay=0.5) as slow:

        async def calls() -> Any:
            async with client(slow, timeout=0.1) as c:
                with pytest.raises(fx.FlyteTimeout):
                    await c.get_execution(EX_ID)  # the client's default
                assert (await c.get_execution(EX_ID, timeout=2)).id == execution_pb2.Execution().id

            async with client(slow) as c:

                async def scoped() -> str:
                    with scoped_deadline(0.2):
                        try:
                            await c.get_execution(EX_ID)
                            return "done"
                        except fx.FlyteTimeout:
                            return "timed out"

                async def unscoped() -> str:
                    await asyncio.sleep(0.01)  # starts while the other task's scope is open
                    await c.get_execution(EX_ID)
                    return "done"

                return await asyncio.gather(scoped(), unscoped())

        started = time.monotonic()
        assert run(calls) == ["timed out", "done"]  # the scope is the task's, not the loop's
        assert time.monotonic() - started < 3


class StaleToken:
    """flytekit's authenticator interface; the refresh blocks (like a token request)."""

    def __init__(self, valid: set) -> None:
        self.token, self.refreshes, self.valid = "tok-0", 0, valid
        self.lock = threading.Lock()

    def fetch_grpc_call_auth_metadata(self) -> Any:
        return ("authorization", f"Bearer {self.token}")

    def refresh_credentials(self) -> None:
        with self.lock:
            self.refreshes += 1
            started = time.monotonic()
            time.sleep(0.3)  # blocking: must not run on the event loop
            self.window = (started, time.monotonic())
            self.token = f"tok-{self.refreshes}"
            self.valid.add(self.token)


def _auth_server(valid: set) -> Callable[[Any, Any], Any]:
    def answer(request: Any, metadata: Any) -> Any:
        if metadata.get("authorization", "").removeprefix("Bearer ") not in valid:
            return Fail(grpc.StatusCode.UNAUTHENTICATED, "token expired")
        return version_pb2.GetVersionResponse(
            control_plane_version=version_pb2.Version(Version="ok")
        )

    return answer


def test_64_tasks_with_an_expired_token_refresh_once_off_the_loop():
    valid: set = set()
    with RecordingServer(max_workers=80) as server:
        server.set_default("GetVersion", _auth_server(valid))
        auth = StaleToken(valid)

        async def calls() -> Any:
            ticks: list = []
            stop = asyncio.Event()

            async def ticker() -> None:
                while not stop.is_set():
                    ticks.append(time.monotonic())
                    await asyncio.sleep(0.02)

            tick_task = asyncio.create_task(ticker())
            async with client(server, authenticator=auth) as c:
                results = await asyncio.gather(*(c.get_control_plane_version() for _ in range(64)))
            stop.set()
            await tick_task
            return results, ticks

        results, ticks = run(calls)
    assert results == ["ok"] * 64 and auth.refreshes == 1
    # The loop kept running through the 0.3 s blocking refresh (on the loop: no tick in it).
    started, ended = auth.window
    assert sum(started < t < ended for t in ticks) >= 3


class HangingServer:
    """GetExecution never answers; records when the client went away (cancellation)."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.cancelled = threading.Event()
        self.server = grpc.server(futures.ThreadPoolExecutor(4))
        spec = methods.AdminService_GetExecution

        def hang(request: Any, context: grpc.ServicerContext) -> Any:
            self.started.set()
            deadline = time.monotonic() + 10
            while context.is_active() and time.monotonic() < deadline:
                time.sleep(0.01)
            if not context.is_active():
                self.cancelled.set()
            return spec.response_type()

        handler = grpc.unary_unary_rpc_method_handler(
            hang, spec.request_type.FromString, spec.response_type.SerializeToString
        )
        self.server.add_generic_rpc_handlers(
            [grpc.method_handlers_generic_handler(spec.service, {spec.name: handler})]
        )
        self.endpoint = f"127.0.0.1:{self.server.add_insecure_port('127.0.0.1:0')}"

    def __enter__(self) -> "HangingServer":
        self.server.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.stop(None)


def test_cancelling_a_task_cancels_its_rpc():
    with HangingServer() as hanging:

        async def cancel() -> None:
            async with AsyncFlyteClient(hanging.endpoint, insecure=True) as c:
                task = asyncio.create_task(c.get_execution(EX_ID))
                while not hanging.started.is_set():
                    await asyncio.sleep(0.01)
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task

        run(cancel)
        assert hanging.cancelled.wait(5)


def test_identical_create_is_success_and_a_different_one_raises(server):
    server.script(
        "CreateWorkflow",
        Fail(grpc.StatusCode.ALREADY_EXISTS, "workflow with identical structure already exists"),
        Fail(
            grpc.StatusCode.INVALID_ARGUMENT,
            "w workflow with different structure already exists. (Please register a new version of the workflow):\n- x",
        ),
    )

    async def calls() -> Any:
        async with client(server) as c:
            first = await c.create_workflow(TASK_ID, workflow_pb2.WorkflowSpec())
            with pytest.raises(fx.FlyteEntityDifferentStructureException) as error:
                await c.create_workflow(TASK_ID, workflow_pb2.WorkflowSpec())
            return first, error.value.diff

    assert run(calls) == (None, "- x")


def test_cache_loads_each_key_once_under_concurrent_tasks():
    with RecordingServer(delay=0.2) as slow:
        slow.set_default("GetTask", task_pb2.Task(id=TASK_ID, short_description="cached"))

        async def calls() -> Any:
            async with client(slow) as c:
                tasks = await asyncio.gather(*(c.get_task(TASK_ID) for _ in range(20)))
                tasks[0].short_description = "mutated by a caller"
                again = await c.get_task(TASK_ID)
                return tasks, again

        tasks, again = run(calls)
        assert len(slow.requests("GetTask")) == 1
        assert {t.short_description for t in tasks[1:]} == {
            "cached"
        } and again.short_description == "cached"


def test_bad_arguments_fail_before_any_call(server):
    async def calls() -> None:
        async with client(server) as c:
            with pytest.raises(TypeError, match="id must be flyteidl.core.Identifier"):
                await c.get_task("not an id")
            with pytest.raises(
                TypeError, match="get_object_request must be flyteidl.admin.ObjectGetRequest"
            ):
                await c.raw.get_task(project_pb2.Project())
            with pytest.raises(ValueError, match="timeout must be a positive"):
                await c.get_execution(EX_ID, timeout=-1)
            with pytest.raises(ValueError, match="limit must be a positive int"):
                await c.list_tasks_paginated(common_pb2.NamedEntityIdentifier(), limit=0)

    run(calls)
    assert server.received == []


def test_close_leaves_no_task_and_closes_the_channel(server):
    async def calls() -> Any:
        c = client(server)
        await c.get_control_plane_version()
        channel = c.channel
        await c.close()
        with pytest.raises(RuntimeError, match="the client is closed"):
            await c.get_control_plane_version()
        return channel

    channel = run(calls)
    assert channel is not None
