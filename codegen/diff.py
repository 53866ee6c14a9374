"""``python -m codegen diff OLD NEW``: what an IDL change means for client users.

Compares two API manifests (``codegen/manifest.py``) and prints a report for a
pull-request description: a one-line summary, then one section per kind of change, each
line flagged **breaking** or compatible and naming its rule (``codegen/rules.py``; RPCs
and Python methods: ``codegen/surfacediff.py``; messages and enums:
``codegen/typediff.py``; rendering: ``codegen/report.py``).

OLD and NEW are each one of:

* a manifest: ``api.json`` (its ``types/`` beside it) or a directory holding one;
* a git revision of the current repository (``main``, ``HEAD~1``): the generated
  manifest at that revision; ``REV:path`` for a manifest (or its directory) or descriptor set at any path;
* an IDL, turned into a manifest as ``python -m codegen`` would (``codegen/idl.py``):
  a FileDescriptorSet file (``buf build -o api.binpb``, ``protoc --include_imports
  --descriptor_set_out=api.binpb``), a directory of ``.proto`` files (compiled with
  grpcio-tools' protoc; ``--proto-path`` adds include directories), or a flyteidl wheel;
* ``flyteidl==1.12.0``: that release's wheel, fetched with pip into the wheel cache
  (``codegen/releases.py``; ``--cache DIR``) unless it is there already.

Reports name each side by its flyteidl release: the version the input carries (a wheel,
a manifest, ``flyteidl==``), else the release whose API digest the input matches
(``codegen/history.json``: a descriptor set or ``.proto`` tree of a release), else what
``git describe`` says of the input's directory, marked unreleased.

Exit status: 0 no breaking change, 1 at least one breaking change (gate CI on it), 2 bad
input (unreadable file, unknown revision, invalid JSON, not a manifest or IDL), said on
one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import posixpath
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Sequence

from .changes import Change
from .errors import CodegenError
from .idl import (
    Idl,
    add_proto_path_option,
    build_pool,
    parse_descriptor_set,
    proto_files,
    read_idl,
    read_wheel,
)
from .manifest import MANIFEST_FILE, join_files
from .releases import fetch_wheel, is_release, parse_spec
from .report import as_json, markdown
from .surfacediff import compare_rpcs
from .typediff import compare_types

GENERATED = "flyteclient/generated"
MANIFEST_PATH = f"{GENERATED}/{MANIFEST_FILE}"
EXIT_OK, EXIT_BREAKING, EXIT_BAD_INPUT = 0, 1, 2

Manifest = Mapping[str, Any]


class ManifestError(Exception):
    """An argument that does not name a readable manifest or IDL; the message is one line."""


# -- inputs ---------------------------------------------------------------------------


def load_manifest(
    spec: str,
    cwd: Optional[Path] = None,
    proto_paths: Sequence[Path] = (),
    cache: Optional[Path] = None,
) -> dict[str, Any]:
    """The in-memory manifest that ``spec`` names (see the module docstring)."""
    version = parse_spec(spec)
    try:
        if version is not None:
            return idl_manifest(read_wheel(fetch_wheel(version, cache)))
    except CodegenError as exc:
        raise ManifestError(str(exc)) from exc
    path = Path(cwd or ".") / spec
    try:
        if path.is_dir():
            if (path / MANIFEST_FILE).is_file():
                return _manifest_file(path / MANIFEST_FILE, spec)
            if proto_files(path):
                return _idl_manifest(path, proto_paths)
            raise ManifestError(f"{spec}: directory has no {MANIFEST_FILE} and no .proto files")
        if path.is_file():
            if path.suffix == ".whl":
                return _idl_manifest(path, proto_paths)
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise ManifestError(f"{spec}: cannot read: {exc.strerror or exc}") from exc
            if _looks_like_json(data, path.name):
                return _manifest_file(path, spec)
            return idl_manifest(Idl(path.name, tuple(parse_descriptor_set(data, spec).file)))
        return _from_git(spec, cwd)
    except CodegenError as exc:
        raise ManifestError(str(exc)) from exc


def _looks_like_json(data: bytes, name: str) -> bool:
    """A manifest rather than a descriptor set (whose first bytes can be ``\\n{`` too)."""
    if name.endswith(".json"):
        return True
    if data.lstrip()[:1] not in (b"{", b"["):
        return False
    try:
        parse_descriptor_set(data, name)
    except CodegenError:
        return True
    return False


def _manifest_file(path: Path, spec: str) -> dict[str, Any]:
    def read(rel: str) -> str:
        try:
            return (path.parent / rel).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ManifestError(f"{spec}: cannot read {rel} beside it: {exc}") from exc

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{spec}: cannot read: {exc}") from exc
    return parse_manifest(text, spec, read)


def _git_show(obj: str, spec: str, cwd: Optional[Path]) -> bytes:
    try:
        done = subprocess.run(["git", "show", obj], cwd=cwd, capture_output=True, check=False)
    except OSError as exc:
        raise ManifestError(f"{spec}: not a file or directory, and git cannot run: {exc}") from exc
    if done.returncode != 0:
        reason = (done.stderr.decode(errors="replace").strip().splitlines() or ["unknown error"])[0]
        raise ManifestError(
            f"{spec}: not a file, directory or readable git revision ({reason.removeprefix('fatal: ')})"
        )
    return bytes(done.stdout)


def _from_git(spec: str, cwd: Optional[Path]) -> dict[str, Any]:
    """The manifest (or descriptor set) at git revision ``spec`` (``REV`` or ``REV:path``)."""
    rev, _, rel = spec.partition(":")
    rel = rel.rstrip("/") or MANIFEST_PATH
    data = _git_show(f"{rev}:{rel}", spec, cwd)
    if data.startswith(b"tree "):  # REV:dir means the manifest in that directory
        rel = posixpath.join(rel, MANIFEST_FILE)
        data = _git_show(f"{rev}:{rel}", spec, cwd)
    if not _looks_like_json(data, rel):
        try:
            files = parse_descriptor_set(data, spec).file
        except CodegenError as exc:
            raise ManifestError(
                f"{spec}: neither a manifest nor a FileDescriptorSet ({exc})"
            ) from exc
        return idl_manifest(Idl(posixpath.basename(rel), tuple(files)))

    def read(type_rel: str) -> str:
        return _git_show(
            f"{rev}:{posixpath.join(posixpath.dirname(rel), type_rel)}", spec, cwd
        ).decode("utf-8")

    return parse_manifest(data.decode("utf-8", errors="replace"), spec, read)


def _idl_manifest(path: Path, proto_paths: Sequence[Path]) -> dict[str, Any]:
    return idl_manifest(read_idl(path, proto_paths))


def idl_manifest(idl: Idl) -> dict[str, Any]:
    """The manifest ``python -m codegen`` would write for this IDL. Services it lacks are
    simply absent, and so are RPCs it lacks that the surface file names: an IDL that
    removes an RPC is reported (``RPC_NO_DELETE``), not refused."""
    from dataclasses import replace

    from .load import load_pool_services
    from .manifest import build_manifest
    from .schema import build_api
    from .surface import load_surface

    surface = load_surface()
    lenient = replace(
        surface, rpc={name: replace(e, optional=True) for name, e in surface.rpc.items()}
    )
    loaded = load_pool_services(build_pool(idl), idl.version, surface.services, allow_missing=True)
    return build_manifest(build_api(loaded, lenient))


def parse_manifest(
    text: str, source: str, read: Callable[[str], str] = lambda rel: "{}"
) -> dict[str, Any]:
    """Parse and shape-check a manifest (``read`` gives its type files); ``source`` names
    it in errors. A format-1 manifest is converted (see :func:`upgrade`)."""
    try:
        data = join_files(text, read, source)
    except json.JSONDecodeError as exc:
        raise ManifestError(f"{source}: invalid JSON: {exc}") from exc
    except ValueError as exc:
        raise ManifestError(f"{source}: {exc}") from exc
    services = data.get("services")
    if not isinstance(services, dict):
        raise ManifestError(f'{source}: not an API manifest (no "services" object)')
    for name, service in services.items():
        rpcs = service.get("rpcs") if isinstance(service, dict) else None
        if not isinstance(rpcs, dict) or not all(isinstance(r, dict) for r in rpcs.values()):
            raise ManifestError(
                f'{source}: not an API manifest (service {name} has no "rpcs" object)'
            )
    return upgrade(data)


def upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """A format-1 manifest (request and response as ``{"type", "fields"}``, nothing
    deeper) in today's shape: its top-level fields become ``partial`` messages."""
    if data.get("format", 1) >= 2:
        return data
    messages: dict[str, Any] = {}
    for service in data["services"].values():
        for rpc in service["rpcs"].values():
            for side in ("request", "response"):
                entry = rpc.get(side)
                if not isinstance(entry, dict):
                    continue
                fields = {
                    str(spec.get("number")): {
                        "name": name,
                        "type": spec.get("type"),
                        "label": spec.get("label"),
                    }
                    for name, spec in (entry.get("fields") or {}).items()
                }
                messages.setdefault(str(entry.get("type")), {"partial": True, "fields": fields})
                rpc[side] = entry.get("type")
    return {**data, "messages": messages, "enums": {}, "partial": True}


def name_release(manifest: dict[str, Any], spec: str, cwd: Optional[Path] = None) -> dict[str, Any]:
    """``manifest`` with ``release`` set: how reports name it (see the module docstring)."""
    from .history import load_history

    label = str(manifest.get("flyteidl") or spec)
    if is_release(label):
        return {**manifest, "release": label}
    same: tuple[str, ...] = ()
    if not manifest.get("partial"):
        try:
            same = load_history().releases_of(manifest)
        except CodegenError:
            same = ()
    if same:
        named = same[0] if len(same) == 1 else f"{same[-1]} (same API as {', '.join(same[:-1])})"
        return {**manifest, "release": named}
    described = _git_describe(Path(cwd or ".") / spec)
    where = f"{described}, " if described else ""
    return {**manifest, "release": f"{label} ({where}unreleased)"}


def _git_describe(path: Path) -> Optional[str]:
    """``git describe`` of the checkout ``path`` is in, by a release tag (``v1.16.8``,
    ``flyteidl/v1.16.8``, ``v1.16.8-3-gabc123``); None when there is none."""
    if not path.exists():  # a git revision, not a path
        return None
    where = path if path.is_dir() else path.parent
    try:
        done = subprocess.run(
            ["git", "describe", "--tags", "--match", "v[0-9]*", "--match", "flyteidl/v[0-9]*"],
            cwd=where,
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.strip() or None


# -- comparing and reporting ------------------------------------------------------------


def compare(old: Manifest, new: Manifest) -> list[Change]:
    """Every change from ``old`` to ``new``."""
    return [*compare_rpcs(old, new), *compare_types(old, new)]


def main(argv: Sequence[str]) -> int:
    """Entry point of ``python -m codegen diff OLD NEW``; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m codegen diff",
        description="Report the client-visible changes between two manifests or IDLs. "
        "Exit 1 when something breaking changed, 2 on bad input.",
    )
    forms = (
        "manifest (api.json or its directory), git REV or REV:path, descriptor set, "
        ".proto directory, wheel, or flyteidl==VERSION (fetched with pip)"
    )
    parser.add_argument("old", help=forms)
    parser.add_argument("new", help="same forms as OLD")
    parser.add_argument(
        "--format",
        choices=("markdown", "json"),
        default="markdown",
        help="report format (default: %(default)s)",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        default=None,
        metavar="DIR",
        help="wheel cache for flyteidl==VERSION inputs (default: $FLYTECLIENT_WHEEL_CACHE "
        "or ~/.cache/flyteclient/flyteidl-wheels)",
    )
    add_proto_path_option(parser, ".proto inputs")
    args = parser.parse_args(list(argv))
    try:
        old = name_release(load_manifest(args.old, None, args.proto_path, args.cache), args.old)
        new = name_release(load_manifest(args.new, None, args.proto_path, args.cache), args.new)
    except ManifestError as exc:
        print(f"codegen diff: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    changes = compare(old, new)
    sys.stdout.write(
        as_json(old, new, changes) if args.format == "json" else markdown(old, new, changes)
    )
    return EXIT_BREAKING if any(c.breaking for c in changes) else EXIT_OK
