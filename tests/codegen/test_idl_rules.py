"""The change report's rules on synthetic IDLs, cross-checked with buf.

Each case is a pair of small ``.proto`` trees (an ``AdminService`` whose RPCs reach
messages and enums of another package two levels down, plus a proto2 file and a message
no RPC reaches), compiled with grpcio-tools exactly as ``python -m codegen diff OLD_DIR
NEW_DIR`` compiles them. For every case the report must contain the expected
``(rule, subject, number)`` findings, exit 1 exactly when something is breaking, and
cover every finding of ``buf breaking`` (category WIRE_JSON) on a reachable type with a
breaking line for the same type and number.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Optional

import pytest

from codegen.diff import main as diff_main
from tests.support.idl_sets import compile_tree, descriptor_set
from tests.support.optional import require

ADMIN = """syntax = "proto3";
package flyteidl.service;
import "flyteidl/core/deep.proto";
import "flyteidl/core/leaf.proto";
import "flyteidl/core/legacy.proto";
import "flyteidl/core/modern.proto";
import "google/api/annotations.proto";
service AdminService {
  rpc GetThing(GetThingRequest) returns (Thing) { option (google.api.http) = {get: "/api/v1/things/{id}"}; }
%(rpcs)s
}
message GetThingRequest { string id = 1; }
message Thing {
  Middle middle = 1;
  flyteidl.core.Legacy legacy = 2;
  flyteidl.core.Modern modern = 4;
%(thing)s
}
message Middle {
%(middle)s
}
"""
DEEP = """syntax = "proto3";
package flyteidl.core;
%(leaf_in_deep)s
enum Color {
%(color)s
}
message Orphan {
%(orphan)s
}
enum Shade { SHADE_UNSPECIFIED = 0; }
"""
LEAF_FILE = """syntax = "proto3";
package flyteidl.core;
import "flyteidl/core/deep.proto";
%(leaf_in_leaf)s
"""
MODERN = """edition = "2023";
package flyteidl.core;
message Modern {
%(modern)s
}
enum Tone {
  option features.enum_type = %(tone_type)s;
  TONE_UNSPECIFIED = 0;
}
"""
LEGACY = """syntax = "proto2";
package flyteidl.core;
message Legacy {
%(legacy)s
}
"""
BASE = {
    "rpcs": '  rpc DeleteThing(GetThingRequest) returns (Thing) { option (google.api.http) = {delete: "/api/v1/things/{id}"}; }',
    "thing": "",
    "middle": "  repeated flyteidl.core.Leaf leaves = 1;",
    "leaf_home": "leaf",
    "leaf": """  message Inner { int32 v = 1; }
  string name = 1;
  int32 size = 2;
  Color color = 3;
  repeated string tags = 4;
  map<string, string> labels = 5;
  oneof choice {
    string a = 6;
    int64 b = 7;
  }
  optional bool flag = 8;
  Inner inner = 9;
  reserved 20;""",
    "color": "  COLOR_UNSPECIFIED = 0;\n  RED = 1;\n  GREEN = 2;\n  reserved 9;",
    "orphan": "  string x = 1;",
    "legacy": "  optional int32 n = 1 [default = 5];",
    "modern": """  int32 a = 1;
  int32 b = 2 [features.field_presence = IMPLICIT];
  Tone tone = 3;
  int32 c = 4 [features.field_presence = LEGACY_REQUIRED];""",
    "tone_type": "OPEN",
}


BASE_MODERN = BASE["modern"]


def tree(**overrides: str) -> dict[str, str]:
    """The IDL's files; ``leaf_home`` says which file of flyteidl.core defines Leaf."""
    values = {**BASE, **overrides}
    message = "message Leaf {\n%s\n}" % values["leaf"]
    values["leaf_in_deep"] = message if values["leaf_home"] == "deep" else ""
    values["leaf_in_leaf"] = message if values["leaf_home"] == "leaf" else ""
    return {
        "flyteidl/service/admin.proto": ADMIN % values,
        "flyteidl/core/deep.proto": DEEP % values,
        "flyteidl/core/leaf.proto": LEAF_FILE % values,
        "flyteidl/core/legacy.proto": LEGACY % values,
        "flyteidl/core/modern.proto": MODERN % values,
    }


