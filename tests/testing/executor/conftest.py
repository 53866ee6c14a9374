"""An executing LocalAdmin shared by the executor tests of a module (test modules skip
themselves when flytekit is not importable: it is only available on Python 3.10-3.12)."""

from __future__ import annotations

import pytest

from tests.testing.executor.support import Env


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    e = Env(tmp_path_factory.mktemp("exec"))
    yield e
    e.stop()
