"""The committed API manifest: complete (every type the RPCs reach), split per proto
package, one record per line, and covered by ``python -m codegen --check``."""

from __future__ import annotations

import json
from pathlib import Path

from codegen.__main__ import generate
from codegen.diff import load_manifest
from codegen.jsonlayout import dumps
from codegen.typediff import referenced_types

GENERATED = Path(__file__).resolve().parents[2] / "flyteclient" / "generated"


def test_types_are_split_per_package_with_headers() -> None:
    api = json.loads((GENERATED / "api.json").read_text())
    files = sorted(p.relative_to(GENERATED).as_posix() for p in (GENERATED / "types").iterdir())
    assert sorted(api["packages"].values()) == files
    for package, rel in api["packages"].items():
        text = (GENERATED / rel).read_text()
        assert "DO NOT EDIT" in text.splitlines()[1] and "flyteidl 1." in text
        body = json.loads(text)
        assert body["package"] == package
        for name in [*body["messages"], *body["enums"]]:
            assert name.startswith(package + "."), name


def test_the_manifest_is_closed_under_field_types() -> None:
    """Every message or enum a field names is in the manifest, and every type in it is
    reached from some RPC: the walk is transitive and records nothing else."""
    manifest = load_manifest(str(GENERATED))
    known = set(manifest["messages"]) | set(manifest["enums"])
    named = {t for m in manifest["messages"].values() for t in referenced_types(m)}
    roots = {
        rpc[side]
        for service in manifest["services"].values()
        for rpc in service["rpcs"].values()
        for side in ("request", "response")
    }
    assert named | roots <= known
    assert known == named | roots
    assert "flyteidl.core.Literal" in manifest["messages"]  # deep: reached through many hops
    assert "flyteidl.core.ArrayNode" in manifest["messages"]
    assert "flyteidl.core.TaskExecution.Phase" in manifest["enums"]


def test_one_field_per_line() -> None:
    text = (GENERATED / "types" / "flyteidl.core.json").read_text()
    line = next(ln for ln in text.splitlines() if '"name": "parallelism"' in ln)
    assert line.strip().startswith('"2": {') and line.rstrip(",").endswith("}")
    value = {"values": {"A": 0, "B": 1}, "fields": {"1": {"name": "a", "n": [[1, 2]]}}}
    laid_out = dumps(value, expand={"values"})
    assert json.loads(laid_out) == value
    assert '    "1": {"name": "a", "n": [[1, 2]]}' in laid_out.splitlines()
    assert '    "A": 0,' in laid_out.splitlines()


def test_check_covers_the_type_files(tmp_path: Path, capsys) -> None:
    out = tmp_path / "generated"
    assert generate(out, check=False, services=None) == 0
    core = out / "types" / "flyteidl.core.json"
    core.write_text(core.read_text().replace('"name": "parallelism"', '"name": "renamed"'))
    (out / "types" / "flyteidl.event.json").unlink()
    capsys.readouterr()
    assert generate(out, check=True, services=None) == 1
    diff = capsys.readouterr().out
    assert "--- a/types/flyteidl.core.json" in diff and '-        "2": {"name": "renamed"' in diff
    assert "+++ b/types/flyteidl.event.json" in diff
