"""Retries, exception mapping, auth refresh and deadlines against real loopback servers
that fail on purpose."""

import logging
import threading
import time

import grpc
import pytest
from flyteidl.admin import event_pb2, execution_pb2, version_pb2
from flyteidl.core import identifier_pb2

from flyteclient import SynchronousFlyteClient, scoped_deadline
from flyteclient import exceptions as fx
from flyteclient.runtime.interceptors.retry import RetryPolicy
from tests.support.servers import Fail, RecordingServer
from tests.support.threads import run_concurrently

EX_ID = identifier_pb2.WorkflowExecutionIdentifier(project="p", domain="d", name="e")


class Recorder:
    def __init__(self):
        self.delays = []

    def __call__(self, seconds):
        self.delays.append(seconds)


def make_client(server, sleep=None, **kwargs):
    kwargs.setdefault("retry", RetryPolicy(initial_backoff=0.01, rng=lambda: 1.0))
    client = SynchronousFlyteClient(server.endpoint, insecure=True, **kwargs)
    if sleep is not None:
        client._retry._sleep = sleep
    return client


def test_unavailable_twice_then_ok(server):
    server.script(
        "GetExecution",
        Fail(grpc.StatusCode.UNAVAILABLE),
        Fail(grpc.StatusCode.UNAVAILABLE),
        execution_pb2.Execution(id=EX_ID),
    )
    sleeps = Recorder()
    with make_client(server, sleep=sleeps) as client:
        assert client.get_execution(EX_ID).id == EX_ID
    assert len(server.requests("GetExecution")) == 3
    assert len(sleeps.delays) == 2 and sleeps.delays[1] > sleeps.delays[0]


def test_backoff_has_full_jitter_and_a_cap():
    policy = RetryPolicy(initial_backoff=1, max_backoff=3, rng=lambda: 0.5)
    assert [policy.delay(n) for n in range(4)] == [0.5, 1.0, 1.5, 1.5]


NON_RETRYABLE = [
    (grpc.StatusCode.NOT_FOUND, fx.FlyteEntityNotExistException),
    (grpc.StatusCode.ALREADY_EXISTS, fx.FlyteEntityAlreadyExistsException),
    (grpc.StatusCode.INVALID_ARGUMENT, fx.FlyteInvalidInputException),
    (grpc.StatusCode.PERMISSION_DENIED, fx.FlytePermissionDeniedException),
    (grpc.StatusCode.UNAUTHENTICATED, fx.FlyteAuthenticationException),
    (grpc.StatusCode.FAILED_PRECONDITION, fx.FlyteFailedPreconditionException),
    (grpc.StatusCode.UNIMPLEMENTED, fx.FlyteUnimplementedException),
    (grpc.StatusCode.CANCELLED, fx.FlyteCancelledException),
    (grpc.StatusCode.DEADLINE_EXCEEDED, fx.FlyteTimeout),
    (grpc.StatusCode.DATA_LOSS, fx.FlyteSystemException),
]


@pytest.mark.parametrize(
    "code, exc", NON_RETRYABLE, ids=lambda v: getattr(v, "name", getattr(v, "__name__", ""))
)
def test_non_retryable_codes_are_sent_once_and_mapped(server, code, exc):
    server.script("GetExecution", Fail(code, f"server says {code.name}"))
    with make_client(server) as client:
        with pytest.raises(exc) as info:
            client.get_execution(EX_ID)
    assert len(server.requests("GetExecution")) == 1
    error = info.value
    assert (
        f"server says {code.name}" in str(error)
        and error.code == code
        and error.rpc == "GetExecution"
    )
    assert isinstance(error.__cause__, grpc.RpcError)


def test_error_details_are_decoded(server):
    reason = event_pb2.EventFailureReason(
        already_in_terminal_state=event_pb2.EventErrorAlreadyInTerminalState(
            current_phase="SUCCEEDED"
        )
    )
    server.script(
        "TerminateExecution",
        Fail(
            grpc.StatusCode.FAILED_PRECONDITION,
            "Cannot abort an already terminated workflow execution",
            [reason],
        ),
    )
    with make_client(server) as client:
        with pytest.raises(fx.FlyteFailedPreconditionException) as info:
            client.terminate_execution(EX_ID, "stop")
    assert info.value.details == (reason,)
    assert (
        info.value.detail(event_pb2.EventFailureReason).already_in_terminal_state.current_phase
        == "SUCCEEDED"
    )


def test_retry_budget_exhausted_raises_the_mapped_error(server):
    server.set_default("GetExecution", Fail(grpc.StatusCode.UNAVAILABLE, "down"))
    with make_client(
        server, sleep=Recorder(), retry=RetryPolicy(max_retries=4, initial_backoff=0.01)
    ) as client:
        with pytest.raises(fx.FlyteSystemUnavailableException, match="down"):
            client.get_execution(EX_ID)
    assert len(server.requests("GetExecution")) == 5


def test_max_retries_zero_disables_retries(server):
    server.set_default("GetExecution", Fail(grpc.StatusCode.UNAVAILABLE))
    with make_client(server, retry=RetryPolicy(max_retries=0)) as client:
        with pytest.raises(fx.FlyteSystemUnavailableException):
            client.get_execution(EX_ID)
    assert len(server.requests("GetExecution")) == 1


def test_internal_is_retried_for_reads_only(server):
    server.script("GetExecution", Fail(grpc.StatusCode.INTERNAL), execution_pb2.Execution())
    server.script("UpdateExecution", Fail(grpc.StatusCode.INTERNAL))
    with make_client(server, sleep=Recorder()) as client:
        client.get_execution(EX_ID)
        with pytest.raises(fx.FlyteSystemException):
            client.update_execution(id=EX_ID)
    assert len(server.requests("GetExecution")) == 2
    assert len(server.requests("UpdateExecution")) == 1


