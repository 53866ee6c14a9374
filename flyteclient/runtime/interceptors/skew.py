"""The version-skew layer: a client newer than its server (see :mod:`flyteclient.runtime.skew`).

Between the deadline and the retry layers. For an RPC whose request can carry fields newer
than the oldest supported release (``MethodSpec.newer_fields``, generated from the API's
history), it looks at the fields the request actually sets; only if one is newer does it
need the server's release, which it then asks for once per client
(:class:`~flyteclient.runtime.release.ServerRelease`, flyteadmin's ``GetVersion``), and it
warns once per field the server's release lacks (:class:`FlyteVersionSkewWarning`: the
server would drop it silently). For an RPC newer than the oldest supported release
(``MethodSpec.added``), an UNIMPLEMENTED answer gets the server's release into its message
(the retry layer's error mapping already says which release added the RPC). Every other
call goes straight through.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Optional

from ..exceptions import FlyteUnimplementedException
from ..methods import MethodSpec
from ..pipeline import Invoker, Metadata
from ..release import FETCH_TIMEOUT_S, ServerRelease, older, parse_release

VersionCall = Callable[[Optional[float]], Any]


class SkewInterceptor:
    """See the module docstring. ``fetch`` (set by the client once its pipeline exists)
    sends GetVersion with a timeout."""

    def __init__(self, release: ServerRelease) -> None:
        self.release = release
        self.warned: set = set()
        self.fetch: Optional[VersionCall] = None
        self._newest: Optional[str] = None

    def intercept(
        self,
        method: MethodSpec,
        request: Any,
        timeout: Optional[float],
        metadata: Metadata,
        proceed: Invoker,
    ) -> Any:
        if method.server_streaming or (not method.newer_fields and method.added is None):
            return proceed(method, request, timeout, metadata)
        started = time.monotonic()
        if method.newer_fields and self._worth_checking():
            fields = self._newer(method, request)
            if fields and not self.release.attempted and self.fetch is not None:
                self.release.fetch(self.fetch, timeout)
                timeout = _left(timeout, started)
            self._warn(method, fields)
        try:
            return proceed(method, request, timeout, metadata)
        except FlyteUnimplementedException as error:
            if method.added is not None and not self.release.attempted and self.fetch:
                self.release.fetch(self.fetch, _left(timeout, started, FETCH_TIMEOUT_S))
                self._annotate(error, method)
            raise

    # -- shared by the sync and async forms ------------------------------------------
    def _worth_checking(self) -> bool:
        """False once the server's release is known to have every field of the history,
        or cannot be known (then no field can be said to be missing)."""
        release = self.release
        if not release.attempted:
            return True
        if release.release is None:
            return False
        if self._newest is None:
            from flyteclient.generated.history import FIELDS

            self._newest = max(
                (a for fs in FIELDS.values() for a in fs.values()),
                key=lambda a: parse_release(a) or (1 << 30, 0, 0),  # "unreleased": newest
                default="0.0.0",
            )
        return older(release.release, self._newest)

    def _newer(self, method: MethodSpec, request: Any) -> list:
        from ..skew import newer_fields

        fields = newer_fields(request, self.release.release, method.added)
        return [f for f in fields if f[0] not in self.warned]

    def _warn(self, method: MethodSpec, fields: list) -> None:
        server = self.release.release
        if not fields or server is None:
            return
        from ..skew import warn_once

        warn_once(self.warned, [f for f in fields if older(server, f[1])], method, server)

    def _annotate(self, error: FlyteUnimplementedException, method: MethodSpec) -> None:
        from ..skew import annotate_unimplemented

        annotate_unimplemented(error, method, self.release.release)


class AsyncSkewInterceptor(SkewInterceptor):
    """:class:`SkewInterceptor` for the async client: the version is awaited (one request
    however many tasks need it)."""

    def intercept(
        self,
        method: MethodSpec,
        request: Any,
        timeout: Optional[float],
        metadata: Metadata,
        proceed: Invoker,
    ) -> Any:
        if method.server_streaming or (not method.newer_fields and method.added is None):
            return proceed(method, request, timeout, metadata)
        return self._call(method, request, timeout, metadata, proceed)

    async def _call(
        self,
        method: MethodSpec,
        request: Any,
        timeout: Optional[float],
        metadata: Metadata,
        proceed: Invoker,
    ) -> Any:
        started = time.monotonic()
        if method.newer_fields and self._worth_checking():
            fields = self._newer(method, request)
            if fields and not self.release.attempted and self.fetch is not None:
                await self.release.fetch_async(self.fetch, timeout)
                timeout = _left(timeout, started)
            self._warn(method, fields)
        try:
            return await proceed(method, request, timeout, metadata)
        except FlyteUnimplementedException as error:
            if method.added is not None and not self.release.attempted and self.fetch:
                await self.release.fetch_async(self.fetch, _left(timeout, started, FETCH_TIMEOUT_S))
                self._annotate(error, method)
            raise


def _left(
    timeout: Optional[float], started: float, default: Optional[float] = None
) -> Optional[float]:
    """What is left of ``timeout`` (None: ``default``); never below 1 ms, so the call
    itself reports its deadline."""
    if timeout is None:
        return default
    return max(timeout - (time.monotonic() - started), 0.001)