def edit(key: str, old: str, new: str) -> dict[str, str]:
    """Overrides that replace ``old`` by ``new`` in the base IDL's ``key`` part."""
    assert old in BASE[key], old
    return {key: BASE[key].replace(old, new)}


leaf, color, rpcs = (partial(edit, key) for key in ("leaf", "color", "rpcs"))


LEAF, COLOR, INNER = "flyteidl.core.Leaf", "flyteidl.core.Color", "flyteidl.core.Leaf.Inner"
MODERN_MSG, TONE = "flyteidl.core.Modern", "flyteidl.core.Tone"
LEGACY_MSG, MIDDLE, GET = "flyteidl.core.Legacy", "flyteidl.service.Middle", "AdminService.GetThing"


@dataclass(frozen=True)
class Case:
    id: str
    new: dict[str, str]
    expected: set[tuple[str, str, Optional[int]]]  # (rule, subject, number)
    breaking: bool
    absent: set[str] = field(default_factory=set)  # rules that must not fire


CASES = [
    # -- breaking: fields ------------------------------------------------------------
    Case("field deleted", leaf("  int32 size = 2;\n", ""), {("FIELD_NO_DELETE", LEAF, 2)}, True),
    Case(
        "field deleted, only its number reserved",
        leaf("  int32 size = 2;\n", "  reserved 2;\n"),
        {("FIELD_NO_DELETE", LEAF, 2), ("RESERVED_ADDED", LEAF, None)},
        True,
    ),
    Case(
        "nested message field deleted",
        leaf("message Inner { int32 v = 1; }", "message Inner { }"),
        {("FIELD_NO_DELETE", INNER, 1)},
        True,
    ),
    Case(
        "field renumbered",
        leaf("int32 size = 2;", "int32 size = 12;"),
        {("FIELD_SAME_NUMBER", LEAF, 2)},
        True,
        {"FIELD_ADDED"},
    ),
    Case(
        "field renamed",
        leaf("int32 size = 2;", "int32 length = 2;"),
        {("FIELD_SAME_NAME", LEAF, 2), ("FIELD_SAME_JSON_NAME", LEAF, 2)},
        True,
    ),
    Case(
        "json_name changed",
        leaf("int32 size = 2;", 'int32 size = 2 [json_name = "sz"];'),
        {("FIELD_SAME_JSON_NAME", LEAF, 2)},
        True,
    ),
    Case(
        "scalar widened",
        leaf("int32 size = 2;", "int64 size = 2;"),
        {("FIELD_SAME_TYPE", LEAF, 2)},
        True,
    ),
    Case(
        "string to bytes",
        leaf("string name = 1;", "bytes name = 1;"),
        {("FIELD_SAME_TYPE", LEAF, 1)},
        True,
    ),
    Case(
        "enum to int",
        leaf("Color color = 3;", "int32 color = 3;"),
        {("FIELD_SAME_TYPE", LEAF, 3)},
        True,
    ),
    Case(
        "map value type",
        leaf("map<string, string> labels", "map<string, int32> labels"),
        {("FIELD_SAME_TYPE", LEAF, 5)},
        True,
    ),
    Case(
        "map to repeated",
        leaf("map<string, string> labels = 5;", "repeated string labels = 5;"),
        {("FIELD_SAME_TYPE", LEAF, 5), ("FIELD_SAME_CARDINALITY", LEAF, 5)},
        True,
    ),
    Case(
        "singular to repeated",
        leaf("int32 size = 2;", "repeated int32 size = 2;"),
        {("FIELD_SAME_CARDINALITY", LEAF, 2)},
        True,
    ),
    Case(
        "implicit to explicit presence",
        leaf("int32 size = 2;", "optional int32 size = 2;"),
        {("FIELD_SAME_PRESENCE", LEAF, 2)},
        True,
        {"FIELD_SAME_ONEOF"},
    ),
    Case(
        "proto3 optional dropped",
        leaf("optional bool flag = 8;", "bool flag = 8;"),
        {("FIELD_SAME_PRESENCE", LEAF, 8)},
        True,
        {"FIELD_SAME_ONEOF"},
    ),
    Case(
        "moved into a oneof",
        leaf("int32 size = 2;", "oneof sized { int32 size = 2; }"),
        {("FIELD_SAME_ONEOF", LEAF, 2), ("FIELD_SAME_PRESENCE", LEAF, 2)},
        True,
    ),
    Case(
        "moved out of a oneof",
        leaf("    int64 b = 7;\n  }", "  }\n  int64 b = 7;"),
        {("FIELD_SAME_ONEOF", LEAF, 7)},
        True,
    ),
    Case(
        "proto2 default changed",
        {"legacy": "  optional int32 n = 1 [default = 6];"},
        {("FIELD_SAME_DEFAULT", LEGACY_MSG, 1)},
        True,
    ),
    Case(
        "proto2 required field added",
        {"legacy": "  optional int32 n = 1 [default = 5];\n  required int32 r = 2;"},
        {("MESSAGE_SAME_REQUIRED_FIELDS", LEGACY_MSG, 2)},
        True,
    ),
    Case(
        "reserved number released",
        leaf("  reserved 20;", ""),
        {("RESERVED_MESSAGE_NO_DELETE", LEAF, None)},
        True,
    ),
    # -- breaking: enums -------------------------------------------------------------
    Case(
        "enum value deleted",
        color("  GREEN = 2;\n", ""),
        {("ENUM_VALUE_NO_DELETE", COLOR, 2)},
        True,
    ),
    Case(
        "enum value renumbered",
        color("GREEN = 2;", "GREEN = 5;"),
        {("ENUM_VALUE_SAME_NUMBER", COLOR, 2)},
        True,
        {"ENUM_VALUE_ADDED"},
    ),
    Case(
        "enum values swapped",
        color("RED = 1;\n  GREEN = 2;", "GREEN = 1;\n  RED = 2;"),
        {("ENUM_VALUE_SAME_NAME", COLOR, 1), ("ENUM_VALUE_SAME_NAME", COLOR, 2)},
        True,
    ),
    Case(
        "fields swapped",
        leaf("string name = 1;\n  int32 size = 2;", "string size = 1;\n  int32 name = 2;"),
        {("FIELD_SAME_NAME", LEAF, 1), ("FIELD_SAME_NAME", LEAF, 2)},
        True,
    ),
    Case(
        "enum value renamed",
        color("GREEN = 2;", "VERT = 2;"),
        {("ENUM_VALUE_SAME_NAME", COLOR, 2)},
        True,
    ),
    Case(
        "enum reserved number released",
        color("  reserved 9;", ""),
        {("RESERVED_ENUM_NO_DELETE", COLOR, None)},
        True,
    ),
    # -- breaking: types and RPCs ----------------------------------------------------
    Case(
        "types no longer reachable",
        {"middle": "  repeated string leaves = 1;"},
        {
            ("FIELD_SAME_TYPE", MIDDLE, 1),
            ("MESSAGE_NO_DELETE", LEAF, None),
            ("ENUM_NO_DELETE", COLOR, None),
        },
        True,
    ),
    Case(
        "message moved to another file",
        {"leaf_home": "deep"},
        {("TYPE_SAME_FILE", LEAF, None), ("TYPE_SAME_FILE", INNER, None)},
        True,
    ),
    Case(
        "response type replaced",
        rpcs("returns (Thing)", "returns (Middle)"),
        {("RPC_SAME_RESPONSE_TYPE", "AdminService.DeleteThing", None)},
        True,
    ),
    Case(
        "server streaming",
        rpcs("returns (Thing)", "returns (stream Thing)"),
        {("RPC_SAME_SERVER_STREAMING", "AdminService.DeleteThing", None)},
        True,
    ),
    Case(
        "client streaming",
        rpcs("DeleteThing(GetThingRequest)", "DeleteThing(stream GetThingRequest)"),
        {("RPC_SAME_CLIENT_STREAMING", "AdminService.DeleteThing", None)},
        True,
    ),
    Case("RPC removed", {"rpcs": ""}, {("RPC_NO_DELETE", "AdminService.DeleteThing", None)}, True),
    Case(
        "idempotency level set",
        rpcs("; }", "; option idempotency_level = IDEMPOTENT; }"),
        {("RPC_SAME_IDEMPOTENCY_LEVEL", "AdminService.DeleteThing", None)},
        True,
    ),
    Case(
        "route verb changes the retry class",
        rpcs("delete:", "get:"),
        {
            ("RETRY_SAME_CLASS", "AdminService.DeleteThing", None),
            ("HTTP_ROUTE", "AdminService.DeleteThing", None),
        },
        True,
    ),
    Case("editions: closed enum", {"tone_type": "CLOSED"}, {("ENUM_SAME_TYPE", TONE, None)}, True),
    Case(
        "editions: implicit presence dropped",
        {"modern": BASE_MODERN.replace(" [features.field_presence = IMPLICIT]", "")},
        {("FIELD_SAME_PRESENCE", MODERN_MSG, 2)},
        True,
    ),
    # -- compatible ------------------------------------------------------------------
    Case(
        "field deleted, number and name reserved",
        leaf("  int32 size = 2;\n", '  reserved 2;\n  reserved "size";\n'),
        {("FIELD_DELETED_RESERVED", LEAF, 2), ("RESERVED_ADDED", LEAF, None)},
        False,
    ),
    Case(
        "field added",
        leaf("  reserved 20;", "  reserved 20;\n  int32 extra = 10;"),
        {("FIELD_ADDED", LEAF, 10)},
        False,
    ),
    Case(
        "message added",
        {"thing": "  flyteidl.core.Orphan orphan = 3;"},
        {
            ("FIELD_ADDED", "flyteidl.service.Thing", 3),
            ("MESSAGE_ADDED", "flyteidl.core.Orphan", None),
        },
        False,
    ),
    Case(
        "enum value added",
        color("GREEN = 2;", "GREEN = 2;\n  BLUE = 3;"),
        {("ENUM_VALUE_ADDED", COLOR, 3)},
        False,
    ),
    Case(
        "enum value deleted, number and name reserved",
        color("  GREEN = 2;\n", '  reserved 2;\n  reserved "GREEN";\n'),
        {("ENUM_VALUE_DELETED_RESERVED", COLOR, 2)},
        False,
    ),
    Case(
        "field deprecated",
        leaf("int32 size = 2;", "int32 size = 2 [deprecated = true];"),
        {("DEPRECATION", LEAF, 2)},
        False,
    ),
    Case(
        "RPC added",
        rpcs("; }", "; }\n  rpc CountThings(GetThingRequest) returns (Middle);"),
        {("RPC_ADDED", "AdminService.CountThings", None)},
        False,
    ),
    Case(
        "HTTP route path",
        rpcs("/api/v1/things/{id}", "/api/v2/things/{id}"),
        {("HTTP_ROUTE", "AdminService.DeleteThing", None)},
        False,
    ),
    Case(
        "enum added",
        {"thing": "  flyteidl.core.Shade shade = 3;"},
        {("ENUM_ADDED", "flyteidl.core.Shade", None)},
        False,
    ),
    Case(
        "RPC deprecated",
        rpcs("; }", "; option deprecated = true; }"),
        {("RPC_DEPRECATION", "AdminService.DeleteThing", None)},
        False,
    ),
    Case(
        "message deprecated",
        leaf("  reserved 20;", "  reserved 20;\n  option deprecated = true;"),
        {("DEPRECATION", LEAF, None)},
        False,
    ),
    Case("unreachable message changed", {"orphan": ""}, set(), False),
]


