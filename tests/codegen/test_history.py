"""The API's history (codegen/history.py, codegen/history.json) and how the generator
renders it: the data module flyteclient/generated/history.py, the "added in flyteidl X"
lines of the docstrings, the MethodSpec facts the runtime reads.

The committed history is cross-checked offline against the two committed descriptor sets
(flyteidl 1.10.7 and 1.16.8); a slow test rebuilds it from the wheels on PyPI.
"""

from __future__ import annotations

import inspect
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import descriptor_pb2

from codegen.diff import idl_manifest, load_manifest
from codegen.errors import CodegenError
from codegen.history import (
    HISTORY_FILE,
    UNRELEASED,
    build,
    for_api,
    load_history,
    parse,
    render,
    snapshot,
)
from codegen.idl import Idl
from codegen.releases import parse_spec, release_key
from tests.support.optional import require

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
GENERATED = ROOT / "flyteclient" / "generated"
RELEASES = (
    "1.10.7 1.11.0 1.12.0 1.13.0 1.13.1 1.13.2 1.13.3 1.13.4 1.13.5 1.13.6 1.13.7 1.13.8 "
    "1.13.9 1.14.0 1.14.1 1.14.2 1.14.3 1.15.0 1.15.1 1.15.2 1.15.3 1.16.0 1.16.1 1.16.2 "
    "1.16.3 1.16.4 1.16.5 1.16.6 1.16.7 1.16.8"
).split()


def fixture_snapshot(version: str) -> Any:
    files = descriptor_pb2.FileDescriptorSet.FromString(
        (FIXTURES / f"flyteidl-{version}.binpb").read_bytes()
    ).file
    idl = Idl(version, tuple(files))
    return snapshot(version, idl.files, idl_manifest(idl))


# -- the committed history --------------------------------------------------------------


def test_the_committed_history_covers_every_release_from_the_oldest_supported() -> None:
    history = load_history()
    assert list(history.releases) == RELEASES
    assert history.baseline == "1.10.7" and history.latest == "1.16.8"
    rpcs = history.rpcs
    assert rpcs["flyteidl.service.AdminService.GetDomains"] == {"added": "1.13.0"}
    assert rpcs["flyteidl.service.AdminService.GetProject"] == {"added": "1.12.0"}
    assert rpcs["flyteidl.service.AdminService.GetTask"] == {"added": "1.10.7"}
    assert all(r["added"] in RELEASES for r in rpcs.values())
    # A renumbered field is a field removed and another added (same name, new number).
    assert history.field("flyteidl.core.TaskMetadata", 10, "generates_deck") == {
        "added": "1.10.7",
        "removed": "1.14.2",
    }
    assert history.field("flyteidl.core.TaskMetadata", 15, "generates_deck") == {"added": "1.14.2"}
    # A number reused under another name, and a field that lived for two releases.
    assert history.field("flyteidl.core.ExecutionEnv", 1, "id") == {
        "added": "1.12.0",
        "removed": "1.13.0",
    }
    assert history.field("flyteidl.core.ExecutionEnv", 1, "name") == {"added": "1.13.0"}
    assert history.field("flyteidl.core.Literal", 6, "uri") == {
        "added": "1.13.2",
        "removed": "1.13.4",
    }
    assert history.value("flyteidl.admin.Project.ProjectState", 3, "SYSTEM_ARCHIVED") == {
        "added": "1.13.1"
    }
    # google.protobuf types the RPCs reach are recorded too (from the manifests).
    assert history.messages["google.protobuf.Timestamp"]["added"] == "1.10.7"


def test_the_committed_history_is_its_own_rendering() -> None:
    text = HISTORY_FILE.read_text()
    assert render(json.loads(text)) == text
    assert '    "1.13.0": ' in text  # one release per line
    assert '        "15 generates_deck": {"added": "1.14.2"}' in text  # one field per line


