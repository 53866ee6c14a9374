"""Task nodes: attempts of a flytekit task, with propeller's retry rules (user errors against
the task's retries, system errors against a fixed budget, non-recoverable errors never
retried), per-attempt timeouts, checkpoints and output caching."""

from __future__ import annotations

import functools
import os
import sys
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from flyteidl.core import (
    catalog_pb2,
    dynamic_job_pb2,
    errors_pb2,
    identifier_pb2,
    literals_pb2,
    tasks_pb2,
)
from flyteidl.core import execution_pb2 as core_exec
from flyteidl.event import event_pb2

from . import launch
from .cancel import Cancel
from .context import KIND, NP, TP, NodeCtx, execution_error
from .events import EventRejected
from .ids import go_duration

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Executor

#: propeller's default ``max-node-retries-for-system-failures``.
MAX_SYSTEM_RETRIES = 3
#: Task types whose work flytekit does inside its own entrypoint (the rest need a plugin).
SUPPORTED_TYPES = frozenset(
    {"python-task", "container_array", "sqlite", "eager_failure_handler_task", "echo"}
)
CACHE = catalog_pb2.CatalogCacheStatus
LOG_TAIL = 4000


@dataclass
class AttemptResult:
    """One attempt's outcome: outputs, a dynamic job spec, or an error (retryable or not)."""

    outputs: Optional[literals_pb2.LiteralMap] = None
    futures: Optional[dynamic_job_pb2.DynamicJobSpec] = None
    error: Optional[core_exec.ExecutionError] = None
    recoverable: bool = False
    aborted: bool = False
    output_uri: str = ""
    futures_uri: str = ""
    deck_uri: str = ""


def task_attempts(node_retries: int) -> int:
    return max(1, node_retries + 1)


