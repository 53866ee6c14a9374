"""Cancellation that flows down the tree of running nodes: aborting an execution (or failing
a node under FAIL_IMMEDIATELY) cancels every node below and kills their task processes."""

from __future__ import annotations

import threading
from typing import Callable, List, Optional


class Cancel:
    """A cancellation flag with children and callbacks (run once, when it is first set)."""

    def __init__(self, parent: Optional["Cancel"] = None) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: List[Callable[[], None]] = []
        self._children: List["Cancel"] = []
        self.reason = ""
        if parent is not None:
            parent._adopt(self)

    def _adopt(self, child: "Cancel") -> None:
        with self._lock:
            if not self._event.is_set():
                self._children.append(child)
                return
        child.set(self.reason)

    def child(self) -> "Cancel":
        return Cancel(self)

    def set(self, reason: str = "") -> None:
        with self._lock:
            if self._event.is_set():
                return
            self.reason = reason
            self._event.set()
            callbacks, self._callbacks = self._callbacks, []
            children, self._children = self._children, []
        for cb in callbacks:
            cb()
        for c in children:
            c.set(reason)

    def is_set(self) -> bool:
        return self._event.is_set()

    def wait(self, timeout: Optional[float] = None) -> bool:
        return self._event.wait(timeout)

    def on_cancel(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Run ``callback`` when cancelled (at once if already); returns a function that
        unregisters it."""
        with self._lock:
            if not self._event.is_set():
                self._callbacks.append(callback)

                def remove() -> None:
                    with self._lock:
                        if callback in self._callbacks:
                            self._callbacks.remove(callback)

                return remove
        callback()
        return lambda: None
