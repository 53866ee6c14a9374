"""The executor: runs LocalAdmin's executions as flytepropeller would, in this process tree.

An :class:`Executor` starts one :class:`ExecutionRun` thread per execution. A run resolves
the launch plan (or task) to its compiled workflow, merges the inputs, and walks the
workflow's nodes (:meth:`Executor.run_nodes`): every node whose upstream nodes are done starts
in its own thread, so independent nodes run in parallel. Each node sends the node and task
execution events propeller sends; the records they produce are LocalAdmin's ordinary ones.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from typing import Any, Callable, Dict, List, Optional, Tuple

from flyteidl.admin import execution_pb2
from flyteidl.core import identifier_pb2, literals_pb2, tasks_pb2
from flyteidl.core import workflow_pb2 as core_wf

from ..common import exec_key
from ..errors import AdminError
from . import nodes
from .bindings import END_NODE, START_NODE, BindingError, resolve_bindings, upstream_of
from .cache import Catalog
from .cancel import Cancel
from .context import KIND, NP, NodeCtx, NodeResult, Scope, execution_error
from .events import EventRejected, Recorder
from .ids import unique_node_id
from .launch import base_env
from .results import WF_TERMINAL, WP
from .run import INTERRUPTED, ExecutionRun
from .storage import DataStore
from .tasks import Slots, TaskRunner
from .warm import WarmLauncher

_LOG = logging.getLogger("flyteclient.testing.executor")
_BLOCKING = (NP.FAILED, NP.ABORTED, NP.TIMED_OUT, NP.UNDEFINED)


class Executor:
    """Runs executions created on a LocalAdmin (see :mod:`flyteclient.testing.executor`).

    :param servicer: LocalAdmin's Admin servicer (events and executions go through it).
    :param signals: LocalAdmin's Signal servicer (gate nodes create and read signals).
    :param blobs: LocalAdmin's blob store (uploaded archives and files).
    :param data_dir: where literal files, raw outputs and logs are written.
    :param endpoint: LocalAdmin's gRPC address, given to tasks as ``FLYTE_PLATFORM_URL``.
    :param max_parallel_tasks: how many task processes run at once.
    :param launcher: starts task attempts (default: forked from a warm worker process, see
        :mod:`.worker`; :class:`.launch.SubprocessLauncher` starts a new interpreter each).
    """

    def __init__(
        self,
        servicer: Any,
        signals: Any,
        blobs: Any,
        data_dir: str,
        *,
        endpoint: str = "",
        max_parallel_tasks: Optional[int] = None,
        launcher: Any = None,
    ) -> None:
        self.servicer = servicer
        self.signals = signals
        self.store = servicer.store
        self.recorder = Recorder(servicer)
        self.datastore = DataStore(data_dir, blobs.bucket, blobs.get, self._blob_keys(blobs))
        self.catalog = Catalog(self.store)
        self.launcher = launcher or WarmLauncher()
        self.endpoint = endpoint
        cpus = os.cpu_count() or 2
        self.slots = Slots(max_parallel_tasks or max(4, 2 * cpus))
        self.tasks = TaskRunner(self)
        self.python_path = [os.getcwd()]
        self._runs: Dict[Tuple[str, ...], "ExecutionRun"] = {}
        self._cond = threading.Condition()
        self._signal_cond = threading.Condition()
        self._stopping = False
        if endpoint:
            self._write_task_config()

    def _blob_keys(self, blobs: Any) -> Callable[[str], List[str]]:
        def keys(prefix: str) -> List[str]:
            start = f"{blobs.bucket}/{prefix}"
            return [
                k[0][len(blobs.bucket) + 1 :]
                for k in self.store.keys("blob")
                if isinstance(k[0], str) and k[0].startswith(start)
            ]

        return keys

    # -- lifecycle ------------------------------------------------------------------
    def start(self) -> None:
        """Warm the task worker up; run executions that were created but never started; fail
        the ones a previous server left running (they cannot be resumed)."""
        warm_up = getattr(self.launcher, "start", None)
        if warm_up is not None:
            warm_up()
        queued = []
        started = {k[:4] for k in self.store.keys("node_execution")}
        for e in self.store.values("execution"):
            if e.closure.phase in WF_TERMINAL:
                continue
            if e.closure.phase == WP.UNDEFINED and exec_key(e.id) not in started:
                queued.append(e.id)  # created but never started: run it now
            else:
                self._fail_interrupted(e)
        for eid in queued:
            self.submit(eid)

    def _fail_interrupted(self, e: execution_pb2.Execution) -> None:
        for key, n in self.store.items("node_execution"):
            if key[:4] != exec_key(e.id) or n.closure.phase in nodes.NODE_TERMINAL:
                continue
            ev_id = n.id
            try:
                from flyteidl.event import event_pb2

                self.recorder.node(
                    event_pb2.NodeExecutionEvent(
                        id=ev_id,
                        phase=NP.ABORTED,
                        error=execution_error(KIND.SYSTEM, "Interrupted", INTERRUPTED),
                    )
                )
            except (EventRejected, AdminError):
                pass
        try:
            if e.closure.phase == WP.ABORTING:
                self.recorder.workflow(e.id, WP.ABORTED)
            else:
                self.recorder.workflow(
                    e.id,
                    WP.FAILED,
                    error=execution_error(KIND.SYSTEM, "Interrupted", INTERRUPTED),
                )
        except EventRejected:
            pass

    def submit(self, eid: identifier_pb2.WorkflowExecutionIdentifier) -> None:
        """Start running an execution (called once its creation has committed)."""
        key = exec_key(eid)
        with self._cond:
            if self._stopping or key in self._runs:
                return
            run = ExecutionRun(self, eid)
            self._runs[key] = run
        run.thread.start()

    def abort(self, eid: identifier_pb2.WorkflowExecutionIdentifier, cause: str = "") -> None:
        """Terminate a running execution: kill its tasks, abort its nodes and children."""
        with self._cond:
            run = self._runs.get(exec_key(eid))
        if run is not None:
            run.cancel.set(cause or "User initiated workflow abort.")
            return
        # Not running here (e.g. created while execution was off): finish the abort.
        e = self.store.get("execution", exec_key(eid))
        if e is not None and e.closure.phase == WP.ABORTING:
            try:
                self.recorder.workflow(eid, WP.ABORTED)
            except EventRejected:
                pass

    def signal_set(self) -> None:
        """Wake gate nodes waiting for a signal."""
        with self._signal_cond:
            self._signal_cond.notify_all()

    def wait_signal(self, timeout: float) -> None:
        with self._signal_cond:
            self._signal_cond.wait(timeout)

    def stop(self, timeout: float = 10.0) -> None:
        """Kill running tasks and fail the executions they belong to."""
        with self._cond:
            self._stopping = True
            runs = list(self._runs.values())
        for run in runs:
            run.interrupted = True
            run.cancel.set(INTERRUPTED)
        for run in runs:
            run.thread.join(timeout)
        self.launcher.close()

    def _finished(self, run: "ExecutionRun") -> None:
        with self._cond:
            self._runs.pop(exec_key(run.eid), None)
            self._cond.notify_all()

    def wait_for(
        self, eid: identifier_pb2.WorkflowExecutionIdentifier, cancel: Optional[Cancel] = None
    ) -> Optional[execution_pb2.Execution]:
        """Block until ``eid`` is terminal (or ``cancel`` is set: then None). Returns the
        unfinished record when the executor is stopping and nothing runs it."""
        key = exec_key(eid)
        while True:
            e = self.store.get("execution", key)
            if e is None or e.closure.phase in WF_TERMINAL:
                return e
            if cancel is not None and cancel.is_set():
                return None
            with self._cond:
                if self._stopping and key not in self._runs:
                    return e
                self._cond.wait(0.2)

    # -- task processes ----------------------------------------------------------------
    def task_env(
        self, nctx: NodeCtx, template: tasks_pb2.TaskTemplate, attempt: int
    ) -> Dict[str, str]:
        """The environment propeller gives a task container, on top of this process's."""
        run = nctx.run
        eid = run.eid
        env = base_env(self.python_path)
        tid = template.id
        env.update(
            {
                "FLYTE_INTERNAL_EXECUTION_ID": eid.name,
                "FLYTE_INTERNAL_EXECUTION_PROJECT": eid.project,
                "FLYTE_INTERNAL_EXECUTION_DOMAIN": eid.domain,
                "FLYTE_INTERNAL_EXECUTION_WORKFLOW": run.workflow_label,
                "FLYTE_INTERNAL_EXECUTION_LAUNCHPLAN": run.launch_plan_label,
                "FLYTE_ATTEMPT_NUMBER": str(attempt),
                "FLYTE_INTERNAL_TASK_PROJECT": tid.project,
                "FLYTE_INTERNAL_TASK_DOMAIN": tid.domain,
                "FLYTE_INTERNAL_TASK_NAME": tid.name,
                "FLYTE_INTERNAL_TASK_VERSION": tid.version,
                "FLYTE_INTERNAL_PROJECT": tid.project,
                "FLYTE_INTERNAL_DOMAIN": tid.domain,
                "FLYTE_INTERNAL_NAME": tid.name,
                "FLYTE_INTERNAL_VERSION": tid.version,
                "_F_PN": f"{eid.name}-{nctx.unique_id}-{attempt}",
            }
        )
        if self.endpoint:
            # Tasks that talk to the backend (eager workflows) talk to this one.
            env["FLYTE_PLATFORM_URL"] = self.endpoint
            env["FLYTE_PLATFORM_INSECURE"] = "true"
            env["FLYTECTL_CONFIG"] = self._task_config()
        for kv in template.container.env:
            env[kv.key] = kv.value
        for kv in run.spec_envs:
            env[kv.key] = kv.value
        return env

    def _task_config(self) -> str:
        """A config.yaml pointing at this server, for tasks (written once, at construction)."""
        return os.path.join(self.datastore.root, "config.yaml")

    def _write_task_config(self) -> None:
        text = f"admin:\n  endpoint: dns:///{self.endpoint}\n  insecure: true\n"
        path = self._task_config()
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)

    # -- nodes ------------------------------------------------------------------------
    def run_nodes(
        self,
        scope: Scope,
        wf: core_wf.WorkflowTemplate,
        inputs: literals_pb2.LiteralMap,
        *,
        record_start_end: bool = True,
    ) -> NodeResult:
        """Run a workflow template's nodes (in parallel where independent) and resolve its
        outputs; the result is FAILED/ABORTED when a node failed or the scope was cancelled."""
        run = scope.run
        dag_cancel = scope.cancel.child()
        node_map = {n.id: n for n in wf.nodes if n.id not in (START_NODE, END_NODE)}
        deps = {nid: upstream_of(n) & set(node_map) for nid, n in node_map.items()}
        outputs: Dict[str, literals_pb2.LiteralMap] = {START_NODE: inputs, "": inputs}
        if record_start_end:
            nodes.record_marker(scope, START_NODE, NP.SUCCEEDED, outputs=inputs)
        state: Dict[str, NodeResult] = {}
        pending = list(node_map)
        running: Dict[str, threading.Thread] = {}
        done: "queue.Queue[Tuple[str, NodeResult]]" = queue.Queue()
        failure: Optional[NodeResult] = None
        fail_fast = (
            wf.metadata.on_failure != core_wf.WorkflowMetadata.FAIL_AFTER_EXECUTABLE_NODES_COMPLETE
        )
        while True:
            if not dag_cancel.is_set():
                for nid in list(pending):
                    if any(d not in state for d in deps[nid]):
                        continue
                    pending.remove(nid)
                    ups = [state[d].phase for d in deps[nid]]
                    if any(p in _BLOCKING for p in ups):
                        state[nid] = NodeResult(NP.UNDEFINED)  # never runs: upstream failed
                        continue
                    if NP.SKIPPED in ups:
                        state[nid] = nodes.skip(scope, node_map[nid])
                        continue
                    t = threading.Thread(
                        target=self._node_thread,
                        args=(scope, dag_cancel, node_map[nid], dict(outputs), done),
                        name=f"node-{run.eid.name}-{nid}",
                        daemon=True,
                    )
                    running[nid] = t
                    t.start()
            if not running:
                break
            nid, res = done.get()
            running.pop(nid, None)
            state[nid] = res
            if res.ok or res.phase == NP.SKIPPED:
                outputs[nid] = res.outputs
            elif res.phase != NP.ABORTED or not scope.cancel.is_set():
                if failure is None or failure.phase == NP.ABORTED:
                    failure = res
                    failure.failed_node = failure.failed_node or nid
                if fail_fast:
                    dag_cancel.set("Some node execution failed, auto-abort.")
        if scope.cancel.is_set():
            return NodeResult(NP.ABORTED)
        if failure is not None:
            if failure.phase == NP.ABORTED:
                failure = NodeResult.failed(KIND.SYSTEM, "NodeAborted", "a node was aborted")
            return failure
        try:
            result = resolve_bindings(wf.outputs, outputs, END_NODE)
        except BindingError as exc:
            return NodeResult.failed(KIND.SYSTEM, "OutputsNotFound", str(exc))
        unbound = sorted(set(wf.interface.outputs.variables) - set(result.literals))
        if unbound:
            # flyteadmin's compiler refuses such a workflow at registration (flytekit registers
            # one when compiling the workflow function failed): it must not "succeed" here.
            return NodeResult.failed(
                KIND.USER,
                "ParameterNotBound",
                f"workflow [{wf.id.name}] declares outputs it does not bind: {', '.join(unbound)}",
            )
        if record_start_end:
            nodes.record_marker(scope, END_NODE, NP.SUCCEEDED, inputs=result, outputs=result)
        return NodeResult(NP.SUCCEEDED, outputs=result)

    def _node_thread(
        self,
        scope: Scope,
        dag_cancel: Cancel,
        node: core_wf.Node,
        outputs: Dict[str, literals_pb2.LiteralMap],
        done: "queue.Queue[Tuple[str, NodeResult]]",
    ) -> None:
        try:
            res = self.execute_node(scope, dag_cancel, node, outputs)
        except Exception as exc:  # noqa: BLE001 - a bug here must fail the node, not hang
            _LOG.exception("node %s failed inside the executor", node.id)
            res = NodeResult.failed(KIND.SYSTEM, "InternalError", f"{type(exc).__name__}: {exc}")
        done.put((node.id, res))

    def execute_node(
        self,
        scope: Scope,
        parent_cancel: Cancel,
        node: core_wf.Node,
        outputs: Dict[str, literals_pb2.LiteralMap],
        inputs: Optional[literals_pb2.LiteralMap] = None,
    ) -> NodeResult:
        """Resolve a node's inputs, write them, and hand it to its kind's handler."""
        run = scope.run
        uid = unique_node_id(scope.parent_unique_id, scope.parent_attempt, node.id)
        nctx = NodeCtx(
            scope=scope,
            node=node,
            unique_id=uid,
            cancel=parent_cancel.child(),
            data_dir=self.datastore.node_data_dir(run.eid, uid),
        )
        if inputs is None:
            try:
                inputs = resolve_bindings(node.inputs, outputs, node.id)
            except BindingError as exc:
                nctx.event(NP.QUEUED)
                return nctx.finish(
                    NodeResult.failed(KIND.SYSTEM, "BindingResolutionFailure", str(exc))
                )
        nctx.inputs = inputs
        nctx.upstream = outputs
        nctx.input_path = self.datastore.write(os.path.join(nctx.data_dir, "inputs.pb"), inputs)
        recovered = nodes.recover(nctx)
        if recovered is not None:
            return recovered
        return nodes.dispatch(nctx)
