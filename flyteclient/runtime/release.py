"""The server's release, as flyteadmin's ``GetVersion`` reports it, fetched once per client.

flyteadmin and flyteidl share release numbers, so ``control_plane_version.Version``
(``"v1.12.0"``, ``"v1.13.1-b2"``) says which flyteidl RPCs and fields the server has. A
client asks only when it needs to know (a request sets a field newer than the oldest
supported release, an RPC answered UNIMPLEMENTED, ``client.compatibility()``), once: the
answer, or the failure to get one, is kept for the client's lifetime. Ordinary calls never
wait for it.
"""

from __future__ import annotations

import asyncio
import re
import threading
from typing import Any, Callable, Optional, Tuple

Release = Tuple[int, int, int]

_VERSION = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(?![\d.])")
#: Seconds the version call may take when the call that needs it has no deadline.
FETCH_TIMEOUT_S = 5.0


def parse_release(text: Optional[str]) -> Optional[Release]:
    """``(1, 12, 0)`` for ``"1.12.0"``, ``"v1.12.0"`` or ``"v1.12.0-b1"``; None for anything
    else (a development build's ``"unknown"``, another server's own version string)."""
    match = _VERSION.match((text or "").strip())
    if match is None:
        return None
    major, minor, patch = (int(g) for g in match.groups())
    return major, minor, patch


def release_text(release: Release) -> str:
    return ".".join(str(n) for n in release)


def older(server: Release, release: str) -> bool:
    """The server's release is older than flyteidl ``release`` (``"unreleased"``: always)."""
    other = parse_release(release)
    return other is None or server < other


class ServerRelease:
    """A client's knowledge of its server's release: unknown until :meth:`fetch` (or
    :meth:`fetch_async`) ran once; then the release, or None if the server did not say.
    ``reported`` is the raw ``Version`` string."""

    def __init__(self) -> None:
        self.attempted = False
        self.release: Optional[Release] = None
        self.reported: Optional[str] = None
        self._lock = threading.Lock()
        self._task: Optional[asyncio.Future[Any]] = None

    @property
    def version(self) -> Optional[str]:
        """``"1.12.0"`` when known."""
        return release_text(self.release) if self.release is not None else None

    def learn(self, response: Any) -> None:
        """Keep what a GetVersion ``response`` says (None: the call failed)."""
        reported = response.control_plane_version.Version if response is not None else None
        self.reported = reported or None
        self.release = parse_release(reported)
        self.attempted = True

    def fetch(self, call: Callable[[Optional[float]], Any], timeout: Optional[float]) -> None:
        """Ask once with ``call(timeout)`` (a GetVersion call through the client); a failure
        leaves the release unknown for good. Threads arriving meanwhile wait at most
        ``timeout`` for the one asking."""
        if self.attempted:
            return
        wait = FETCH_TIMEOUT_S if timeout is None else timeout
        if not self._lock.acquire(timeout=max(wait, 0.0)):
            return
        try:
            if self.attempted:
                return
            try:
                response = call(wait)
            except Exception:  # noqa: BLE001 - any failure: the release stays unknown
                response = None
            self.learn(response)
        finally:
            self._lock.release()

    async def fetch_async(
        self, call: Callable[[Optional[float]], Any], timeout: Optional[float]
    ) -> None:
        """:meth:`fetch` for the async client: one request however many tasks ask."""
        if self.attempted:
            return
        wait = FETCH_TIMEOUT_S if timeout is None else timeout
        if self._task is None:
            self._task = asyncio.ensure_future(self._ask(call, wait))
        try:
            await asyncio.wait_for(asyncio.shield(self._task), max(wait, 0.0))
        except Exception:  # noqa: BLE001 - a timeout too: unknown, as in fetch()
            return

    async def _ask(self, call: Callable[[Optional[float]], Any], wait: float) -> None:
        try:
            response = await call(wait)
        except Exception:  # noqa: BLE001 - any failure: the release stays unknown
            response = None
        self.learn(response)
