"""Channel creation: TLS by default, flytekit's options first, the caller's after."""

import pytest

from flyteclient import RawSynchronousFlyteClient
from flyteclient.exceptions import FlyteResourceExhaustedException, FlyteSystemUnavailableException
from flyteclient.runtime.interceptors.retry import RetryPolicy
from flyteclient.runtime.transport.channel import (
    DEFAULT_OPTIONS,
    MAX_METADATA_SIZE,
    channel_options,
    user_agent,
)


def test_flytekit_options_in_order_then_callers():
    assert channel_options([("grpc.enable_retries", 0)]) == [
        ("grpc.max_metadata_size", MAX_METADATA_SIZE),  # flytekit: 32768, too small for long errors
        ("grpc.max_receive_message_length", 20971520),
        ("grpc.keepalive_time_ms", 30000),
        ("grpc.keepalive_timeout_ms", 10000),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.max_pings_without_data", 0),
        ("grpc.use_local_subchannel_pool", 1),
        ("grpc.initial_reconnect_backoff_ms", 100),
        ("grpc.max_reconnect_backoff_ms", 2000),
        ("grpc.min_reconnect_backoff_ms", 5000),
        ("grpc.enable_retries", 0),
        ("grpc.primary_user_agent", user_agent()),
    ]
    assert channel_options({"a.b": 1})[-2] == ("a.b", 1)
    overridden = channel_options([("grpc.keepalive_time_ms", 5)])
    assert overridden[-2] == ("grpc.keepalive_time_ms", 5)
    assert [k for k, _ in overridden].count("grpc.keepalive_time_ms") == 1
    assert list(DEFAULT_OPTIONS) == channel_options()[: len(DEFAULT_OPTIONS)]


def test_bad_options_are_rejected():
    with pytest.raises(TypeError, match="options"):
        channel_options(["grpc.x"])


def test_tls_is_the_default_and_fails_against_a_plaintext_server(server):
    with RawSynchronousFlyteClient(server.endpoint, retry=RetryPolicy(max_retries=0)) as raw:
        with pytest.raises(FlyteSystemUnavailableException):
            raw.get_domains(timeout=5)
    assert server.received == []


def test_callers_options_reach_the_channel(server):
    from flyteidl.admin import project_pb2

    big = project_pb2.Projects(projects=[project_pb2.Project(id="p", description="x" * 2000)])
    server.script("ListProjects", big, big)
    with RawSynchronousFlyteClient(server.endpoint, insecure=True) as raw:
        assert raw.list_projects() == big
    opts = {"options": [("grpc.max_receive_message_length", 1000)]}
    with RawSynchronousFlyteClient(
        server.endpoint, insecure=True, retry=RetryPolicy(max_retries=0), **opts
    ) as raw:
        with pytest.raises(FlyteResourceExhaustedException):
            raw.list_projects()
