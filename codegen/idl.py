"""IDL inputs other than the installed flyteidl: descriptor sets, ``.proto`` trees, wheels.

Each reader returns an :class:`Idl`: the compiled files (a ``FileDescriptorSet``) and a
label for reports. :func:`build_pool` loads them into a fresh ``DescriptorPool`` (never
the default pool, which holds the installed flyteidl), from which ``load.py`` takes the
service descriptors exactly as it does from the installed modules.

* A FileDescriptorSet file, binary, as ``buf build -o api.binpb`` or
  ``protoc --include_imports --descriptor_set_out=api.binpb`` write it.
* A directory of ``.proto`` files, compiled in-process with grpcio-tools' protoc: the
  directory and the ``--proto-path`` directories are the include path, then grpcio-tools'
  bundled well-known types. An import found on none of them but importable as a Python
  ``_pb2`` module (``google/api/annotations.proto`` from googleapis-common-protos,
  ``protoc-gen-openapiv2/options/annotations.proto``) is taken from that module.

Options such as ``google.api.http`` are read from pool-built descriptors through the
installed modules that declare those extensions (see :func:`register_extensions`).
* A flyteidl wheel (``pip download flyteidl==1.16.8 --no-deps``): the serialized file
  descriptors embedded in its ``_pb2.py`` modules, no installation needed.

Every failure is a :class:`CodegenError` whose message is one line.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Optional, Sequence

from google.protobuf import descriptor_pb2, descriptor_pool
from google.protobuf.descriptor import FileDescriptor
from google.protobuf.message import DecodeError

from .errors import CodegenError
from .naming import python_module


@dataclass(frozen=True)
class Idl:
    """A compiled IDL: its files, dependencies first, and what to call it in output."""

    version: str  # the manifest's "flyteidl" value: "1.16.8", "api.binpb", "protos"
    files: tuple[descriptor_pb2.FileDescriptorProto, ...]

    def file_set(self) -> descriptor_pb2.FileDescriptorSet:
        return descriptor_pb2.FileDescriptorSet(file=self.files)


# -- descriptor sets ----------------------------------------------------------------


def parse_descriptor_set(data: bytes, source: str) -> descriptor_pb2.FileDescriptorSet:
    """Decode a binary FileDescriptorSet; anything else is an error naming ``source``."""
    try:
        files = descriptor_pb2.FileDescriptorSet.FromString(data)
    except (DecodeError, RuntimeError, ValueError) as exc:
        raise CodegenError(f"{source}: not a FileDescriptorSet ({exc})") from exc
    if not files.file or not all(f.name.endswith(".proto") for f in files.file):
        raise CodegenError(f"{source}: not a FileDescriptorSet (no .proto file descriptors in it)")
    return files


def read_descriptor_set(path: Path) -> Idl:
    """The FileDescriptorSet file at ``path``."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CodegenError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    return Idl(path.name, tuple(parse_descriptor_set(data, str(path)).file))


# -- .proto trees -------------------------------------------------------------------

_MISSING_IMPORT = re.compile(r'Import "([^"]+)" was not found')


def proto_files(root: Path) -> list[str]:
    """The ``.proto`` files under ``root``, relative to it, sorted (hidden folders skipped)."""
    found = []
    for path in root.rglob("*.proto"):
        rel = path.relative_to(root)
        if path.is_file() and not any(part.startswith(".") for part in rel.parts):
            found.append(rel.as_posix())
    return sorted(found)


