"""Starting a task the way a container would, in the server's Python environment.

The registered ``TaskTemplate.container`` command and args are flytekit's entrypoint with
template placeholders that the backend fills per attempt (flyteplugins' template renderer:
``{{.input}}``, ``{{.outputPrefix}}``, ``{{.rawOutputDataPrefix}}``, ``{{.checkpointOutputPrefix}}``,
``{{.prevCheckpointPrefix}}``, ``{{.taskTemplatePath}}``, ``{{.perRetryUniqueKey}}``,
``{{.inputPrefix}}``, ``{{.Inputs.<name>}}``). The image is not pulled: the entrypoint runs
with this interpreter, so the task's imports must be installed here.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Protocol

from flyteidl.core import literals_pb2, tasks_pb2

#: flytekit's console entrypoints a task's command may start with.
ENTRYPOINTS = ("pyflyte-execute", "pyflyte-fast-execute", "pyflyte-map-execute")

_PLACEHOLDERS = {
    "input": re.compile(r"(?i){{\s*[.$]Input\s*}}"),
    "input_prefix": re.compile(r"(?i){{\s*[.$]InputPrefix\s*}}"),
    "output_prefix": re.compile(r"(?i){{\s*[.$]OutputPrefix\s*}}"),
    "raw_output_prefix": re.compile(r"(?i){{\s*[.$]RawOutputDataPrefix\s*}}"),
    "prev_checkpoint": re.compile(r"(?i){{\s*[.$]PrevCheckpointPrefix\s*}}"),
    "checkpoint": re.compile(r"(?i){{\s*[.$]CheckpointOutputPrefix\s*}}"),
    "unique_key": re.compile(r"(?i){{\s*[.$]PerRetryUniqueKey\s*}}"),
    "task_template": re.compile(r"(?i){{\s*[.$]TaskTemplatePath\s*}}"),
    "namespace": re.compile(r"(?i){{\s*[.$]Namespace\s*}}"),
}
_INPUT_VAR = re.compile(r"(?i){{\s*[.$]Inputs\.([^}\s]+)\s*}}")


class UnsupportedTask(Exception):
    """The task cannot run here (not a flytekit entrypoint, or a plugin type)."""


@dataclass
class Paths:
    """The per-attempt values of the template placeholders."""

    input: str
    input_prefix: str
    output_prefix: str
    raw_output_prefix: str
    checkpoint: str
    prev_checkpoint: str
    unique_key: str
    task_template: str = ""
    namespace: str = "local"


def render(
    template: tasks_pb2.TaskTemplate, paths: Paths, inputs: literals_pb2.LiteralMap
) -> List[str]:
    """The command line of one attempt: command + args with the placeholders substituted."""
    argv = list(template.container.command) + list(template.container.args)
    if not argv:
        raise UnsupportedTask("the task's container has no command")
    values = {
        "input": paths.input,
        "input_prefix": paths.input_prefix,
        "output_prefix": paths.output_prefix,
        "raw_output_prefix": paths.raw_output_prefix,
        "prev_checkpoint": paths.prev_checkpoint or '""',
        "checkpoint": paths.checkpoint,
        "unique_key": paths.unique_key,
        "task_template": paths.task_template,
        "namespace": paths.namespace,
    }
    out = []
    for arg in argv:
        for name, rx in _PLACEHOLDERS.items():
            arg = rx.sub(_literal(values[name]), arg)
        arg = _INPUT_VAR.sub(lambda m: _input_text(inputs, m.group(1)), arg)
        out.append(arg)
    return out


def _literal(value: str) -> Callable[["re.Match[str]"], str]:
    return lambda _match: value


def uses_task_template(template: tasks_pb2.TaskTemplate) -> bool:
    rx = _PLACEHOLDERS["task_template"]
    return any(
        rx.search(a) for a in list(template.container.command) + list(template.container.args)
    )


def _input_text(inputs: literals_pb2.LiteralMap, name: str) -> str:
    from .bindings import literal_value

    if name not in inputs.literals:
        raise UnsupportedTask(f"requested input is not found [{name}]")
    lit = inputs.literals[name]
    if lit.WhichOneof("value") == "collection":
        return "[" + ",".join(str(literal_value(x)) for x in lit.collection.literals) + "]"
    if lit.scalar.HasField("blob"):
        return lit.scalar.blob.uri
    v = literal_value(lit)
    return str(v).lower() if isinstance(v, bool) else str(v)


def check_entrypoint(argv: List[str]) -> None:
    if os.path.basename(argv[0]) not in ENTRYPOINTS:
        raise UnsupportedTask(
            f"the task's command starts with [{argv[0]}], not with one of flytekit's "
            f"entrypoints ({', '.join(ENTRYPOINTS)})"
        )


def localize_distribution(argv: List[str], localize: Callable[[str], str]) -> List[str]:
    """``argv`` with the fast-registration archive (``--additional-distribution`` /
    ``--dynamic-addl-distro``) replaced by a local copy, and its destination (``--dest-dir`` /
    ``--dynamic-dest-dir``: a directory of the task's container, ``/root`` with ``pyflyte
    register``) by ``.``, the attempt's own working directory. (Relative, so that what dynamic
    and eager tasks register from it is the same on every attempt.)"""
    out = list(argv)
    for i, arg in enumerate(out[:-1]):
        if arg in ("--additional-distribution", "--dynamic-addl-distro"):
            out[i + 1] = localize(out[i + 1])
        elif arg in ("--dest-dir", "--dynamic-dest-dir"):
            out[i + 1] = "."
    return out


@dataclass
class LaunchSpec:
    """One task attempt to start."""

    argv: List[str]
    env: Dict[str, str]
    cwd: str
    log_path: str
    extra: Dict[str, str] = field(default_factory=dict)


class Process(Protocol):
    def wait(self, timeout: Optional[float] = None) -> Optional[int]:
        """The exit status, or None if still running after ``timeout`` seconds."""

    def kill(self) -> None:
        """Stop the attempt and everything it started (without waiting: see :meth:`wait`)."""


def base_env(extra_path: List[str]) -> Dict[str, str]:
    """The environment of task processes: this one's, with this interpreter's scripts first
    on PATH (so ``pyflyte-execute`` is this environment's) and ``extra_path`` on PYTHONPATH."""
    env = dict(os.environ)
    bindir = os.path.dirname(sys.executable)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    pp = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    for p in extra_path:
        if p not in pp:
            pp.append(p)
    if pp:
        env["PYTHONPATH"] = os.pathsep.join(pp)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


class _Popen:
    def __init__(self, proc: "subprocess.Popen[bytes]") -> None:
        self._proc = proc

    def wait(self, timeout: Optional[float] = None) -> Optional[int]:
        try:
            return self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        if self._proc.poll() is not None:
            return
        try:
            os.killpg(self._proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


class SubprocessLauncher:
    """Each attempt in a new process (and process group), as a container would start:
    ``python -m flytekit.bin.entrypoint <argv>``."""

    def launch(self, spec: LaunchSpec) -> Process:
        argv = [
            sys.executable,
            "-m",
            "flytekit.bin.entrypoint",
            os.path.basename(spec.argv[0]),
            *spec.argv[1:],
        ]
        with open(spec.log_path, "ab") as log:
            proc = subprocess.Popen(
                argv,
                cwd=spec.cwd,
                env=spec.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return _Popen(proc)

    def close(self) -> None:
        pass
