"""Deadlines: a per-call ``timeout``, the client's default, and :func:`scoped_deadline`."""

from __future__ import annotations

import contextlib
import contextvars
import time
from typing import Any, Iterator, Optional

import grpc

from .exceptions import FlyteTimeout
from .methods import MethodSpec
from .pipeline import Invoker, Metadata

_scope: contextvars.ContextVar[Optional[float]] = contextvars.ContextVar("flyteclient_deadline", default=None)


@contextlib.contextmanager
def scoped_deadline(seconds: float) -> Iterator[None]:
    """Cap every call made inside the block (by this thread or task) to end within
    ``seconds`` from now, retries included. Nested scopes keep the earlier deadline."""
    if seconds <= 0:
        raise ValueError(f"seconds must be positive, got {seconds}")
    deadline = time.monotonic() + seconds
    outer = _scope.get()
    token = _scope.set(deadline if outer is None else min(outer, deadline))
    try:
        yield
    finally:
        _scope.reset(token)


class DeadlineInterceptor:
    """Turns the per-call timeout (else ``default_timeout``) and any scoped deadline into
    the timeout of the whole call; inner layers share it across retries."""

    def __init__(self, default_timeout: Optional[float] = None) -> None:
        if default_timeout is not None and default_timeout <= 0:
            raise ValueError(f"timeout must be positive, got {default_timeout}")
        self.default_timeout = default_timeout

    def intercept(self, method: MethodSpec, request: Any, timeout: Optional[float], metadata: Metadata, proceed: Invoker) -> Any:
        if timeout is None:
            timeout = self.default_timeout
        scoped = _scope.get()
        if scoped is not None:
            remaining = scoped - time.monotonic()
            if remaining <= 0:
                raise FlyteTimeout("scoped deadline passed before the call started", code=grpc.StatusCode.DEADLINE_EXCEEDED, rpc=method.name)
            timeout = remaining if timeout is None else min(timeout, remaining)
        return proceed(method, request, timeout, metadata)