# -- running a case -------------------------------------------------------------------


@dataclass
class Outcome:
    status: int
    report: dict[str, Any]
    markdown: str
    old_set: Path
    new_set: Path

    @property
    def found(self) -> set[tuple[str, str, Optional[int]]]:
        return {(c["rule"], c["subject"], c["number"]) for c in self.report["changes"]}


def run_diff(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    status = diff_main(list(args))
    return status, capsys.readouterr().out


def run_case(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Outcome:
    old_dir = compile_tree(tmp_path / "old", tree())
    new_dir = compile_tree(tmp_path / "new", tree(**case.new))
    status, out = run_diff(capsys, str(old_dir), str(new_dir), "--format", "json")
    markdown_status, markdown = run_diff(capsys, str(old_dir), str(new_dir))
    assert markdown_status == status
    outcome = Outcome(
        status,
        json.loads(out),
        markdown,
        descriptor_set(old_dir, tmp_path / "old.binpb"),
        descriptor_set(new_dir, tmp_path / "new.binpb"),
    )
    return outcome


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run_case(case, tmp_path, capsys)
    expected = case.expected
    assert expected <= outcome.found, outcome.markdown
    assert not {rule for rule, _, _ in outcome.found} & case.absent, outcome.markdown
    breaking = [c for c in outcome.report["changes"] if c["breaking"]]
    assert outcome.status == (1 if case.breaking else 0), outcome.markdown
    assert bool(breaking) == case.breaking
    assert outcome.report["breaking"] == len(breaking)
    if not expected:
        assert outcome.report["changes"] == [], outcome.markdown
    for rule, subject, number in expected:
        flag = (
            "**breaking**"
            if (rule, subject, number) in {(c["rule"], c["subject"], c["number"]) for c in breaking}
            else "compatible"
        )
        # One line per change; a change under several rules names them all ("A + B"),
        # flagged breaking when any of them is.
        flags = (
            r"\*\*breaking\*\*" if flag == "**breaking**" else r"(?:\*\*breaking\*\*|compatible)"
        )
        pattern = re.compile(
            rf"- {flags} (?:[A-Z_]+ \+ )*{rule}(?: \+ [A-Z_]+)*: `{re.escape(subject)}` "
        )
        lines = [ln for ln in outcome.markdown.splitlines() if pattern.match(ln)]
        assert lines, (rule, subject, outcome.markdown)
        if number is not None:
            assert any(re.search(rf"\b{number}\b", ln) for ln in lines), lines
    # The same comparison from the compiled descriptor sets gives the same report.
    status, out = run_diff(capsys, str(outcome.old_set), str(outcome.new_set), "--format", "json")
    assert status == outcome.status
    assert json.loads(out)["changes"] == outcome.report["changes"]


# -- buf --------------------------------------------------------------------------------

BUF_CONFIG = '{"version":"v2","breaking":{"use":["WIRE_JSON"]}}'


def buf_binary() -> str:
    require("buf-bin", why="tests cross-check codegen diff with buf breaking")
    found = shutil.which("buf") or str(Path(sys.executable).with_name("buf"))
    if not Path(found).exists():
        pytest.fail(
            "buf is not installed (the buf-bin dev dependency provides it): pip install -e '.[dev]'"
        )
    return found


@dataclass(frozen=True)
class BufFinding:
    rule: str
    file: str
    kind: str  # "message", "enum" or "rpc"
    name: str  # short type name ("Inner"), or "Service.Method"
    number: Optional[int]
    message: str


def buf_breaking(new: Path, old: Path) -> list[BufFinding]:
    done = subprocess.run(
        [
            buf_binary(),
            "breaking",
            str(new),
            "--against",
            str(old),
            "--config",
            BUF_CONFIG,
            "--error-format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode in (0, 100), done.stderr
    findings = []
    for line in filter(None, done.stdout.splitlines()):
        raw = json.loads(line)
        text = raw["message"]
        number = re.search(r'(?:field|enum value) "(\d+)"', text)
        rpc = re.search(r'RPC "(\w+)" on service "(\w+)"', text)
        owner = re.search(r'\b([Mm]essage|[Ee]num) "([\w.]+)"', text)
        if rpc:
            kind, name = "rpc", f"{rpc.group(2)}.{rpc.group(1)}"
        else:
            assert owner, text
            kind, name = owner.group(1).lower(), owner.group(2)
        findings.append(
            BufFinding(
                raw["type"], raw["path"], kind, name, int(number.group(1)) if number else None, text
            )
        )
    return findings


def _packages(descriptor_set_path: Path) -> dict[str, str]:
    from google.protobuf import descriptor_pb2

    files = descriptor_pb2.FileDescriptorSet.FromString(descriptor_set_path.read_bytes()).file
    return {f.name: f.package for f in files}


def uncovered_buf_findings(
    outcome_report: dict[str, Any],
    manifests: list[dict[str, Any]],
    findings: list[BufFinding],
    packages: dict[str, str],
) -> list[str]:
    """buf findings on reachable types (or the services' RPCs) that no breaking line of
    the report covers: same type (package + short name) and, if any, same number."""
    breaking = [c for c in outcome_report["changes"] if c["breaking"]]
    reachable = {name for m in manifests for kind in ("messages", "enums") for name in m[kind]}
    missing = []
    for f in findings:
        if f.kind == "rpc":
            subjects = {f.name}
        else:
            package = packages[f.file]
            subjects = {
                n for n in reachable if n.startswith(package + ".") and n.split(".")[-1] == f.name
            }
            if not subjects:
                continue  # not reachable from the services: out of scope
        covered = any(
            c["subject"] in subjects and (f.number is None or c["number"] == f.number)
            for c in breaking
        )
        if not covered:
            missing.append(f"{f.rule}: {f.message}")
    return missing


def manifest_of(path: Path) -> dict[str, Any]:
    from codegen.diff import load_manifest

    return load_manifest(str(path))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_buf_findings_on_reachable_types_are_breaking_lines(
    case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outcome = run_case(case, tmp_path, capsys)
    findings = buf_breaking(outcome.new_set, outcome.old_set)
    packages = {**_packages(outcome.old_set), **_packages(outcome.new_set)}
    manifests = [manifest_of(outcome.old_set), manifest_of(outcome.new_set)]
    assert uncovered_buf_findings(outcome.report, manifests, findings, packages) == []
    if not case.breaking:
        reachable = [f for f in findings if f.kind != "rpc" and f.name not in ("Orphan",)]
        assert reachable == [], "buf flags a change this case calls compatible"
    if case.id == "unreachable message changed":
        assert {f.name for f in findings} == {"Orphan"}  # buf sees it; the client never does


def test_the_cross_check_notices_a_missing_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The coverage check itself can fail: drop the report's lines and buf's remain."""
    case = next(c for c in CASES if c.id == "moved into a oneof")
    outcome = run_case(case, tmp_path, capsys)
    findings = buf_breaking(outcome.new_set, outcome.old_set)
    packages = _packages(outcome.new_set)
    manifests = [manifest_of(outcome.old_set), manifest_of(outcome.new_set)]
    assert [f.rule for f in findings] == ["FIELD_SAME_ONEOF"]
    emptied = {**outcome.report, "changes": []}
    assert len(uncovered_buf_findings(emptied, manifests, findings, packages)) == 1


def test_the_manifest_records_presence_labels_and_enum_types(tmp_path: Path) -> None:
    """What the rules compare: proto3 implicit/explicit (optional, message, oneof),
    synthetic oneofs left out, maps, proto2 defaults, editions features."""
    manifest = manifest_of(compile_tree(tmp_path / "idl", tree()))
    leaf_fields = manifest["messages"][LEAF]["fields"]
    assert leaf_fields["2"] == {
        "name": "size",
        "json_name": "size",
        "type": "int32",
        "kind": "scalar",
        "label": "optional",
        "presence": "implicit",
    }
    assert leaf_fields["5"] == {
        "name": "labels",
        "json_name": "labels",
        "type": "map<string, string>",
        "kind": "map",
        "label": "map",
    }
    assert leaf_fields["6"]["oneof"] == "choice" and leaf_fields["6"]["presence"] == "explicit"
    assert leaf_fields["8"]["presence"] == "explicit" and "oneof" not in leaf_fields["8"]
    assert leaf_fields["9"]["type"] == INNER and leaf_fields["9"]["presence"] == "explicit"
    assert manifest["messages"][LEAF]["oneofs"] == ["choice"]
    assert manifest["messages"][LEAF]["reserved"] == {"numbers": [[20, 20]]}
    assert manifest["enums"][COLOR] == {
        "file": "flyteidl/core/deep.proto",
        "values": {"COLOR_UNSPECIFIED": 0, "RED": 1, "GREEN": 2},
        "reserved": {"numbers": [[9, 9]]},
    }
    assert manifest["messages"][LEGACY_MSG]["fields"]["1"]["default"] == "5"
    modern = manifest["messages"][MODERN_MSG]["fields"]
    assert [modern[n].get("presence") for n in "123"] == ["explicit", "implicit", "explicit"]
    assert modern["4"]["label"] == "required"
    assert "closed" not in manifest["enums"][TONE]
    assert "flyteidl.core.Orphan" not in manifest["messages"]  # no RPC reaches it
    assert "flyteidl.core.Leaf.LabelsEntry" not in manifest["messages"]  # a map, not a type
