"""IDL bumps as a reviewable change: ``python -m codegen diff`` and older flyteidl releases.

The fast tests build small synthetic manifests covering every client-level kind of change
(RPCs, method names, signatures, pagers, retry classes, request/response types) and
check each report line's rule and breaking flag and the exit codes (0 compatible,
1 breaking, 2 bad input), including the git-revision forms against a throwaway
repository and manifests written before nested types were recorded (format 1). The
committed flyteidl 1.10.7 and 1.16.8 descriptor sets (tests/fixtures) check the report
on a real bump, and that a client generated from a descriptor set equals the committed
one. Message and enum rules are in tests/codegen/test_idl_rules.py. The slow tests regenerate
against flyteidl 1.10.7 in a temporary virtualenv, rebuild the fixtures from the wheels
on PyPI, and run scripts/bump-idl end to end.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Optional

import pytest

from codegen.changes import Change
from codegen.diff import compare
from codegen.manifest import manifest_files
from codegen.report import markdown
from codegen.surfacediff import parse_signature, signature_changes

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ROOT / "flyteclient" / "generated"
MANIFEST = GENERATED / "api.json"
FIXTURES = ROOT / "tests" / "fixtures"
CALL = "*, timeout=None, metadata=None"


# -- synthetic manifests --------------------------------------------------------------


def _field(name: str, type_: str, label: str = "optional") -> dict[str, Any]:
    kind = "message" if "." in type_ else "scalar"
    out: dict[str, Any] = {
        "name": name,
        "json_name": name,
        "type": type_,
        "kind": kind,
        "label": label,
    }
    if label == "optional":
        out["presence"] = "explicit" if kind == "message" else "implicit"
    return out


def _message(*fields: tuple[int, str, str, str]) -> dict[str, Any]:
    return {
        "file": "flyteidl/admin/x.proto",
        "fields": {str(n): _field(name, t, label) for n, name, t, label in fields},
    }


def _rpc(
    name: str,
    friendly: str = "(id)",
    *,
    request_type: str = "flyteidl.admin.ObjectGetRequest",
    response_type: str = "flyteidl.admin.Thing",
    pager: Optional[dict[str, str]] = None,
    http: str = "GET /api/v1/things/{id}",
    retry: str = "read",
    returns: str = "admin_pb2.Thing",
    server_streaming: bool = False,
) -> dict[str, Any]:
    return {
        "raw": {"name": name, "signature": f"(request, {CALL})"},
        "friendly": {"name": name, "signature": friendly, "returns": returns},
        "pager": pager,
        "request": request_type,
        "response": response_type,
        "streaming": {"client": False, "server": server_streaming},
        "http": http,
        "retry": retry,
    }


MESSAGES = {
    "flyteidl.admin.ObjectGetRequest": _message((1, "id", "flyteidl.core.Identifier", "optional")),
    "flyteidl.core.Identifier": _message((1, "name", "string", "optional")),
    "flyteidl.admin.Thing": _message((1, "name", "string", "optional")),
    "flyteidl.admin.ResourceListRequest": _message(
        (1, "project", "string", "optional"),
        (2, "limit", "uint32", "optional"),
        (3, "tags", "string", "repeated"),
    ),
    "flyteidl.admin.OldRequest": _message(),
    "flyteidl.admin.NewRequest": _message(),
}


def _manifest(version: str, services: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "format": 2,
        "flyteidl": version,
        "services": {f"flyteidl.service.{s}": {"rpcs": rpcs} for s, rpcs in services.items()},
        "messages": copy.deepcopy(MESSAGES),
        "enums": {},
        "packages": {
            "flyteidl.admin": sorted(n for n in MESSAGES if n.startswith("flyteidl.admin.")),
            "flyteidl.core": ["flyteidl.core.Identifier"],
        },
    }


PAGER = {
    "name": "iter_things",
    "signature": "(project, domain, page_size=100, limit=None)",
    "items": "things",
}


def old_manifest() -> dict[str, Any]:
    return _manifest(
        "1.0.0",
        {
            "AdminService": {
                "Unchanged": _rpc("unchanged"),
                "Removed": _rpc("removed"),
                "Signatures": _rpc("signatures", "(a, b, c=None, d=1, *, e=None)"),
                "Renamed": _rpc("renamed"),
                "Returns": _rpc("returns_", returns="admin_pb2.Thing"),
                "ListThings": _rpc(
                    "list_things",
                    "(project, domain)",
                    request_type="flyteidl.admin.ResourceListRequest",
                    pager=PAGER,
                ),
                "PagerGone": _rpc("pager_gone", pager=dict(PAGER, name="iter_gone")),
                "PagerNew": _rpc("pager_new"),
                "NewType": _rpc("new_type", request_type="flyteidl.admin.OldRequest"),
                "Route": _rpc("route", http="GET /api/v1/route", retry="read"),
                "Retry": _rpc("retry", http="PUT /api/v1/retry", retry="write"),
                "Stream": _rpc("stream"),
            },
            "SignalService": {"SetSignal": _rpc("set_signal", retry="write")},
        },
    )


def new_manifest() -> dict[str, Any]:
    new = copy.deepcopy(old_manifest())
    admin = new["services"]["flyteidl.service.AdminService"]["rpcs"]
    del new["services"]["flyteidl.service.SignalService"]
    del admin["Removed"]
    admin["Added"] = _rpc("added")
    # (a, b, c=None, d=1, *, e=None): b removed, c loses its default, d's default changes,
    # e becomes positional, f=None is added, g is added without a default.
    admin["Signatures"]["friendly"]["signature"] = "(a, c, d=2, e=None, f=None, *, g)"
    admin["Renamed"]["friendly"]["name"] = "renamed_v2"
    admin["Returns"]["friendly"]["returns"] = "List[admin_pb2.Thing]"
    things = admin["ListThings"]
    things["pager"] = dict(
        PAGER, items="items", signature="(project, domain, page_size=100, limit=None, org=None)"
    )
    admin["PagerGone"]["pager"] = None
    admin["PagerNew"]["pager"] = dict(PAGER, name="iter_new")
    admin["NewType"]["request"] = "flyteidl.admin.NewRequest"
    admin["Route"]["http"] = "GET /api/v2/route"
    admin["Retry"]["retry"] = "non_idempotent"
    admin["Stream"]["streaming"]["server"] = True
    return new


def compatible_pair() -> tuple[dict[str, Any], dict[str, Any]]:
    old = old_manifest()
    new = copy.deepcopy(old)
    admin = new["services"]["flyteidl.service.AdminService"]["rpcs"]
    admin["Added"] = _rpc("added")
    admin["Signatures"]["friendly"]["signature"] = "(a, b, c=None, d=1, *, e=None, f=None)"
    new["messages"]["flyteidl.admin.ResourceListRequest"]["fields"]["9"] = _field("org", "string")
    admin["Route"]["http"] = "GET /api/v2/route"
    new["flyteidl"] = "1.1.0"
    return old, new


def _by_rule(changes: list[Change]) -> dict[tuple[str, str], list[Change]]:
    out: dict[tuple[str, str], list[Change]] = {}
    for c in changes:
        out.setdefault((c.rule_id, c.subject), []).append(c)
    return out


# -- classification -------------------------------------------------------------------

EXPECTED = {
    # (rule, subject): [breaking per line]
    ("RPC_ADDED", "AdminService.Added"): [False],
    ("RPC_NO_DELETE", "AdminService.Removed"): [True],
    ("RPC_NO_DELETE", "SignalService.SetSignal"): [True],
    ("PARAMETER_NO_DELETE", "AdminService.Signatures"): [True],
    ("PARAMETER_SAME_DEFAULT", "AdminService.Signatures"): [True, True],
    ("PARAMETER_POSITIONAL", "AdminService.Signatures"): [False],
    ("PARAMETER_SAME_POSITION", "AdminService.Signatures"): [True, True],
    ("PARAMETER_ADDED", "AdminService.Signatures"): [False],
    ("PARAMETER_NO_ADD_REQUIRED", "AdminService.Signatures"): [True],
    ("METHOD_SAME_NAME", "AdminService.Renamed"): [True],
    ("METHOD_SAME_RETURN_TYPE", "AdminService.Returns"): [True],
    ("PAGER_SAME_ITEMS", "AdminService.ListThings"): [True],
    ("PARAMETER_ADDED", "AdminService.ListThings"): [False],
    ("PAGER_NO_DELETE", "AdminService.PagerGone"): [True],
    ("PAGER_ADDED", "AdminService.PagerNew"): [False],
    ("RPC_SAME_REQUEST_TYPE", "AdminService.NewType"): [True],
    ("HTTP_ROUTE", "AdminService.Route"): [False],
    ("RETRY_SAME_CLASS", "AdminService.Retry"): [True],
    ("RPC_SAME_SERVER_STREAMING", "AdminService.Stream"): [True],
}


def test_every_kind_of_change_is_found_and_flagged() -> None:
    changes = compare(old_manifest(), new_manifest())
    found = {key: [c.breaking for c in cs] for key, cs in _by_rule(changes).items()}
    assert found == EXPECTED
    assert not [c for c in changes if "Unchanged" in c.subject]


def test_each_signature_reason_is_its_own_line_naming_the_parameter() -> None:
    changes = [
        c for c in compare(old_manifest(), new_manifest()) if c.subject == "AdminService.Signatures"
    ]
    assert sorted((c.rule_id, c.member) for c in changes) == sorted(
        [
            ("PARAMETER_NO_DELETE", "b"),
            ("PARAMETER_SAME_POSITION", "c"),
            ("PARAMETER_SAME_DEFAULT", "c"),
            ("PARAMETER_SAME_POSITION", "d"),
            ("PARAMETER_SAME_DEFAULT", "d"),
            ("PARAMETER_POSITIONAL", "e"),
            ("PARAMETER_ADDED", "f"),
            ("PARAMETER_NO_ADD_REQUIRED", "g"),
        ]
    )


SIGNATURE_CASES = [
    ("(a, b)", "(a, b, c=None)", [("PARAMETER_ADDED", "c", "parameter `c=None` added")]),
    (
        "(a, *, b=None)",
        "(a, *, c=None, b=None)",
        [("PARAMETER_ADDED", "c", "parameter `c=None` added")],
    ),
    ("(a, b)", "(a, b, c)", [("PARAMETER_NO_ADD_REQUIRED", "c", "required parameter `c` added")]),
    ("(a, b)", "(a)", [("PARAMETER_NO_DELETE", "b", "parameter `b` removed")]),
    ("(a, b)", "(a, x)", [("PARAMETER_SAME_NAME", "b", "parameter `b` renamed to `x`")]),
    (
        "(a, b)",
        "(b, a)",
        [
            ("PARAMETER_SAME_POSITION", "a", "`a` moved from position 1 to 2"),
            ("PARAMETER_SAME_POSITION", "b", "`b` moved from position 2 to 1"),
        ],
    ),
    (
        "(a, b=None)",
        "(x=None, a, b=None)",
        [
            ("PARAMETER_SAME_POSITION", "a", "`a` moved from position 1 to 2"),
            ("PARAMETER_SAME_POSITION", "b", "`b` moved from position 2 to 3"),
            ("PARAMETER_ADDED", "x", "parameter `x=None` added"),
        ],
    ),
    (
        "(a, b=None)",
        "(a, *, b=None)",
        [("PARAMETER_NO_KEYWORD_ONLY", "b", "`b` became keyword-only")],
    ),
    (
        "(a, *, b=None)",
        "(a, b=None)",
        [("PARAMETER_POSITIONAL", "b", "`b` may now be passed positionally")],
    ),
    (
        "(a=None)",
        "(a)",
        [("PARAMETER_SAME_DEFAULT", "a", "`a` lost its default `None` (now required)")],
    ),
    ("(a)", "(a=None)", [("PARAMETER_DEFAULT_ADDED", "a", "`a` got a default `None`")]),
    ("(a=1)", "(a=2)", [("PARAMETER_SAME_DEFAULT", "a", "default of `a` changed from `1` to `2`")]),
    (
        "(a='x, y')",
        "(a='x, y', b=(1, 2))",
        [("PARAMETER_ADDED", "b", "parameter `b=(1, 2)` added")],
    ),
]


@pytest.mark.parametrize("old, new, expected", SIGNATURE_CASES)
def test_signature_rules(old: str, new: str, expected: list[tuple[str, str, str]]) -> None:
    assert signature_changes(old, new) == expected


def test_a_reformatted_signature_is_compatible() -> None:
    old, new = old_manifest(), old_manifest()
    new["services"]["flyteidl.service.AdminService"]["rpcs"]["Unchanged"]["friendly"][
        "signature"
    ] = "( id )"
    assert [(c.rule_id, c.breaking) for c in compare(old, new)] == [("SIGNATURE_FORMAT", False)]


def test_every_rule_has_a_test() -> None:
    """Each rule of codegen/rules.py is expected somewhere: here, or in a synthetic IDL
    case of tests/codegen/test_idl_rules.py."""
    from codegen.rules import RULES
    from tests.codegen.test_idl_rules import CASES

    tested = {rule for rule, _ in EXPECTED} | {
        rule for _, _, found in SIGNATURE_CASES for rule, _, _ in found
    }
    tested |= {rule for case in CASES for rule, _, _ in case.expected} | {"SIGNATURE_FORMAT"}
    tested |= {
        "CLIENT_NO_DELETE",
        "CLIENT_ADDED",
    }  # test_client_classes_of_each_flavour_are_compared
    assert set(RULES) - tested == set()


def test_parse_signature_handles_keyword_only_and_commas_in_defaults() -> None:
    params = parse_signature("(request=None, *, names=('a', 'b'), timeout=None)")
    assert [(p.name, p.default, p.keyword_only) for p in params] == [
        ("request", "None", False),
        ("names", "('a', 'b')", True),
        ("timeout", "None", True),
    ]


def test_report_has_summary_first_and_one_flagged_line_per_change() -> None:
    old, new = old_manifest(), new_manifest()
    changes = compare(old, new)
    report = markdown(old, new, changes)
    first = report.splitlines()[0]
    assert first.startswith("flyteidl 1.0.0 → 1.0.0: 1 RPC added, 2 removed, ")
    assert f"**{sum(c.breaking for c in changes)} breaking changes**" in first
    flagged = [line for line in report.splitlines() if line.startswith("- ")]
    assert len(flagged) == len(changes)
    breaking = [line for line in flagged if line.startswith("- **breaking** ")]
    assert len(breaking) == sum(b for flags in EXPECTED.values() for b in flags)
    assert "- **breaking** RPC_NO_DELETE: `AdminService.Removed` RPC removed" in report
    assert (
        "- compatible HTTP_ROUTE: `AdminService.Route` HTTP route `GET /api/v1/route` → `GET /api/v2/route`"
        in report
    )
    # Sections come in a fixed order; within one, breaking lines first.
    assert report.index("## RPCs") < report.index("## Method") < report.index("## Retry")
    section = report[report.index("## Method") : report.index("## Retry")]
    flags = [
        line.startswith("- **breaking**") for line in section.splitlines() if line.startswith("- ")
    ]
    assert flags == sorted(flags, reverse=True)


def test_identical_manifests_report_no_change() -> None:
    report = markdown(old_manifest(), old_manifest(), compare(old_manifest(), old_manifest()))
    assert report.splitlines()[0].endswith("— no breaking changes")
    assert "No change to the client surface." in report


# -- command line: exit codes and input forms ---------------------------------------


def run_diff(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "codegen", "diff", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def write(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def write_manifest(directory: Path, manifest: dict[str, Any]) -> Path:
    """The manifest's files (api.json, types/*.json) in ``directory``; returns api.json."""
    for rel, text in manifest_files(manifest, "test").items():
        write(directory / rel, text)
    return directory / "api.json"


