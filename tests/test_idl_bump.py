"""IDL bumps as a reviewable change: ``python -m codegen diff`` and older flyteidl releases.

The fast tests build small synthetic manifests covering every kind of change and check
each report line's breaking flag and the exit codes (0 compatible, 1 breaking, 2 bad
input), including the git-revision forms against a throwaway repository. The slow test
regenerates the client against flyteidl 1.10.7 (the oldest release pyproject allows) in
a temporary virtualenv and diffs it against the checked-in manifest.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Optional

import pytest

from codegen.diff import (
    Change,
    compare,
    field_changes,
    parse_signature,
    render_report,
    signature_changes,
)

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "flyteclient" / "generated" / "api.json"
CALL = "*, timeout=None, metadata=None"


# -- synthetic manifests --------------------------------------------------------------


def _fields(**fields: tuple[int, str, str]) -> dict[str, Any]:
    return {
        name: {"number": n, "type": t, "label": label} for name, (n, t, label) in fields.items()
    }


def _rpc(
    name: str,
    friendly: str = "(id)",
    *,
    request: Optional[dict[str, Any]] = None,
    request_type: str = "flyteidl.admin.ObjectGetRequest",
    response_type: str = "flyteidl.admin.Thing",
    pager: Optional[dict[str, str]] = None,
    http: str = "GET /api/v1/things/{id}",
    retry: str = "read",
    returns: str = "admin_pb2.Thing",
    server_streaming: bool = False,
) -> dict[str, Any]:
    if request is None:
        request = _fields(id=(1, "flyteidl.core.Identifier", "optional"))
    return {
        "raw": {"name": name, "signature": f"(request, {CALL})"},
        "friendly": {"name": name, "signature": friendly, "returns": returns},
        "pager": pager,
        "request": {"type": request_type, "fields": request},
        "response": {"type": response_type, "fields": _fields(name=(1, "string", "optional"))},
        "http": http,
        "retry": retry,
        "streaming": {"client": False, "server": server_streaming},
    }


def _manifest(version: str, services: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "_generated": "test",
        "flyteidl": version,
        "services": {f"flyteidl.service.{s}": {"rpcs": rpcs} for s, rpcs in services.items()},
    }


PAGER = {
    "name": "iter_things",
    "signature": "(project, domain, page_size=100, limit=None)",
    "items": "things",
}
OLD_REQUEST = _fields(
    project=(1, "string", "optional"),
    domain=(2, "string", "optional"),
    limit=(3, "uint32", "optional"),
    token=(4, "string", "optional"),
    sort_by=(5, "flyteidl.admin.Sort", "optional"),
    filters=(6, "string", "optional"),
    tags=(7, "string", "repeated"),
    old_name=(8, "string", "optional"),
)


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
                    request=OLD_REQUEST,
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
    fields = things["request"]["fields"]
    fields["org"] = {"number": 9, "type": "string", "label": "optional"}  # added
    del fields["filters"]  # removed
    fields["token"]["number"] = 14  # renumbered
    fields["limit"]["type"] = "uint64"  # retyped
    fields["tags"]["label"] = "optional"  # relabelled
    fields["new_name"] = fields.pop("old_name")  # renamed (same number)
    admin["PagerGone"]["pager"] = None
    admin["PagerNew"]["pager"] = dict(PAGER, name="iter_new")
    admin["NewType"]["request"]["type"] = "flyteidl.admin.NewRequest"
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
    admin["ListThings"]["request"]["fields"]["org"] = {
        "number": 9,
        "type": "string",
        "label": "optional",
    }
    admin["Route"]["http"] = "GET /api/v2/route"
    new["flyteidl"] = "1.1.0"
    return old, new


def _by_kind(changes: list[Change]) -> dict[tuple[str, str], list[Change]]:
    out: dict[tuple[str, str], list[Change]] = {}
    for c in changes:
        out.setdefault((c.kind, c.subject), []).append(c)
    return out


# -- classification -------------------------------------------------------------------

EXPECTED = {
    # (kind, subject): breaking
    ("rpc_added", "AdminService.Added"): False,
    ("rpc_removed", "AdminService.Removed"): True,
    ("rpc_removed", "SignalService.SetSignal"): True,
    ("signature", "AdminService.Signatures"): True,
    ("renamed", "AdminService.Renamed"): True,
    ("returns", "AdminService.Returns"): True,
    ("pager_items", "AdminService.ListThings"): True,
    ("signature", "AdminService.ListThings"): False,
    ("pager_removed", "AdminService.PagerGone"): True,
    ("pager_added", "AdminService.PagerNew"): False,
    ("message_type", "AdminService.NewType"): True,
    ("field_added", "flyteidl.admin.ResourceListRequest"): False,
    ("field_removed", "flyteidl.admin.ResourceListRequest"): True,
    ("field_renumbered", "flyteidl.admin.ResourceListRequest"): True,
    ("field_retyped", "flyteidl.admin.ResourceListRequest"): True,
    ("field_relabelled", "flyteidl.admin.ResourceListRequest"): True,
    ("field_renamed", "flyteidl.admin.ResourceListRequest"): True,
    ("http", "AdminService.Route"): False,
    ("retry", "AdminService.Retry"): True,
    ("streaming", "AdminService.Stream"): True,
}


def test_every_kind_of_change_is_found_and_flagged() -> None:
    changes = compare(old_manifest(), new_manifest())
    found = {key: [c.breaking for c in cs] for key, cs in _by_kind(changes).items()}
    assert found == {key: [breaking] for key, breaking in EXPECTED.items()}
    assert not [c for c in changes if "Unchanged" in c.subject]


def test_field_changes_of_a_shared_message_are_reported_once_with_their_users() -> None:
    changes = [c for c in compare(old_manifest(), new_manifest()) if c.kind == "field_added"]
    assert len(changes) == 1
    assert "`org` = 9 `string` added" in changes[0].detail
    assert "request of AdminService.ListThings" in changes[0].detail


def test_a_renamed_field_is_not_also_reported_as_removed_and_added() -> None:
    old = _fields(a=(1, "string", "optional"))
    new = _fields(b=(1, "string", "optional"))
    assert field_changes(old, new) == [("field_renamed", "field `a` = 1 renamed to `b`", True)]


@pytest.mark.parametrize(
    "old, new, expected",
    [
        ("(a, b)", "(a, b, c=None)", [("parameter `c=None` added", False)]),
        ("(a, *, b=None)", "(a, *, c=None, b=None)", [("parameter `c=None` added", False)]),
        ("(a, b)", "(a, b, c)", [("required parameter `c` added", True)]),
        ("(a, b)", "(a)", [("parameter `b` removed", True)]),
        ("(a, b)", "(a, x)", [("parameter `b` renamed to `x`", True)]),
        (
            "(a, b)",
            "(b, a)",
            [("`a` moved from position 1 to 2", True), ("`b` moved from position 2 to 1", True)],
        ),
        (
            "(a, b=None)",
            "(x=None, a, b=None)",
            [
                ("`a` moved from position 1 to 2", True),
                ("`b` moved from position 2 to 3", True),
                ("parameter `x=None` added", False),
            ],
        ),
        ("(a, b=None)", "(a, *, b=None)", [("`b` became keyword-only", True)]),
        ("(a, *, b=None)", "(a, b=None)", [("`b` may now be passed positionally", False)]),
        ("(a=None)", "(a)", [("`a` lost its default `None` (now required)", True)]),
        ("(a)", "(a=None)", [("`a` got a default `None`", False)]),
        ("(a=1)", "(a=2)", [("default of `a` changed from `1` to `2`", True)]),
        ("(a='x, y')", "(a='x, y', b=(1, 2))", [("parameter `b=(1, 2)` added", False)]),
    ],
)
def test_signature_rules(old: str, new: str, expected: list[tuple[str, bool]]) -> None:
    assert signature_changes(old, new) == expected


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
    report = render_report(old, new, changes)
    first = report.splitlines()[0]
    assert first.startswith("flyteidl 1.0.0 → 1.0.0: 1 RPC added, 2 removed, ")
    assert f"**{sum(c.breaking for c in changes)} breaking changes**" in first
    flagged = [line for line in report.splitlines() if line.startswith("- ")]
    assert len(flagged) == len(changes)
    assert sum(line.startswith("- **breaking**: ") for line in flagged) == len(EXPECTED) - 5
    for heading in (
        "## RPCs added and removed",
        "## Method names and signatures",
        "## Request and response fields",
        "## HTTP routes, retry classes and streaming",
    ):
        assert heading in report
    # Sections come in a fixed order.
    assert (
        report.index("## RPCs")
        < report.index("## Method")
        < report.index("## Request")
        < report.index("## HTTP")
    )


def test_identical_manifests_report_no_change() -> None:
    report = render_report(old_manifest(), old_manifest(), compare(old_manifest(), old_manifest()))
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


def test_exit_0_when_only_compatible_changes(tmp_path: Path) -> None:
    old, new = compatible_pair()
    done = run_diff(str(write(tmp_path / "old.json", old)), str(write(tmp_path / "new.json", new)))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(
        "flyteidl 1.0.0 → 1.1.0: 1 RPC added, 0 removed, 1 signature change (0 breaking), "
    )
    assert "**breaking**:" not in done.stdout.replace("**breaking**: existing", "")
    assert done.stderr == ""


def test_exit_1_when_something_breaks(tmp_path: Path) -> None:
    done = run_diff(
        str(write(tmp_path / "a.json", old_manifest())),
        str(write(tmp_path / "b.json", new_manifest())),
    )
    assert done.returncode == 1, done.stderr
    assert "- **breaking**: `AdminService.Removed` RPC removed" in done.stdout


def test_a_directory_means_its_api_json(tmp_path: Path) -> None:
    write(tmp_path / "old" / "api.json", old_manifest())
    write(tmp_path / "new" / "api.json", new_manifest())
    assert run_diff(str(tmp_path / "old"), str(tmp_path / "new")).returncode == 1


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "not a file, directory or readable git revision"),
        ("{not json", "invalid JSON"),
        ("[]", "not an API manifest"),
        ('{"services": {"flyteidl.service.X": {}}}', "not an API manifest"),
    ],
)
def test_exit_2_on_bad_input_with_one_line_on_stderr(
    tmp_path: Path, content: Optional[str], message: str
) -> None:
    good = write(tmp_path / "good.json", old_manifest())
    bad = tmp_path / "bad.json"
    if content is not None:
        write(bad, content)
    for args in ((str(bad), str(good)), (str(good), str(bad))):
        done = run_diff(*args, cwd=tmp_path)
        assert done.returncode == 2
        assert done.stdout == ""
        assert len(done.stderr.splitlines()) == 1
        assert done.stderr.startswith("codegen diff: error: ") and message in done.stderr


def test_exit_2_for_a_directory_without_a_manifest(tmp_path: Path) -> None:
    done = run_diff(str(tmp_path), str(write(tmp_path / "x" / "api.json", old_manifest())))
    assert done.returncode == 2 and "has no api.json" in done.stderr


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
    """A git repository with two commits of flyteclient/generated/api.json (tag v1 is the old one)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    old, new = compatible_pair()
    write(repo / "flyteclient" / "generated" / "api.json", old)
    write(repo / "elsewhere" / "manifest.json", new_manifest())
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "old")
    git(repo, "tag", "v1")
    write(repo / "flyteclient" / "generated" / "api.json", new)
    git(repo, "commit", "-q", "-am", "new")
    return repo