class TaskRunner:
    """Runs task nodes for an :class:`Executor`."""

    def __init__(self, executor: "Executor") -> None:
        self.executor = executor

    def unsupported(self, template: tasks_pb2.TaskTemplate) -> Optional[str]:
        """Why LocalAdmin cannot run ``template`` (None if it can)."""
        if template.type != "echo" and not _flytekit_installed():
            return (
                f"task [{template.id.name}] needs flytekit, which is not installed in "
                f"LocalAdmin's Python environment ({sys.executable})"
            )
        if template.type not in SUPPORTED_TYPES:
            return (
                f"task type [{template.type}] of task [{template.id.name}] is not supported by "
                "LocalAdmin: it runs tasks that flytekit executes through its own entrypoint "
                "(python function tasks, shell tasks, map tasks, dynamic workflows)"
            )
        if template.type == "echo":
            return None
        if not template.HasField("container"):
            return (
                f"task [{template.id.name}] has no container: its type [{template.type}] is not "
                "supported by LocalAdmin"
            )
        argv = list(template.container.command) + list(template.container.args)
        if not argv or os.path.basename(argv[0]) not in launch.ENTRYPOINTS:
            return (
                f"task [{template.id.name}] runs [{argv[0] if argv else ''}], not flytekit's "
                "entrypoint: raw containers are not supported by LocalAdmin"
            )
        return None

    def retries_of(self, nctx: NodeCtx, template: tasks_pb2.TaskTemplate) -> int:
        node_md = nctx.node.metadata
        if node_md.HasField("retries") and node_md.retries.retries:
            return node_md.retries.retries
        return template.metadata.retries.retries

    def timeout_of(self, nctx: NodeCtx, template: tasks_pb2.TaskTemplate) -> Optional[float]:
        t = template.metadata.timeout
        seconds = t.seconds + t.nanos / 1e9
        if not seconds and nctx.node.metadata.HasField("timeout"):
            t = nctx.node.metadata.timeout
            seconds = t.seconds + t.nanos / 1e9
        return seconds or None

    # -- attempts ------------------------------------------------------------------
    def run_attempts(
        self,
        nctx: NodeCtx,
        template: tasks_pb2.TaskTemplate,
        *,
        env: Optional[Dict[str, str]] = None,
        retries: Optional[int] = None,
        task_events: bool = True,
        first_attempt: int = 0,
    ) -> "AttemptOutcome":
        """Attempts until success, a non-retryable error or exhausted retries."""
        max_user = task_attempts(self.retries_of(nctx, template) if retries is None else retries)
        user_failures = system_failures = 0
        attempt = first_attempt
        prev_checkpoint = ""
        timeout = self.timeout_of(nctx, template)
        while True:
            res = self.attempt(
                nctx, template, attempt, prev_checkpoint, timeout, env or {}, task_events
            )
            if res.aborted or res.error is None:
                return AttemptOutcome(res, attempt)
            err = res.error
            if not res.recoverable:
                return AttemptOutcome(res, attempt)
            if err.kind == KIND.SYSTEM:
                system_failures += 1
                current, maximum = system_failures, MAX_SYSTEM_RETRIES
            else:
                user_failures += 1
                current, maximum = user_failures, max_user
            if current >= maximum:
                kind_name = core_exec.ExecutionError.ErrorKind.Name(err.kind)
                res.error = execution_error(
                    KIND.USER,
                    f"RetriesExhausted|{err.code}",
                    f"[{current}/{maximum}] currentAttempt done. Last Error: "
                    f"{kind_name}::{err.message}",
                )
                return AttemptOutcome(res, attempt)
            checkpoint = self._checkpoint_dir(nctx, attempt)
            prev_checkpoint = checkpoint if os.path.isdir(checkpoint) else prev_checkpoint
            attempt += 1
            nctx.event(NP.RUNNING)

    def _checkpoint_dir(self, nctx: NodeCtx, attempt: int) -> str:
        return os.path.join(self._raw_dir(nctx, attempt), "_flytecheckpoints")

    def _raw_dir(self, nctx: NodeCtx, attempt: int) -> str:
        """Where an attempt writes raw data (files, directories, datasets): under the
        execution's ``raw_output_data_config`` prefix when that is a local directory
        (``pyflyte run --raw-output-data-prefix /path``), as propeller does with any prefix;
        else under the data directory (an ``s3://``... prefix would need that store)."""
        prefix = nctx.run.spec.raw_output_data_config.output_location_prefix
        if prefix.startswith("file://"):
            prefix = prefix[len("file://") :]
        if prefix and os.path.isabs(prefix):
            name = f"{nctx.execution_id.name}-{nctx.unique_id}-{attempt}"
            return os.path.join(prefix, name)
        return self.executor.datastore.raw_dir(nctx.execution_id, nctx.unique_id, attempt)

    def task_execution_id(
        self, nctx: NodeCtx, template: tasks_pb2.TaskTemplate, attempt: int
    ) -> identifier_pb2.TaskExecutionIdentifier:
        return identifier_pb2.TaskExecutionIdentifier(
            task_id=template.id, node_execution_id=nctx.node_execution_id, retry_attempt=attempt
        )

    def task_event(
        self,
        nctx: NodeCtx,
        template: tasks_pb2.TaskTemplate,
        attempt: int,
        phase: Any,
        **fields: object,
    ) -> None:
        ev = event_pb2.TaskExecutionEvent(
            task_id=template.id,
            parent_node_execution_id=nctx.node_execution_id,
            retry_attempt=attempt,
            phase=phase,
            task_type=template.type,
            event_version=1,
        )
        ev.metadata.generated_name = f"{nctx.execution_id.name}-{nctx.unique_id}-{attempt}"
        ev.metadata.plugin_identifier = "local-admin"
        for name, value in fields.items():
            if value is None:
                continue
            target = getattr(ev, name)
            if hasattr(target, "CopyFrom"):
                target.CopyFrom(value)
            elif isinstance(value, list):
                target.extend(value)
            else:
                setattr(ev, name, value)
        try:
            nctx.run.recorder.task(ev)
        except EventRejected:
            pass

    def attempt(
        self,
        nctx: NodeCtx,
        template: tasks_pb2.TaskTemplate,
        attempt: int,
        prev_checkpoint: str,
        timeout: Optional[float],
        extra_env: Dict[str, str],
        task_events: bool,
    ) -> AttemptResult:
        ex = self.executor
        store = ex.datastore
        eid = nctx.execution_id
        out_dir = os.path.join(nctx.data_dir, str(attempt))
        raw_dir = self._raw_dir(nctx, attempt)
        os.makedirs(out_dir, exist_ok=True)
        os.makedirs(raw_dir, exist_ok=True)
        log_path = store.log_path(eid, nctx.unique_id, attempt)
        logs = [core_exec.TaskLog(uri="file://" + log_path, name="Task log (local file)")]
        if template.type == "echo":
            return self._echo(nctx, template, attempt, out_dir, task_events)
        paths = launch.Paths(
            input=nctx.input_path,
            input_prefix=os.path.dirname(nctx.input_path),
            output_prefix=out_dir,
            raw_output_prefix=raw_dir,
            checkpoint=os.path.join(raw_dir, "_flytecheckpoints"),
            prev_checkpoint=prev_checkpoint,
            unique_key=_unique_key(f"{eid.name}-{nctx.unique_id}-{attempt}"),
        )
        if launch.uses_task_template(template):
            paths.task_template = store.write(os.path.join(out_dir, "task.pb"), template)
        try:
            argv = launch.render(template, paths, nctx.inputs)
            launch.check_entrypoint(argv)
        except launch.UnsupportedTask as exc:
            return AttemptResult(
                error=execution_error(KIND.USER, "UnsupportedTask", str(exc)), recoverable=False
            )
        # An eager task waits for the executions it starts: holding a slot meanwhile would
        # deadlock as soon as eager tasks fill them all (three parallel nested eager calls do).
        slot = not getattr(template.metadata, "is_eager", False)
        if slot and not ex.slots.acquire(nctx.cancel):
            return AttemptResult(aborted=True)
        work = store.work_dir()
        try:  # the slot is held until the attempt's last event is recorded
            argv = launch.localize_distribution(argv, store.localize)
            env = ex.task_env(nctx, template, attempt)
            env.update(extra_env)
            env["TMPDIR"] = work  # flytekit's per-task temporary directories go away with it
            spec = launch.LaunchSpec(argv=argv, env=env, cwd=work, log_path=log_path)
            return self._run_process(
                nctx, template, attempt, spec, timeout, out_dir, task_events, logs
            )
        finally:
            store.remove_tree(work)
            if slot:
                ex.slots.release()

    def _run_process(
        self,
        nctx: NodeCtx,
        template: tasks_pb2.TaskTemplate,
        attempt: int,
        spec: launch.LaunchSpec,
        timeout: Optional[float],
        out_dir: str,
        task_events: bool,
        logs: List[core_exec.TaskLog],
    ) -> AttemptResult:
        if task_events:
            self.task_event(
                nctx,
                template,
                attempt,
                TP.RUNNING,
                logs=logs,
                input_uri=nctx.input_path,
                input_data=nctx.inputs,
            )
        timed_out = False
        proc = self.executor.launcher.launch(spec)
        unregister = nctx.cancel.on_cancel(proc.kill)
        try:
            code = proc.wait(timeout)
            if code is None:
                timed_out = True
                proc.kill()
                code = proc.wait(10)
        finally:
            unregister()
        if nctx.cancel.is_set():
            if task_events:
                self.task_event(
                    nctx, template, attempt, TP.ABORTED, reason=nctx.cancel.reason or "aborted"
                )
            return AttemptResult(aborted=True)
        if timed_out:
            res = AttemptResult(
                error=execution_error(
                    KIND.USER,
                    "TimeoutExpired",
                    f"task execution timeout [{go_duration(timeout or 0)}] expired",
                ),
                recoverable=True,
            )
        else:
            res = self.read_result(nctx, template, out_dir, code, spec.log_path)
        if task_events:
            if res.error is not None:
                self.task_event(nctx, template, attempt, TP.FAILED, error=res.error, logs=logs)
            else:
                self.task_event(
                    nctx, template, attempt, TP.SUCCEEDED, output_data=res.outputs, logs=logs
                )
        return res

    def _echo(
        self,
        nctx: NodeCtx,
        template: tasks_pb2.TaskTemplate,
        attempt: int,
        out_dir: str,
        task_events: bool,
    ) -> AttemptResult:
        """flytepropeller's echo plugin: the (single) input becomes the (single) output."""
        ins = list(template.interface.inputs.variables)
        outs = list(template.interface.outputs.variables)
        if len(ins) != len(outs) or len(ins) > 1:
            message = (
                f"the number of input [{len(ins)}] and output [{len(outs)}] variables does not match"
                if len(ins) != len(outs)
                else "this plugin does not currently support more than one input variable"
            )
            return AttemptResult(error=execution_error(KIND.USER, "BadEchoTask", message))
        outputs = literals_pb2.LiteralMap()
        for src, dst in zip(ins, outs, strict=True):
            if src in nctx.inputs.literals:
                outputs.literals[dst].CopyFrom(nctx.inputs.literals[src])
        uri = self.executor.datastore.write(os.path.join(out_dir, "outputs.pb"), outputs)
        if task_events:
            self.task_event(nctx, template, attempt, TP.RUNNING, input_uri=nctx.input_path)
            self.task_event(
                nctx, template, attempt, TP.SUCCEEDED, output_uri=uri, output_data=outputs
            )
        return AttemptResult(outputs=outputs, output_uri=uri)

    def read_result(
        self,
        nctx: NodeCtx,
        template: tasks_pb2.TaskTemplate,
        out_dir: str,
        code: Optional[int],
        log_path: str,
    ) -> AttemptResult:
        store = self.executor.datastore
        errors = sorted(f for f in _listdir(out_dir) if f.startswith("error") and f.endswith(".pb"))
        if errors:
            doc = store.read(os.path.join(out_dir, errors[0]), errors_pb2.ErrorDocument)
            assert doc is not None
            ce = doc.error
            message = ce.message + _import_hint(template, ce.message, self.executor.python_path)
            return AttemptResult(
                error=execution_error(ce.origin, ce.code, message),
                recoverable=ce.kind == errors_pb2.ContainerError.RECOVERABLE,
            )
        futures_path = os.path.join(out_dir, "futures.pb")
        if os.path.exists(futures_path) and code == 0:
            spec = store.read(futures_path, dynamic_job_pb2.DynamicJobSpec)
            return AttemptResult(futures=spec, futures_uri=futures_path)
        outputs_path = os.path.join(out_dir, "outputs.pb")
        outputs = store.read(outputs_path, literals_pb2.LiteralMap)
        if code != 0:
            if code is not None and code < 0:  # killed by a signal: a container reports 128+N
                code = 128 - code
            return AttemptResult(
                error=execution_error(
                    KIND.USER,
                    "Error",
                    f"[{nctx.execution_id.name}-{nctx.unique_id}] terminated with exit code "
                    f"({code}). Reason [Error]. Message: \n{_tail(log_path)}",
                ),
                recoverable=True,
            )
        if outputs is None:
            if template.interface.outputs.variables:
                return AttemptResult(
                    error=execution_error(
                        KIND.SYSTEM,
                        "OutputsNotFound",
                        "Outputs not generated by task execution",
                    ),
                    recoverable=True,
                )
            outputs = literals_pb2.LiteralMap()
            outputs_path = store.write(outputs_path, outputs)
        deck = os.path.join(out_dir, "deck.html")
        return AttemptResult(
            outputs=outputs,
            output_uri=outputs_path,
            deck_uri=deck if os.path.exists(deck) else "",
        )


