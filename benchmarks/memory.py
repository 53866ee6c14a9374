"""Peak RSS while iterating tasks through ``client.iter_tasks``, in a fresh process.

    python -m benchmarks.memory --endpoint 127.0.0.1:PORT --count 100000

prints one JSON line: ``count`` (items iterated), ``rss_before_kb`` (ru_maxrss after the
imports, client creation and one warm-up page), ``rss_peak_kb`` (ru_maxrss at the end).
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


def measure(endpoint: str, count: int, page_size: int = 100) -> Dict[str, int]:
    """Iterate ``count`` tasks (touching each) and report the RSS figures."""
    from flyteclient import SynchronousFlyteClient

    from . import fixtures

    ident = fixtures.named_entity()
    with SynchronousFlyteClient(endpoint, insecure=True) as client:
        for _ in client.iter_tasks(ident, page_size=page_size, limit=page_size):
            pass
        before = max_rss_kb()
        seen = 0
        for task in client.iter_tasks(ident, page_size=page_size, limit=count):
            seen += len(task.id.name) > 0
        return {"count": seen, "rss_before_kb": before, "rss_peak_kb": max_rss_kb()}


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.memory", description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--page-size", type=int, default=100)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.endpoint, args.count, args.page_size)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
