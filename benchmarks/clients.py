"""The client loops being compared: the raw grpc stub (the floor), flyteclient, flytekit.

Each factory takes the server endpoint and returns a :class:`Subject`: a zero-argument
``run`` (one GetExecution, or one full pass over every task) and a ``close``. All three
build their request on every call, as a caller would.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, List

import grpc
from flyteidl.admin import common_pb2, execution_pb2

from . import fixtures

RAW, FLYTECLIENT, FLYTEKIT = "raw grpc stub", "flyteclient", "flytekit"
FLYTECLIENT_PAGINATED = "flyteclient list_tasks_paginated"


@dataclass
class Subject:
    """One client under test: ``run()`` does the unit of work, ``close()`` cleans up."""

    name: str
    run: Callable[[], int]
    close: Callable[[], None]


def flytekit_available() -> bool:
    try:
        import flytekit.clients.friendly  # noqa: F401
    except Exception:
        return False
    return True


# -- unary: GetExecution ------------------------------------------------------------
def raw_unary(endpoint: str) -> Subject:
    from flyteidl.service.admin_pb2_grpc import AdminServiceStub

    channel = grpc.insecure_channel(endpoint)
    stub = AdminServiceStub(channel)
    eid = fixtures.execution_id()
    Request = execution_pb2.WorkflowExecutionGetRequest

    def run() -> int:
        stub.GetExecution(Request(id=eid))
        return 1

    return Subject(RAW, run, channel.close)


def flyteclient_unary(endpoint: str) -> Subject:
    from flyteclient import SynchronousFlyteClient

    client = SynchronousFlyteClient(endpoint, insecure=True)
    eid = fixtures.execution_id()

    def run() -> int:
        client.get_execution(eid)
        return 1

    return Subject(FLYTECLIENT, run, client.close)


def flytekit_unary(endpoint: str) -> Subject:
    from flytekit.clients.friendly import SynchronousFlyteClient
    from flytekit.configuration import PlatformConfig
    from flytekit.models.core.identifier import WorkflowExecutionIdentifier

    client = SynchronousFlyteClient(PlatformConfig(endpoint=endpoint, insecure=True))
    eid = WorkflowExecutionIdentifier.from_flyte_idl(fixtures.execution_id())

    def run() -> int:
        client.get_execution(eid)
        return 1

    return Subject(FLYTEKIT, run, client._channel.close)


# -- pagination: every task through ListTasks ---------------------------------------
def raw_pages(endpoint: str, page_size: int = 100) -> Subject:
    from flyteidl.service.admin_pb2_grpc import AdminServiceStub

    channel = grpc.insecure_channel(endpoint)
    stub = AdminServiceStub(channel)
    ident = fixtures.named_entity()

    def run() -> int:
        count, token = 0, ""
        while True:
            page = stub.ListTasks(
                common_pb2.ResourceListRequest(id=ident, limit=page_size, token=token)
            )
            for _task in page.tasks:
                count += 1
            token = page.token
            if not token or not page.tasks:
                return count

    return Subject(RAW, run, channel.close)


def flyteclient_pages(endpoint: str, page_size: int = 100) -> Subject:
    from flyteclient import SynchronousFlyteClient

    client = SynchronousFlyteClient(endpoint, insecure=True)
    ident = fixtures.named_entity()

    def run() -> int:
        count = 0
        for _task in client.iter_tasks(ident, page_size=page_size):
            count += 1
        return count

    return Subject(FLYTECLIENT, run, client.close)


def flyteclient_paginated(endpoint: str, page_size: int = 100) -> Subject:
    """``list_tasks_paginated`` page by page, as flytekit users call it (resource types filled)."""
    from flyteclient import SynchronousFlyteClient

    client = SynchronousFlyteClient(endpoint, insecure=True)
    ident = fixtures.named_entity()

    def run() -> int:
        count, token = 0, ""
        while True:
            tasks, token = client.list_tasks_paginated(ident, limit=page_size, token=token)
            for _task in tasks:
                count += 1
            if not token or not tasks:
                return count

    return Subject(FLYTECLIENT_PAGINATED, run, client.close)


def flytekit_pages(endpoint: str, page_size: int = 100) -> Subject:
    from flytekit.clients.friendly import SynchronousFlyteClient
    from flytekit.configuration import PlatformConfig
    from flytekit.models.common import NamedEntityIdentifier

    client = SynchronousFlyteClient(PlatformConfig(endpoint=endpoint, insecure=True))
    ident = NamedEntityIdentifier(fixtures.PROJECT, fixtures.DOMAIN)

    def run() -> int:
        count, token = 0, None
        while True:
            tasks, token = client.list_tasks_paginated(ident, limit=page_size, token=token)
            for _task in tasks:
                count += 1
            if not token or not tasks:
                return count

    return Subject(FLYTEKIT, run, client._channel.close)


def unary_subjects(endpoint: str, with_flytekit: bool) -> List[Subject]:
    makers = [raw_unary, flyteclient_unary] + ([flytekit_unary] if with_flytekit else [])
    return [make(endpoint) for make in makers]


def page_subjects(endpoint: str, with_flytekit: bool, page_size: int = 100) -> List[Subject]:
    makers = [raw_pages, flyteclient_pages, flyteclient_paginated] + (
        [flytekit_pages] if with_flytekit else []
    )
    return [make(endpoint, page_size) for make in makers]