def compile_protos(root: Path, proto_paths: Sequence[Path] = ()) -> Idl:
    """Compile every ``.proto`` file under ``root`` with grpcio-tools' protoc, in-process."""
    if not root.is_dir():
        raise CodegenError(f"{root}: not a directory of .proto files")
    files = proto_files(root)
    if not files:
        raise CodegenError(f"{root}: no .proto files in it")
    for extra in proto_paths:
        if not extra.is_dir():
            raise CodegenError(f"--proto-path {extra}: not a directory")
    try:
        import grpc_tools  # type: ignore[import-untyped]
        from grpc_tools import protoc
    except ImportError as exc:
        raise CodegenError(
            "grpcio-tools is missing; install the generator's dependencies (scripts/_env.sh)"
        ) from exc
    bundled = Path(grpc_tools.__file__).parent / "_proto"
    includes = [root, *proto_paths, bundled]
    fallback: dict[str, descriptor_pb2.FileDescriptorProto] = {}
    with tempfile.TemporaryDirectory(prefix="codegen-protoc-") as tmp:
        out, fallback_path = Path(tmp) / "out.binpb", Path(tmp) / "fallback.binpb"
        while True:
            args = ["protoc", *(f"-I{p}" for p in includes), "--include_imports"]
            if fallback:
                fallback_set = descriptor_pb2.FileDescriptorSet(file=list(fallback.values()))
                fallback_path.write_bytes(fallback_set.SerializeToString())
                args.append(f"--descriptor_set_in={fallback_path}")
            args += [f"--descriptor_set_out={out}", *files]
            status, errors = _run_protoc(protoc.main, args, Path(tmp) / "stderr")
            if status == 0:
                break
            missing = [m for m in _MISSING_IMPORT.findall(errors) if m not in fallback]
            added = [name for name in dict.fromkeys(missing) if _add_installed(name, fallback)]
            if not added:
                raise CodegenError(f"{root}: protoc failed: {_first_error(errors)}")
        data = out.read_bytes()
    return Idl(root.resolve().name, tuple(parse_descriptor_set(data, str(root)).file))


def _run_protoc(main: object, args: list[str], capture: Path) -> tuple[int, str]:
    """Run protoc's ``main`` with the process's stderr (fd 2, C++ writes there) captured."""
    saved = os.dup(2)
    try:
        with open(capture, "w+b") as sink:
            os.dup2(sink.fileno(), 2)
            try:
                status = int(main(args))  # type: ignore[operator]
            finally:
                os.dup2(saved, 2)
            sink.seek(0)
            return status, sink.read().decode("utf-8", "replace")
    finally:
        os.close(saved)


def _first_error(errors: str) -> str:
    lines = [line.strip() for line in errors.splitlines() if line.strip()]
    real = [line for line in lines if "warning:" not in line]
    return (real or lines or ["no error message"])[0]


def _add_installed(name: str, into: dict[str, descriptor_pb2.FileDescriptorProto]) -> bool:
    """Add ``name`` (and its imports) from an installed ``_pb2`` module; False if none."""
    found = installed_file(name)
    if found is None:
        return False
    for proto in file_closure([found]):
        into.setdefault(proto.name, proto)
    return True


def installed_file(name: str) -> Optional[FileDescriptor]:
    """The descriptor of ``name`` from its installed generated module, if importable."""
    try:
        module = importlib.import_module(python_module(name))
    except Exception:  # noqa: BLE001 - any import failure means "not installed"
        return None
    found = getattr(module, "DESCRIPTOR", None)
    return found if isinstance(found, FileDescriptor) and found.name == name else None


def file_closure(roots: Iterable[FileDescriptor]) -> list[descriptor_pb2.FileDescriptorProto]:
    """``roots`` and everything they import, as FileDescriptorProtos, imports first."""
    seen: dict[str, descriptor_pb2.FileDescriptorProto] = {}

    def visit(fd: FileDescriptor) -> None:
        if fd.name in seen:
            return
        for dep in fd.dependencies:
            visit(dep)
        seen[fd.name] = descriptor_pb2.FileDescriptorProto.FromString(fd.serialized_pb)

    for root in roots:
        visit(root)
    return list(seen.values())


# -- wheels -------------------------------------------------------------------------