def test_the_history_agrees_with_the_committed_descriptor_sets() -> None:
    """A history of just 1.10.7 and 1.16.8, built from the committed descriptor sets,
    dates every field of 1.16.8 as the committed history does (as far as two releases
    can tell): present in 1.10.7, or added since."""
    pair = parse(render(build([fixture_snapshot("1.10.7"), fixture_snapshot("1.16.8")])))
    committed = load_history()
    checked = 0
    for name, record in pair.messages.items():
        for key, field in record["fields"].items():
            number, field_name = key.split(" ", 1)
            full = committed.field(name, int(number), field_name)
            assert full is not None, (name, key)
            old = full["added"] == "1.10.7"
            assert (field["added"] == "1.10.7") == old, (name, key, full)
            assert ("removed" in field) == ("removed" in full), (name, key)
            checked += 1
    assert checked > 900
    assert pair.rpcs["flyteidl.service.AdminService.GetDomains"] == {"added": "1.16.8"}


def test_digests_name_the_release_of_an_input_without_a_version() -> None:
    history = load_history()
    assert history.releases_of(load_manifest(str(FIXTURES / "flyteidl-1.10.7.binpb"))) == (
        "1.10.7",
    )
    # 1.16.5 .. 1.16.8 have the same API; the committed client (from 1.16.8) is one of them.
    same = ("1.16.5", "1.16.6", "1.16.7", "1.16.8")
    assert history.releases_of(load_manifest(str(FIXTURES / "flyteidl-1.16.8.binpb"))) == same
    assert history.releases_of(load_manifest(str(GENERATED))) == same


# -- building ---------------------------------------------------------------------------


def _snap(version: str, rpcs: set[str], messages: dict[str, set[str]], reachable: set[str]) -> Any:
    from codegen.history import Snapshot

    return Snapshot(
        version,
        frozenset(rpcs),
        frozenset(reachable),
        {k: frozenset(v) for k, v in messages.items()},
        {},
        version,
    )


def test_build_dates_additions_removals_and_types_defined_before_they_were_reachable() -> None:
    snaps = [
        _snap("1.0.0", {"S.A"}, {"p.M": {"1 a"}, "p.Later": {"1 x"}}, {"p.M"}),
        _snap("1.1.0", {"S.A", "S.B"}, {"p.M": {"1 a", "2 b"}, "p.Later": {"1 x"}}, {"p.M"}),
        _snap("1.2.0", {"S.B"}, {"p.M": {"2 b", "3 a"}, "p.Later": {"1 x"}}, {"p.M", "p.Later"}),
    ]
    history = build(list(reversed(snaps)))  # any order: sorted by release
    assert list(history["releases"]) == ["1.0.0", "1.1.0", "1.2.0"]
    assert history["rpcs"] == {
        "S.A": {"added": "1.0.0", "removed": "1.2.0"},
        "S.B": {"added": "1.1.0"},
    }
    assert history["messages"]["p.M"]["fields"] == {
        "1 a": {"added": "1.0.0", "removed": "1.2.0"},
        "2 b": {"added": "1.1.0"},
        "3 a": {"added": "1.2.0"},  # renumbered: a new field
    }
    # Reachable only from 1.2.0, but defined since 1.0.0: dated from its definition.
    assert history["messages"]["p.Later"] == {
        "added": "1.0.0",
        "fields": {"1 x": {"added": "1.0.0"}},
    }
    with pytest.raises(CodegenError, match="no releases"):
        build([])


def test_release_numbers_and_specs() -> None:
    assert release_key("1.13.10") > release_key("1.13.9")
    assert parse_spec("flyteidl==1.12.0") == "1.12.0"
    assert parse_spec("flyteidl>=1.12") is None and parse_spec("1.12.0") is None
    with pytest.raises(ValueError):
        release_key("protos")


# -- the history of one client ------------------------------------------------------------


def _wire(fields: dict[str, dict[str, str]]) -> dict[str, Any]:
    return {
        "services": {
            "flyteidl.service.AdminService": {
                "rpcs": {
                    "GetDomains": {"request": "flyteidl.admin.GetDomainRequest"},
                    "GetThing": {"request": "flyteidl.admin.ThingRequest"},
                }
            }
        },
        "messages": {
            name: {"fields": {n: {"name": f} for f, n in fs.items()}} for name, fs in fields.items()
        },
        "enums": {},
    }


