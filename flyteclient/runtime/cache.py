"""A small bounded LRU cache, owned by one client instance (so it dies with it), and its
async form, which loads each key once however many tasks ask for it together."""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Dict, Hashable

_MISSING = object()


class LRUCache:
    def __init__(self, maxsize: int = 256) -> None:
        self.maxsize = maxsize
        self._data: "OrderedDict[Hashable, Any]" = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        """The value for ``key`` (now most recently used), or ``_MISSING``."""
        with self._lock:
            value = self._data.get(key, _MISSING)
            if value is not _MISSING:
                self._data.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)

    def get_or_load(self, key: Hashable, load: Callable[[], Any]) -> Any:
        value = self.get(key)
        if value is _MISSING:
            value = load()
            self.put(key, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)


class AsyncLRUCache(LRUCache):
    """:class:`LRUCache` whose loads are awaitable and single-flight per key: tasks
    asking for a key being loaded wait for that load (a failed load fails them all; the
    next request loads again). One event loop per cache, like the client owning it."""

    def __init__(self, maxsize: int = 256) -> None:
        super().__init__(maxsize)
        self._loading: Dict[Hashable, "asyncio.Future[Any]"] = {}

    async def get_or_load_async(self, key: Hashable, load: Callable[[], Awaitable[Any]]) -> Any:
        value = self.get(key)
        if value is not _MISSING:
            return value
        pending = self._loading.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        pending = self._loading[key] = asyncio.get_running_loop().create_future()
        try:
            value = await load()
        except Exception as error:
            pending.set_exception(error)
            pending.exception()  # retrieved: no "never retrieved" warning when nobody waits
            raise
        except BaseException:  # cancelled: the waiting tasks are cancelled too
            pending.cancel()
            raise
        finally:
            del self._loading[key]
        self.put(key, value)
        pending.set_result(value)
        return value