def format_1(manifest: dict[str, Any]) -> dict[str, Any]:
    """``manifest`` as the generator wrote it before nested types were recorded: request
    and response as ``{"type", "fields"}`` with top-level fields keyed by name."""
    old = {"flyteidl": manifest["flyteidl"], "services": copy.deepcopy(manifest["services"])}
    for service in old["services"].values():
        for rpc in service["rpcs"].values():
            for side in ("request", "response"):
                fields = manifest["messages"].get(rpc[side], {}).get("fields", {})
                rpc[side] = {
                    "type": rpc[side],
                    "fields": {
                        f["name"]: {"number": int(n), "type": f["type"], "label": f["label"]}
                        for n, f in fields.items()
                    },
                }
    return old


def test_exit_0_when_only_compatible_changes(tmp_path: Path) -> None:
    old, new = compatible_pair()
    done = run_diff(
        str(write_manifest(tmp_path / "old", old)), str(write_manifest(tmp_path / "new", new))
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(
        "flyteidl 1.0.0 → 1.1.0: 1 RPC added, 0 removed, 1 signature change (0 breaking), "
        "1 message/enum change (0 breaking)"
    )
    assert (
        "- compatible FIELD_ADDED: `flyteidl.admin.ResourceListRequest` field 9 `org` `string` added"
        in done.stdout
    )
    assert "- **breaking**" not in done.stdout
    assert done.stderr == ""


def test_exit_1_when_something_breaks(tmp_path: Path) -> None:
    done = run_diff(
        str(write_manifest(tmp_path / "a", old_manifest())),
        str(write_manifest(tmp_path / "b", new_manifest())),
    )
    assert done.returncode == 1, done.stderr
    assert "- **breaking** RPC_NO_DELETE: `AdminService.Removed` RPC removed" in done.stdout


def test_a_directory_means_its_api_json_and_types(tmp_path: Path) -> None:
    old, new = old_manifest(), copy.deepcopy(old_manifest())
    del new["messages"]["flyteidl.core.Identifier"]["fields"][
        "1"
    ]  # only in types/flyteidl.core.json
    write_manifest(tmp_path / "old", old)
    write_manifest(tmp_path / "new", new)
    assert sorted(p.name for p in (tmp_path / "new" / "types").iterdir()) == [
        "flyteidl.admin.json",
        "flyteidl.core.json",
    ]
    done = run_diff(str(tmp_path / "old"), str(tmp_path / "new"))
    assert done.returncode == 1
    assert (
        "- **breaking** FIELD_NO_DELETE: `flyteidl.core.Identifier` field 1 `name` `string` deleted"
        in done.stdout
    )


def test_json_format_has_one_object_per_change(tmp_path: Path) -> None:
    done = run_diff(
        str(write_manifest(tmp_path / "a", old_manifest())),
        str(write_manifest(tmp_path / "b", new_manifest())),
        "--format",
        "json",
    )
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["old"] == "1.0.0" and report["breaking"] == sum(
        c["breaking"] for c in report["changes"]
    )
    removed = next(c for c in report["changes"] if c["subject"] == "AdminService.Removed")
    assert removed == {
        "rule": "RPC_NO_DELETE",
        "category": "CLIENT",
        "breaking": True,
        "subject": "AdminService.Removed",
        "member": None,
        "number": None,
        "text": removed["text"],
        "reached_from": [],
    }


def test_a_format_1_manifest_is_compared_on_what_it_recorded(tmp_path: Path) -> None:
    """Revisions written before nested types were recorded still diff: top-level fields
    only, no types added or removed, no deprecation or idempotency."""
    old, new = old_manifest(), copy.deepcopy(old_manifest())
    fields = new["messages"]["flyteidl.admin.ResourceListRequest"]["fields"]
    fields["3"]["label"] = "optional"
    fields["9"] = _field("org", "string")
    new["messages"]["flyteidl.core.Identifier"]["fields"]["2"] = _field(
        "org", "string"
    )  # nested: unseen
    done = run_diff(
        str(write(tmp_path / "old.json", format_1(old))), str(write_manifest(tmp_path / "new", new))
    )
    assert done.returncode == 1, done.stderr
    assert "OLD is a manifest written before nested messages and enums were recorded" in done.stdout
    lines = [line for line in done.stdout.splitlines() if line.startswith("- ")]
    assert [line.split(":")[0] for line in lines] == [
        "- **breaking** FIELD_SAME_CARDINALITY",
        "- compatible FIELD_ADDED",
    ]
    assert run_diff(str(tmp_path / "old.json"), str(tmp_path / "old.json")).returncode == 0


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "not a file, directory or readable git revision"),
        ("{not json", "invalid JSON"),
        ("[]", "not an API manifest"),
        ('{"services": {"flyteidl.service.X": {}}}', "not an API manifest"),
        (
            '{"format": 2, "packages": {"a": "types/a.json"}, "services": {}}',
            "cannot read types/a.json",
        ),
        (b"\x08\x96\x01garbage", "not a FileDescriptorSet"),
    ],
)
def test_exit_2_on_bad_input_with_one_line_on_stderr(
    tmp_path: Path, content: Optional[Any], message: str
) -> None:
    good = write_manifest(tmp_path / "good", old_manifest())
    bad = tmp_path / "bad.bin"
    if isinstance(content, bytes):
        bad.write_bytes(content)
    elif content is not None:
        write(bad, content)
    for args in ((str(bad), str(good)), (str(good), str(bad))):
        done = run_diff(*args, cwd=tmp_path)
        assert done.returncode == 2
        assert done.stdout == ""
        assert len(done.stderr.splitlines()) == 1, done.stderr
        assert done.stderr.startswith("codegen diff: error: ") and message in done.stderr


