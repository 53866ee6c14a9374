"""``python -m flyteclient.testing`` executes by default; ``--write-config`` gives pyflyte and
FlyteRemote a config.yaml for it; ``--no-execute`` leaves executions to events."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.support.optional import require

require("flytekit")  # skipped where flytekit cannot install, failed where it should

from tests.testing.executor.support import ROOT, WF, local  # noqa: E402

PROJECT, DOMAIN = "flytesnacks", "development"


def _serve(tmp_path: Path, *extra: str) -> "tuple[subprocess.Popen[str], Path]":
    # a new file each time: flytekit caches a config file's contents by path
    config = tmp_path / f"flyte-{time.monotonic_ns()}" / "config.yaml"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flyteclient.testing",
            "--port",
            "0",
            "--write-config",
            str(config),
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=str(tmp_path),
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith("wrote "):
            return proc, config
    proc.kill()
    raise AssertionError("the server did not write its config")


def _stop(proc: "subprocess.Popen[str]") -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _pyflyte(config: Path, *args: str) -> "subprocess.CompletedProcess[str]":
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLYTE")}
    return subprocess.run(
        [str(Path(sys.executable).with_name("pyflyte")), "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=str(WF),
    )


def _remote(config: Path):
    from flytekit.configuration import Config
    from flytekit.remote import FlyteRemote

    return FlyteRemote(
        Config.auto(config_file=str(config)), default_project=PROJECT, default_domain=DOMAIN
    )


def test_write_config_then_pyflyte_run_remote_executes(tmp_path):
    proc, config = _serve(tmp_path)
    try:
        text = config.read_text()
        assert "endpoint: dns:///127.0.0.1:" in text and "insecure: true" in text
        done = _pyflyte(
            config,
            "run", "--remote", "--wait", "--poll-interval", "1",
            "--project", PROJECT, "--domain", DOMAIN, "--name", "cli-run",
            str(WF / "basic.py"), "pipeline", "--a", "3", "--b", "4",
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        remote = _remote(config)
        execution = remote.sync_execution(remote.fetch_execution(name="cli-run"), sync_nodes=True)
        assert execution.is_successful
        assert execution.outputs["o0"] == local("basic", "pipeline", a=3, b=4) == 14
    finally:
        _stop(proc)


def test_no_execute_leaves_executions_to_events(tmp_path):
    """... and an execution created meanwhile runs when the server comes back executing."""
    db = tmp_path / "state.db"
    proc, config = _serve(tmp_path, "--no-execute", "--project", PROJECT, "--db", str(db))
    try:
        done = _pyflyte(
            config,
            "run", "--remote", "--project", PROJECT, "--domain", DOMAIN, "--name", "idle",
            str(WF / "basic.py"), "pipeline",
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        remote = _remote(config)
        time.sleep(2)
        execution = remote.fetch_execution(name="idle")
        assert not execution.is_done
        assert list(remote.client.list_node_executions(execution.id)[0]) == []
    finally:
        _stop(proc)
    proc, config = _serve(tmp_path, "--db", str(db))
    try:
        remote = _remote(config)
        done = remote.wait(remote.fetch_execution(name="idle"), timeout=120, poll_interval=1)
        assert done.is_successful and done.outputs["o0"] == local("basic", "pipeline") == 6
    finally:
        _stop(proc)


def test_a_killed_server_leaves_no_task_behind_and_fails_the_execution_at_restart(tmp_path):
    db = tmp_path / "state.db"
    pid_file = tmp_path / "pid"
    proc, config = _serve(tmp_path, "--db", str(db))
    try:
        done = _pyflyte(
            config,
            "run", "--remote", "--project", PROJECT, "--domain", DOMAIN, "--name", "killed",
            "--env", f"EXECUTOR_TEST_PID_FILE={pid_file}",
            str(WF / "lifecycle.py"), "long_running", "--seconds", "120",
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        deadline = time.monotonic() + 60
        while not (pid_file.exists() and pid_file.read_text()) and time.monotonic() < deadline:
            time.sleep(0.05)
        pid = int(pid_file.read_text())
    finally:
        proc.kill()  # SIGKILL: no clean shutdown
        proc.wait()
    deadline = time.monotonic() + 15
    while os.path.exists(f"/proc/{pid}") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not os.path.exists(f"/proc/{pid}"), "the task outlived the killed server"
    proc, config = _serve(tmp_path, "--db", str(db))
    try:
        execution = _remote(config).fetch_execution(name="killed")
        assert execution.is_done and not execution.is_successful
        assert "interrupted" in execution.closure.error.message
    finally:
        _stop(proc)
