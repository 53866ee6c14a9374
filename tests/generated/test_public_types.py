"""The README's code, type-checked as a user's would be: the public names resolve to
the generated classes (not Any), so every generated hint reaches the user."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from tests.support.optional import require

ROOT = Path(__file__).resolve().parents[2]

CHECKS = textwrap.dedent(
    """
    reveal_type(client)
    reveal_type(tasks)
    reveal_type(token)
    reveal_type(task)
    reveal_type(client.get_control_plane_version())
    reveal_type(client.raw)
    reveal_type(SynchronousFlyteClient.from_config())
    from flyteclient import RawSynchronousFlyteClient, RetryPolicy, PlatformConfig, scoped_deadline
    reveal_type(RetryPolicy())
    reveal_type(PlatformConfig.auto)
    reveal_type(scoped_deadline)
    """
)


def _readme_example() -> str:
    readme = (ROOT / "README.md").read_text()
    return re.search(r"```python\n(.*?)```", readme, re.S).group(1)


def test_readme_example_is_typed(tmp_path):
    require("mypy")
    import mypy.api as api

    example = _readme_example().replace("        ...\n", "        pass\n")
    # The checks run inside the ``with`` block, where ``client`` and ``task`` are bound.
    body = example + textwrap.indent(CHECKS, "    ")
    source = tmp_path / "readme_example.py"
    source.write_text(body)
    stdout, stderr, status = api.run(
        [str(source), "--no-error-summary", "--cache-dir", str(ROOT / ".mypy_cache")]
    )
    revealed = re.findall(r'Revealed type is "(.*)"', stdout)
    assert len(revealed) == 10, stdout + stderr
    assert not [r for r in revealed if r == "Any"], revealed
    client, tasks, token, task, version, raw, from_config, policy, auto, deadline = revealed
    assert client == "flyteclient.generated.friendly.SynchronousFlyteClient"
    assert tasks in (
        "list[flyteidl.admin.task_pb2.Task]",
        "builtins.list[flyteidl.admin.task_pb2.Task]",
    )
    assert token in ("str", "builtins.str")
    assert task == "flyteidl.admin.task_pb2.Task"
    assert version in ("str", "builtins.str")
    assert raw == "flyteclient.generated.raw.RawSynchronousFlyteClient"
    assert from_config == "flyteclient.generated.friendly.SynchronousFlyteClient"
    assert policy == "flyteclient.runtime.interceptors.retry.RetryPolicy"
    assert auto.endswith("flyteclient.runtime.config.PlatformConfig"), auto
    assert re.match(r"def \(seconds: (builtins\.)?float\)", deadline), deadline
    assert "error:" not in stdout, stdout
