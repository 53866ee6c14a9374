"""ExternalCommand, ClientSecret and proxy_command end to end, against real loopback servers."""

from __future__ import annotations

import logging
import sys
import threading
import time

import grpc
import pytest
from auth_test_servers import HEADER_KEY, SERVICE_CLIENT_ID, SERVICE_CLIENT_SECRET, get_version

from flyteclient.runtime.auth import (
    AuthenticationError,
    TokenRequestError,
    create_authenticator,
    create_proxy_authenticator,
)
from flyteclient.runtime.config import PlatformConfig

TOKEN = "command-token-4f1c"


def print_command(text: str, exit_code: int = 0):
    return [sys.executable, "-c", f"import sys; print({text!r}); sys.exit({exit_code})"]


def client_secret_cfg(flyte, **kwargs) -> PlatformConfig:
    return PlatformConfig(
        endpoint=flyte.endpoint,
        insecure=True,
        client_id=SERVICE_CLIENT_ID,
        client_credentials_secret=SERVICE_CLIENT_SECRET,
        auth_mode="ClientSecret",
        **kwargs,
    )


# -- ExternalCommand ---------------------------------------------------------------------


def test_external_command_end_to_end(flyte):
    flyte.check.extra_tokens.add(TOKEN)
    cfg = PlatformConfig(
        endpoint=flyte.endpoint,
        insecure=True,
        command=print_command(f"  {TOKEN}  "),
        auth_mode="ExternalCommand",
    )
    auth = create_authenticator(cfg, flyte.channel)
    assert auth.fetch_grpc_call_auth_metadata() is None  # nothing run yet
    assert get_version(flyte.channel, auth) == "v-test"
    assert auth.fetch_grpc_call_auth_metadata() == (HEADER_KEY, f"Bearer {TOKEN}")  # key discovered


def test_external_command_as_a_string(flyte):
    cfg = PlatformConfig(
        endpoint=flyte.endpoint,
        command=f"{sys.executable} -c \"print('a b')\"",
        auth_mode="external_process",
    )
    auth = create_authenticator(cfg, flyte.channel)
    auth.refresh_credentials()
    assert auth.fetch_grpc_call_auth_metadata() == (HEADER_KEY, "Bearer a b")


def test_external_command_without_auth_service_uses_default_key(flyte_without_auth_service):
    flyte = flyte_without_auth_service
    cfg = PlatformConfig(endpoint=flyte.endpoint, command=print_command(TOKEN))
    auth = create_authenticator(cfg, flyte.channel)
    auth.refresh_credentials()
    assert auth.fetch_grpc_call_auth_metadata() == ("authorization", f"Bearer {TOKEN}")


def test_external_command_failure_is_clear_and_hides_the_token(flyte, caplog):
    caplog.set_level(logging.DEBUG)
    cfg = PlatformConfig(endpoint=flyte.endpoint, command=print_command(TOKEN, exit_code=3))
    auth = create_authenticator(cfg, flyte.channel)
    with pytest.raises(AuthenticationError) as info:
        auth.refresh_credentials()
    assert "exited with status 3" in str(info.value)
    assert TOKEN not in str(info.value) and TOKEN not in caplog.text
    assert auth.fetch_grpc_call_auth_metadata() is None


def test_external_command_not_found():
    auth = create_authenticator(PlatformConfig(command=["/no/such/program-xyz"]), None)
    with pytest.raises(AuthenticationError, match="not found"):
        auth.refresh_credentials()


def test_external_command_mode_without_command_is_an_error(flyte):
    with pytest.raises(ValueError, match="needs a command"):
        create_authenticator(PlatformConfig(auth_mode="ExternalCommand"), flyte.channel)


# -- ClientSecret ------------------------------------------------------------------------