def test_for_api_marks_what_no_release_has_as_unreleased() -> None:
    history = load_history()
    wire = _wire(
        {
            "flyteidl.admin.GetDomainRequest": {},
            "flyteidl.admin.ThingRequest": {"project": "1", "brand_new": "2"},
        }
    )
    wire["messages"]["flyteidl.admin.ThingRequest"]["fields"]["1"]["name"] = "project"
    rpcs = ["flyteidl.service.AdminService.GetDomains", "flyteidl.service.AdminService.GetThing"]
    view = for_api(history, "protos", rpcs, wire)
    assert view.rpc_added("flyteidl.service.AdminService.GetDomains") == "1.13.0"
    assert view.rpc_added("flyteidl.service.AdminService.GetThing") == UNRELEASED
    assert view.releases == tuple(RELEASES)
    # Fields of an unreleased RPC's own request are as new as the RPC: no separate check.
    assert "flyteidl.service.AdminService.GetThing" not in view.newer_fields


def test_a_client_of_an_older_release_sees_the_history_up_to_it() -> None:
    history = load_history()
    wire = _wire({"flyteidl.admin.GetDomainRequest": {}})
    view = for_api(history, "1.13.0", ["flyteidl.service.AdminService.GetDomains"], wire)
    assert view.releases[-1] == "1.13.0"
    assert view.rpc_added("flyteidl.service.AdminService.GetDomains") == "1.13.0"


def test_a_release_the_history_lacks_is_an_error_naming_the_command() -> None:
    history = load_history()
    with pytest.raises(CodegenError, match=r"python -m codegen history --add 1.99.0"):
        for_api(history, "1.99.0", [], _wire({}))
    with pytest.raises(CodegenError, match="oldest supported is 1.10.7"):
        for_api(history, "1.5.22", [], _wire({}))


# -- the generated client ---------------------------------------------------------------


def test_the_generated_data_module() -> None:
    from flyteclient.generated import history, methods

    assert history.BASELINE == "1.10.7" and history.RELEASES[-1] == "1.16.8"
    assert history.RPCS == {
        "/flyteidl.service.AdminService/GetProject": "1.12.0",
        "/flyteidl.service.AdminService/GetDomains": "1.13.0",
    }
    assert history.FIELDS["flyteidl.core.TaskMetadata"]["generates_deck"] == "1.14.2"
    assert history.FIELDS["flyteidl.service.CreateUploadLocationRequest"] == {
        "add_content_md5_metadata": "1.11.0",
        "org": "1.12.0",
    }
    assert "flyteidl.core.Identifier" not in history.FIELDS  # org is older than 1.10.7
    assert (10, "generates_deck", "1.10.7", "1.14.2") in history.REMOVED_FIELDS[
        "flyteidl.core.TaskMetadata"
    ]
    assert history.ENUM_VALUES["flyteidl.admin.Project.ProjectState"] == {
        "SYSTEM_ARCHIVED": "1.13.1"
    }
    # The MethodSpecs carry what the runtime checks per call.
    assert methods.AdminService_GetDomains.added == "1.13.0"
    assert methods.AdminService_GetTask.added is None
    assert methods.AdminService_CreateTask.newer_fields is True  # TaskMetadata.is_eager...
    assert methods.AdminService_GetExecution.newer_fields is False
    assert methods.AdminService_GetProject.newer_fields is False  # its fields are as old as it
    for path, added in history.RPCS.items():
        assert methods.BY_PATH[path].added == added
    # The module docstring is the history's page of the API reference.
    doc = history.__doc__ or ""
    assert "**flyteidl 1.13.0** added:" in doc
    assert "- RPC ``flyteidl.service.AdminService.GetDomains``" in doc
    assert (
        "field 10 ``flyteidl.core.TaskMetadata.generates_deck``: flyteidl 1.10.7 to 1.14.2" in doc
    )


def test_every_method_of_a_newer_rpc_says_its_release() -> None:
    from flyteclient import AsyncFlyteClient, SynchronousFlyteClient
    from flyteclient.generated import history
    from flyteclient.generated.aio_raw import AsyncRawFlyteClient
    from flyteclient.generated.raw import RawSynchronousFlyteClient

    checked = 0
    for cls in (
        SynchronousFlyteClient,
        AsyncFlyteClient,
        RawSynchronousFlyteClient,
        AsyncRawFlyteClient,
    ):
        for name, member in inspect.getmembers(cls, inspect.isfunction):
            doc = member.__doc__ or ""
            for path, added in history.RPCS.items():
                rpc = path[1:].replace("/", ".")
                if f"RPC ``{rpc}``" in doc:
                    assert f"Added in flyteidl {added}:" in " ".join(doc.split()), (cls, name)
                    checked += 1
            if "RPC ``" in doc and not any(
                p[1:].replace("/", ".") + "``" in doc for p in history.RPCS
            ):
                assert "Added in flyteidl" not in doc, (cls, name)
    assert checked >= 8  # get_domains / get_project on four classes
    doc = " ".join((SynchronousFlyteClient.get_domains.__doc__ or "").split())
    assert "Added in flyteidl 1.13.0" in doc and "FlyteUnimplementedException" in doc
    upload = " ".join((SynchronousFlyteClient.get_upload_signed_url.__doc__ or "").split())
    assert "sets ``add_content_md5_metadata`` (added in flyteidl 1.11.0)" in upload


