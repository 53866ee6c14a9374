import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # so tests import codegen and tests.support from the checkout


@pytest.fixture
def server():
    from tests.support.servers import RecordingServer

    with RecordingServer() as s:
        yield s


@pytest.fixture
def client(server):
    from flyteclient import SynchronousFlyteClient
    from flyteclient.runtime.interceptors.retry import RetryPolicy

    with SynchronousFlyteClient(
        server.endpoint, insecure=True, retry=RetryPolicy(initial_backoff=0.01)
    ) as c:
        yield c