def test_git_revisions_name_the_generated_manifest(repo: Path) -> None:
    done = run_diff("v1", "HEAD", cwd=repo)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("flyteidl 1.0.0 → 1.1.0")
    sub = repo / "flyteclient"  # a revision is read from the repository root, wherever we are
    assert run_diff("HEAD~1", "HEAD", cwd=sub).stdout == done.stdout


def test_rev_colon_path_and_mixed_forms(repo: Path) -> None:
    done = run_diff("HEAD:flyteclient/generated/api.json", "v1:elsewhere/manifest.json", cwd=repo)
    assert done.returncode == 1
    assert done.stdout.startswith("flyteidl 1.1.0 → 1.0.0")
    # A working-tree file against a revision.
    done = run_diff("v1", "flyteclient/generated/api.json", cwd=repo)
    assert done.returncode == 0 and done.stdout.startswith("flyteidl 1.0.0 → 1.1.0")


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
    done = subprocess.run([str(BUMP), *args], capture_output=True, text=True, timeout=120)
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

    # The surface file names GetDomains and GetProject; 1.10.7 lacks both, so they are skipped.
    assert "[rpc.GetDomains]" in (ROOT / "codegen" / "surface.toml").read_text()
    admin = old["services"]["flyteidl.service.AdminService"]["rpcs"]
    assert "GetProject" not in admin and "GetDomains" not in admin
    assert "GetDynamicNodeWorkflow" in admin  # already in 1.10.7
    # An optional surface parameter bound to a field 1.10.7 lacks is left out.
    upload = old["services"]["flyteidl.service.DataProxyService"]["rpcs"]["CreateUploadLocation"]
    assert "add_content_md5_metadata" not in upload["friendly"]["signature"]

    done = run_diff(str(out / "api.json"), str(MANIFEST))
    assert done.returncode in (0, 1), done.stderr
    report = done.stdout
    assert report.startswith(f"flyteidl {OLDEST} → ")
    assert "- compatible: `AdminService.GetProject` RPC added" in report
    assert "- compatible: `AdminService.GetDomains` RPC added" in report
    assert "GetDynamicNodeWorkflow` RPC added" not in report
    assert "RPC removed" not in report
    assert (
        "- compatible: `flyteidl.service.CreateUploadLocationRequest` field "
        "`add_content_md5_metadata` = 7 `bool` added" in report
    )
    assert (
        "- compatible: `DataProxyService.CreateUploadLocation` friendly `get_upload_signed_url`"
        in report
    )

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

    failed = bump(OLDEST, f"{checkout}/scripts/test -q -x tests/test_flytekit_compat.py")
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

    passed = bump("1.16.7", f"{checkout}/scripts/test -q tests/test_codegen.py")
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