def test_exit_2_for_a_directory_without_a_manifest(tmp_path: Path) -> None:
    done = run_diff(str(tmp_path / "x"), str(write_manifest(tmp_path / "y", old_manifest())))
    assert done.returncode == 2
    (tmp_path / "x").mkdir()
    done = run_diff(str(tmp_path / "x"), str(tmp_path / "y"))
    assert done.returncode == 2 and "has no api.json and no .proto files" in done.stderr


def test_exit_2_for_protos_that_do_not_compile(tmp_path: Path) -> None:
    write(tmp_path / "p" / "a.proto", 'syntax = "proto3";\nmessage A { Missing m = 1; }\n')
    done = run_diff(str(tmp_path / "p"), str(GENERATED))
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1
    assert "protoc failed" in done.stderr and '"Missing" is not defined' in done.stderr


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with two commits of flyteclient/generated (tag v1 is the old one),
    a manifest elsewhere and the flyteidl 1.10.7 descriptor set."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    old, new = compatible_pair()
    write_manifest(repo / "flyteclient" / "generated", old)
    write_manifest(repo / "elsewhere", new_manifest())
    shutil.copy(FIXTURES / "flyteidl-1.10.7.binpb", repo / "idl.binpb")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "old")
    git(repo, "tag", "v1")
    write_manifest(repo / "flyteclient" / "generated", new)
    git(repo, "commit", "-q", "-am", "new")
    return repo


