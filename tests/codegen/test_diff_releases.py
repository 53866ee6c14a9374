"""``python -m codegen diff flyteidl==A flyteidl==B``: released versions as inputs (wheels
fetched with pip into a cache), reports naming releases for every input kind, and the
slow cross-check with ``buf breaking`` (WIRE_JSON, reachable types) on every consecutive
release pair from the oldest supported (1.10.7) to 1.16.8.

The fast tests read wheels from a cache the test fills (tests.support.idl_sets.fake_wheel,
built from the committed descriptor sets), so they run offline.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from codegen.history import load_history
from tests.codegen.test_idl_bump import MANIFEST, run_diff
from tests.support.idl_sets import compile_tree, fake_wheel, fixture


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    for version in ("1.10.7", "1.16.8"):
        fake_wheel(version, tmp_path / "wheels")
    return tmp_path / "wheels"


def test_released_versions_as_inputs_from_the_cache(cache: Path) -> None:
    done = run_diff("flyteidl==1.10.7", "flyteidl==1.16.8", "--cache", str(cache))
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("flyteidl 1.10.7 → 1.16.8: 2 RPCs added, 0 removed, ")
    assert "**6 breaking changes**" in done.stdout.splitlines()[0]
    # The same report as from the descriptor sets.
    sets = run_diff(str(fixture("1.10.7")), str(fixture("1.16.8")), "--format", "json")
    wheels = run_diff(
        "flyteidl==1.10.7", "flyteidl==1.16.8", "--cache", str(cache), "--format", "json"
    )
    assert json.loads(wheels.stdout)["changes"] == json.loads(sets.stdout)["changes"]
    assert json.loads(wheels.stdout)["old"] == "1.10.7"


def test_a_version_pip_cannot_get_is_bad_input_in_one_line(tmp_path: Path) -> None:
    done = run_diff("flyteidl==not-a-version!", "HEAD", "--cache", str(tmp_path))
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1
    assert "flyteidl==not-a-version!: not a version number" in done.stderr


def _first(*args: str, cwd: Path | None = None) -> str:
    done = run_diff(*args) if cwd is None else run_diff(*args, cwd=cwd)
    assert done.returncode in (0, 1), done.stderr
    return done.stdout.splitlines()[0]


def test_every_input_kind_is_named_by_its_release(cache: Path, tmp_path: Path) -> None:
    wheel = cache / "flyteidl-1.10.7-py3-none-any.whl"
    same = "1.16.8 (same API as 1.16.5, 1.16.6, 1.16.7)"  # identical APIs, one name
    kinds = {
        "wheel": str(wheel),
        "descriptor set": str(fixture("1.10.7")),
        "spec": "flyteidl==1.10.7",
        "manifest": str(MANIFEST),
        "manifest directory": str(MANIFEST.parent),
        "revision": "HEAD",
    }
    for kind, spec in kinds.items():
        line = _first(spec, str(fixture("1.16.8")), "--cache", str(cache))
        old = "1.16.8" if kind.startswith("manifest") or kind == "revision" else "1.10.7"
        assert line.startswith(f"flyteidl {old} → {same}: "), (kind, line)
    # A .proto tree of no release: its git description when it has one, and "unreleased".
    from tests.codegen.test_idl_rules import tree

    protos = compile_tree(tmp_path / "checkout" / "protos", tree())
    assert _first(str(fixture("1.10.7")), str(protos)).startswith(
        "flyteidl 1.10.7 → protos (unreleased): "
    )
    checkout = tmp_path / "checkout"
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "idl"], ["tag", "v9.9.9"]):
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=checkout, check=True
        )
    assert _first(str(fixture("1.10.7")), str(protos)).startswith(
        "flyteidl 1.10.7 → protos (v9.9.9, unreleased): "
    )


def test_the_history_names_releases_by_their_api_digest() -> None:
    history = load_history()
    assert len(set(history.releases.values())) < len(history.releases)  # some APIs repeat
    assert history.releases["1.16.5"] == history.releases["1.16.8"]


# -- slow: buf on every consecutive release pair --------------------------------------------


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every release of the history: wheels fetched with pip into a fresh cache by the
    diff command itself, and each wheel's descriptor set for buf."""
    from codegen.idl import read_wheel
    from codegen.releases import cached_wheel
    from tests.support.idl_sets import service_closure

    root = tmp_path_factory.mktemp("released")
    cache = root / "wheels"
    versions = list(load_history().releases)
    sets = {}
    for version in versions:
        done = run_diff(f"flyteidl=={version}", f"flyteidl=={version}", "--cache", str(cache))
        assert done.returncode == 0 and "No change to the client surface." in done.stdout, (
            done.stderr
        )
        wheel = cached_wheel(version, cache)
        assert wheel is not None
        sets[version] = root / f"flyteidl-{version}.binpb"
        sets[version].write_bytes(service_closure(read_wheel(wheel)).SerializeToString())
    return {"versions": versions, "cache": cache, "sets": sets}


@pytest.mark.slow
def test_buf_agrees_on_every_consecutive_release_pair(released: dict[str, Any]) -> None:
    """For each pair A -> B from 1.10.7 to 1.16.8: every finding of ``buf breaking``
    (WIRE_JSON) on a type the RPCs reach is a breaking line of ``codegen diff
    flyteidl==A flyteidl==B``, and every breaking message/enum line is on a type (and
    field) buf flags too. A field moved into a oneof (1.11.0 -> 1.12.0) or renamed
    (1.12.0 -> 1.13.0) is one line under two rules, as buf reports it under two rules."""
    from tests.codegen.test_idl_rules import (
        _packages,
        buf_breaking,
        manifest_of,
        uncovered_buf_findings,
    )

    versions, sets, cache = released["versions"], released["sets"], released["cache"]
    assert versions[0] == "1.10.7" and versions[-1] == "1.16.8" and len(versions) == 30
    for old, new in zip(versions, versions[1:], strict=False):
        done = run_diff(
            f"flyteidl=={old}", f"flyteidl=={new}", "--cache", str(cache), "--format", "json"
        )
        assert done.returncode in (0, 1), done.stderr
        report = json.loads(done.stdout)
        assert report["summary"].startswith(f"flyteidl {old} → {new}: ")
        findings = buf_breaking(sets[new], sets[old])
        packages = {**_packages(sets[old]), **_packages(sets[new])}
        manifests = [manifest_of(sets[old]), manifest_of(sets[new])]
        assert uncovered_buf_findings(report, manifests, findings, packages) == [], (old, new)
        flagged = {(f.name, f.number) for f in findings}
        for event in report["events"]:
            if not event["breaking"] or event["subject"].startswith(("AdminService.", "DataProxy")):
                continue
            short = event["subject"].rsplit(".", 1)[-1]
            assert (short, event["number"]) in flagged or (short, None) in flagged, (
                old,
                new,
                event["line"],
            )
        assert (done.returncode == 1) == bool(findings), (old, new)
        assert report["breaking_events"] == BREAKING.get((old, new), 0), (old, new)


# Breaking changes per release pair (buf agrees): ArtifactBindingData's four fields
# (1.11.0), ArrayNode.parallelism into a oneof (1.12.0), ExecutionEnv field 1 renamed
# id -> name (1.13.0), Literal.uri and size_bytes deleted (1.13.4), TaskMetadata
# generates_deck renumbered (1.14.2).
BREAKING = {
    ("1.10.7", "1.11.0"): 4,
    ("1.11.0", "1.12.0"): 1,
    ("1.12.0", "1.13.0"): 1,
    ("1.13.3", "1.13.4"): 2,
    ("1.14.1", "1.14.2"): 1,
}
