"""Shared pieces of the flytekit tests: LocalAdmins with a project, both FlyteRemotes,
and result normalisation (timestamps dropped) so the two clients' results compare."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Dict, Iterator, Tuple

import grpc
from flyteidl.admin import project_pb2
from flyteidl.service import admin_pb2_grpc
from google.protobuf.message import Message

from flyteclient.testing import LocalAdmin
from tests.support.messages import is_repeated

PROJECT, DOMAIN = "flytesnacks", "development"
_TIME_TYPES = ("google.protobuf.Timestamp", "google.protobuf.Duration")


@contextmanager
def flytekit_client(endpoint: str, **platform: Any) -> Iterator[Any]:
    """flytekit's own SynchronousFlyteClient on ``endpoint`` (insecure), cleaned up after:
    its channel closed (it has no ``close()``) and its class-level ``lru_cache`` of results
    emptied. Results kept in that cache until the interpreter exits crash it on protobuf
    < 7 (upb frees a repeated field after its module; seen as rc 139 after the tests)."""
    from flytekit.clients.friendly import SynchronousFlyteClient as FlytekitClient
    from flytekit.configuration import PlatformConfig

    client = FlytekitClient(PlatformConfig(endpoint=endpoint, insecure=True, **platform))
    try:
        yield client
    finally:
        client._channel.close()
        for attribute in vars(FlytekitClient).values():
            if hasattr(attribute, "cache_clear"):
                attribute.cache_clear()


def local_admin(**options: Any) -> LocalAdmin:
    """A started LocalAdmin with the project registered (the caller stops it)."""
    admin = LocalAdmin(**options).start()
    with grpc.insecure_channel(admin.endpoint) as channel:
        admin_pb2_grpc.AdminServiceStub(channel).RegisterProject(
            project_pb2.ProjectRegisterRequest(
                project=project_pb2.Project(id=PROJECT, name=PROJECT)
            )
        )
    return admin


def strip_times(message: Message) -> Message:
    """``message`` with every Timestamp and Duration field cleared, recursively (in place)."""
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        if field.message_type.full_name in _TIME_TYPES:
            message.ClearField(field.name)
        elif field.message_type.GetOptions().map_entry:
            if field.message_type.fields_by_name["value"].message_type is not None:
                for item in value.values():
                    strip_times(item)
        elif is_repeated(field):
            for item in value:
                strip_times(item)
        else:
            strip_times(value)
    return message


def normalize(value: Any) -> Any:
    """A comparable form of a client or FlyteRemote result: models and protobufs become
    ``(type name, serialized without timestamps)``; containers are normalised item by item."""
    if isinstance(value, (list, tuple)):
        return type(value).__name__, [normalize(v) for v in value]
    if isinstance(value, dict):
        return "dict", sorted((str(k), normalize(v)) for k, v in value.items())
    if isinstance(value, Message):
        copy = type(value)()
        copy.CopyFrom(value)
        return type(value).__name__, strip_times(copy).SerializeToString(deterministic=True)
    if hasattr(value, "to_flyte_idl"):
        return type(value).__name__, normalize(value.to_flyte_idl())[1]
    return value


def outcome(action: Callable[[], Any]) -> Tuple[str, Any]:
    """``("ok", normalized result)`` or ``("raised", exception class names of flytekit)``."""
    try:
        return "ok", normalize(action())
    except Exception as exc:  # noqa: BLE001 - the class is the result being compared
        flytekit_classes = sorted(
            c.__name__ for c in type(exc).__mro__ if c.__module__.startswith("flytekit.")
        )
        return "raised", flytekit_classes or [type(exc).__name__]


def by_step(steps: Iterator[Tuple[str, Callable[[], Any]]]) -> Dict[str, Tuple[str, Any]]:
    return {name: outcome(action) for name, action in steps}