@dataclass
class AttemptOutcome:
    result: AttemptResult
    attempt: int


class Slots:
    """A cancellable counting semaphore: how many task processes run at once."""

    def __init__(self, n: int) -> None:
        self._sem = threading.BoundedSemaphore(max(1, n))

    def acquire(self, cancel: Cancel) -> bool:
        while not self._sem.acquire(timeout=0.1):
            if cancel.is_set():
                return False
        if cancel.is_set():
            self._sem.release()
            return False
        return True

    def release(self) -> None:
        self._sem.release()


def _import_hint(template: tasks_pb2.TaskTemplate, message: str, python_path: List[str]) -> str:
    """What to do when a task registered without fast registration (``FlyteRemote.execute`` of
    a local workflow, ``pyflyte register --non-fast``) cannot import its own module here."""
    args = list(template.container.args) if template.HasField("container") else []
    if "pyflyte-fast-execute" in args or "task-module" not in args:
        return ""
    at = args.index("task-module") + 1
    top = args[at].split(".")[0] if at < len(args) else ""
    if not top or f"No module named '{top}" not in message:
        return ""
    env_path = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    where = os.pathsep.join(python_path + [p for p in env_path if p not in python_path])
    return (
        f"\n\nLocalAdmin: task [{template.id.name}] was registered without its code (no fast "
        "registration), so its module is imported from the server's environment: working "
        f"directory and PYTHONPATH ({where}). Start LocalAdmin from your project's root (or "
        "put it on PYTHONPATH), or register with fast registration: pyflyte run --remote, "
        "pyflyte register, FlyteRemote.register_script."
    )


@functools.lru_cache(maxsize=1)
def _flytekit_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("flytekit") is not None


def _listdir(path: str) -> List[str]:
    try:
        return os.listdir(path)
    except FileNotFoundError:
        return []


def _tail(path: str) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - LOG_TAIL))
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _unique_key(value: str) -> str:
    import re

    value = re.sub(r"^[^a-zA-Z_]+", "a", value)
    return re.sub(r"[^a-zA-Z0-9_]+", "_", value)
