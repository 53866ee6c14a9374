"""The call pipeline: interceptors around a transport, composed once per client.

An interceptor is any object with ``intercept(method, request, timeout, metadata, proceed)``
that returns ``proceed(method, request, timeout, metadata)`` (possibly changed, repeated
or wrapped). They are plain Python calls rather than ``grpc.intercept_channel`` layers:
grpc's interceptor machinery allocates call-details tuples and outcome futures per layer
and per call, which the benchmarks show as overhead; here a layer costs one call.

Order, outermost first (flytekit's layering, with the deadline outside the retries so a
deadline bounds all attempts together)::

    DeadlineInterceptor -> RetryInterceptor (maps errors) -> AuthInterceptor(s)
        -> MetadataInterceptor -> Transport (grpc multicallables on the channel)
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Protocol, Sequence, Tuple

from .methods import MethodSpec

Metadata = Optional[Sequence[Tuple[str, str]]]
Invoker = Callable[[MethodSpec, Any, Optional[float], Metadata], Any]


class Interceptor(Protocol):
    def intercept(
        self,
        method: MethodSpec,
        request: Any,
        timeout: Optional[float],
        metadata: Metadata,
        proceed: Invoker,
    ) -> Any: ...


def compose(interceptors: Sequence[Interceptor], transport: Invoker) -> Invoker:
    """``interceptors[0]`` becomes the outermost layer. Each layer is a closure calling the
    interceptor's ``intercept`` with the next layer as ``proceed`` (a closure costs less
    per call than ``functools.partial`` with a keyword argument)."""
    invoke = transport
    for interceptor in reversed(interceptors):
        invoke = _bind(interceptor.intercept, invoke)
    return invoke


def _bind(intercept: Callable[..., Any], proceed: Invoker) -> Invoker:
    def layer(
        method: MethodSpec, request: Any, timeout: Optional[float], metadata: Metadata
    ) -> Any:
        return intercept(method, request, timeout, metadata, proceed)

    return layer