def test_git_revisions_name_the_generated_manifest(repo: Path) -> None:
    done = run_diff("v1", "HEAD", cwd=repo)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("flyteidl 1.0.0 → 1.1.0")
    assert (
        "`flyteidl.admin.ResourceListRequest` field 9 `org`" in done.stdout
    )  # from types/ at HEAD
    sub = repo / "flyteclient"  # a revision is read from the repository root, wherever we are
    assert run_diff("HEAD~1", "HEAD", cwd=sub).stdout == done.stdout


def test_rev_colon_path_and_mixed_forms(repo: Path) -> None:
    done = run_diff("HEAD:flyteclient/generated/api.json", "v1:elsewhere/api.json", cwd=repo)
    assert done.returncode == 1
    assert done.stdout.startswith("flyteidl 1.1.0 → 1.0.0")
    # REV:dir means the manifest in that directory.
    assert run_diff("v1:elsewhere", "HEAD:elsewhere/", cwd=repo).stdout.endswith(
        "No change to the client surface.\n"
    )
    # A working-tree file against a revision.
    done = run_diff("v1", "flyteclient/generated/api.json", cwd=repo)
    assert done.returncode == 0 and done.stdout.startswith("flyteidl 1.0.0 → 1.1.0")
    # A descriptor set at a revision against one in the working tree.
    done = run_diff("v1:idl.binpb", "idl.binpb", cwd=repo)
    assert done.returncode == 0 and "No change to the client surface." in done.stdout


