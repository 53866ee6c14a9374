"""Run one function on many threads at once and collect what they raise."""

from __future__ import annotations

import threading
from typing import Any, Callable, List


def run_concurrently(fn: Callable[[], Any], threads: int) -> List[BaseException]:
    """Start ``threads`` threads that call ``fn`` together (behind a barrier); return the errors."""
    barrier = threading.Barrier(threads)
    errors: List[BaseException] = []
    lock = threading.Lock()

    def work() -> None:
        barrier.wait()
        try:
            fn()
        except BaseException as e:  # reported to the caller
            with lock:
                errors.append(e)

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return errors
