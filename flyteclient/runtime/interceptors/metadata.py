"""Default metadata on every call: ``accept: application/grpc`` and the caller's headers.

The client's version goes in the standard ``user-agent`` header, set once on the channel
(``grpc.primary_user_agent``, see :func:`~flyteclient.runtime.transport.channel.user_agent`)
rather than per call: the benchmarks show every per-call header costs about 1% of a
loopback call's CPU."""

from __future__ import annotations

import re
from typing import Any, Optional, Sequence, Tuple

from ..methods import MethodSpec
from ..pipeline import Invoker, Metadata

_KEY = re.compile(r"[0-9a-z_.\-]+")
_VALUE = re.compile(r"[\x20-\x7e]*")


def check_metadata(metadata: Any, param: str = "metadata") -> None:
    """Raise TypeError/ValueError naming ``param`` unless ``metadata`` is a sequence of
    ``(key, value)`` pairs gRPC accepts: keys of ``0-9 a-z _ . -`` not starting with
    ``grpc-``; ``-bin`` keys with bytes values, others with printable-ASCII str (or bytes).

    gRPC itself reports bad metadata only once the call is made, as INTERNAL "Invalid
    metadata" (or a TypeError from deep inside the call)."""
    if isinstance(metadata, (str, bytes)) or not isinstance(metadata, (list, tuple)):
        raise TypeError(
            f"{param} must be a list or tuple of (key, value) pairs, not {type(metadata).__name__}"
        )
    for i, pair in enumerate(metadata):
        if not (isinstance(pair, tuple) and len(pair) == 2):
            raise TypeError(f"{param}[{i}] must be a (key, value) tuple, got {pair!r}")
        key, value = pair
        if not isinstance(key, str) or not _KEY.fullmatch(key) or key.startswith("grpc-"):
            raise ValueError(
                f"{param}[{i}]: key {key!r} must be lower case letters, digits, '-', '_' or '.', not starting with 'grpc-'"
            )
        if key.endswith("-bin"):
            if not isinstance(value, bytes):
                raise TypeError(
                    f"{param}[{i}]: binary key {key!r} needs a bytes value, not {type(value).__name__}"
                )
        elif isinstance(value, (str, bytes)):
            text = value if isinstance(value, str) else value.decode("latin-1")
            if not _VALUE.fullmatch(text):
                raise ValueError(
                    f"{param}[{i}]: the value of {key!r} must be printable ASCII (use a '-bin' key for other bytes)"
                )
        else:
            raise TypeError(
                f"{param}[{i}]: the value of {key!r} must be str, not {type(value).__name__}"
            )


class MetadataInterceptor:
    """Adds ``accept: application/grpc`` and ``headers`` to every call; per-call
    metadata comes after them."""

    def __init__(self, headers: Sequence[Tuple[str, str]] = ()) -> None:
        check_metadata(headers if isinstance(headers, (list, tuple)) else list(headers), "headers")
        self.metadata: Tuple[Tuple[str, str], ...] = (
            ("accept", "application/grpc"),
            *((k, v) for k, v in headers),
        )

    def intercept(
        self,
        method: MethodSpec,
        request: Any,
        timeout: Optional[float],
        metadata: Metadata,
        proceed: Invoker,
    ) -> Any:
        return proceed(
            method, request, timeout, self.metadata + tuple(metadata) if metadata else self.metadata
        )
