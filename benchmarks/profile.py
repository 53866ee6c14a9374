"""cProfile of flyteclient's unary or pagination path against the benchmark server.

    python -m benchmarks.profile unary [--calls 5000] [--top 20]
    python -m benchmarks.profile pages [--calls 5]

Prints the functions with the most internal time. (cProfile inflates small Python
functions; use it for shares, the benchmark itself for ratios.)
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
from typing import Optional, Sequence

from . import clients
from .server import spawn


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.profile", description=__doc__.splitlines()[0]
    )
    parser.add_argument("path", choices=("unary", "pages"))
    parser.add_argument(
        "--calls",
        type=int,
        help="units profiled (default: 5000 calls, or 5 passes over 10,000 tasks)",
    )
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args(argv)
    unary = args.path == "unary"
    calls = args.calls or (5000 if unary else 5)
    with spawn(10_000) as endpoint:
        subject = (
            clients.flyteclient_unary(endpoint) if unary else clients.flyteclient_pages(endpoint)
        )
        try:
            for _ in range(200 if unary else 1):
                subject.run()
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(calls):
                subject.run()
            profiler.disable()
        finally:
            subject.close()
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
