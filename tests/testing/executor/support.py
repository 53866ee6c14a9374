"""Running flytekit programs on a LocalAdmin that executes them, and locally, to compare."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any, List, Optional

from flyteclient.testing import LocalAdmin
from flyteclient.testing.__main__ import ensure_project
from tests.flytekit.support import DOMAIN, PROJECT

ROOT = Path(__file__).resolve().parents[3]
WF = Path(__file__).with_name("wf")
PACKAGE = "tests.testing.executor.wf"
POLL = timedelta(milliseconds=200)


class Env:
    """A LocalAdmin with ``execute=True``, its config.yaml and a FlyteRemote on it."""

    def __init__(self, tmp: Path, **options: Any) -> None:
        self.admin = LocalAdmin(execute=True, **options).start()
        ensure_project(self.admin, PROJECT)
        self.config = tmp / "config.yaml"
        self.config.write_text(
            f"admin:\n  endpoint: dns:///{self.admin.endpoint}\n  insecure: true\n"
        )
        from flytekit.configuration import Config
        from flytekit.remote import FlyteRemote

        self.remote = FlyteRemote(
            Config.for_endpoint(self.admin.endpoint, insecure=True),
            default_project=PROJECT,
            default_domain=DOMAIN,
        )

    def stop(self) -> None:
        self.admin.stop()

    # -- pyflyte --------------------------------------------------------------------
    def pyflyte_run(
        self, script: str, workflow: str, *args: str, name: Optional[str] = None, wait: bool = True
    ) -> "subprocess.CompletedProcess[str]":
        """``pyflyte run --remote`` of ``wf/<script>`` as a user would (a subprocess)."""
        command: List[str] = [
            str(Path(sys.executable).with_name("pyflyte")),
            "--config",
            str(self.config),
            "run",
            "--remote",
            "--project",
            PROJECT,
            "--domain",
            DOMAIN,
        ]
        if name:
            command += ["--name", name]
        if wait:
            command += ["--wait", "--poll-interval", "1"]
        command += [str(WF / script), workflow, *args]
        env = {k: v for k, v in os.environ.items() if not k.startswith("FLYTE_")}
        return subprocess.run(
            command, capture_output=True, text=True, timeout=300, env=env, cwd=str(WF)
        )

    # -- FlyteRemote ------------------------------------------------------------------
    def register(self, module: str, entity: str, version: Optional[str] = None) -> Any:
        """``FlyteRemote.register_script`` of ``wf.<module>.<entity>`` (fast registration)."""
        mod = importlib.import_module(f"{PACKAGE}.{module}")
        return self.remote.register_script(
            getattr(mod, entity),
            version=version or uuid.uuid4().hex[:12],
            source_path=str(ROOT),
            module_name=f"{PACKAGE}.{module}",
        )

    def run(self, module: str, entity: str, timeout: float = 120, **inputs: Any) -> Any:
        """Register and execute, wait, and return the execution synced with its nodes."""
        flyte_entity = self.register(module, entity)
        execution = self.remote.execute(flyte_entity, inputs=inputs)
        return self.wait(execution, timeout)

    def wait(self, execution: Any, timeout: float = 120) -> Any:
        return self.remote.wait(execution, timeout=timedelta(seconds=timeout), poll_interval=POLL)

    def fetch(self, name: str, timeout: float = 120) -> Any:
        return self.wait(self.remote.fetch_execution(name=name), timeout)


def local(module: str, entity: str, **inputs: Any) -> Any:
    """The same workflow run locally, in this process (flytekit's local execution)."""
    mod = importlib.import_module(f"{PACKAGE}.{module}")
    return getattr(mod, entity)(**inputs)


def outputs_of(execution: Any) -> Any:
    """An execution's outputs as Python values, in the local call's shape (a value or tuple)."""
    from flytekit.core.type_engine import TypeEngine

    interface = execution.flyte_workflow.interface if execution.flyte_workflow else None
    names = list(interface.outputs.keys()) if interface else list(execution.outputs.keys())
    names.sort(key=lambda n: (0, int(n[1:])) if n[:1] == "o" and n[1:].isdigit() else (1, n))
    del TypeEngine
    values = []
    for name in names:
        values.append(execution.outputs.get(name, as_type=_guess(execution, name)))
    return values[0] if len(values) == 1 else tuple(values)


def _guess(execution: Any, name: str) -> Any:
    from flytekit.core.type_engine import TypeEngine

    var = execution.flyte_workflow.interface.outputs[name]
    return TypeEngine.guess_python_type(var.type)
