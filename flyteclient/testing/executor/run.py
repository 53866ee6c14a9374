"""One execution, from its launch plan (or task) to a terminal phase, in its own thread."""

from __future__ import annotations

import logging
import os
import threading
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from flyteidl.admin import execution_pb2
from flyteidl.core import compiler_pb2, identifier_pb2, literals_pb2, tasks_pb2
from flyteidl.core import workflow_pb2 as core_wf

from ..common import exec_key, id_key
from . import nodes
from .bindings import START_NODE
from .cancel import Cancel
from .context import KIND, NP, NodeResult, Scope, execution_error
from .events import EventRejected
from .results import WF_TERMINAL, WP

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Executor

_LOG = logging.getLogger("flyteclient.testing.executor")
RT = identifier_pb2.ResourceType
INTERRUPTED = "execution interrupted: LocalAdmin stopped while it was running"


class ExecutionRun:
    """One execution, run in its own thread from start to a terminal phase."""

    def __init__(self, executor: Executor, eid: identifier_pb2.WorkflowExecutionIdentifier) -> None:
        self.executor = executor
        self.eid = identifier_pb2.WorkflowExecutionIdentifier()
        self.eid.CopyFrom(eid)
        self.recorder = executor.recorder
        self.cancel = Cancel()
        self.interrupted = False
        self.closure = compiler_pb2.CompiledWorkflowClosure()
        self.tasks: Dict[Tuple[str, ...], tasks_pb2.TaskTemplate] = {}
        self.subworkflows: Dict[Tuple[str, ...], compiler_pb2.CompiledWorkflow] = {}
        self.spec = execution_pb2.ExecutionSpec()
        self.spec_envs: List[Any] = []
        self.workflow_label = ""
        self.launch_plan_label = ""
        self.recover_from: Optional[identifier_pb2.WorkflowExecutionIdentifier] = None
        self.thread = threading.Thread(target=self._main, name=f"execution-{eid.name}", daemon=True)

    @property
    def store(self) -> Any:
        return self.executor.store

    # -- lookups ------------------------------------------------------------------------
    def task(self, ref: identifier_pb2.Identifier) -> Optional[tasks_pb2.TaskTemplate]:
        key = id_key(ref)
        t = self.tasks.get(key)
        if t is None:
            stored = self.store.get("task", key)
            if stored is not None:
                t = stored.closure.compiled_task.template
                self.tasks[key] = t
        return t

    def subworkflow(
        self, ref: identifier_pb2.Identifier
    ) -> Optional[compiler_pb2.CompiledWorkflow]:
        return self.subworkflows.get(id_key(ref))

    def add_closure(self, closure: compiler_pb2.CompiledWorkflowClosure) -> None:
        for t in closure.tasks:
            self.tasks.setdefault(id_key(t.template.id), t.template)
        for s in closure.sub_workflows:
            self.subworkflows.setdefault(id_key(s.template.id), s)

    # -- the run --------------------------------------------------------------------------
    def _main(self) -> None:
        try:
            self._run()
        except Exception as exc:  # noqa: BLE001
            _LOG.exception("execution %s failed inside the executor", self.eid.name)
            self._terminal(
                WP.FAILED,
                error=execution_error(KIND.SYSTEM, "InternalError", f"{type(exc).__name__}: {exc}"),
            )
        finally:
            self.executor._finished(self)

    def _terminal(self, phase: int, **kw: Any) -> None:
        with self.store.transaction():
            e = self.store.get("execution", exec_key(self.eid))
            if e is None or e.closure.phase in WF_TERMINAL:
                return
            if e.closure.phase == WP.ABORTING and phase != WP.ABORTED:
                phase, kw = WP.ABORTED, {}
            try:
                self.recorder.workflow(self.eid, phase, **kw)
            except EventRejected as exc:
                _LOG.debug("workflow event rejected: %s", exc)

    def _run(self) -> None:
        e = self.store.get("execution", exec_key(self.eid))
        if e is None or e.closure.phase in WF_TERMINAL:
            return
        self.spec.CopyFrom(e.spec)
        self.spec_envs = list(e.spec.envs.values)
        if e.spec.metadata.mode == execution_pb2.ExecutionMetadata.RECOVERED:
            self.recover_from = e.spec.metadata.reference_execution
        try:
            template, inputs = self._resolve(e)
        except _Invalid as exc:
            self._terminal(WP.FAILED, error=execution_error(KIND.USER, exc.code, str(exc)))
            return
        with self.store.transaction():
            current = self.store.get("execution", exec_key(self.eid))
            if current.closure.phase == WP.ABORTING:
                self.cancel.set("User initiated workflow abort.")
            else:
                if inputs != current.closure.computed_inputs:
                    current.closure.computed_inputs.CopyFrom(inputs)
                    self.store.put("execution", exec_key(self.eid), current)
                self.recorder.workflow(self.eid, WP.RUNNING)
        self.executor.datastore.write(
            os.path.join(self.executor.datastore.execution_dir(self.eid), "inputs.pb"), inputs
        )
        result = NodeResult(NP.ABORTED)
        if not self.cancel.is_set():
            # Files the user uploaded through the data proxy, as local paths for the tasks.
            local_inputs = self.executor.datastore.localize_literals(inputs)
            scope = Scope(run=self, cancel=self.cancel)
            result = self.executor.run_nodes(scope, template, local_inputs)
        if self.interrupted:
            self._terminal(
                WP.FAILED, error=execution_error(KIND.SYSTEM, "Interrupted", INTERRUPTED)
            )
        elif self.cancel.is_set() or result.phase == NP.ABORTED:
            self._terminal(WP.ABORTED)
        elif result.ok:
            path = os.path.join(self.executor.datastore.execution_dir(self.eid), "outputs.pb")
            self.executor.datastore.write(path, result.outputs)
            self._terminal(WP.SUCCEEDED, outputs=result.outputs)
        else:
            error = result.error or execution_error(KIND.UNKNOWN, "UnknownError", "Unknown error")
            if template.HasField("failure_node") and template.failure_node.id:
                nodes.run_failure_node(self, template, inputs, error, result.failed_node)
            self._terminal(WP.FAILED, error=error)

    def _resolve(
        self, e: execution_pb2.Execution
    ) -> Tuple[core_wf.WorkflowTemplate, literals_pb2.LiteralMap]:
        given = literals_pb2.LiteralMap()
        if e.closure.HasField("computed_inputs"):
            given.CopyFrom(e.closure.computed_inputs)
        elif e.spec.HasField("inputs"):
            given.CopyFrom(e.spec.inputs)
        ref = e.spec.launch_plan
        if ref.resource_type == RT.TASK:
            task = self.store.get("task", id_key(ref))
            if task is None:
                raise _Invalid("MissingEntity", f"task {ref.name}:{ref.version} not found")
            template = task.closure.compiled_task.template
            self.tasks[id_key(template.id)] = template
            self.workflow_label = f"{ref.project}:{ref.domain}:.flytegen.{ref.name}"
            # flyteadmin makes every input of a task execution required
            missing = sorted(set(template.interface.inputs.variables) - set(given.literals))
            if missing:
                raise _Invalid("MissingInputs", f"required inputs missing: {', '.join(missing)}")
            return single_task_workflow(template), given
        lp = self.store.get("launch_plan", id_key(ref))
        if lp is None:
            raise _Invalid("MissingEntity", f"launch plan {ref.name}:{ref.version} not found")
        wf = self.store.get("workflow", id_key(lp.spec.workflow_id))
        if wf is None:
            raise _Invalid("MissingEntity", f"workflow {lp.spec.workflow_id.name} not found")
        self.closure.CopyFrom(wf.closure.compiled_workflow)
        self.add_closure(self.closure)
        wid = lp.spec.workflow_id
        self.workflow_label = f"{wid.project}:{wid.domain}:{wid.name}"
        self.launch_plan_label = f"{ref.project}:{ref.domain}:{ref.name}"
        merged = literals_pb2.LiteralMap()
        for name, param in lp.spec.default_inputs.parameters.items():
            if param.HasField("default"):
                merged.literals[name].CopyFrom(param.default)
        for name, lit in given.literals.items():
            merged.literals[name].CopyFrom(lit)
        for name, lit in lp.spec.fixed_inputs.literals.items():
            merged.literals[name].CopyFrom(lit)
        missing = [
            n
            for n, p in lp.spec.default_inputs.parameters.items()
            if p.required and n not in merged.literals
        ]
        if missing:
            raise _Invalid(
                "MissingInputs", f"required inputs missing: {', '.join(sorted(missing))}"
            )
        return self.closure.primary.template, merged


class _Invalid(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def single_task_workflow(template: tasks_pb2.TaskTemplate) -> core_wf.WorkflowTemplate:
    """The one-node workflow flyteadmin compiles for an execution of a task."""
    node_id = "".join(c for c in template.id.name if c == "-" or c.isalnum())
    from .ids import fixed_length_id

    node_id = fixed_length_id(node_id)
    wf = core_wf.WorkflowTemplate()
    wf.id.CopyFrom(template.id)
    wf.id.resource_type = RT.WORKFLOW
    wf.id.name = f".flytegen.{template.id.name}"
    wf.interface.CopyFrom(template.interface)
    node = wf.nodes.add(id=node_id)
    node.metadata.name = template.id.name
    node.metadata.retries.CopyFrom(template.metadata.retries)
    node.task_node.reference_id.CopyFrom(template.id)
    for name in template.interface.inputs.variables:
        b = node.inputs.add(var=name)
        b.binding.promise.node_id = START_NODE
        b.binding.promise.var = name
    for name in template.interface.outputs.variables:
        b = wf.outputs.add(var=name)
        b.binding.promise.node_id = node_id
        b.binding.promise.var = name
    return wf
