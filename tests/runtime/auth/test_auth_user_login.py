"""Pkce and DeviceFlow end to end, and the keyring token cache."""

from __future__ import annotations

import logging
import sys
import time
import urllib.parse
import webbrowser

import pytest
from auth_test_servers import CLIENT_ID, HEADER_KEY, get_version

from flyteclient.runtime.auth import (
    AuthenticationError,
    Credentials,
    TokenRequestError,
    create_authenticator,
)
from flyteclient.runtime.auth.keyring_store import KeyringTokenCache
from flyteclient.runtime.config import PlatformConfig


def cfg_for(flyte, mode="Pkce", **kwargs) -> PlatformConfig:
    return PlatformConfig(endpoint=flyte.endpoint, insecure=True, auth_mode=mode, **kwargs)


def cached(store, flyte):
    return {user: value for (service, user), value in store.items() if service == flyte.endpoint}


# -- Pkce --------------------------------------------------------------------------------


def test_pkce_end_to_end(oauth, flyte, browser, memory_keyring):
    auth = create_authenticator(cfg_for(flyte), flyte.channel)
    assert get_version(flyte.channel, auth) == "v-test"

    (url,) = browser
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(url).query))
    assert url.startswith(f"{oauth.url}/authorize?")
    assert query["client_id"] == CLIENT_ID and query["redirect_uri"] == flyte.redirect_uri
    assert query["code_challenge_method"] == "S256" and len(query["state"]) >= 32
    assert query["scope"] == "offline all" and query["audience"] == "flyte-test"
    (exchange,) = oauth.state.grants("authorization_code")
    assert (
        43 <= len(exchange["form"]["code_verifier"]) <= 128
    )  # and the server checked it against the challenge

    key, value = auth.fetch_grpc_call_auth_metadata()
    assert key == HEADER_KEY
    creds = auth.get_credentials()
    assert cached(memory_keyring, flyte) == {
        "access_token": creds.access_token,
        "refresh_token": creds.refresh_token,
    }


def test_pkce_uses_cached_tokens_before_prompting(oauth, flyte, browser, memory_keyring):
    first = create_authenticator(cfg_for(flyte), flyte.channel)
    get_version(flyte.channel, first)
    assert len(browser) == 1
    # a new client (new process) for the same endpoint: no browser, the cached token is sent
    second = create_authenticator(cfg_for(flyte), flyte.channel)
    assert get_version(flyte.channel, second, retry=False) == "v-test"
    assert len(browser) == 1


def test_pkce_refreshes_with_refresh_token(oauth, flyte, browser, memory_keyring):
    auth = create_authenticator(cfg_for(flyte), flyte.channel)
    get_version(flyte.channel, auth)
    old = auth.get_credentials()
    oauth.state.revoke_all()
    assert get_version(flyte.channel, auth) == "v-test"
    assert len(browser) == 1  # no second login
    assert len(oauth.state.grants("refresh_token")) == 1
    new = auth.get_credentials()
    assert new.access_token != old.access_token
    assert cached(memory_keyring, flyte)["access_token"] == new.access_token
    assert cached(memory_keyring, flyte)["refresh_token"] == new.refresh_token


def test_pkce_proactive_refresh_uses_refresh_token(oauth, flyte, browser, memory_keyring):
    oauth.state.token_lifetime = 1
    auth = create_authenticator(cfg_for(flyte), flyte.channel)
    get_version(flyte.channel, auth)
    time.sleep(1.1)
    assert get_version(flyte.channel, auth, retry=False) == "v-test"
    assert len(oauth.state.grants("refresh_token")) == 1 and len(browser) == 1


def test_pkce_logs_in_again_when_refresh_fails(oauth, flyte, browser, memory_keyring):
    auth = create_authenticator(cfg_for(flyte), flyte.channel)
    get_version(flyte.channel, auth)
    oauth.state.revoke_all()
    oauth.state.refresh_fails = True
    assert get_version(flyte.channel, auth) == "v-test"
    assert len(browser) == 2


