"""Fixtures for the auth tests: real loopback OAuth2 and gRPC servers (see auth_test_servers),
keyring backends defined here, and a stand-in browser."""

from __future__ import annotations

import threading
from typing import Any, Dict, List

import pytest
from auth_test_servers import OAuthServer, start_flyte


@pytest.fixture
def oauth():
    server = OAuthServer()
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def flyte(oauth):
    server, info = start_flyte(oauth)
    yield info
    info.channel.close()
    server.stop(None)


@pytest.fixture
def flyte_without_auth_service(oauth):
    server, info = start_flyte(oauth, with_auth_metadata=False)
    yield info
    info.channel.close()
    server.stop(None)


# ---------------------------------------------------------------------------------------
# keyring backends


def _keyring_backend_base():
    import keyring.backend

    return keyring.backend.KeyringBackend


@pytest.fixture
def memory_keyring():
    """An in-memory keyring, installed for the test; yields its dict."""
    import keyring

    store: Dict[Any, str] = {}

    class MemoryKeyring(_keyring_backend_base()):
        priority = 1

        def get_password(self, service, username):
            return store.get((service, username))

        def set_password(self, service, username, password):
            store[(service, username)] = password

        def delete_password(self, service, username):
            import keyring.errors

            if store.pop((service, username), None) is None:
                raise keyring.errors.PasswordDeleteError(username)

    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield store
    keyring.set_keyring(previous)


@pytest.fixture
def failing_keyring():
    """A keyring whose every operation fails (e.g. a locked keychain)."""
    import keyring
    import keyring.errors

    class LockedKeyring(_keyring_backend_base()):
        priority = 1
        calls = 0

        def get_password(self, service, username):
            LockedKeyring.calls += 1
            raise keyring.errors.KeyringLocked("locked")

        def set_password(self, service, username, password):
            LockedKeyring.calls += 1
            raise keyring.errors.PasswordSetError("locked")

        def delete_password(self, service, username):
            raise RuntimeError("unexpected backend failure")

    previous = keyring.get_keyring()
    keyring.set_keyring(LockedKeyring())
    yield LockedKeyring
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def _no_real_keyring_or_browser(monkeypatch, request):
    """Never touch the developer's real keyring or browser from these tests."""
    import webbrowser

    if (
        "memory_keyring" not in request.fixturenames
        and "failing_keyring" not in request.fixturenames
    ):
        try:
            import keyring
            from keyring.backends.fail import Keyring as FailKeyring
        except ImportError:
            pass
        else:
            previous = keyring.get_keyring()
            keyring.set_keyring(FailKeyring())
            request.addfinalizer(lambda: keyring.set_keyring(previous))

    def no_browser(url, *args, **kwargs):
        raise AssertionError("a test opened a browser without patching webbrowser.open")

    monkeypatch.setattr(webbrowser, "open", no_browser)


@pytest.fixture
def browser(monkeypatch):
    """Stands in for the user's browser: webbrowser.open GETs the URL and follows redirects
    (to the Pkce callback server). Yields the list of URLs opened."""
    import webbrowser

    import requests

    opened: List[str] = []

    def open_(url, *args, **kwargs):
        opened.append(url)
        requests.get(url, timeout=10)
        return True

    monkeypatch.setattr(webbrowser, "open", open_)
    return opened


@pytest.fixture
def isolated_env(monkeypatch, tmp_path):
    """No FLYTE_* / FLYTECTL_CONFIG variables, HOME and cwd in an empty temp dir."""
    import os

    for name in list(os.environ):
        if name.startswith("FLYTE") or name == "FLYTECTL_CONFIG":
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    home.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    return tmp_path
