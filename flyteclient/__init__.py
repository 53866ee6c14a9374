"""flyteclient: the Flyte control-plane client, generated from flyteidl's service descriptors.

    from flyteclient import SynchronousFlyteClient

    with SynchronousFlyteClient("localhost:8089", insecure=True) as client:
        print(client.get_control_plane_version())

Layout: ``flyteclient.generated`` is written by ``python -m codegen`` (never edit it);
``flyteclient.runtime`` is the hand-written runtime; ``flyteclient.testing`` is a local
Admin server for demos and tests.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what type checkers see; at run time the names load on first use
    from flyteclient.generated.aio_friendly import AsyncFlyteClient as AsyncFlyteClient
    from flyteclient.generated.aio_raw import AsyncRawFlyteClient as AsyncRawFlyteClient
    from flyteclient.generated.friendly import SynchronousFlyteClient as SynchronousFlyteClient
    from flyteclient.generated.raw import RawSynchronousFlyteClient as RawSynchronousFlyteClient
    from flyteclient.helpers import iterate_node_executions as iterate_node_executions
    from flyteclient.helpers import iterate_task_executions as iterate_task_executions
    from flyteclient.runtime.config import PlatformConfig as PlatformConfig
    from flyteclient.runtime.interceptors.deadline import scoped_deadline as scoped_deadline
    from flyteclient.runtime.interceptors.retry import RetryPolicy as RetryPolicy

__all__ = [
    "SynchronousFlyteClient",
    "RawSynchronousFlyteClient",
    "AsyncFlyteClient",
    "AsyncRawFlyteClient",
    "PlatformConfig",
    "RetryPolicy",
    "scoped_deadline",
    "iterate_node_executions",
    "iterate_task_executions",
]

_LAZY = {
    "SynchronousFlyteClient": "flyteclient.generated.friendly",
    "RawSynchronousFlyteClient": "flyteclient.generated.raw",
    "AsyncFlyteClient": "flyteclient.generated.aio_friendly",
    "AsyncRawFlyteClient": "flyteclient.generated.aio_raw",
    "PlatformConfig": "flyteclient.runtime.config",
    "RetryPolicy": "flyteclient.runtime.interceptors.retry",
    "scoped_deadline": "flyteclient.runtime.interceptors.deadline",
    "iterate_node_executions": "flyteclient.helpers",
    "iterate_task_executions": "flyteclient.helpers",
}


def __getattr__(name: str) -> Any:
    # Lazy: ``import flyteclient`` stays cheap until a client class is used.
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'flyteclient' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list:
    return sorted(list(globals()) + __all__)
