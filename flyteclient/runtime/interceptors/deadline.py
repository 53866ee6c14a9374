"""Deadlines: a per-call ``timeout``, the client's default, and :func:`scoped_deadline`."""

from __future__ import annotations

import contextlib
import contextvars
import math
import time
from typing import Any, Iterator, Optional

import grpc

from ..exceptions import FlyteTimeout
from ..methods import MethodSpec
from ..pipeline import Invoker, Metadata
from .metadata import check_metadata

_scope: contextvars.ContextVar[Optional[float]] = contextvars.ContextVar(
    "flyteclient_deadline", default=None
)

#: While a call's credentials are fetched: the call's deadline (``time.monotonic()``),
#: which an authenticator waiting for a new token must not pass.
fetch_deadline: contextvars.ContextVar[Optional[float]] = contextvars.ContextVar(
    "flyteclient_fetch_deadline", default=None
)


def check_timeout(value: Any, param: str = "timeout") -> None:
    """Raise TypeError/ValueError naming ``param`` unless ``value`` is a finite positive
    number of seconds (not a bool or a string)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{param} must be a positive number of seconds, not {type(value).__name__}")
    if not 0 < value < math.inf:
        raise ValueError(f"{param} must be a positive, finite number of seconds, got {value!r}")


@contextlib.contextmanager
def scoped_deadline(seconds: float) -> Iterator[None]:
    """Cap every call made inside the block (by this thread or task) to end within
    ``seconds`` from now, retries included. Nested scopes keep the earlier deadline."""
    check_timeout(seconds, "seconds")
    deadline = time.monotonic() + seconds
    outer = _scope.get()
    token = _scope.set(deadline if outer is None else min(outer, deadline))
    try:
        yield
    finally:
        _scope.reset(token)


class DeadlineInterceptor:
    """The outermost layer: checks the per-call ``timeout`` and ``metadata`` (before any
    I/O), then turns the timeout (else ``default_timeout``) and any scoped deadline into
    the timeout of the whole call; inner layers share it across retries."""

    def __init__(self, default_timeout: Optional[float] = None) -> None:
        if default_timeout is not None:
            check_timeout(default_timeout)
        self.default_timeout = default_timeout

    def intercept(
        self,
        method: MethodSpec,
        request: Any,
        timeout: Optional[float],
        metadata: Metadata,
        proceed: Invoker,
    ) -> Any:
        if metadata is not None:
            check_metadata(metadata)
        if timeout is None:
            timeout = self.default_timeout
        else:
            check_timeout(timeout)
        scoped = _scope.get()
        if scoped is not None:
            remaining = scoped - time.monotonic()
            if remaining <= 0:
                raise FlyteTimeout(
                    "scoped deadline passed before the call started",
                    code=grpc.StatusCode.DEADLINE_EXCEEDED,
                    rpc=method.name,
                )
            timeout = remaining if timeout is None else min(timeout, remaining)
        return proceed(method, request, timeout, metadata)
