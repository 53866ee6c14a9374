"""Retries with exponential backoff and full jitter, and mapping of the final error.

The rule (per RPC, from the generated ``retry_class``):

* ``UNAVAILABLE`` and ``RESOURCE_EXHAUSTED`` are retried for reads and idempotent writes;
* ``INTERNAL`` is retried for reads only: flyteadmin reports database and other
  transient server faults as INTERNAL, and repeating a read has no side effect;
* non-idempotent RPCs (CreateExecution, RelaunchExecution, RecoverExecution, the
  Create*Event RPCs) are retried only when the channel never connected ("failed to
  connect"), i.e. the request provably never reached a server; one call never becomes
  two executions or two events;
* never retried, although their status is one of the above, failures the same request
  meets every time: a request or response over a message or metadata size limit
  (RESOURCE_EXHAUSTED "... larger than max", "metadata size exceeds ..."), metadata
  gRPC refuses to send (INTERNAL "Invalid metadata") and errors a transport marks
  ``permanent`` (the REST transport's malformed answers, non-gateway 4xx, redirects);
* never retried: DEADLINE_EXCEEDED (the caller's deadline is spent: FlyteTimeout),
  NOT_FOUND, ALREADY_EXISTS, INVALID_ARGUMENT, PERMISSION_DENIED, UNAUTHENTICATED (the
  auth interceptor refreshes once), FAILED_PRECONDITION, UNIMPLEMENTED, CANCELLED, ...

How long (see :class:`RetryPolicy`): a call with a deadline is retried until the
deadline, a call without one ``max_retries`` times; never past the time ``budget``.
Attempt ``n`` (from 0) is followed by a sleep of ``uniform(0, min(max_backoff,
initial_backoff * multiplier**n))``, at most half the time left before the deadline;
when the server asked for a longer wait (``Retry-After``, kept by the REST transport as
the error's ``retry_after``) that wait, unless it would end too near the deadline (then
the error is raised at once).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import (
    Any,
    AsyncIterator,
    Awaitable,
    Callable,
    Dict,
    Iterator,
    Optional,
    Sequence,
    Tuple,
)

import grpc

from ..exceptions import FlyteException, map_rpc_error
from ..methods import MethodSpec
from ..pipeline import Invoker, Metadata

log = logging.getLogger("flyteclient.retry")

_TRANSIENT = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED})
_READ_TRANSIENT = _TRANSIENT | {grpc.StatusCode.INTERNAL}
_NEVER_SENT = ("failed to connect to all addresses", "Connection refused", "DNS resolution failed")
# gRPC's texts: "Sent/Received message larger than max (N vs. M)", "received metadata
# size exceeds hard/soft limit ...", "Invalid metadata".
_SIZE_LIMITS = ("message larger than max", "metadata size exceeds")
_INVALID_METADATA = "Invalid metadata"
# A retry needs at least this much of the deadline left to be worth starting.
_MIN_ATTEMPT_S = 0.05


class RetryPolicy:
    """How failed calls are retried (which failures: see the module doc).

    - A call **with a deadline** (a per-call ``timeout``, the client's ``timeout`` or
      :func:`~flyteclient.scoped_deadline`) is retried for as long as its deadline allows:
      a retry starts only with at least 50 ms left, and each sleep takes at most half the
      time left. ``max_retries`` does not cut it short: the deadline is how long the
      caller is willing to wait, and a server that restarts within it should not become
      an error after a fixed number of quick attempts.
    - A call **without a deadline** is retried at most ``max_retries`` times.
    - Either way, no retry starts more than ``budget`` seconds after the first attempt,
      and ``max_retries=0`` disables retries altogether.

    Sleeps grow exponentially from ``initial_backoff`` by ``multiplier`` up to
    ``max_backoff``, with full jitter: ``rng`` returns a float in [0, 1) (default:
    ``random.random``). A plain class rather than a dataclass: it is imported with every
    client, and ``dataclasses`` costs import time that the benchmarks count.
    """

    __slots__ = ("max_retries", "initial_backoff", "max_backoff", "multiplier", "budget", "rng")

    def __init__(
        self,
        max_retries: int = 3,
        initial_backoff: float = 0.1,
        max_backoff: float = 5.0,
        multiplier: float = 2.0,
        budget: float = 60.0,
        rng: Optional[Callable[[], float]] = None,
    ) -> None:
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise ValueError(f"max_retries must be an int >= 0, got {max_retries!r}")
        for name, value in (
            ("initial_backoff", initial_backoff),
            ("max_backoff", max_backoff),
            ("budget", budget),
        ):
            if value <= 0:
                raise ValueError(f"{name} must be positive, got {value!r}")
        if multiplier < 1:
            raise ValueError(f"multiplier must be >= 1, got {multiplier!r}")
        self.max_retries = max_retries
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.multiplier = multiplier
        self.budget = budget
        self.rng = rng

    def delay(self, attempt: int) -> float:
        """Seconds to sleep after failed attempt ``attempt`` (from 0): full jitter."""
        rng = self.rng
        if rng is None:
            import random

            rng = random.random
        return rng() * min(
            self.max_backoff, self.initial_backoff * self.multiplier ** min(attempt, 64)
        )

    def __repr__(self) -> str:
        return (
            f"RetryPolicy(max_retries={self.max_retries}, initial_backoff={self.initial_backoff}, "
            f"max_backoff={self.max_backoff}, multiplier={self.multiplier}, budget={self.budget})"
        )


def is_permanent(code: Optional[grpc.StatusCode], details: str) -> bool:
    """Failures with a transient status that the same request meets every time: a
    message or metadata over a size limit (RESOURCE_EXHAUSTED from either side, as
    opposed to rate limiting) and metadata gRPC refused to send (INTERNAL)."""
    if code == grpc.StatusCode.RESOURCE_EXHAUSTED:
        return any(marker in details for marker in _SIZE_LIMITS)
    if code == grpc.StatusCode.INTERNAL:
        return details.startswith(_INVALID_METADATA)
    return False


def is_retryable(method: MethodSpec, error: grpc.RpcError) -> bool:
    if getattr(error, "permanent", False):  # the transport knows the same request fails again
        return False
    code = error.code() if hasattr(error, "code") else None
    details = (error.details() if hasattr(error, "details") else None) or ""
    if method.retry_class == "non_idempotent":
        if code != grpc.StatusCode.UNAVAILABLE:
            return False
        text = f"{details} {getattr(error, 'debug_error_string', lambda: '')()}"
        return any(marker in text for marker in _NEVER_SENT)
    transient = _READ_TRANSIENT if method.retry_class == "read" else _TRANSIENT
    return code in transient and not is_permanent(code, details)


class RetryInterceptor:
    """Retries transient failures per :class:`RetryPolicy` and raises the mapped
    :class:`~flyteclient.exceptions.FlyteException` (``from`` the ``grpc.RpcError``).

    An UNIMPLEMENTED answer for an RPC newer than the oldest supported server release
    (``MethodSpec.added``), on any transport, says which flyteidl release added the RPC
    and that the server is likely older, with the server's release when ``release`` (the
    client's :class:`~flyteclient.runtime.release.ServerRelease`) knows it."""

    release: Any = None

    def __init__(
        self,
        policy: RetryPolicy,
        error_codes: Dict[grpc.StatusCode, type],
        error_messages: Sequence[Tuple[grpc.StatusCode, str, type]],
        default_error: type,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.policy = policy
        self._codes = error_codes
        self._messages = error_messages
        self._default = default_error
        self._sleep = sleep

    def map_error(self, error: grpc.RpcError, method: MethodSpec) -> FlyteException:
        mapped = map_rpc_error(error, method.name, self._codes, self._messages, self._default)
        if method.added is not None and mapped.code == grpc.StatusCode.UNIMPLEMENTED:
            from ..skew import annotate_unimplemented

            server = self.release.release if self.release is not None else None
            annotate_unimplemented(mapped, method, server)
        return mapped

    def intercept(
        self,
        method: MethodSpec,
        request: Any,
        timeout: Optional[float],
        metadata: Metadata,
        proceed: Invoker,
    ) -> Any:
        if method.server_streaming:
            return self._stream(method, request, timeout, metadata, proceed)
        started = time.monotonic()
        try:
            return proceed(method, request, timeout, metadata)
        except grpc.RpcError as error:
            attempts = _Attempts(self, method, timeout, started)  # bookkeeping only after a failure
            self._sleep(attempts.delay_or_raise(error))
        while True:
            attempts.advance()
            try:
                return proceed(method, request, attempts.timeout, metadata)
            except grpc.RpcError as error:
                self._sleep(attempts.delay_or_raise(error))

    def _stream(
        self,
        method: MethodSpec,
        request: Any,
        timeout: Optional[float],
        metadata: Metadata,
        proceed: Invoker,
    ) -> Iterator[Any]:
        attempts = _Attempts(self, method, timeout, time.monotonic())
        while True:
            received = False
            try:
                for item in proceed(method, request, attempts.timeout, metadata):
                    received = True
                    yield item
                return
            except grpc.RpcError as error:
                # Once a message was delivered a retry would repeat it: only retry before.
                self._sleep(attempts.delay_or_raise(error, retry_allowed=not received))
            attempts.advance()


class AsyncRetryInterceptor(RetryInterceptor):
    """:class:`RetryInterceptor` for the async client: the same policy and decisions
    (:class:`_Attempts`), awaiting each attempt and sleeping with ``asyncio.sleep``
    (or the ``sleep`` coroutine function given). Once the client is closed (``closed``
    set), an attempt that the close cut short — a ``CancelledError`` the task itself was
    not asked for, or a failed call — raises
    :class:`~flyteclient.runtime.exceptions.ClientClosedError`."""

    closed = False

    def __init__(
        self, *args: Any, sleep: Optional[Callable[[float], Awaitable[None]]] = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._async_sleep = sleep or asyncio.sleep

    def intercept(
        self,
        method: MethodSpec,
        request: Any,
        timeout: Optional[float],
        metadata: Metadata,
        proceed: Invoker,
    ) -> Any:
        if method.server_streaming:
            return self._async_stream(method, request, timeout, metadata, proceed)
        return self._call_with_retries(method, request, timeout, metadata, proceed)

    async def _call_with_retries(
        self,
        method: MethodSpec,
        request: Any,
        timeout: Optional[float],
        metadata: Metadata,
        proceed: Invoker,
    ) -> Any:
        attempts: Optional[_Attempts] = None
        started = time.monotonic()
        while True:
            try:
                return await proceed(method, request, timeout, metadata)
            except asyncio.CancelledError as cancelled:
                if self.closed and not _cancelling(cancelled):
                    raise _closed(method) from None
                raise
            except grpc.RpcError as error:
                if self.closed:
                    raise _closed(method) from error
                attempts = attempts or _Attempts(self, method, timeout, started)
                await self._async_sleep(attempts.delay_or_raise(error))
            attempts.advance()
            timeout = attempts.timeout

    async def _async_stream(
        self,
        method: MethodSpec,
        request: Any,
        timeout: Optional[float],
        metadata: Metadata,
        proceed: Invoker,
    ) -> AsyncIterator[Any]:
        attempts = _Attempts(self, method, timeout, time.monotonic())
        while True:
            received = False
            try:
                async for item in proceed(method, request, attempts.timeout, metadata):
                    received = True
                    yield item
                return
            except grpc.RpcError as error:
                await self._async_sleep(attempts.delay_or_raise(error, retry_allowed=not received))
            attempts.advance()


class _Attempts:
    """The attempts of one call: counts them, sleeps between them, keeps the remaining
    timeout, and raises the mapped error when no further attempt is allowed."""

    def __init__(
        self,
        interceptor: RetryInterceptor,
        method: MethodSpec,
        timeout: Optional[float],
        started: float,
    ) -> None:
        self.interceptor = interceptor
        self.method = method
        self.timeout = timeout
        self.started = started
        self.deadline = None if timeout is None else self.started + timeout
        self.attempt = 0

    def _next_delay(self, error: grpc.RpcError) -> Optional[float]:
        policy = self.interceptor.policy
        if policy.max_retries == 0 or not is_retryable(self.method, error):
            return None
        now = time.monotonic()
        if self.deadline is None:
            if self.attempt >= policy.max_retries:
                return None
            delay = policy.delay(self.attempt)
        else:
            left = self.deadline - now
            if left < _MIN_ATTEMPT_S:
                return None
            delay = min(policy.delay(self.attempt), left / 2)
        asked = getattr(error, "retry_after", None)  # the server's Retry-After, honoured
        if asked is not None and asked > delay:
            if self.deadline is not None and now + asked > self.deadline - _MIN_ATTEMPT_S:
                return None  # waiting that long leaves no time for the retry
            delay = asked
        if now + delay - self.started > policy.budget:
            return None
        return delay

    def delay_or_raise(self, error: grpc.RpcError, retry_allowed: bool = True) -> float:
        """Seconds to sleep before the next attempt; raises the mapped error (``from``
        ``error``) when no further attempt is allowed."""
        name, number = self.method.name, self.attempt + 1
        delay = self._next_delay(error) if retry_allowed else None
        if delay is None:
            log.debug("%s attempt %d failed with %s; not retrying", name, number, _code(error))
            raise self.interceptor.map_error(error, self.method) from error
        log.debug(
            "%s attempt %d failed with %s; retrying in %.3fs", name, number, _code(error), delay
        )
        return delay

    def advance(self) -> None:
        """After the sleep: count the attempt and shrink the timeout to what is left."""
        self.attempt += 1
        if self.deadline is not None:
            self.timeout = self.deadline - time.monotonic()


def _closed(method: MethodSpec) -> FlyteException:
    from ..exceptions import ClientClosedError

    return ClientClosedError("the client is closed", rpc=method.name)


def _cancelling(exc: BaseException) -> bool:
    """Whether the current task itself was asked to cancel (Python 3.11+ can tell; 3.10
    takes a cancellation while the client is closed as the close's)."""
    cancelling = getattr(asyncio.current_task(), "cancelling", None)
    return bool(cancelling()) if cancelling is not None else False


def _code(error: grpc.RpcError) -> str:
    code = error.code() if hasattr(error, "code") else None
    return code.name if code is not None else type(error).__name__
