"""The call pipeline handles unary-stream RPCs too (flyteidl's five services have none
today; a future one must get the same retry, auth and error handling)."""

from concurrent import futures

import grpc
import pytest
from flyteidl.admin import version_pb2

from flyteclient import SynchronousFlyteClient
from flyteclient import exceptions as fx
from flyteclient.runtime.interceptors.retry import RetryPolicy
from flyteclient.runtime.methods import MethodSpec

WATCH = MethodSpec(
    "test.Streamer",
    "Watch",
    version_pb2.GetVersionRequest,
    version_pb2.GetVersionResponse,
    "read",
    server_streaming=True,
)


class StreamServer:
    def __init__(self, script):
        self.script = list(script)  # per call: a list of versions, or a (code, after_n) failure
        self.calls = []
        self.server = grpc.server(futures.ThreadPoolExecutor(4))
        handler = grpc.unary_stream_rpc_method_handler(
            self.watch,
            version_pb2.GetVersionRequest.FromString,
            version_pb2.GetVersionResponse.SerializeToString,
        )
        self.server.add_generic_rpc_handlers(
            [grpc.method_handlers_generic_handler("test.Streamer", {"Watch": handler})]
        )
        self.endpoint = f"127.0.0.1:{self.server.add_insecure_port('127.0.0.1:0')}"

    def watch(self, request, context):
        self.calls.append(dict(context.invocation_metadata()))
        plan = self.script.pop(0) if self.script else ["done"]
        for item in plan:
            if isinstance(item, grpc.StatusCode):
                context.abort(item, f"stream failed with {item.name}")
            yield version_pb2.GetVersionResponse(
                control_plane_version=version_pb2.Version(Version=item)
            )

    def __enter__(self):
        self.server.start()
        return self

    def __exit__(self, *exc):
        self.server.stop(None)


def invoke(client):
    return [
        r.control_plane_version.Version
        for r in client._invoke(WATCH, version_pb2.GetVersionRequest(), None, None)
    ]


def test_stream_retried_when_it_fails_before_the_first_message():
    with StreamServer([[grpc.StatusCode.UNAVAILABLE], ["a", "b"]]) as server:
        with SynchronousFlyteClient(
            server.endpoint, insecure=True, retry=RetryPolicy(initial_backoff=0.01)
        ) as client:
            assert invoke(client) == ["a", "b"]
    assert len(server.calls) == 2


def test_stream_not_retried_after_a_message_was_delivered():
    with StreamServer([["a", grpc.StatusCode.UNAVAILABLE], ["a", "b"]]) as server:
        with SynchronousFlyteClient(
            server.endpoint, insecure=True, retry=RetryPolicy(initial_backoff=0.01)
        ) as client:
            got = []
            with pytest.raises(fx.FlyteSystemUnavailableException):
                for r in client._invoke(WATCH, version_pb2.GetVersionRequest(), None, None):
                    got.append(r.control_plane_version.Version)
    assert got == ["a"] and len(server.calls) == 1


class Auth:
    def __init__(self):
        self.token, self.refreshes = "old", 0

    def fetch_grpc_call_auth_metadata(self):
        return ("authorization", f"Bearer {self.token}")

    def refresh_credentials(self):
        self.refreshes += 1
        self.token = "new"


def test_stream_refreshes_credentials_once_on_unauthenticated():
    with StreamServer([[grpc.StatusCode.UNAUTHENTICATED], ["ok"]]) as server:
        auth = Auth()
        with SynchronousFlyteClient(server.endpoint, insecure=True, authenticator=auth) as client:
            assert invoke(client) == ["ok"]
    assert auth.refreshes == 1
    assert [c["authorization"] for c in server.calls] == ["Bearer old", "Bearer new"]