def read_wheel(path: Path) -> Idl:
    """The file descriptors serialized in a wheel's ``_pb2.py`` modules."""
    try:
        with zipfile.ZipFile(path) as wheel:
            sources = [wheel.read(n) for n in sorted(wheel.namelist()) if n.endswith("_pb2.py")]
    except (OSError, zipfile.BadZipFile) as exc:
        raise CodegenError(f"{path}: not a readable wheel: {exc}") from exc
    files = [f for source in sources for f in _serialized_files(source)]
    if not files:
        raise CodegenError(f"{path}: no generated _pb2 modules in this wheel")
    match = re.match(r"[^-]+-([^-]+)-", path.name)
    return Idl(match.group(1) if match else path.name, tuple(files))


def _serialized_files(source: bytes) -> Iterator[descriptor_pb2.FileDescriptorProto]:
    """The FileDescriptorProto literals of one generated module (``AddSerializedFile(b'...')``
    in protobuf >= 3.20 output, ``serialized_pb=b'...'`` before)."""
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        literals = [a for a in node.args if isinstance(a, ast.Constant)]
        if getattr(node.func, "attr", "") != "AddSerializedFile":
            literals = [k.value for k in node.keywords if k.arg == "serialized_pb"]  # type: ignore[misc]
        for literal in literals:
            if isinstance(literal, ast.Constant) and isinstance(literal.value, bytes):
                yield descriptor_pb2.FileDescriptorProto.FromString(literal.value)


# -- pools --------------------------------------------------------------------------


def build_pool(idl: Idl) -> descriptor_pool.DescriptorPool:
    """A fresh pool holding the IDL's files. A file the IDL imports but lacks is taken
    from its installed ``_pb2`` module when there is one (a set built without
    ``--include_imports``); otherwise it is an error."""
    by_name = {f.name: f for f in idl.files}
    pool = descriptor_pool.DescriptorPool()
    added: set[str] = set()

    def add(name: str, importer: str, path: tuple[str, ...]) -> None:
        if name in added:
            return
        if name in path:
            raise CodegenError(f"{idl.version}: import cycle through {name}")
        proto = by_name.get(name)
        if proto is None:
            installed = installed_file(name)
            if installed is None:
                raise CodegenError(f"{idl.version}: {importer} imports {name}, which is not in it")
            proto = descriptor_pb2.FileDescriptorProto.FromString(installed.serialized_pb)
        for dep in proto.dependency:
            add(dep, name, (*path, name))
        try:
            pool.Add(proto)
        except (TypeError, ValueError, KeyError) as exc:
            reason = " ".join(str(exc).split())
            raise CodegenError(f"{idl.version}: cannot load {name}: {reason}") from exc
        added.add(name)

    for proto in idl.files:
        add(proto.name, idl.version, ())
    register_extensions(by_name.values())
    return pool


def register_extensions(files: Iterable[descriptor_pb2.FileDescriptorProto]) -> None:
    """Import the installed module of every file that declares extensions (``google.api.http``,
    ``openapiv2_operation``...). A descriptor's options are parsed, once, on its first
    ``GetOptions()``, against the extensions the default pool knows at that moment; without
    this an option of a pool-built descriptor would stay an unknown field. Extensions
    without an installed module (custom options of an unreleased IDL) stay unreadable."""
    for proto in files:
        if proto.extension:
            installed_file(proto.name)


def add_proto_path_option(parser: argparse.ArgumentParser, what: str) -> None:
    """The ``--proto-path DIR`` option (repeatable) of the commands that read ``.proto`` trees."""
    parser.add_argument(
        "--proto-path",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help=f"include directory for {what} (repeatable)",
    )


def read_idl(path: Path, proto_paths: Sequence[Path] = ()) -> Idl:
    """Whatever ``path`` is: a directory of ``.proto`` files, a wheel or a descriptor set."""
    if path.is_dir():
        return compile_protos(path, proto_paths)
    if path.suffix == ".whl":
        return read_wheel(path)
    return read_descriptor_set(path)
