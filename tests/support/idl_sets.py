"""FileDescriptorSets for the IDL tests: released flyteidl wheels and synthetic .proto trees.

``python -m tests.support.idl_sets 1.10.7 1.16.8`` downloads those flyteidl wheels with
pip (no install) and writes ``tests/fixtures/flyteidl-<version>.binpb``: the five
services' files and everything they import (google/api and protoc-gen-openapiv2 from
this environment's packages), so the default test suite compares real releases offline.
A slow test rebuilds them and checks they are byte-identical to the committed ones.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from google.protobuf import descriptor_pb2

from codegen.idl import Idl, build_pool, compile_protos, file_closure, read_wheel

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SERVICE_FILES = tuple(
    f"flyteidl/service/{name}.proto"
    for name in ("admin", "dataproxy", "signal", "identity", "auth")
)


def fixture(version: str) -> Path:
    return FIXTURES / f"flyteidl-{version}.binpb"


def service_closure(idl: Idl) -> descriptor_pb2.FileDescriptorSet:
    """The service files of ``idl`` and everything they import, imports first."""
    pool = build_pool(idl)
    files = file_closure(pool.FindFileByName(name) for name in SERVICE_FILES)
    return descriptor_pb2.FileDescriptorSet(file=files)


def download_wheel(version: str, dest: Path) -> Path:
    """flyteidl ``version``'s wheel, downloaded with pip into ``dest`` (the generator's
    own fetch, with ``dest`` as its cache)."""
    from codegen.releases import fetch_wheel

    return fetch_wheel(version, dest)


def wheel_set(version: str) -> bytes:
    """The serialized service closure of flyteidl ``version``'s wheel, fetched with pip."""
    with tempfile.TemporaryDirectory() as tmp:
        return service_closure(read_wheel(download_wheel(version, Path(tmp)))).SerializeToString()


def fake_wheel(version: str, dest: Path) -> Path:
    """A wheel holding the committed descriptor set of ``version`` as ``_pb2`` modules
    (one ``AddSerializedFile`` each), named as pip names it: what ``codegen diff
    flyteidl==VERSION`` reads from its cache, offline."""
    import zipfile

    files = descriptor_pb2.FileDescriptorSet.FromString(fixture(version).read_bytes()).file
    dest.mkdir(parents=True, exist_ok=True)
    path = dest / f"flyteidl-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        for f in files:
            if f.name.startswith("flyteidl/"):
                module = f.name[: -len(".proto")].replace("-", "_") + "_pb2.py"
                source = (
                    f"_descriptor_pool.Default().AddSerializedFile({f.SerializeToString()!r})\n"
                )
                wheel.writestr(module, source)
    return path


def compile_tree(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (relative path -> .proto text) under ``root`` and return ``root``."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def descriptor_set(root: Path, out: Path) -> Path:
    """Compile the .proto tree at ``root`` into a FileDescriptorSet file ``out``."""
    out.write_bytes(compile_protos(root).file_set().SerializeToString())
    return out


if __name__ == "__main__":
    for v in sys.argv[1:]:
        data = wheel_set(v)
        fixture(v).write_bytes(data)
        print(f"{fixture(v)}: {len(data)} bytes")
