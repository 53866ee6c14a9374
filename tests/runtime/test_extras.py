"""A missing or too-old extra is one clear error, in the same words for every extra."""

from __future__ import annotations

import re
import sys
import types

import pytest

from flyteclient.runtime.extras import EXTRAS, MissingExtraError, require_extra
from tests.support.optional import _extras_table


def _floor(requirement: str) -> str:
    match = re.search(r">=\s*([0-9][0-9.]*)", requirement)
    assert match, requirement
    return match.group(1)


@pytest.mark.parametrize("name", sorted(EXTRAS))
def test_the_floors_are_pyprojects(name):
    """The version each feature demands is the floor the extra declares."""
    extra = EXTRAS[name]
    (requirement,) = [r for r in _extras_table()[extra.name] if r.startswith(name)]
    assert _floor(requirement) == extra.minimum


def _blocked(monkeypatch, name):
    monkeypatch.setitem(sys.modules, name, None)  # `import name` raises ImportError


def _old(monkeypatch, name, version):
    module = types.ModuleType(name)
    module.__version__ = version
    monkeypatch.setitem(sys.modules, name, module)


def test_rest_transport_without_httpx_names_the_extra(monkeypatch):
    from flyteclient import SynchronousFlyteClient

    _blocked(monkeypatch, "httpx")
    with pytest.raises(MissingExtraError) as info:
        SynchronousFlyteClient("http://127.0.0.1:9", transport="rest", insecure=True)
    assert str(info.value) == (
        "transport='rest' needs httpx >= 0.27.0 (not installed): pip install 'flyteclient[rest]'"
    )
    assert isinstance(info.value, ImportError) and info.value.name == "httpx"


def test_too_old_httpx_is_refused_before_any_call(monkeypatch):
    from flyteclient import AsyncFlyteClient

    _old(monkeypatch, "httpx", "0.23.3")
    with pytest.raises(MissingExtraError, match=r"needs httpx >= 0\.27\.0 \(found 0\.23\.3\)"):
        AsyncFlyteClient("http://127.0.0.1:9", transport="rest", insecure=True)


def test_oauth_without_requests_names_the_extra(monkeypatch):
    from flyteclient.runtime.auth.http import require_requests

    _blocked(monkeypatch, "requests")
    with pytest.raises(MissingExtraError, match=r"pip install 'flyteclient\[auth\]'$"):
        require_requests()


def test_flytekit_package_with_a_too_old_flytekit(monkeypatch):
    _old(monkeypatch, "flytekit", "1.16.12")
    monkeypatch.delitem(sys.modules, "flyteclient.flytekit", raising=False)
    with pytest.raises(MissingExtraError) as info:
        import flyteclient.flytekit  # noqa: F401
    assert str(info.value) == (
        "flyteclient.flytekit needs flytekit >= 1.16.21 (found 1.16.12): "
        "pip install --upgrade 'flyteclient[flytekit]'"
    )


def test_a_package_where_it_has_no_release_says_so(monkeypatch):
    _blocked(monkeypatch, "flytekit")
    monkeypatch.setattr(sys, "version_info", (3, 13, 0, "final", 0))
    with pytest.raises(MissingExtraError, match="flytekit has no release for Python 3.13 yet$"):
        require_extra("flytekit", "flyteclient.flytekit")


def test_a_broken_package_shows_its_own_import_error(monkeypatch, tmp_path):
    (tmp_path / "keyring.py").write_text("import not_a_module_anywhere\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "keyring", raising=False)
    with pytest.raises(ModuleNotFoundError) as info:
        require_extra("keyring", "caching tokens")
    assert not isinstance(info.value, MissingExtraError)
    assert info.value.name == "not_a_module_anywhere"