@pytest.mark.parametrize("spec", ["no-such-rev", "v1:no/such/file.json", "HEAD~5"])
def test_bad_revisions_exit_2(repo: Path, spec: str) -> None:
    done = run_diff(spec, "HEAD", cwd=repo)
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1 and spec in done.stderr


def test_a_revision_outside_a_git_repository_exits_2(tmp_path: Path) -> None:
    done = run_diff("HEAD", "HEAD", cwd=tmp_path)
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1


def test_the_checked_in_manifest_diffs_cleanly_against_itself() -> None:
    done = run_diff(str(MANIFEST), str(MANIFEST.parent))
    assert done.returncode == 0 and "No change to the client surface." in done.stdout


# -- flyteidl 1.10.7 -> 1.16.8 from the committed descriptor sets ---------------------

SIX = {
    # buf breaking (WIRE_JSON) on these two releases: (type, field number, field name)
    ("flyteidl.core.ArtifactBindingData", 1, "index"),
    ("flyteidl.core.ArtifactBindingData", 2, "partition_key"),
    ("flyteidl.core.ArtifactBindingData", 3, "bind_to_time_partition"),
    ("flyteidl.core.ArtifactBindingData", 4, "transform"),
    ("flyteidl.core.TaskMetadata", 10, "generates_deck"),
    ("flyteidl.core.ArrayNode", 2, "parallelism"),
}


def test_flyteidl_1_10_7_to_1_16_8_names_the_six_breaking_changes() -> None:
    done = run_diff(
        str(FIXTURES / "flyteidl-1.10.7.binpb"),
        str(FIXTURES / "flyteidl-1.16.8.binpb"),
        "--format",
        "json",
    )
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    breaking = [c for c in report["changes"] if c["breaking"]]
    assert {(c["subject"], c["number"], c["member"]) for c in breaking} == SIX
    rules = {(c["subject"], c["number"]): set() for c in breaking}
    for c in breaking:
        rules[(c["subject"], c["number"])].add(c["rule"])
    assert rules[("flyteidl.core.ArrayNode", 2)] == {"FIELD_SAME_ONEOF", "FIELD_SAME_PRESENCE"}
    assert rules[("flyteidl.core.ArtifactBindingData", 1)] == {"FIELD_NO_DELETE"}
    assert rules[("flyteidl.core.ArtifactBindingData", 2)] == {"FIELD_SAME_NUMBER"}  # now 5
    assert rules[("flyteidl.core.TaskMetadata", 10)] == {"FIELD_SAME_NUMBER"}  # now 15, a BoolValue
    added = {c["subject"] for c in report["changes"] if c["rule"] == "RPC_ADDED"}
    assert added == {"AdminService.GetDomains", "AdminService.GetProject"}
    markdown_report = run_diff(
        str(FIXTURES / "flyteidl-1.10.7.binpb"), str(FIXTURES / "flyteidl-1.16.8.binpb")
    ).stdout
    first = markdown_report.splitlines()[0]
    # Descriptor sets carry no version: named by the releases with the same API.
    assert first.startswith("flyteidl 1.10.7 → 1.16.8 (same API as 1.16.5, 1.16.6, 1.16.7): ")
    # Six changes (as buf counts them), seven rule findings: ArrayNode.parallelism moved
    # into a oneof and so changed its presence, one line naming both rules.
    assert "**6 breaking changes**" in first
    assert report["breaking"] == 7 and report["breaking_events"] == 6
    assert (
        "- **breaking** FIELD_SAME_ONEOF + FIELD_SAME_PRESENCE: `flyteidl.core.ArrayNode` field 2 "
        "`parallelism` moved into oneof `parallelism_option`; presence `implicit` → `explicit` "
        "(reached from `AdminService.CreateNodeEvent` request" in markdown_report
    )
    event = next(e for e in report["events"] if e["subject"] == "flyteidl.core.ArrayNode")
    assert event["rules"] == ["FIELD_SAME_ONEOF", "FIELD_SAME_PRESENCE"] and event["breaking"]
    assert sum(e["breaking"] for e in report["events"]) == 6


