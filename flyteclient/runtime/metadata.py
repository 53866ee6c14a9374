"""Default metadata on every call: ``accept``, a client version header, caller headers."""

from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple

from .methods import MethodSpec
from .pipeline import Invoker, Metadata

USER_AGENT_KEY = "x-user-agent"


def _version(dist: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "unknown"


def user_agent() -> str:
    """``flyteclient/<version> flyteidl/<version>``."""
    return f"flyteclient/{_version('flyteclient')} flyteidl/{_version('flyteidl')}"


class MetadataInterceptor:
    """Adds ``accept: application/grpc``, ``x-user-agent`` and ``headers`` to every call;
    per-call metadata comes after them."""

    def __init__(self, headers: Sequence[Tuple[str, str]] = ()) -> None:
        for key, _ in headers:
            if key != key.lower():
                raise ValueError(f"headers: metadata keys must be lower case, got {key!r}")
        self.metadata: Tuple[Tuple[str, str], ...] = (
            ("accept", "application/grpc"),
            (USER_AGENT_KEY, user_agent()),
            *((k, v) for k, v in headers),
        )

    def intercept(self, method: MethodSpec, request: Any, timeout: Optional[float], metadata: Metadata, proceed: Invoker) -> Any:
        return proceed(method, request, timeout, self.metadata + tuple(metadata) if metadata else self.metadata)
