"""The REST transport against hostile and unlucky HTTP servers on loopback, sync and
async: one deadline for the whole call, bounded bodies, malformed answers as
FlyteExceptions, Retry-After, non-gateway 4xx and redirects, long messages, a gRPC port."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterator, List

import grpc
import pytest
from flyteidl.admin import execution_pb2, version_pb2
from flyteidl.core import identifier_pb2

from flyteclient import AsyncFlyteClient, SynchronousFlyteClient
from flyteclient import exceptions as fx
from flyteclient.runtime.interceptors.retry import RetryPolicy
from flyteclient.runtime.rest import GATEWAY_DEFAULT_JSON
from tests.support.http_script import ScriptedHttpServer, gateway_error, ok_proto, plain

EX_ID = identifier_pb2.WorkflowExecutionIdentifier(project="p", domain="d", name="e")
VERSION = version_pb2.GetVersionResponse(control_plane_version=version_pb2.Version(Version="v1"))
FAST = RetryPolicy(initial_backoff=0.01, rng=lambda: 1.0)
MODES = ["sync", "async"]


def call(mode: str, url: str, method: str, *args: Any, client: Any = None, **kwargs: Any) -> Any:
    """``method`` of a fresh REST client (sync, or async under ``asyncio.run``)."""
    options = {"transport": "rest", "retry": FAST, **(client or {})}
    if mode == "sync":
        with SynchronousFlyteClient(url, **options) as sync_client:
            return getattr(sync_client, method)(*args, **kwargs)

    async def run() -> Any:
        async with AsyncFlyteClient(url, **options) as async_client:
            return await getattr(async_client, method)(*args, **kwargs)

    return asyncio.run(run())


def timed(fn: Callable[[], Any]) -> tuple:
    started = time.monotonic()
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - returned for the test to check
        return exc, time.monotonic() - started
    return None, time.monotonic() - started


def trickle(total: int = 10_000, every: float = 0.25, endless: bool = False) -> Any:
    """A 200 whose body comes one byte every ``every`` seconds."""

    def answer(_: Any) -> Any:
        def body() -> Iterator[bytes]:
            for _ in range(10**9 if endless else total):
                yield b"\x08"
                time.sleep(every)

        headers = {"Content-Type": "application/octet-stream"}
        if not endless:
            headers["Content-Length"] = str(total)
        return 200, headers, body()

    return answer


def stall(_: Any) -> Any:
    def body() -> Iterator[bytes]:
        time.sleep(30)
        yield b""

    return 200, {"Content-Type": "application/octet-stream", "Content-Length": "10"}, body()


# -- one deadline for the whole call -----------------------------------------------------------
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "answer", [trickle(), trickle(endless=True), stall], ids=["trickle", "endless", "stall"]
)
def test_a_slow_body_ends_in_flyte_timeout_at_the_deadline(mode: str, answer: Any) -> None:
    with ScriptedHttpServer(default=answer) as server:
        error, elapsed = timed(
            lambda: call(mode, server.url, "get_control_plane_version", timeout=2)
        )
    assert isinstance(error, fx.FlyteTimeout), repr(error)
    assert 1.9 <= elapsed < 3.0, elapsed
    assert len(server.seen) == 1  # a deadline is never retried


@pytest.mark.parametrize("mode", MODES)
def test_slow_headers_end_at_the_deadline(mode: str) -> None:
    with ScriptedHttpServer(default=ok_proto(VERSION), delay=10) as server:
        error, elapsed = timed(
            lambda: call(mode, server.url, "get_control_plane_version", timeout=1)
        )
    assert isinstance(error, fx.FlyteTimeout) and elapsed < 2.0, (error, elapsed)


@pytest.mark.parametrize("mode", MODES)
def test_300_concurrent_calls_all_end_within_the_deadline(mode: str) -> None:
    """A server answering in 1.8 s, 300 calls with timeout=2 through one client (100
    connections): the pool wait and the read share the 2 s."""
    with ScriptedHttpServer(default=ok_proto(VERSION), delay=1.8) as server:
        outcomes: List[Any] = []
        if mode == "sync":
            with SynchronousFlyteClient(server.url, transport="rest", retry=FAST) as client:
                ready = threading.Barrier(301)

                def one(_: int) -> Any:
                    ready.wait()  # all 300 threads exist before the first call starts
                    try:
                        return client.get_control_plane_version(timeout=2), time.monotonic()
                    except Exception as exc:  # noqa: BLE001 - compared below
                        return exc, time.monotonic()

                with ThreadPoolExecutor(300) as pool:
                    futures = [pool.submit(one, i) for i in range(300)]
                    ready.wait()
                    started = time.monotonic()
                    outcomes = [f.result() for f in futures]
        else:

            async def run() -> List[Any]:
                async with AsyncFlyteClient(server.url, transport="rest", retry=FAST) as client:

                    async def one() -> Any:
                        try:
                            return await client.get_control_plane_version(
                                timeout=2
                            ), time.monotonic()
                        except Exception as exc:  # noqa: BLE001 - compared below
                            return exc, time.monotonic()

                    return list(await asyncio.gather(*(one() for _ in range(300))))

            started = time.monotonic()
            outcomes = asyncio.run(run())
    slowest = max(at for _, at in outcomes) - started
    results = [r for r, _ in outcomes]
    assert slowest < 3.0, slowest
    assert all(r == "v1" or isinstance(r, fx.FlyteTimeout) for r in results), {
        type(r).__name__ for r in results
    }
    # The first 100 are sent at once (the rest wait their turn); whether the in-process
    # server's answers beat the deadline depends on the machine's load.
    assert server.seen  # they were sent


# -- bounded bodies ----------------------------------------------------------------------------
_MEMORY_PROBE = """
import asyncio, json, resource, sys
from flyteclient import AsyncFlyteClient, SynchronousFlyteClient
from flyteclient.runtime.interceptors.retry import RetryPolicy
url, mode = sys.argv[1], sys.argv[2]
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
error = None
try:
    if mode == "sync":
        with SynchronousFlyteClient(url, transport="rest", retry=RetryPolicy(max_retries=0)) as c:
            c.get_control_plane_version(timeout=30)
    else:
        async def run():
            async with AsyncFlyteClient(url, transport="rest", retry=RetryPolicy(max_retries=0)) as c:
                await c.get_control_plane_version(timeout=30)
        asyncio.run(run())
