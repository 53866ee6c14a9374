"""surface.toml is read into typed objects; typos and wrong types fail with one line
naming the file, the section and the key (and `python -m codegen` exits 2)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from codegen.errors import CodegenError
from codegen.surface import SURFACE_FILE, RpcSurface, load_surface, parse_surface

ROOT = Path(__file__).resolve().parents[2]
BASE = {
    "services": {"AdminService": "flyteidl.service.admin_pb2"},
    "errors": {
        "default": "FlyteSystemException",
        "codes": {"NOT_FOUND": "FlyteEntityNotExistException"},
    },
}


def test_the_real_surface_parses_into_typed_objects():
    surface = load_surface()
    get_task = surface.rpc["GetTask"]
    assert (
        isinstance(get_task, RpcSurface) and get_task.cache is True and get_task.params == ("id",)
    )
    assert surface.rpc["ListTasks"].bind == {"identifier": "id"}
    assert surface.retry.idempotent and surface.errors.messages[0].code == "INVALID_ARGUMENT"
    assert surface.for_rpc("NoSuchRpc") == RpcSurface()


@pytest.mark.parametrize(
    "change, message",
    [
        ({"rpc": {"GetTask": {"cahce": True}}}, "[rpc.GetTask] cahce: unknown key"),
        (
            {"rpc": {"GetTask": {"cache": "yes"}}},
            "[rpc.GetTask] cache: must be true or false, not 'yes'",
        ),
        ({"rpc": {"GetTask": {"params": "id"}}}, "[rpc.GetTask] params: must be a list of strings"),
        ({"rpc": {"GetTask": {"bind": {"id": 3}}}}, "[rpc.GetTask.bind] id: must be a str, not 3"),
        ({"retry": {"reeds": ["X"]}}, "[retry] reeds: unknown key"),
        (
            {"errors": {"default": "X", "codes": {"NOT_FUND": "Y"}}},
            "[errors.codes] NOT_FUND: 'NOT_FUND' is not a gRPC status code name",
        ),
        ({"errors": {"codes": {}}}, "[errors] default: is required"),
        ({"extra": {}}, "top level extra: unknown key"),
        ({"services": {}}, "[services]: lists no service"),
    ],
)
def test_mistakes_are_named(change, message):
    data = {**BASE, **change}
    with pytest.raises(CodegenError) as error:
        parse_surface(data)
    assert message in str(error.value)
    assert str(error.value).startswith("surface.toml: ")


def test_codegen_exits_2_naming_a_misspelled_key(tmp_path):
    bad = tmp_path / "surface.toml"
    bad.write_text(SURFACE_FILE.read_text().replace("cache = true", "cahce = true", 1))
    result = subprocess.run(
        [sys.executable, "-m", "codegen", "--check", "--surface", str(bad)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "codegen: error: surface.toml: [rpc.GetTask] cahce: unknown key (known keys: bind, cache, created, "
        "fill_resource_type, flytekit_model, friendly, optional, pager, params, raw, raw_optional, raw_param, returns)"
    )


def test_codegen_exits_2_naming_a_misspelled_rpc(tmp_path):
    bad = tmp_path / "surface.toml"
    bad.write_text(SURFACE_FILE.read_text().replace("[rpc.GetWorkflow]", "[rpc.GetWorkflw]", 1))
    result = subprocess.run(
        [sys.executable, "-m", "codegen", "--check", "--surface", str(bad)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert (
        "[rpc.GetWorkflw]: flyteidl" in result.stderr and "has no RPC GetWorkflw" in result.stderr
    )
