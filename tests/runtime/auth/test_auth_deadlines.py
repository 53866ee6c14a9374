"""One deadline per call bounds authentication too: refreshes with a real, slow token
command, against a real loopback server that requires the token."""

from __future__ import annotations

import base64
import json
import sys
import time

import grpc
import pytest
from flyteidl.admin import version_pb2

from flyteclient import SynchronousFlyteClient, scoped_deadline
from flyteclient import exceptions as fx
from flyteclient.runtime.config import PlatformConfig
from tests.support.servers import Fail, RecordingServer

REQUEST = version_pb2.GetVersionRequest()


def token_command(tmp_path, token: str, delay: float, first_delay: float = None):
    """A program that records each run in ``runs`` and prints ``token`` after ``delay``
    seconds (``first_delay`` for its first run)."""
    runs = tmp_path / "runs"
    first = delay if first_delay is None else first_delay
    script = (
        "import sys, time, pathlib; p = pathlib.Path(sys.argv[1]); n = len(p.read_text()) if p.exists() else 0; "
        f"p.write_text('x' * (n + 1)); time.sleep({first!r} if n == 0 else {delay!r}); print({token!r})"
    )
    return [sys.executable, "-c", script, str(runs)], runs


def requires_token(server: RecordingServer, valid: str, delay: float = 0.0) -> None:
    def answer(request, metadata):
        if metadata.get("authorization") != f"Bearer {valid}":
            return Fail(grpc.StatusCode.UNAUTHENTICATED, "token required")
        time.sleep(delay)
        return version_pb2.GetVersionResponse(
            control_plane_version=version_pb2.Version(Version="ok")
        )

    server.set_default("GetVersion", answer)


def client_with(server, command):
    return SynchronousFlyteClient(
        PlatformConfig(endpoint=server.endpoint, insecure=True, command=command)
    )


def call_with_timeout(client):
    return client.raw.get_version(REQUEST, timeout=3)


def call_in_scope(client):
    with scoped_deadline(3):
        return client.raw.get_version(REQUEST)


@pytest.mark.parametrize(
    "call", [call_with_timeout, call_in_scope], ids=["timeout=3", "scoped_deadline(3)"]
)
def test_a_slow_token_command_does_not_outlive_the_deadline(server, tmp_path, call):
    command, runs = token_command(tmp_path, "tok", delay=4)
    requires_token(server, "tok")
    with client_with(server, command) as client:
        started = time.monotonic()
        with pytest.raises(fx.FlyteTimeout, match="credentials were not refreshed"):
            call(client)
        took = time.monotonic() - started
        print(f"{call.__name__} raised FlyteTimeout after {took:.2f}s")
        assert took < 3.5
        # The refresh went on: a later call waits for it, within its own deadline.
        assert client.raw.get_version(REQUEST, timeout=5).control_plane_version.Version == "ok"
    assert runs.read_text() == "x"


def test_the_retry_after_a_refresh_gets_the_time_left(server, tmp_path):
    command, _ = token_command(tmp_path, "tok", delay=1)
    requires_token(
        server, "tok", delay=2.5
    )  # fits the 3 s timeout, not the 2 s left after the refresh
    with client_with(server, command) as client:
        started = time.monotonic()
        with pytest.raises(fx.FlyteTimeout):
            client.raw.get_version(REQUEST, timeout=3)
        assert time.monotonic() - started < 3.5


def jwt(exp: float) -> str:
    payload = base64.urlsafe_b64encode(json.dumps({"exp": exp}).encode()).decode().rstrip("=")
    return f"h.{payload}.s"


def test_waiting_for_an_expired_tokens_refresh_is_bounded_too(server, tmp_path):
    expired = jwt(time.time() - 10)
    command, runs = token_command(tmp_path, expired, delay=5, first_delay=0)
    requires_token(server, expired)
    with client_with(server, command) as client:
        assert (
            client.raw.get_version(REQUEST, timeout=5).control_plane_version.Version == "ok"
        )  # first run: quick
        time.sleep(1.05)  # proactive refreshes are at most one per second
        started = time.monotonic()
        with pytest.raises(fx.FlyteException):
            client.raw.get_version(REQUEST, timeout=2)  # the expired token is refreshed, slowly
        assert time.monotonic() - started < 2.5
    assert runs.read_text() == "xx"