def test_the_flytekit_compatible_client_inherits_the_dated_docstrings() -> None:
    require("flytekit")
    from flyteclient.flytekit import SynchronousFlyteClient

    assert "Added in flyteidl 1.13.0" in (SynchronousFlyteClient.get_domains.__doc__ or "")


def test_generating_from_an_unreleased_idl_marks_its_new_rpcs(tmp_path: Path) -> None:
    from tests.codegen.test_idl_bump import write
    from tests.codegen.test_idl_rules import tree
    from tests.support.idl_sets import compile_tree

    protos = compile_tree(tmp_path / "protos", tree())
    surface = (ROOT / "codegen" / "surface.toml").read_text()
    sections = re.split(r"(?m)^(?=\[)", surface)
    lenient = "".join(
        re.sub(r"^(\[rpc\.\w+\])\n", r"\1\noptional = true\n", part)
        if part.startswith("[rpc.") and "\noptional = " not in part
        else part
        for part in sections
    )
    write(tmp_path / "surface.toml", lenient)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "codegen",
            "--protos",
            str(protos),
            "--service",
            "AdminService",
            "--surface",
            str(tmp_path / "surface.toml"),
            "--out",
            str(tmp_path / "out"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    data = (tmp_path / "out" / "history.py").read_text()
    assert '"/flyteidl.service.AdminService/GetThing": "unreleased"' in data
    raw = " ".join((tmp_path / "out" / "raw.py").read_text().split())
    assert "Not in any flyteidl release up to 1.16.8 (an unreleased IDL)" in raw


# -- the command --------------------------------------------------------------------------


def run_history(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codegen", "history", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["--add", "1.x"], "not a release number"),
        (["--releases", "latest"], "not release numbers: latest"),
    ],
)
def test_the_history_command_refuses_bad_versions(args: list[str], message: str) -> None:
    before = HISTORY_FILE.read_bytes()
    done = run_history(*args, "--check")
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert HISTORY_FILE.read_bytes() == before


@pytest.mark.slow
def test_the_committed_history_is_what_the_released_wheels_give(tmp_path: Path) -> None:
    """Rebuilt from the wheels (fetched with pip into a fresh cache), the history is
    byte-identical to the committed file."""
    done = run_history("--check", "--cache", str(tmp_path / "wheels"))
    assert done.returncode == 0, done.stderr
    assert len(list((tmp_path / "wheels").glob("flyteidl-*.whl"))) == len(RELEASES)


def test_the_history_command_builds_from_given_wheels_offline(tmp_path: Path) -> None:
    from tests.support.idl_sets import fake_wheel

    wheels = [fake_wheel(v, tmp_path / "wheels") for v in ("1.16.8", "1.10.7")]
    out = tmp_path / "history.json"
    args = ["--out", str(out), "--cache", str(tmp_path / "empty")]
    done = run_history(*args, *(f"--wheel={w}" for w in wheels))
    assert done.returncode == 0, done.stderr
    assert "2 releases (1.10.7 .. 1.16.8)" in done.stdout
    built = load_history(out)
    assert built.rpcs["flyteidl.service.AdminService.GetDomains"] == {"added": "1.16.8"}
    # --check against what it wrote: up to date (the releases come from the file).
    again = run_history(*args, "--check", *(f"--wheel={w}" for w in wheels))
    assert again.returncode == 0, again.stderr
    out.write_text(out.read_text().replace('"added": "1.16.8"', '"added": "1.10.7"', 1))
    stale = run_history(*args, "--check", *(f"--wheel={w}" for w in wheels))
    assert stale.returncode == 1 and "differs from a rebuild" in stale.stderr