def test_buf_agrees_on_flyteidl_1_10_7_to_1_16_8() -> None:
    from tests.codegen.test_idl_rules import (
        _packages,
        buf_breaking,
        manifest_of,
        uncovered_buf_findings,
    )

    old, new = FIXTURES / "flyteidl-1.10.7.binpb", FIXTURES / "flyteidl-1.16.8.binpb"
    findings = buf_breaking(new, old)
    assert len(findings) == 6
    report = json.loads(run_diff(str(old), str(new), "--format", "json").stdout)
    packages = {**_packages(old), **_packages(new)}
    assert (
        uncovered_buf_findings(report, [manifest_of(old), manifest_of(new)], findings, packages)
        == []
    )


def _without_header(text: str, suffix: str) -> Any:
    """A generated file minus what names the IDL it came from (the header comment of a
    Python file and the package's ``FLYTEIDL_VERSION``; ``_generated`` and ``flyteidl`` of
    a manifest file)."""
    if suffix == ".json":
        data = json.loads(text)
        return {k: v for k, v in data.items() if k not in ("_generated", "flyteidl")}
    lines = text.splitlines()
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    return [line for line in lines if not line.startswith("FLYTEIDL_VERSION = ")]


def test_generating_from_the_descriptor_set_gives_the_committed_client(tmp_path: Path) -> None:
    """--descriptor-set of flyteidl 1.16.8 renders what the installed 1.16.8 rendered,
    down to the HTTP routes read from google.api.http options of pool-built descriptors;
    only the version in the headers differs."""
    out = tmp_path / "generated"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "codegen",
            "--descriptor-set",
            str(FIXTURES / "flyteidl-1.16.8.binpb"),
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    committed = {
        p.relative_to(GENERATED): p.read_text()
        for p in GENERATED.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    rendered = {p.relative_to(out): p.read_text() for p in out.rglob("*") if p.is_file()}
    assert rendered.keys() == committed.keys()
    for rel, text in rendered.items():
        assert _without_header(text, rel.suffix) == _without_header(committed[rel], rel.suffix), rel
    assert "flyteidl-1.16.8.binpb" in rendered[Path("raw.py")].split("import")[0]
    assert '"http": "GET /api/v1/tasks/' in rendered[Path("api.json")]


def test_generating_from_protos_and_bad_idl_inputs(tmp_path: Path) -> None:
    from tests.codegen.test_idl_rules import tree
    from tests.support.idl_sets import compile_tree

    protos = compile_tree(tmp_path / "protos", tree())

    def generate(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "codegen", *args, "--out", str(tmp_path / "out")],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )

    # The synthetic IDL has none of the RPCs the surface file names: all made optional.
    surface = ROOT / "codegen" / "surface.toml"
    sections = re.split(r"(?m)^(?=\[)", surface.read_text())
    lenient = "".join(
        re.sub(r"^(\[rpc\.\w+\])\n", r"\1\noptional = true\n", part)
        if part.startswith("[rpc.") and "\noptional = " not in part
        else part
        for part in sections
    )
    write(tmp_path / "surface.toml", lenient)
    done = generate(
        "--protos",
        str(protos),
        "--service",
        "AdminService",
        "--surface",
        str(tmp_path / "surface.toml"),
    )
    assert done.returncode == 0, done.stderr
    assert "2 RPCs of 1 services from flyteidl protos" in done.stdout
    api = json.loads((tmp_path / "out" / "api.json").read_text())
    rpc = api["services"]["flyteidl.service.AdminService"]["rpcs"]["GetThing"]
    assert rpc["http"] == "GET /api/v1/things/{id}" and rpc["retry"] == "read"
    assert (tmp_path / "out" / "types" / "flyteidl.core.json").is_file()
    # The other services are not in this IDL: generating them all is refused.
    done = generate("--protos", str(protos))
    assert (
        done.returncode == 2
        and "does not define service flyteidl.service.DataProxyService" in done.stderr
    )
    bad = write(tmp_path / "bad.binpb", "not a descriptor set")
    for args in (
        ("--descriptor-set", str(bad)),
        ("--descriptor-set", str(tmp_path / "missing.binpb")),
        ("--protos", str(bad)),
        ("--descriptor-set", str(protos)),
    ):
        done = generate(*args)
        assert done.returncode == 2 and len(done.stderr.splitlines()) == 1, (args, done.stderr)


# -- bump-idl (fast parts: argument checks that change nothing) ----------------------

