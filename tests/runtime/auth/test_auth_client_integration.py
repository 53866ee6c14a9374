"""The authenticators inside flyteclient's own client (its interceptor calls the factory)."""

from __future__ import annotations

import sys

import pytest
from auth_test_servers import SERVICE_CLIENT_ID, SERVICE_CLIENT_SECRET

from flyteclient import SynchronousFlyteClient
from flyteclient.runtime.config import PlatformConfig


def test_client_secret_through_the_client(oauth, flyte):
    cfg = PlatformConfig(
        endpoint=flyte.endpoint,
        insecure=True,
        client_id=SERVICE_CLIENT_ID,
        client_credentials_secret=SERVICE_CLIENT_SECRET,
    )
    with SynchronousFlyteClient(cfg) as client:
        assert client.get_control_plane_version() == "v-test"
        oauth.state.revoke_all()
        assert client.get_control_plane_version() == "v-test"  # refreshed on UNAUTHENTICATED
    assert len(oauth.state.grants("client_credentials")) == 2


def test_external_command_through_the_client(flyte):
    flyte.check.extra_tokens.add("tok-from-command")
    cfg = PlatformConfig(
        endpoint=flyte.endpoint,
        insecure=True,
        command=[sys.executable, "-c", "print('tok-from-command')"],
    )
    with SynchronousFlyteClient(cfg) as client:
        assert client.get_control_plane_version() == "v-test"
    assert flyte.check.seen[-1]["flyte-authorization"] == "Bearer tok-from-command"


def test_plain_insecure_default_sends_no_token(flyte):
    with SynchronousFlyteClient(PlatformConfig(endpoint=flyte.endpoint, insecure=True)) as client:
        with pytest.raises(Exception, match="UNAUTHENTICATED"):
            client.get_control_plane_version()
    assert all(
        "flyte-authorization" not in m and "authorization" not in m for m in flyte.check.seen
    )