def test_failed_refresh_keeps_cached_credentials(
    oauth, flyte, browser, memory_keyring, monkeypatch
):
    auth = create_authenticator(cfg_for(flyte), flyte.channel)
    get_version(flyte.channel, auth)
    before = dict(memory_keyring)
    oauth.state.refresh_fails = True
    monkeypatch.setattr(
        webbrowser, "open", lambda url, *a, **k: False
    )  # no browser, nobody logs in
    auth.login_timeout = 0.3
    with pytest.raises(AuthenticationError, match="No login callback"):
        auth.refresh_credentials()
    assert memory_keyring == before
    assert auth.get_credentials().access_token == before[(flyte.endpoint, "access_token")]


def test_pkce_prints_url_when_no_browser(oauth, flyte, monkeypatch, capsys):
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: False)
    auth = create_authenticator(cfg_for(flyte), flyte.channel)
    auth.login_timeout = 0.3
    with pytest.raises(AuthenticationError):
        auth.refresh_credentials()
    assert f"{oauth.url}/authorize?" in capsys.readouterr().err


def test_pkce_rejects_state_mismatch(oauth, flyte, monkeypatch):
    import requests

    def forged(url, *args, **kwargs):
        requests.get(f"{flyte.redirect_uri}?code=attacker&state=forged", timeout=10)
        return True

    monkeypatch.setattr(webbrowser, "open", forged)
    auth = create_authenticator(cfg_for(flyte), flyte.channel)
    with pytest.raises(AuthenticationError, match="state does not match"):
        auth.refresh_credentials()
    assert oauth.state.grants("authorization_code") == []


def test_pkce_reports_authorization_error(oauth, flyte, monkeypatch):
    import requests

    def denied(url, *args, **kwargs):
        requests.get(f"{flyte.redirect_uri}?error=access_denied&error_description=nope", timeout=10)
        return True

    monkeypatch.setattr(webbrowser, "open", denied)
    auth = create_authenticator(cfg_for(flyte), flyte.channel)
    with pytest.raises(AuthenticationError, match="access_denied"):
        auth.refresh_credentials()


def test_pkce_tokens_not_logged(oauth, flyte, browser, memory_keyring, caplog):
    caplog.set_level(logging.DEBUG)
    auth = create_authenticator(cfg_for(flyte), flyte.channel)
    get_version(flyte.channel, auth)
    creds = auth.get_credentials()
    code = oauth.state.grants("authorization_code")[0]["form"]["code"]
    # (the stand-in browser's own GET requests, logged by urllib3, carry the code: skip those)
    logged = "\n".join(
        r.getMessage()
        for r in caplog.records
        if not (r.name.startswith("urllib3") and '"GET ' in r.getMessage())
    )
    for text in (logged, repr(creds), repr(auth)):
        assert (
            creds.access_token not in text and creds.refresh_token not in text and code not in text
        )


# -- keyring absent / failing ------------------------------------------------------------


def test_pkce_without_keyring_module(oauth, flyte, browser, monkeypatch):
    monkeypatch.setitem(sys.modules, "keyring", None)
    auth = create_authenticator(cfg_for(flyte), flyte.channel)
    assert get_version(flyte.channel, auth) == "v-test"


def test_pkce_with_failing_keyring(oauth, flyte, browser, failing_keyring, caplog):
    caplog.set_level(logging.DEBUG)
    auth = create_authenticator(cfg_for(flyte), flyte.channel)
    assert get_version(flyte.channel, auth) == "v-test"
    oauth.state.revoke_all()
    assert get_version(flyte.channel, auth) == "v-test"  # refresh with a failing keyring
    assert failing_keyring.calls > 0
    assert "KeyringLocked" in caplog.text or "PasswordSetError" in caplog.text
    assert auth.get_credentials().access_token not in caplog.text


def test_keyring_cache_never_raises(failing_keyring):
    cache = KeyringTokenCache("endpoint:1")
    assert cache.load() is None
    cache.save(Credentials("a", "r"))
    cache.clear()


def test_keyring_cache_round_trip(memory_keyring):
    cache = KeyringTokenCache("endpoint:1")
    cache.save(Credentials("access", "refresh", id_token="id"))
    assert memory_keyring == {
        ("endpoint:1", "access_token"): "access",
        ("endpoint:1", "refresh_token"): "refresh",
        ("endpoint:1", "id_token"): "id",
    }
    loaded = cache.load()
    assert (loaded.access_token, loaded.refresh_token, loaded.id_token) == (
        "access",
        "refresh",
        "id",
    )
    cache.save(Credentials("access2"))  # a response without a refresh token keeps the old one
    assert cache.load().refresh_token == "refresh"
    cache.clear()
    assert memory_keyring == {}


