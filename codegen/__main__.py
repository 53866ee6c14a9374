"""``python -m codegen``: regenerate ``flyteclient/generated`` (or check it, or diff manifests).

By default the client is generated from the installed flyteidl. ``--descriptor-set FILE``
or ``--protos DIR`` generate it from another IDL instead (an unreleased one, to preview
its client); the generated code still imports flyteidl's ``_pb2`` modules at run time,
so running it needs a flyteidl built from that same IDL.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any, Optional, Sequence

from .errors import CodegenError

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "flyteclient" / "generated"


def generate(
    out: Path,
    check: bool,
    services: Optional[Sequence[str]],
    surface_file: Optional[Path] = None,
    descriptor_set: Optional[Path] = None,
    protos: Optional[Path] = None,
    proto_paths: Sequence[Path] = (),
) -> int:
    """Render the client (from the installed flyteidl, or from ``descriptor_set`` or the
    ``.proto`` tree ``protos``) and write it to ``out``, or with ``check`` compare it with
    what is there."""
    from .history import load_history
    from .output import diff_tree, write_tree
    from .render import render_all
    from .schema import build_api, with_history
    from .surface import SURFACE_FILE, load_surface

    started = time.perf_counter()
    surface = load_surface(surface_file or SURFACE_FILE)
    loaded = _load(dict(surface.services), services, descriptor_set, protos, proto_paths)
    api = with_history(build_api(loaded, surface), load_history())
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


def _load(
    modules: dict[str, str],
    services: Optional[Sequence[str]],
    descriptor_set: Optional[Path],
    protos: Optional[Path],
    proto_paths: Sequence[Path],
) -> Any:
    """The services' descriptors: from the installed flyteidl, or from a fresh pool."""
    if descriptor_set is None and protos is None:
        from .load import load_services

        return load_services(modules, services)
    from .idl import build_pool, compile_protos, read_descriptor_set
    from .load import load_pool_services

    if protos is not None:
        source = compile_protos(protos, proto_paths)
    elif descriptor_set is not None and descriptor_set.is_dir():
        raise CodegenError(
            f"{descriptor_set}: a directory, not a descriptor set (--protos reads .proto files)"
        )
    else:
        assert descriptor_set is not None
        source = read_descriptor_set(descriptor_set)
    return load_pool_services(build_pool(source), source.version, modules, services)


#: The oldest protobuf the generator reads descriptors with (also the runtime's floor).
MIN_PROTOBUF = (4, 25, 1)


def check_protobuf() -> None:
    """Raise CodegenError unless the installed protobuf is at least :data:`MIN_PROTOBUF`."""
    import re

    from google import protobuf

    found = protobuf.__version__
    release = tuple(int(p) for p in re.findall(r"\d+", found)[:3])
    if release < MIN_PROTOBUF:
        floor = ".".join(map(str, MIN_PROTOBUF))
        raise CodegenError(
            f"the generator needs protobuf >= {floor} (found {found}): pip install -e '.[dev]'"
        )


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        check_protobuf()
    except CodegenError as exc:
        print(f"codegen: error: {exc}", file=sys.stderr)
        return 2
    if argv[:1] == ["diff"]:
        from .diff import main as diff_main

        return diff_main(argv[1:])
    if argv[:1] == ["history"]:
        from .history_cli import main as history_main

        return history_main(argv[1:])
    from .idl import add_proto_path_option

    parser = argparse.ArgumentParser(prog="python -m codegen", description=__doc__)
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 and print a diff if out of date"
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="output directory (default: %(default)s)"
    )
    parser.add_argument(
        "--service",
        action="append",
        dest="services",
        metavar="NAME",
        help="only this service (repeatable)",
    )
    parser.add_argument(
        "--surface",
        type=Path,
        default=None,
        help="the surface file (default: codegen/surface.toml)",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--descriptor-set",
        type=Path,
        metavar="FILE",
        help="generate from this FileDescriptorSet (buf build -o / protoc --descriptor_set_out)",
    )
    source.add_argument(
        "--protos",
        type=Path,
        metavar="DIR",
        help="generate from the .proto files under DIR (compiled with grpcio-tools)",
    )
    add_proto_path_option(parser, "--protos")
    args = parser.parse_args(argv)
    if args.proto_path and not args.protos:
        parser.error("--proto-path needs --protos")
    try:
        return generate(
            args.out,
            args.check,
            args.services,
            args.surface,
            args.descriptor_set,
            args.protos,
            args.proto_path,
        )
    except CodegenError as exc:
        print(f"codegen: error: {exc}", file=sys.stderr)
        return 2
    except ImportError as exc:
        if exc.name not in ("jinja2", "black", "tomli", "grpc_tools"):
            raise
        print(
            f"codegen: error: {exc.name} is missing; the generator runs from a checkout: pip install -e '.[dev]'",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())
