"""The flytekit-compatible client (``flyteclient.flytekit``) against flytekit's own client,
under flytekit's ``FlyteRemote`` and for one call, plus its overhead over the main client.

Subjects (each a :class:`~benchmarks.clients.Subject`):

- ``FlyteRemote.list_tasks_by_version``: every task in one page (``limit`` = all), each
  promoted to a ``FlyteTask`` by FlyteRemote, with flytekit's client or flyteclient's.
- ``FlyteRemote.recent_executions``: a page of 100 executions, promoted likewise.
- ``get_execution``: one call returning flytekit's ``Execution`` model, through
  flytekit's client, the compat client, and (floor for the overhead) the main client's
  protobuf result.
"""

from __future__ import annotations

from typing import Callable, List

from . import fixtures
from .clients import Subject

FLYTEKIT_REMOTE, COMPAT_REMOTE = (
    "FlyteRemote + flytekit client",
    "FlyteRemote + flyteclient.flytekit",
)
FLYTEKIT_CLIENT, COMPAT_CLIENT, MAIN_CLIENT = (
    "flytekit client",
    "flyteclient.flytekit",
    "flyteclient",
)


def _remote(endpoint: str, compat: bool):  # type: ignore[no-untyped-def]
    from flytekit.configuration import Config, PlatformConfig

    if compat:
        from flyteclient.flytekit import FlyteRemote
    else:
        from flytekit.remote import FlyteRemote
    config = Config(platform=PlatformConfig(endpoint=endpoint, insecure=True))
    return FlyteRemote(config, default_project=fixtures.PROJECT, default_domain=fixtures.DOMAIN)


def _remote_subject(
    name: str, endpoint: str, compat: bool, work: Callable[[object], int]
) -> Subject:
    remote = _remote(endpoint, compat)
    return Subject(
        name,
        lambda: work(remote),
        lambda: remote.client.close() if compat else remote.client._channel.close(),
    )


def list_tasks_subjects(endpoint: str, tasks: int) -> List[Subject]:
    def work(remote) -> int:  # type: ignore[no-untyped-def]
        return len(remote.list_tasks_by_version("v0", limit=tasks))

    return [
        _remote_subject(FLYTEKIT_REMOTE, endpoint, False, work),
        _remote_subject(COMPAT_REMOTE, endpoint, True, work),
    ]


def recent_executions_subjects(endpoint: str) -> List[Subject]:
    def work(remote) -> int:  # type: ignore[no-untyped-def]
        return len(remote.recent_executions(limit=100))

    return [
        _remote_subject(FLYTEKIT_REMOTE, endpoint, False, work),
        _remote_subject(COMPAT_REMOTE, endpoint, True, work),
    ]


def unary_subjects(endpoint: str) -> List[Subject]:
    from flytekit.clients.friendly import SynchronousFlyteClient as FlytekitClient
    from flytekit.configuration import PlatformConfig
    from flytekit.models.core.identifier import WorkflowExecutionIdentifier

    import flyteclient
    import flyteclient.flytekit

    model_id = WorkflowExecutionIdentifier.from_flyte_idl(fixtures.execution_id())
    kit = FlytekitClient(PlatformConfig(endpoint=endpoint, insecure=True))
    compat = flyteclient.flytekit.SynchronousFlyteClient(endpoint, insecure=True)
    main = flyteclient.SynchronousFlyteClient(endpoint, insecure=True)
    pb_id = fixtures.execution_id()

    def one(call: Callable[[], object]) -> Callable[[], int]:
        def run() -> int:
            call()
            return 1

        return run

    return [
        Subject(MAIN_CLIENT, one(lambda: main.get_execution(pb_id)), main.close),
        Subject(COMPAT_CLIENT, one(lambda: compat.get_execution(model_id)), compat.close),
        Subject(FLYTEKIT_CLIENT, one(lambda: kit.get_execution(model_id)), kit._channel.close),
    ]