def test_cached_jwt_expiry_is_known(memory_keyring):
    import base64
    import json

    payload = base64.urlsafe_b64encode(json.dumps({"exp": 1000}).encode()).decode().rstrip("=")
    cache = KeyringTokenCache("endpoint:1")
    cache.save(Credentials(f"h.{payload}.s"))
    creds = cache.load()
    assert creds.expires_at == 1000 and creds.needs_refresh()


# -- DeviceFlow --------------------------------------------------------------------------


@pytest.fixture
def fast_polling(monkeypatch):
    from flyteclient.runtime.auth.device_flow import DeviceFlowAuthenticator

    sleeps = []
    monkeypatch.setattr(DeviceFlowAuthenticator, "slow_down_increment", 0.05)
    monkeypatch.setattr(
        DeviceFlowAuthenticator, "_sleep", staticmethod(lambda s: (sleeps.append(s), time.sleep(s)))
    )
    return sleeps


def test_device_flow_end_to_end(oauth, flyte, memory_keyring, fast_polling, capsys):
    auth = create_authenticator(cfg_for(flyte, "DeviceFlow"), flyte.channel)
    assert get_version(flyte.channel, auth) == "v-test"
    err = capsys.readouterr().err
    assert f"{oauth.url}/device" in err and "WDJB-MJHT" in err
    polls = oauth.state.grants("urn:ietf:params:oauth:grant-type:device_code")
    assert len(polls) == 4  # slow_down, pending, pending, success
    assert fast_polling == [pytest.approx(0.05)] * 3  # interval 0, +0.05 after slow_down
    (device_request,) = [r for r in oauth.state.requests if r["path"] == "/device/code"]
    assert device_request["form"] == {
        "client_id": CLIENT_ID,
        "scope": "offline all",
        "audience": "flyte-test",
    }
    assert cached(memory_keyring, flyte)["access_token"] == auth.get_credentials().access_token


def test_device_flow_uses_cache_and_refresh_token(oauth, flyte, memory_keyring, fast_polling):
    get_version(flyte.channel, create_authenticator(cfg_for(flyte, "DeviceFlow"), flyte.channel))
    auth = create_authenticator(cfg_for(flyte, "DeviceFlow"), flyte.channel)
    oauth.state.revoke_all()
    assert get_version(flyte.channel, auth) == "v-test"
    assert len([r for r in oauth.state.requests if r["path"] == "/device/code"]) == 1
    assert len(oauth.state.grants("refresh_token")) == 1


def test_device_flow_denied(oauth, flyte, fast_polling, monkeypatch):
    auth = create_authenticator(cfg_for(flyte, "DeviceFlow"), flyte.channel)
    real_post = auth._http.post_form

    def deny_all(url, data, **kwargs):
        for device in oauth.state.devices.values():
            device.denied = True
        return real_post(url, data, **kwargs)

    monkeypatch.setattr(auth._http, "post_form", deny_all)
    with pytest.raises(TokenRequestError, match="access_denied"):
        auth.refresh_credentials()


def test_device_flow_code_expires(oauth, flyte, fast_polling):
    from flyteclient.runtime.auth.device_flow import DeviceFlowAuthenticator

    oauth.state.device_expires_in = 1
    oauth.state.device_interval = 1
    auth = create_authenticator(cfg_for(flyte, "DeviceFlow"), flyte.channel)
    assert isinstance(auth, DeviceFlowAuthenticator)
    started = time.monotonic()
    with pytest.raises(AuthenticationError, match="expired"):
        auth.refresh_credentials()
    assert time.monotonic() - started < 5


def test_cached_token_for_a_server_without_auth_service(flyte_without_auth_service, memory_keyring):
    flyte = flyte_without_auth_service
    KeyringTokenCache(flyte.endpoint).save(Credentials("cached"))
    auth = create_authenticator(PlatformConfig(endpoint=flyte.endpoint), flyte.channel)
    assert auth.fetch_grpc_call_auth_metadata() == ("authorization", "Bearer cached")
