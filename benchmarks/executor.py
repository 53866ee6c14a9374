"""LocalAdmin's executor against flytekit's local execution (issue 22).

Each round runs the same 20-node sequential workflow of trivial tasks
(``benchmarks/workflows/chain.py``), in turn:

- locally: ``pyflyte run chain.py chain`` (no ``--remote``), the whole command;
- on LocalAdmin (``python -m flyteclient.testing``, started once in its own process, the
  workflow registered once by a first ``pyflyte run --remote``): the execution as a client sees
  it, ``FlyteRemote.execute`` to ``FlyteRemote.wait`` returning (polling every 50 ms) — the
  row the target applies to;
- for information, the whole ``pyflyte run --remote --wait --poll-interval 1`` command
  (registration, execution and pyflyte's own polling: it sleeps whole seconds between polls).

Ratios are medians of the rounds' paired ratios. Also recorded: the execution's duration on
the server (creation to SUCCEEDED, from its own record) and so the cost per task.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Tuple

from .measure import ROOT

WORKFLOW = ROOT / "benchmarks" / "workflows" / "chain.py"
NODES = 20
PROJECT, DOMAIN = "flytesnacks", "development"


def _pyflyte() -> str:
    return str(Path(sys.executable).with_name("pyflyte"))


def _env() -> Dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("FLYTE")}


class Server:
    """``python -m flyteclient.testing`` in its own process, with a config.yaml for it."""

    def __init__(self, tmp: Path) -> None:
        self.config = tmp / "config.yaml"
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "flyteclient.testing",
                "--port",
                "0",
                "--data-dir",
                str(tmp / "data"),
                "--write-config",
                str(self.config),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=str(tmp),
        )
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("wrote "):
                break
        else:
            raise RuntimeError("LocalAdmin did not start")

    def close(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _timed(argv: List[str]) -> Tuple[float, str]:
    t0 = time.perf_counter()
    done = subprocess.run(
        argv, capture_output=True, text=True, env=_env(), cwd=str(WORKFLOW.parent), timeout=600
    )
    elapsed = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed, done.stdout


def run_local() -> float:
    elapsed, out = _timed([_pyflyte(), "run", str(WORKFLOW), "chain"])
    if str(NODES) not in out:
        raise RuntimeError(f"unexpected local result: {out}")
    return elapsed


def run_remote(server: Server, name: str) -> float:
    elapsed, _ = _timed(
        [
            _pyflyte(),
            "--config",
            str(server.config),
            "run",
            "--remote",
            "--wait",
            "--poll-interval",
            "1",
            "--project",
            PROJECT,
            "--domain",
            DOMAIN,
            "--name",
            name,
            str(WORKFLOW),
            "chain",
        ]
    )
    return elapsed


def execution_seconds(server: Server, name: str) -> Tuple[float, int]:
    """(creation -> SUCCEEDED on the server, the workflow's output) of execution ``name``."""
    from flyteidl.core import identifier_pb2

    from flyteclient import SynchronousFlyteClient

    endpoint = server.config.read_text().split("dns:///", 1)[1].split()[0]
    with SynchronousFlyteClient(endpoint, insecure=True) as client:
        eid = identifier_pb2.WorkflowExecutionIdentifier(project=PROJECT, domain=DOMAIN, name=name)
        e = client.get_execution(eid)
        data = client.get_execution_data(eid)
    c = e.closure
    seconds = (c.updated_at.ToNanoseconds() - c.created_at.ToNanoseconds()) / 1e9
    return seconds, data.full_outputs.literals["o0"].scalar.primitive.integer


def _flyte_remote(server: Server) -> Any:
    from flytekit.configuration import Config
    from flytekit.remote import FlyteRemote

    return FlyteRemote(
        Config.auto(config_file=str(server.config)),
        default_project=PROJECT,
        default_domain=DOMAIN,
    )


def run_execution(remote: Any, launch_plan: Any) -> Tuple[float, str]:
    """FlyteRemote.execute of the registered chain, waited for: (seconds, execution name)."""
    from datetime import timedelta

    t0 = time.perf_counter()
    execution = remote.execute(launch_plan, inputs={})
    execution = remote.wait(execution, poll_interval=timedelta(milliseconds=50), sync_nodes=False)
    elapsed = time.perf_counter() - t0
    if not execution.is_successful:
        raise RuntimeError(f"the chain failed on LocalAdmin: {execution.error}")
    return elapsed, execution.id.name


def measure(rounds: int) -> Dict[str, Any]:
    """Alternate local and LocalAdmin runs; raw samples for the rows."""
    with tempfile.TemporaryDirectory(prefix="bench-exec-") as tmp:
        server = Server(Path(tmp))
        try:
            run_remote(server, "bench-warmup")  # registers the workflow (fast registration)
            remote = _flyte_remote(server)
            launch_plan = remote.fetch_launch_plan(name="benchmarks.workflows.chain.chain")
            run_execution(remote, launch_plan)
            local, executions, commands, server_side = [], [], [], []
            for r in range(rounds):
                turns = [
                    lambda: local.append(run_local()),
                    lambda: executions.append(run_execution(remote, launch_plan)),
                ]
                for turn in turns[r % 2 :] + turns[: r % 2]:
                    turn()
                name = f"bench-chain-{r}"
                commands.append(run_remote(server, name))
                seconds, value = execution_seconds(server, executions[-1][1])
                if value != NODES:
                    raise RuntimeError(f"the chain returned {value}, not {NODES}")
                server_side.append(seconds)
        finally:
            server.close()
    return {
        "local_s": local,
        "execution_s": [e for e, _ in executions],
        "pyflyte_remote_s": commands,
        "server_execution_s": server_side,
        "per_task_ms": statistics.median(server_side) / NODES * 1e3,
    }