def test_client_secret_end_to_end(oauth, flyte):
    auth = create_authenticator(
        client_secret_cfg(flyte, scopes=["all"], audience="aud-1"), flyte.channel
    )
    assert get_version(flyte.channel, auth) == "v-test"
    (request,) = oauth.state.grants("client_credentials")
    assert request["form"]["scope"] == "all"
    assert request["form"]["audience"] == "aud-1"
    key, value = auth.fetch_grpc_call_auth_metadata()
    assert key == HEADER_KEY and value.startswith("Bearer at-")


def test_client_secret_uses_server_scopes_and_audience_by_default(oauth, flyte):
    auth = create_authenticator(client_secret_cfg(flyte), flyte.channel)
    auth.refresh_credentials()
    (request,) = oauth.state.grants("client_credentials")
    assert request["form"]["scope"] == "offline all"
    assert request["form"]["audience"] == "flyte-test"


def test_client_secret_wrong_secret(oauth, flyte, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = "wrong-secret-98765"
    cfg = PlatformConfig(
        endpoint=flyte.endpoint, client_id=SERVICE_CLIENT_ID, client_credentials_secret=wrong
    )
    auth = create_authenticator(cfg, flyte.channel)
    with pytest.raises(TokenRequestError) as info:
        auth.refresh_credentials()
    assert info.value.error == "invalid_client" and info.value.status == 401
    assert "HTTP 401" in str(info.value)
    for text in (str(info.value), caplog.text, repr(auth)):
        assert wrong not in text


def test_client_secret_needs_id_and_secret(flyte):
    with pytest.raises(ValueError, match="client_id and client_credentials_secret"):
        create_authenticator(
            PlatformConfig(endpoint=flyte.endpoint, auth_mode="basic"), flyte.channel
        )


def test_construction_does_no_network_io():
    # Nothing listens on this channel's port: constructing must still succeed.
    channel = grpc.insecure_channel("127.0.0.1:9")
    for mode in ("Pkce", "DeviceFlow", "ClientSecret"):
        cfg = PlatformConfig(
            endpoint="127.0.0.1:9", auth_mode=mode, client_id="c", client_credentials_secret="s"
        )
        assert create_authenticator(cfg, channel) is not None


def test_discovery_failure_is_clear():
    channel = grpc.insecure_channel("127.0.0.1:9")
    auth = create_authenticator(
        PlatformConfig(endpoint="127.0.0.1:9", client_id="c", client_credentials_secret="s"),
        channel,
    )
    auth._store._timeout = 2
    with pytest.raises(
        AuthenticationError, match="Could not discover the auth settings .*127.0.0.1:9"
    ):
        auth.refresh_credentials()


def test_oauth_mode_without_auth_service_is_clear(flyte_without_auth_service):
    flyte = flyte_without_auth_service
    auth = create_authenticator(client_secret_cfg(flyte), flyte.channel)
    with pytest.raises(AuthenticationError, match="does not serve AuthMetadataService"):
        auth.refresh_credentials()


def test_proactive_refresh_before_expiry(oauth, flyte):
    oauth.state.token_lifetime = 1
    auth = create_authenticator(client_secret_cfg(flyte), flyte.channel)
    assert get_version(flyte.channel, auth) == "v-test"
    first = auth.fetch_grpc_call_auth_metadata()
    time.sleep(1.1)
    # the token has expired: the next call refreshes it first, without a rejected call
    rejected_before = len(oauth.state.grants("client_credentials"))
    assert get_version(flyte.channel, auth, retry=False) == "v-test"
    assert auth.fetch_grpc_call_auth_metadata() != first
    assert len(oauth.state.grants("client_credentials")) == rejected_before + 1


def test_refresh_on_rejection(oauth, flyte):
    auth = create_authenticator(client_secret_cfg(flyte), flyte.channel)
    assert get_version(flyte.channel, auth) == "v-test"
    oauth.state.revoke_all()  # the server no longer accepts the token it issued
    assert get_version(flyte.channel, auth) == "v-test"
    assert len(oauth.state.grants("client_credentials")) == 2


def test_concurrent_refreshes_are_single_flight(oauth, flyte):
    oauth.state.token_delay = 0.3
    auth = create_authenticator(client_secret_cfg(flyte), flyte.channel)
    barrier = threading.Barrier(8)
    errors = []

    def worker():
        barrier.wait()
        try:
            auth.refresh_credentials()
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(oauth.state.grants("client_credentials")) == 1
    assert auth.fetch_grpc_call_auth_metadata() is not None


def test_secrets_and_tokens_not_logged(oauth, flyte, caplog):
    caplog.set_level(logging.DEBUG)
    auth = create_authenticator(client_secret_cfg(flyte), flyte.channel)
    get_version(flyte.channel, auth)
    token = auth.get_credentials().access_token
    for text in (caplog.text, repr(auth), repr(auth.get_credentials())):
        assert SERVICE_CLIENT_SECRET not in text and token not in text


# -- proxy_command (end to end: test_auth_proxy.py) ------------------------------------


def test_proxy_authenticator(flyte):
    assert create_proxy_authenticator(PlatformConfig()) is None
    proxy = create_proxy_authenticator(PlatformConfig(proxy_command=print_command("proxy-tok")))
    proxy.refresh_credentials()
    assert proxy.fetch_grpc_call_auth_metadata() == ("proxy-authorization", "Bearer proxy-tok")


# -- factory rules -----------------------------------------------------------------------


def test_no_authenticator_for_plain_insecure_default(flyte):
    assert (
        create_authenticator(PlatformConfig(endpoint=flyte.endpoint, insecure=True), flyte.channel)
        is None
    )


def test_authenticator_for_insecure_when_asked(flyte):
    def kind(**kwargs):
        auth = create_authenticator(
            PlatformConfig(endpoint=flyte.endpoint, insecure=True, **kwargs), flyte.channel
        )
        return type(auth).__name__

    assert kind(auth_mode="Pkce") == "PkceAuthenticator"
    assert kind(command=["x"]) == "CommandAuthenticator"
    assert kind(client_id="c", client_credentials_secret="s") == "ClientSecretAuthenticator"
    assert kind(auth_mode="DeviceFlow") == "DeviceFlowAuthenticator"


def test_authenticator_for_tls_default_is_pkce(flyte):
    auth = create_authenticator(PlatformConfig(endpoint=flyte.endpoint), flyte.channel)
    assert type(auth).__name__ == "PkceAuthenticator"


def test_missing_requests_is_explained(flyte, monkeypatch):
    monkeypatch.setitem(sys.modules, "requests", None)
    with pytest.raises(ImportError, match=r"pip install 'flyteclient\[auth\]'"):
        create_authenticator(client_secret_cfg(flyte), flyte.channel)
    # ExternalCommand does not need requests
    assert create_authenticator(PlatformConfig(command=["x"]), flyte.channel) is not None


def test_importing_the_runtime_does_not_import_requests_or_keyring():
    import subprocess

    code = (
        "import sys, flyteclient.runtime.auth, flyteclient.runtime.config, flyteclient.runtime.tls; "
        "print([m for m in ('requests', 'keyring', 'yaml') if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_expired_command_tokens_are_not_refetched_on_every_call(tmp_path):
    import base64
    import json

    payload = base64.urlsafe_b64encode(json.dumps({"exp": 1}).encode()).decode().rstrip("=")
    counter = tmp_path / "runs"
    script = f"open({str(counter)!r}, 'a').write('x'); print('h.{payload}.s')"
    auth = create_authenticator(PlatformConfig(command=[sys.executable, "-c", script]), None)
    auth.refresh_credentials()
    for _ in range(5):
        assert auth.fetch_grpc_call_auth_metadata() == ("authorization", f"Bearer h.{payload}.s")
    assert counter.read_text() == "x"  # at most one proactive refresh per second
    time.sleep(1.05)
    auth.fetch_grpc_call_auth_metadata()
    assert counter.read_text() == "xx"