@pytest.mark.parametrize(
    "rpc, call",
    [
        (
            "CreateExecution",
            lambda c: c.create_execution("p", "d", "e", execution_pb2.ExecutionSpec(), None),
        ),
        ("RelaunchExecution", lambda c: c.relaunch_execution(EX_ID)),
        ("CreateTaskEvent", lambda c: c.create_task_event(request_id="r")),
    ],
)
def test_non_idempotent_rpcs_are_never_sent_twice(server, rpc, call):
    server.script(
        rpc,
        Fail(grpc.StatusCode.UNAVAILABLE, "connection reset"),
        Fail(grpc.StatusCode.RESOURCE_EXHAUSTED),
    )
    with make_client(server, sleep=Recorder()) as client:
        with pytest.raises(fx.FlyteSystemUnavailableException):
            call(client)
    assert len(server.requests(rpc)) == 1


def test_non_idempotent_rpc_is_retried_when_it_never_connected():
    # Nothing listens yet: the request cannot have reached a server. The server starts
    # during the first back-off; the call is retried (never connected) until the channel
    # reaches it, and the execution is created exactly once.
    probe = RecordingServer()
    endpoint = probe.endpoint
    sleeps = []
    fast_reconnect = [
        ("grpc.initial_reconnect_backoff_ms", 50),
        # the minimum time a connection attempt gets: generous, for a loaded machine
        ("grpc.min_reconnect_backoff_ms", 2000),
        ("grpc.max_reconnect_backoff_ms", 100),
    ]
    client = SynchronousFlyteClient(
        endpoint,
        insecure=True,
        retry=RetryPolicy(max_retries=50, initial_backoff=0.05, max_backoff=0.1),
        options=fast_reconnect,
    )

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 1:
            probe.__enter__()
        time.sleep(seconds)

    client._retry._sleep = sleep
    try:
        ex = client.create_execution("p", "d", "e", execution_pb2.ExecutionSpec(), None)
        assert ex == identifier_pb2.WorkflowExecutionIdentifier()
        assert len(probe.requests("CreateExecution")) == 1 and len(sleeps) >= 1
    finally:
        client.close()
        probe.__exit__()


class StaleTokenAuthenticator:
    """flytekit's authenticator interface; its token is valid once refreshed."""

    def __init__(self, server_tokens):
        self.token = "tok-0-secret"
        self.refreshes = 0
        self.server_tokens = server_tokens
        self.lock = threading.Lock()

    def fetch_grpc_call_auth_metadata(self):
        return ("authorization", f"Bearer {self.token}")

    def refresh_credentials(self):
        with self.lock:
            self.refreshes += 1
            time.sleep(0.05)  # a slow token endpoint widens the race
            self.token = f"tok-{self.refreshes}-secret"
            self.server_tokens.add(self.token)


def auth_server(valid):
    def answer(request, metadata):
        if metadata.get("authorization", "").removeprefix("Bearer ") not in valid:
            return Fail(grpc.StatusCode.UNAUTHENTICATED, "token expired")
        return version_pb2.GetVersionResponse(
            control_plane_version=version_pb2.Version(Version="ok")
        )

    return answer


def test_32_threads_with_an_expired_token_refresh_once():
    valid = set()
    with RecordingServer(max_workers=64) as server:
        server.set_default("GetVersion", auth_server(valid))
        auth = StaleTokenAuthenticator(valid)
        with make_client(server, authenticator=auth) as client:
            results = []
            errors = run_concurrently(
                lambda: results.append(client.get_control_plane_version()), 32
            )
    assert errors == [] and results == ["ok"] * 32
    assert auth.refreshes == 1


def test_unauthenticated_after_refresh_is_raised_not_looped(server):
    server.set_default("GetVersion", Fail(grpc.StatusCode.UNAUTHENTICATED, "nope"))
    auth = StaleTokenAuthenticator(set())
    with make_client(server, authenticator=auth) as client:
        with pytest.raises(fx.FlyteAuthenticationException, match="nope"):
            client.get_control_plane_version()
    assert auth.refreshes == 1 and len(server.requests("GetVersion")) == 2


def test_scoped_deadline_caps_a_slow_call_and_is_not_retried():
    with RecordingServer(delay=1.0) as server:
        with make_client(server) as client:
            started = time.monotonic()
            with pytest.raises(fx.FlyteTimeout):
                with scoped_deadline(0.2):
                    client.get_execution(EX_ID)
            assert time.monotonic() - started < 0.9
            assert len(server.requests("GetExecution")) == 1


def test_per_call_and_default_timeouts(server):
    with RecordingServer(delay=0.5) as slow:
        with make_client(slow, timeout=0.1) as client:
            with pytest.raises(fx.FlyteTimeout):
                client.get_execution(EX_ID)
            assert (
                client.raw.get_execution(
                    execution_pb2.WorkflowExecutionGetRequest(id=EX_ID), timeout=2
                )
                is not None
            )


def test_debug_logs_never_show_the_token(server, caplog):
    server.script(
        "GetVersion", Fail(grpc.StatusCode.UNAVAILABLE), Fail(grpc.StatusCode.UNAUTHENTICATED)
    )
    valid = set()
    server.set_default("GetVersion", auth_server(valid))
    auth = StaleTokenAuthenticator(valid)
    with caplog.at_level(logging.DEBUG, logger="flyteclient"):
        with make_client(server, authenticator=auth, sleep=Recorder()) as client:
            assert client.get_control_plane_version() == "ok"
    text = caplog.text
    assert "GetVersion attempt 1 failed with UNAVAILABLE" in text
    assert "secret" not in text and "Bearer" not in text
    assert "Bearer" not in repr(client)
