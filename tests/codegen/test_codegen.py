"""The generator: deterministic output, --check, atomic writes, one-line errors."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from codegen.__main__ import generate
from codegen.errors import CodegenError
from codegen.naming import snake_case

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ROOT / "flyteclient" / "generated"


def run(*args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, "-m", "codegen", *args], cwd=cwd, capture_output=True, text=True
    )


def snapshot(path):
    return {
        p.relative_to(path).as_posix(): p.read_bytes()
        for p in sorted(path.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def generated_once(tmp_path_factory):
    out = tmp_path_factory.mktemp("gen") / "generated"
    assert generate(out, check=False, services=None) == 0
    return out


def test_two_runs_are_byte_identical(tmp_path, generated_once):
    out = tmp_path / "generated"
    assert generate(out, check=False, services=None) == 0
    assert snapshot(out) == snapshot(generated_once)


def test_committed_tree_is_current():
    result = run("--check")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr


def test_every_file_has_the_header_and_no_absolute_paths(generated_once):
    for rel, content in snapshot(generated_once).items():
        text = content.decode()
        assert "DO NOT EDIT" in text.splitlines()[0 if rel.endswith(".py") else 1], rel
        assert "flyteidl 1." in text, rel
        assert str(ROOT) not in text and "/tmp" not in text, rel


def test_check_reports_edited_deleted_and_extra_files(tmp_path, generated_once, capsys):
    out = tmp_path / "generated"
    generate(out, check=False, services=None)
    assert generate(out, check=True, services=None) == 0
    with open(out / "raw.py", "a") as f:
        f.write("# hand edit\n")
    (out / "errors.py").unlink()
    (out / "stray.py").write_text("x = 1\n")
    before = snapshot(out)
    capsys.readouterr()
    assert generate(out, check=True, services=None) == 1
    diff = capsys.readouterr().out
    assert "-# hand edit" in diff
    assert "+++ b/errors.py" in diff and "--- /dev/null" in diff
    assert "--- a/stray.py" in diff and "+++ /dev/null" in diff
    assert snapshot(out) == before  # --check writes nothing


def test_a_failure_while_writing_leaves_the_tree_untouched(tmp_path, monkeypatch, generated_once):
    out = tmp_path / "generated"
    generate(out, check=False, services=None)
    (out / "raw.py").write_text("old\n")
    before = snapshot(out)
    real_open = open
    written = []

    def failing_open(path, mode="r", *args, **kwargs):
        if "w" in mode:
            written.append(path)
            if len(written) == 3:
                raise OSError(28, "No space left on device")
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr("builtins.open", failing_open)
    with pytest.raises(CodegenError, match="No space left"):
        generate(out, check=False, services=None)
    monkeypatch.undo()
    assert snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["generated"]  # no staging leftovers


def test_a_render_failure_leaves_the_tree_untouched(tmp_path, monkeypatch):
    out = tmp_path / "generated"
    generate(out, check=False, services=None)
    before = snapshot(out)

    def broken(source, name):
        raise CodegenError(f"rendered {name} is not valid Python")

    monkeypatch.setattr("codegen.format.format_python", broken)  # also in the forked workers
    with pytest.raises(CodegenError):
        generate(out, check=False, services=None)
    assert snapshot(out) == before


def test_unknown_service_is_one_line_exit_2(tmp_path):
    result = run("--service", "NoSuchService", "--out", str(tmp_path / "g"))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "unknown service NoSuchService" in result.stderr
    assert not (tmp_path / "g").exists()


def test_unwritable_output_is_one_line_exit_2(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = run("--out", str(blocker / "generated"))
    assert result.returncode == 2
    assert result.stderr.startswith("codegen: error:") and result.stderr.count("\n") == 1


def test_flyteidl_without_the_service_is_a_clear_error():
    from codegen.load import load_services

    with pytest.raises(CodegenError, match="does not define service flyteidl.service.AdminService"):
        load_services({"AdminService": "flyteidl.admin.task_pb2"})
    with pytest.raises(CodegenError, match="has no module flyteidl.service.nope_pb2"):
        load_services({"AdminService": "flyteidl.service.nope_pb2"})


@pytest.mark.parametrize(
    "name, expected",
    [
        ("ListNodeExecutionsForTask", "list_node_executions_for_task"),
        ("GetOAuth2Metadata", "get_o_auth2_metadata"),
        ("UserInfo", "user_info"),
        ("CreateUploadLocation", "create_upload_location"),
    ],
)
def test_snake_case(name, expected):
    assert snake_case(name) == expected


def test_schema_facts():
    from codegen.load import load_services
    from codegen.schema import build_api
    from codegen.surface import load_surface

    surface = load_surface()
    api = build_api(load_services(surface.services), surface)
    by_name = {m.name: m for m in api.methods}
    paginated = {m.name for m in api.methods if m.is_paginated}
    assert {
        "ListTasks",
        "ListTaskIds",
        "ListExecutions",
        "ListProjects",
        "ListNamedEntities",
        "ListSignals",
        "ListDescriptionEntities",
        "ListNodeExecutionsForTask",
    } <= paginated
    assert "ListMatchableAttributes" not in paginated and "GetTask" not in paginated
    assert (
        by_name["GetTask"].route
        == "GET /api/v1/tasks/{id.project}/{id.domain}/{id.name}/{id.version}"
    )
    assert by_name["GetTask"].retry_class == "read"
    assert by_name["UpdateLaunchPlan"].retry_class == "write"
    assert by_name["CreateExecution"].retry_class == "non_idempotent"
    assert by_name["CreateNodeEvent"].retry_class == "non_idempotent"
    assert by_name["RecoverExecution"].retry_class == "non_idempotent"
    assert by_name["CreateTask"].retry_class == "write"
    assert by_name["ListSignals"].retry_class == "read"
    non_idempotent = sorted(m.name for m in api.methods if m.retry_class == "non_idempotent")
    assert non_idempotent == sorted(
        [
            "CreateExecution",
            "RelaunchExecution",
            "RecoverExecution",
            "CreateWorkflowEvent",
            "CreateNodeEvent",
            "CreateTaskEvent",
        ]
    )
    assert by_name["ListTasks"].items_field == "tasks"
    assert by_name["ListTaskIds"].raw_name == "list_task_ids_paginated"
    assert by_name["GetOrCreateSignal"].raw_name == "get_or_create_signal"


def test_rpcs_surface_toml_does_not_know_get_safe_defaults():
    """A future RPC: raw + flattened friendly method + pager, and a conservative retry class."""
    import dataclasses

    from codegen.load import load_services
    from codegen.schema import build_api
    from codegen.surface import RpcSurface, load_surface

    surface = load_surface()
    api = build_api(load_services(surface.services), surface)
    list_tasks = next(m for m in api.methods if m.name == "ListTasks")
    create = next(m for m in api.methods if m.name == "UpdateExecution")
    new_list = dataclasses.replace(list_tasks, name="ListGadgets", surface=RpcSurface())
    new_create = dataclasses.replace(
        create, name="CreateGadget", surface=RpcSurface(), http_verb="post"
    )
    assert new_list.raw_name == "list_gadgets" and new_list.friendly_name == "list_gadgets"
    assert new_list.is_paginated and new_list.pager_name == "iter_gadgets"
    assert [p.name for p in new_list.params] == ["id", "limit", "token", "filters", "sort_by"]
    assert new_create.retry_class == "non_idempotent"


def test_missing_generator_dependency_is_one_line_exit_2(tmp_path):
    blocker = tmp_path / "site"
    blocker.mkdir()
    (blocker / "jinja2.py").write_text("raise ImportError('no jinja2 here', name='jinja2')\n")
    env = dict(os.environ, PYTHONPATH=f"{blocker}{os.pathsep}{ROOT}")
    result = subprocess.run(
        [sys.executable, "-m", "codegen", "--check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2, result.stderr
    assert "pip install -e '.[dev]'" in result.stderr and result.stderr.count("\n") == 1


def test_generated_files_import_exactly_the_modules_they_use():
    """Imports are recorded where a type is referenced: no unused and no missing alias."""
    import ast

    generated = ROOT / "flyteclient" / "generated"
    for path in sorted(generated.glob("*.py")):
        tree = ast.parse(path.read_text())
        aliases = {
            a.asname
            for node in tree.body
            if isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.split(".")[0] in ("flyteidl", "google", "flytekit")
            for a in node.names
            if a.asname
            and (a.asname.endswith("_pb2") or a.asname.startswith(("models_", "exceptions_")))
        }
        used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        assert not aliases - used, f"{path.name}: unused imports {sorted(aliases - used)}"


def test_raw_view_is_a_raw_client_sharing_the_pipeline(server):
    from flyteidl.admin import common_pb2, task_pb2

    from flyteclient import RawSynchronousFlyteClient, SynchronousFlyteClient

    server.script("GetTask", task_pb2.Task(short_description="from raw"))
    with SynchronousFlyteClient(
        server.endpoint, insecure=True, headers=[("x-team", "ml")]
    ) as client:
        raw = client.raw
        assert isinstance(raw, RawSynchronousFlyteClient) and raw is client.raw
        assert raw.channel is client.channel and raw._invoke is client._invoke
        got = raw.get_task(common_pb2.ObjectGetRequest())
    assert got.short_description == "from raw"
    assert server.calls("GetTask")[0].metadata["x-team"] == "ml"  # the friendly client's pipeline


@pytest.mark.parametrize("argv", [["--check"], ["diff", "HEAD", "HEAD"]])
def test_too_old_protobuf_is_one_line_exit_2(monkeypatch, capsys, argv):
    from google import protobuf

    from codegen.__main__ import main

    monkeypatch.setattr(protobuf, "__version__", "4.21.6")
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err == (
        "codegen: error: the generator needs protobuf >= 4.25.1 (found 4.21.6): "
        "pip install -e '.[dev]'\n"
    )
