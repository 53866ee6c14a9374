"""The authenticator interface the client's interceptors use."""

from __future__ import annotations

import abc
import logging
import threading
import time
from typing import TYPE_CHECKING, Optional, Tuple

from flyteclient.runtime.auth.credentials import Credentials
from flyteclient.runtime.interceptors.deadline import fetch_deadline

if TYPE_CHECKING:
    from flyteclient.runtime.interceptors.auth import Authenticator

__all__ = ["TokenAuthenticator", "DEFAULT_HEADER_KEY", "header_of"]

logger = logging.getLogger(__name__)

DEFAULT_HEADER_KEY = "authorization"

# At most one proactive refresh per this many seconds: a source that hands out tokens
# already inside the refresh margin must not be asked again on every call.
_MIN_PROACTIVE_INTERVAL_S = 1.0


def header_of(authenticator: "Authenticator") -> Optional[Tuple[str, str]]:
    """``authenticator``'s ``(key, value)``, getting credentials first when it has none
    (proxy credentials must be there before the first request)."""
    header = authenticator.fetch_grpc_call_auth_metadata()
    if header is None:
        authenticator.refresh_credentials()
        header = authenticator.fetch_grpc_call_auth_metadata()
    return header


class TokenAuthenticator(abc.ABC):
    """The base of flyteclient's authenticators: holds a token and knows how to get a new
    one, behind flytekit's interface (the client's
    :class:`~flyteclient.runtime.interceptors.auth.Authenticator` protocol).

    - :meth:`fetch_grpc_call_auth_metadata` returns ``(header key, "Bearer <token>")``
      for the current token, or None when there is none yet. When the token is known
      to expire soon, a refresh that needs no user interaction starts in the background
      (at most one per second); the current token is returned meanwhile, unless it has
      already expired: then the new one is waited for, but not past the deadline of the
      call being made (:data:`~flyteclient.runtime.interceptors.deadline.fetch_deadline`).
    - :meth:`refresh_credentials` gets a new token (which may prompt the user) and
      blocks until it has; the client runs it so that a call can stop waiting for it
      at its deadline.

    Thread-safe: refreshes are serialised by a lock, and a caller that waited while
    another thread refreshed does not refresh again.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._creds: Optional[Credentials] = None
        self._generation = 0  # bumped each time new credentials are set
        self._started = False
        self._set_at = float("-inf")  # time.monotonic() of the last _set_credentials
        self._proactive_at = float("-inf")  # time.monotonic() the last proactive refresh started
        self._proactive_lock = threading.Lock()
        self._proactive: Optional[threading.Event] = (
            None  # set when the running proactive refresh ends
        )

    # -- public interface ------------------------------------------------------------

    def fetch_grpc_call_auth_metadata(self) -> Optional[Tuple[str, str]]:
        """The ``(metadata key, "Bearer <token>")`` pair to send, or None without a token."""
        creds = self._current()
        if creds is None:
            return None
        if creds.needs_refresh():
            done = self._refresh_in_background(creds)
            if done is not None and creds.expired():
                deadline = fetch_deadline.get()
                done.wait(None if deadline is None else max(0.0, deadline - time.monotonic()))
                creds = self._creds or creds
        return self._header_key(), f"Bearer {creds.access_token}"

    def refresh_credentials(self) -> None:
        """Obtain new credentials. Raises :class:`AuthenticationError` on failure
        (the credentials held before, and any cached copy, are kept)."""
        generation = self._generation
        with self._lock:
            if self._generation != generation:
                return  # another thread refreshed while this one waited
            self._refresh()

    def get_credentials(self) -> Optional[Credentials]:
        """The credentials held now (None before the first refresh)."""
        return self._current()

    def _refresh_in_background(self, creds: Credentials) -> Optional[threading.Event]:
        """Start a silent refresh unless one runs (or ran less than a second ago);
        the running refresh's completion event, or None."""
        now = time.monotonic()
        with self._proactive_lock:
            if self._proactive is not None:
                return self._proactive
            if now - max(self._set_at, self._proactive_at) < _MIN_PROACTIVE_INTERVAL_S:
                return None
            self._proactive_at = now
            done = self._proactive = threading.Event()
        threading.Thread(
            target=self._refresh_expiring,
            args=(creds, done),
            name="flyteclient-token-refresh",
            daemon=True,
        ).start()
        return done

    def _refresh_expiring(self, creds: Credentials, done: threading.Event) -> None:
        try:
            with self._lock:
                if self._creds is creds:  # nobody refreshed meanwhile
                    self._refresh_silently()
        except Exception as e:  # the server will reject an expired token; refresh then
            logger.warning("Refreshing the expiring access token failed: %s", e)
        finally:
            with self._proactive_lock:
                self._proactive = None
            done.set()

    # -- for subclasses ---------------------------------------------------------------

    def _current(self) -> Optional[Credentials]:
        if not self._started:
            with self._lock:
                if not self._started:
                    self._creds = self._initial_credentials()
                    self._started = True
        return self._creds

    def _set_credentials(self, creds: Credentials) -> None:
        self._creds = creds
        self._started = True
        self._set_at = time.monotonic()
        self._generation += 1

    def _initial_credentials(self) -> Optional[Credentials]:
        """Credentials to start with (e.g. from a cache); called once, lazily."""
        return None

    def _refresh_silently(self) -> None:
        """Refresh an expiring token without user interaction; called with the lock held.
        By default the same as :meth:`_refresh`."""
        self._refresh()

    @abc.abstractmethod
    def _refresh(self) -> None:
        """Obtain new credentials and :meth:`_set_credentials` them; called with the lock held."""

    @abc.abstractmethod
    def _header_key(self) -> str:
        """The gRPC metadata key the token is sent under."""
