"""Peak RSS while iterating tasks through ``client.iter_tasks``, in a fresh process.

    python -m benchmarks.memory --endpoint 127.0.0.1:PORT --count 100000

prints one JSON line: ``count`` (items iterated), ``rss_before_kb`` / ``rss_peak_kb``
(ru_maxrss, the high-water mark, after the imports, client creation and one warm-up
page / at the end) and ``rss_now_before_kb`` / ``rss_now_after_kb`` (current RSS at
the same two points; the import peak can hide growth from ru_maxrss, not from these).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
from typing import Dict, Optional, Sequence


def max_rss_kb() -> int:
    """This process's peak resident set size so far, in KiB (Linux reports KiB)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss // 1024 if sys.platform == "darwin" else rss


def current_rss_kb() -> int:
    """Current resident set size in KiB (/proc on Linux; else the high-water mark)."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
    except (OSError, ValueError, IndexError):
        return max_rss_kb()
    return pages * resource.getpagesize() // 1024


def measure(endpoint: str, count: int, page_size: int = 100, keep: bool = False) -> Dict[str, int]:
    """Iterate ``count`` tasks (touching each) and report the RSS figures. ``keep``
    holds every task in a list: the reference that shows what growth looks like."""
    from flyteclient import SynchronousFlyteClient

    from . import fixtures

    ident = fixtures.named_entity()
    with SynchronousFlyteClient(endpoint, insecure=True) as client:
        for _ in client.iter_tasks(ident, page_size=page_size, limit=page_size):
            pass
        before, now_before = max_rss_kb(), current_rss_kb()
        seen, kept = 0, []
        for task in client.iter_tasks(ident, page_size=page_size, limit=count):
            seen += len(task.id.name) > 0
            if keep:
                kept.append(task)
        now_after = current_rss_kb()
        return {
            "count": seen,
            "rss_before_kb": before,
            "rss_peak_kb": max_rss_kb(),
            "rss_now_before_kb": now_before,
            "rss_now_after_kb": now_after,
        }


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.memory", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument(
        "--keep", action="store_true", help="hold every task (the growing reference)"
    )
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.endpoint, args.count, args.page_size, args.keep)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
