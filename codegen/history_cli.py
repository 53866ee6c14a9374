"""``python -m codegen history``: rebuild ``codegen/history.json`` from the released wheels.

    python -m codegen history                  # rebuild from the releases it lists
    python -m codegen history --add 1.16.9     # ... plus a new release (scripts/bump-idl)
    python -m codegen history --releases 1.10.7 1.11.0 ...   # exactly these releases
    python -m codegen history --check          # exit 1 if the file differs from a rebuild

Wheels come from the wheel cache, downloaded with pip when missing
(``codegen/releases.py``); ``--wheel PATH`` supplies one directly (bump-idl passes the
wheel it already downloaded). The whole file is rebuilt every time, so it never depends on
the order releases were added in. Exit status 0, 1 (``--check``: out of date), 2 (bad
input, a wheel that cannot be fetched).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional, Sequence

from .errors import CodegenError
from .history import HISTORY_FILE, build, load_history, render, wheel_snapshot
from .releases import fetch_wheel, is_release, release_key


def rebuild(
    releases: Sequence[str], wheels: Sequence[Path] = (), cache: Optional[Path] = None
) -> str:
    """The text of the history of ``releases`` (plus the releases of ``wheels``)."""
    given = {}
    for wheel in wheels:
        snap = wheel_snapshot(wheel)
        given[snap.version] = snap
    snapshots = list(given.values())
    for version in releases:
        if version not in given:
            snapshots.append(wheel_snapshot(fetch_wheel(version, cache)))
    return render(build(snapshots))


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m codegen history",
        description="Rebuild codegen/history.json (the API's history) from released flyteidl wheels.",
    )
    parser.add_argument("--add", nargs="+", default=[], metavar="VERSION", help="releases to add")
    parser.add_argument(
        "--releases",
        nargs="+",
        metavar="VERSION",
        help="exactly these releases (default: the file's)",
    )
    parser.add_argument(
        "--wheel",
        action="append",
        type=Path,
        default=[],
        metavar="PATH",
        help="a flyteidl wheel to use",
    )
    parser.add_argument("--cache", type=Path, default=None, help="wheel cache directory")
    parser.add_argument("--out", type=Path, default=HISTORY_FILE, help="default: %(default)s")
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if the file is out of date"
    )
    args = parser.parse_args(list(argv))
    try:
        releases = list(args.releases or [])
        if not releases:
            releases = list(load_history(args.out).releases) if args.out.exists() else []
        for version in args.add:
            if not is_release(version):
                raise CodegenError(f"--add {version}: not a release number like 1.16.9")
            if version not in releases:
                releases.append(version)
        bad = [v for v in releases if not is_release(v)]
        if bad:
            raise CodegenError(f"not release numbers: {', '.join(bad)}")
        if not releases and not args.wheel:
            raise CodegenError("no releases: give --releases (the first is the oldest supported)")
        releases.sort(key=release_key)
        text = rebuild(releases, args.wheel, args.cache)
    except CodegenError as exc:
        print(f"codegen history: error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(f"codegen history: {args.out} differs from a rebuild", file=sys.stderr)
            return 1
        print(f"codegen history: {args.out} is up to date")
        return 0
    args.out.write_text(text, encoding="utf-8")
    history = load_history(args.out)
    print(
        f"codegen history: {len(history.releases)} releases ({history.baseline} .. {history.latest}) "
        f"written to {args.out}"
    )
    return 0