except Exception as exc:
    error = [type(exc).__name__, [c.__name__ for c in type(exc).__mro__], str(exc)]
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"rise_kb": after - before, "error": error}))
"""

MIB = 1024 * 1024


def huge(announce: bool, status: int = 200, content_type: str = "application/octet-stream") -> Any:
    sent: List[int] = []

    def answer(_: Any) -> Any:
        chunk = b"\x00" * MIB

        def body() -> Iterator[bytes]:
            for _ in range(200):
                sent.append(1)
                yield chunk

        headers = {"Content-Type": content_type}
        if announce:
            headers["Content-Length"] = str(200 * MIB)
        return status, headers, body()

    answer.sent = sent  # type: ignore[attr-defined]
    return answer


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("announce", [True, False], ids=["content-length", "streamed"])
def test_a_200_mb_body_fails_without_a_large_memory_rise(mode: str, announce: bool) -> None:
    answer = huge(announce)
    with ScriptedHttpServer(default=answer) as server:
        probe = subprocess.run(
            [sys.executable, "-c", _MEMORY_PROBE, server.url, mode],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert probe.returncode == 0, probe.stderr
    result = json.loads(probe.stdout)
    name, mro, message = result["error"]
    assert "FlyteException" in mro and name == "FlyteResourceExhaustedException", result
    assert "received message larger than max" in message and "max_response_bytes" in message
    assert result["rise_kb"] < 80 * 1024, result  # the cap is 20 MiB
    assert len(answer.sent) < 60  # the client stopped reading


def test_the_cap_is_configurable_and_not_retried() -> None:
    with ScriptedHttpServer(default=ok_proto(VERSION)) as server:
        size = len(VERSION.SerializeToString())
        with pytest.raises(fx.FlyteResourceExhaustedException, match=f"vs. {size - 1}"):
            call(
                "sync",
                server.url,
                "get_control_plane_version",
                client={"max_response_bytes": size - 1},
            )
        assert len(server.seen) == 1
        assert (
            call(
                "sync", server.url, "get_control_plane_version", client={"max_response_bytes": size}
            )
            == "v1"
        )
    with pytest.raises(ValueError, match="max_response_bytes must be positive"):
        SynchronousFlyteClient("http://localhost:8088", transport="rest", max_response_bytes=0)
    with pytest.raises(TypeError, match="max_response_bytes must be an int"):
        SynchronousFlyteClient("http://localhost:8088", transport="rest", max_response_bytes="1")
    with pytest.raises(ValueError, match="max_response_bytes applies to transport='rest'"):
        SynchronousFlyteClient("localhost:8089", insecure=True, max_response_bytes=10)


@pytest.mark.parametrize("mode", MODES)
def test_a_huge_error_page_is_read_only_up_to_a_bound_on_each_retry(mode: str) -> None:
    answer = huge(True, status=502, content_type="text/html")
    with ScriptedHttpServer(default=answer) as server:
        error, elapsed = timed(
            lambda: call(
                mode,
                server.url,
                "get_execution",
                EX_ID,
                client={"retry": RetryPolicy(max_retries=3, initial_backoff=0.01)},
            )
        )
    assert isinstance(error, fx.FlyteSystemUnavailableException), repr(error)
    assert "HTTP 502" in str(error) and len(server.seen) == 4  # retried, each read cut short
    assert len(answer.sent) < 4 * 20 and elapsed < 10


# -- malformed answers -------------------------------------------------------------------------
MALFORMED = {
    "login page": (200, {"Content-Type": "text/html"}, b"<html><form>Sign in</form></html>"),
    "binary garbage": (200, {"Content-Type": "application/octet-stream"}, b"\x00\x01garbage"),
    "json garbage": (200, {"Content-Type": "application/json"}, b"{not json"),
    "json null": (200, {"Content-Type": "application/json"}, b"null"),
    "json list": (200, {"Content-Type": "application/json"}, b"[1, 2]"),
    "deep nesting": (200, {"Content-Type": "application/json"}, b"[" * 50_000 + b"]" * 50_000),
    "empty json": (200, {"Content-Type": "application/json"}, b""),
    "empty, no type": (200, {}, b""),
    "204": (204, {}, b""),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_success_answer_is_a_flyte_exception(mode: str, case: str) -> None:
    status, headers, body = MALFORMED[case]
    with ScriptedHttpServer(default=(status, headers, body)) as server:
        with pytest.raises(fx.FlyteException) as info:
            call(
                mode,
                server.url,
                "create_execution",
                "p",
                "d",
                "e",
                execution_pb2.ExecutionSpec(),
                None,
            )
    text = str(info.value)
    assert text.startswith("CreateExecution INTERNAL: "), text
    assert f"HTTP {status}" in text and repr(headers.get("Content-Type", "none")) in text
    assert "not the ExecutionCreateResponse flyteadmin's gateway writes" in text
    assert len(server.seen) == 1  # the same answer would come again: not retried


@pytest.mark.parametrize("codec", ["protobuf", "json"])
def test_lower_camel_case_json_from_an_old_server_parses(codec: str) -> None:
    """flyteadmin <= 1.10 has no application/json marshaler: its default one answers
    with lowerCamelCase names, enums by name and every field printed (``null`` for unset
    messages)."""
    from flyteidl.core import execution_pb2 as core
    from google.protobuf import timestamp_pb2

    execution = execution_pb2.Execution(
        id=EX_ID,
        spec=execution_pb2.ExecutionSpec(
            launch_plan=identifier_pb2.Identifier(resource_type=3, project="p", name="lp"),
            metadata=execution_pb2.ExecutionMetadata(nesting=2, system_metadata=None),
        ),
        closure=execution_pb2.ExecutionClosure(
            phase=core.WorkflowExecution.SUCCEEDED,
            started_at=timestamp_pb2.Timestamp(seconds=1_700_000_000),
        ),
    )
    body = GATEWAY_DEFAULT_JSON.encode(execution)
    assert b'"launchPlan":{"resourceType":"LAUNCH_PLAN"' in body and b"null" in body
    with ScriptedHttpServer(default=(200, {"Content-Type": "application/json"}, body)) as server:
        got = call("sync", server.url, "get_execution", EX_ID, client={"rest_codec": codec})
    assert got == execution


# -- errors ------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", MODES)
def test_retry_after_delays_the_retry_within_the_deadline(mode: str) -> None:
    busy = (503, {"Content-Type": "text/plain", "Retry-After": "1"}, b"busy")
    with ScriptedHttpServer(default=ok_proto(VERSION)) as server:
        server.script(busy)
        assert call(mode, server.url, "get_control_plane_version", timeout=5) == "v1"
        assert 0.9 <= server.seen[1].at - server.seen[0].at < 2.0
    with ScriptedHttpServer(default=ok_proto(VERSION)) as server:
        server.script((503, {"Retry-After": "30"}, b"busy"))
        error, elapsed = timed(
            lambda: call(mode, server.url, "get_control_plane_version", timeout=2)
        )
        assert isinstance(error, fx.FlyteSystemUnavailableException) and elapsed < 1.0
        assert len(server.seen) == 1  # waiting 30 s does not fit in 2: fail now


@pytest.mark.parametrize("mode", MODES)
def test_a_non_gateway_400_is_not_retried(mode: str) -> None:
    with ScriptedHttpServer(
        default=plain(400, b"<html>Bad request (the ingress)</html>")
    ) as server:
        with pytest.raises(fx.FlyteException, match="HTTP 400"):
            call(mode, server.url, "get_execution", EX_ID, timeout=2)
    assert len(server.seen) == 1


@pytest.mark.parametrize("binary", [False, True], ids=["json", "protobuf"])
@pytest.mark.parametrize("size", [100_000, 5_000_000])
def test_a_long_gateway_message_is_truncated(binary: bool, size: int) -> None:
    status, headers, body = gateway_error(grpc.StatusCode.INVALID_ARGUMENT, "é" * size, binary)
    with ScriptedHttpServer(default=(status, headers, body)) as server:
        with pytest.raises(fx.FlyteInvalidInputException) as info:
            call("sync", server.url, "get_execution", EX_ID)
    message = info.value.message
    assert message.startswith("éééé") and "[truncated: " in message
    assert len(message.encode()) < 32_100
    assert len(server.seen) == 1


def test_a_redirect_names_where_it_points_and_is_never_followed() -> None:
    from tests.runtime.transport.test_rest_transport import StaleToken

    moved = (307, {"Location": "https://elsewhere.example/api/v1/version"}, b"")
    with ScriptedHttpServer(default=moved) as server:
        with pytest.raises(fx.FlyteException) as info:
            call(
                "sync",
                server.url,
                "get_control_plane_version",
                client={"authenticator": StaleToken(), "insecure": True},
            )
    assert "HTTP 307 redirect to 'https://elsewhere.example/api/v1/version'" in str(info.value)
    assert "not followed" in str(info.value) and len(server.seen) == 1


@pytest.mark.parametrize("binary", [False, True], ids=["json", "protobuf"])
def test_the_routing_404_is_unimplemented_and_an_entity_404_not_found(binary: bool) -> None:
    with ScriptedHttpServer(
        default=gateway_error(grpc.StatusCode.NOT_FOUND, "Not Found", binary)
    ) as server:
        with pytest.raises(fx.FlyteUnimplementedException) as info:
            call("sync", server.url, "get_execution", EX_ID)
    text = str(info.value)
    assert "AdminService.GetExecution" in text and "may predate this RPC" in text
    assert "GET /api/v1/executions/{id.project}/{id.domain}/{id.name}" in text
    missing = gateway_error(grpc.StatusCode.NOT_FOUND, "missing entity of type EXECUTION", binary)
    with ScriptedHttpServer(default=missing) as server:
        with pytest.raises(fx.FlyteEntityNotExistException, match="missing entity"):
            call("sync", server.url, "get_execution", EX_ID)
    not_allowed = gateway_error(grpc.StatusCode.UNIMPLEMENTED, "Method Not Allowed", binary)
    with ScriptedHttpServer(default=not_allowed) as server:
        with pytest.raises(fx.FlyteUnimplementedException, match="may predate this RPC"):
            call("sync", server.url, "get_execution", EX_ID)


def test_a_grpc_port_is_named_as_one() -> None:
    from flyteclient.testing import LocalAdmin

    with LocalAdmin() as admin:
        with pytest.raises(fx.FlyteSystemUnavailableException) as info:
            call("sync", f"http://{admin.endpoint}", "get_control_plane_version", timeout=5)
    assert "did not answer in HTTP/1.1" in str(info.value) and "8088" in str(info.value)