BUMP = ROOT / "scripts" / "bump-idl"


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "usage: scripts/bump-idl VERSION"),
        (["1.0;rm"], "is not a version number"),
        (["1.5.22"], "outside pyproject.toml's pin"),
        (["2.0.0"], "outside pyproject.toml's pin"),
    ],
)
def test_bump_idl_refuses_bad_versions_without_touching_anything(
    args: list[str], message: str
) -> None:
    assert os.access(BUMP, os.X_OK)
    before = MANIFEST.read_bytes()
    done = subprocess.run(
        [str(BUMP), *args],
        env=dict(os.environ, FLYTECLIENT_PYTHON=sys.executable),  # this environment, as it is
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert done.stdout == ""
    assert MANIFEST.read_bytes() == before


# -- slow: the oldest supported flyteidl ---------------------------------------------

OLDEST = "1.10.7"


@pytest.fixture(scope="module")
def oldest_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv with flyteidl 1.10.7 and what codegen (black, jinja2) and the runtime
    (grpcio) need; flyteidl 1.10.7 caps protobuf below 5, so it gets protobuf 4.x."""
    venv = tmp_path_factory.mktemp("idl") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    packages = [f"flyteidl=={OLDEST}", "black==26.10.1", "jinja2>=3.1", "grpcio>=1.50"]
    if sys.version_info < (3, 11):
        packages.append("tomli>=2")
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *packages],
        check=True,
        timeout=240,
        capture_output=True,
    )
    return python


@pytest.mark.slow
def test_regenerate_against_flyteidl_1_10_7(oldest_venv: Path, tmp_path: Path) -> None:
    # A package tree with this checkout's runtime and a generated/ made from 1.10.7.
    site = tmp_path / "site"
    shutil.copytree(
        ROOT / "flyteclient",
        site / "flyteclient",
        ignore=shutil.ignore_patterns("generated", "__pycache__"),
    )
    out = site / "flyteclient" / "generated"
    started = time.perf_counter()
    gen = subprocess.run(
        [str(oldest_venv), "-m", "codegen", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    elapsed = time.perf_counter() - started
    assert gen.returncode == 0, gen.stderr
    assert f"from flyteidl {OLDEST}" in gen.stdout and "64 RPCs" in gen.stdout
    assert elapsed < 60

    old = json.loads((out / "api.json").read_text())
    assert old["flyteidl"] == OLDEST
    assert (out / "types" / "flyteidl.core.json").is_file()

    # The surface file names GetDomains and GetProject; 1.10.7 lacks both, so they are skipped.
    assert "[rpc.GetDomains]" in (ROOT / "codegen" / "surface.toml").read_text()
    admin = old["services"]["flyteidl.service.AdminService"]["rpcs"]
    assert "GetProject" not in admin and "GetDomains" not in admin
    assert "GetDynamicNodeWorkflow" in admin  # already in 1.10.7
    # An optional surface parameter bound to a field 1.10.7 lacks is left out.
    upload = old["services"]["flyteidl.service.DataProxyService"]["rpcs"]["CreateUploadLocation"]
    assert "add_content_md5_metadata" not in upload["friendly"]["signature"]

    done = run_diff(str(out), str(GENERATED))
    assert done.returncode in (0, 1), done.stderr
    report = done.stdout
    assert report.startswith(f"flyteidl {OLDEST} → ")
    assert "- compatible RPC_ADDED: `AdminService.GetProject` RPC added" in report
    assert "- compatible RPC_ADDED: `AdminService.GetDomains` RPC added" in report
    for subject, number, name in SIX:
        assert f"`{subject}` field {number} `{name}`" in report
    assert "GetDynamicNodeWorkflow` RPC added" not in report
    assert "RPC removed" not in report
    assert (
        "- compatible FIELD_ADDED: `flyteidl.service.CreateUploadLocationRequest` field 7 "
        "`add_content_md5_metadata` `bool` added" in report
    )
    assert (
        "- compatible PARAMETER_ADDED: `DataProxyService.CreateUploadLocation` friendly `get_upload_signed_url"
        in report
    )
    # Generated from the installed 1.10.7, the manifest is the one its descriptor set gives.
    from_set = run_diff(str(out), str(FIXTURES / "flyteidl-1.10.7.binpb"))
    assert from_set.returncode == 0 and "No change to the client surface." in from_set.stdout

    # The 1.10.7 client imports with this checkout's runtime (on protobuf 4.x).
    probe = (
        "import google.protobuf, flyteidl, flyteclient\n"
        "from importlib.metadata import version\n"
        "from flyteclient import SynchronousFlyteClient as C, RawSynchronousFlyteClient as R\n"
        "assert flyteclient.__file__.startswith(%r), flyteclient.__file__\n"
        "print(version('flyteidl'), google.protobuf.__version__.split('.')[0],"
        " hasattr(C, 'get_project'), hasattr(R, 'get_domains'),"
        " hasattr(C, 'get_dynamic_node_workflow'), hasattr(C, 'get_upload_signed_url'))\n"
    ) % str(site)
    imported = subprocess.run(
        [str(oldest_venv), "-c", probe],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(site)),
        timeout=60,
    )
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.split() == [OLDEST, "4", "False", "False", "True", "True"]


def _copy_checkout(dest: Path) -> Path:
    """The tracked files of this checkout (working-tree versions) copied to ``dest``."""
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.split("\0")
    for rel in filter(None, files):
        if (ROOT / rel).is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, dest / rel)
    for rel in ("scripts/bump-idl", "codegen/diff.py"):  # also when not committed yet
        shutil.copy2(ROOT / rel, dest / rel)
    return dest


def _snapshot(python: Path, checkout: Path) -> tuple[str, dict[str, bytes]]:
    freeze = subprocess.run(
        [str(python), "-m", "pip", "freeze", "--exclude-editable"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    generated = checkout / "flyteclient" / "generated"
    tree = {p.name: p.read_bytes() for p in sorted(generated.iterdir()) if p.is_file()}
    tree["pyproject.toml"] = (checkout / "pyproject.toml").read_bytes()
    return freeze, tree


@pytest.mark.slow
def test_bump_idl_end_to_end_in_a_copy(tmp_path: Path) -> None:
    """bump-idl on a copy of the checkout with its own virtualenv: a failing bump (1.10.7:
    flytekit 1.16 cannot import with it) restores packages and generated code exactly; a
    passing one (1.16.7) regenerates and prints the report on stdout."""
    checkout = _copy_checkout(tmp_path / "checkout")
    env = dict(os.environ, FLYTECLIENT_VENV=str(tmp_path / "venv"))
    env.pop("PYTHONPATH", None)
    python = tmp_path / "venv" / "bin" / "python"

    def bump(version: str, tests: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(checkout / "scripts" / "bump-idl"), version],
            cwd=checkout,
            env=dict(env, BUMP_IDL_TESTS=tests),
            capture_output=True,
            text=True,
            timeout=600,
        )

    setup = subprocess.run(
        ["bash", "-c", 'source scripts/_env.sh && "$PY" -m codegen --check'],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert setup.returncode == 0, setup.stderr
    before = _snapshot(python, checkout)
    old_version = json.loads((checkout / "flyteclient/generated/api.json").read_text())["flyteidl"]

    failed = bump(OLDEST, f"{checkout}/scripts/test -q -x tests/generated/test_flytekit_compat.py")
    assert failed.returncode == 1, failed.stderr
    assert "error: running the tests" in failed.stderr
    assert (
        f"restored: flyteidl {old_version}, pyproject.toml and flyteclient/generated unchanged"
        in (failed.stderr)
    )
    assert failed.stdout == ""
    assert _snapshot(python, checkout) == before

    missing = bump("1.99.0", "true")
    assert missing.returncode == 2 and "is not installable" in missing.stderr
    assert _snapshot(python, checkout) == before

    passed = bump("1.16.7", f"{checkout}/scripts/test -q tests/codegen/test_codegen.py")
    assert passed.returncode == 0, passed.stderr
    assert passed.stdout.startswith(f"flyteidl {old_version} → 1.16.7: ")
    manifest = json.loads((checkout / "flyteclient/generated/api.json").read_text())
    assert manifest["flyteidl"] == "1.16.7"
    # The dev extra's pin follows, so a fresh environment regenerates the same tree.
    pyproject = (checkout / "pyproject.toml").read_text()
    assert '"flyteidl==1.16.7"' in pyproject and '"flyteidl==1.16.8"' not in pyproject
    assert (
        subprocess.run(
            [str(python), "-m", "codegen", "--check"], cwd=checkout, capture_output=True
        ).returncode
        == 0
    )


@pytest.mark.slow
@pytest.mark.parametrize("version", ["1.10.7", "1.16.8"])
def test_fixtures_are_the_released_wheels(version: str, tmp_path: Path) -> None:
    """tests/fixtures/flyteidl-<version>.binpb holds exactly the flyteidl files of that
    release on PyPI (their imports come from this environment's google packages), and a
    wheel is itself a valid diff input."""
    from google.protobuf import descriptor_pb2

    from codegen.idl import read_wheel
    from tests.support.idl_sets import download_wheel, fixture, service_closure

    wheel = download_wheel(version, tmp_path)
    rebuilt = service_closure(read_wheel(wheel))
    committed = descriptor_pb2.FileDescriptorSet.FromString(fixture(version).read_bytes())
    assert [f.name for f in rebuilt.file] == [f.name for f in committed.file]
    for built, kept in zip(rebuilt.file, committed.file, strict=True):
        if built.name.startswith("flyteidl/"):
            assert built == kept, built.name
    done = run_diff(str(wheel), str(fixture(version)))
    assert done.returncode == 0 and "No change to the client surface." in done.stdout, done.stdout


def test_a_descriptor_set_starting_like_json_is_still_a_descriptor_set(tmp_path: Path) -> None:
    """A set whose first file is 123 bytes long starts with b"\\n{"."""
    from google.protobuf import descriptor_pb2

    proto = descriptor_pb2.FileDescriptorProto(name="a.proto", package="p")
    while len(proto.SerializeToString()) < 123:
        proto.package += "q"
    data = descriptor_pb2.FileDescriptorSet(file=[proto]).SerializeToString()
    assert data.lstrip()[:1] == b"{"
    (tmp_path / "a.binpb").write_bytes(data)
    done = run_diff(str(tmp_path / "a.binpb"), str(GENERATED))
    assert done.returncode == 2 and "does not define service" in done.stderr, done.stderr


def test_client_classes_of_each_flavour_are_compared() -> None:
    """The manifest records the sync and async client classes; renaming or removing one
    breaks its callers (CLIENT_NO_DELETE), adding one does not (CLIENT_ADDED)."""
    from codegen.diff import compare

    old, new = old_manifest(), old_manifest()
    old["clients"] = {
        "sync": {"friendly": "SynchronousFlyteClient"},
        "async": {"friendly": "AsyncFlyteClient"},
    }
    new["clients"] = {
        "sync": {"friendly": "SynchronousFlyteClient", "raw": "RawSynchronousFlyteClient"}
    }
    found = {(c.rule_id, c.subject, c.breaking) for c in compare(old, new)}
    assert ("CLIENT_NO_DELETE", "clients.async", True) in found
    assert ("CLIENT_ADDED", "clients.sync", False) in found
    assert all(c.rule_id.startswith("CLIENT_") for c in compare(old, new))
    del old["clients"]  # a manifest from before the flavours were recorded
    assert compare(old, new) == []
