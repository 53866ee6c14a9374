"""``python -m codegen``: regenerate ``flyteclient/generated`` (or check it, or diff manifests)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Optional, Sequence

from .errors import CodegenError

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "flyteclient" / "generated"


def generate(out: Path, check: bool, services: Optional[Sequence[str]], surface_file: Optional[Path] = None) -> int:
    from .load import load_services
    from .output import diff_tree, write_tree
    from .render import render_all
    from .schema import build_api
    from .surface import SURFACE_FILE, load_surface

    started = time.perf_counter()
    surface = load_surface(surface_file or SURFACE_FILE)
    api = build_api(load_services(surface.services, services), surface)
    files = render_all(api)
    if check:
        diff = diff_tree(out, files)
        if diff:
            sys.stdout.write(diff)
            print(
                f"codegen --check: {out} differs from what flyteidl {api.flyteidl_version} "
                "generates; run `python -m codegen`",
                file=sys.stderr,
            )
            return 1
        print(f"codegen --check: {out} is up to date ({len(files)} files, {len(api.methods)} RPCs)")
        return 0
    write_tree(out, files)
    elapsed = time.perf_counter() - started
    print(
        f"generated {len(files)} files, {len(api.methods)} RPCs of {len(api.services)} services "
        f"from flyteidl {api.flyteidl_version} into {out} in {elapsed:.2f}s"
    )
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["diff"]:
        from .diff import main as diff_main

        return diff_main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m codegen", description=__doc__)
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 and print a diff if out of date")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory (default: %(default)s)")
    parser.add_argument("--service", action="append", dest="services", metavar="NAME", help="only this service (repeatable)")
    parser.add_argument("--surface", type=Path, default=None, help="the surface file (default: codegen/surface.toml)")
    args = parser.parse_args(argv)
    try:
        return generate(args.out, args.check, args.services, args.surface)
    except CodegenError as exc:
        print(f"codegen: error: {exc}", file=sys.stderr)
        return 2
    except ImportError as exc:
        if exc.name not in ("jinja2", "black", "tomli"):
            raise
        print(f"codegen: error: {exc.name} is missing; the generator runs from a checkout: pip install -e '.[dev]'", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
