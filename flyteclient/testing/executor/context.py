"""What a node handler works with: its place in the execution, its events and its result."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, Optional, Tuple

from flyteidl.core import compiler_pb2, identifier_pb2, literals_pb2, tasks_pb2
from flyteidl.core import execution_pb2 as core_exec
from flyteidl.core import workflow_pb2 as core_wf
from flyteidl.event import event_pb2

from ..common import id_key
from .cancel import Cancel
from .events import EventRejected

if TYPE_CHECKING:  # pragma: no cover
    from .engine import ExecutionRun

_LOG = logging.getLogger("flyteclient.testing.executor")
NP = core_exec.NodeExecution.Phase
TP = core_exec.TaskExecution.Phase
KIND = core_exec.ExecutionError.ErrorKind


def execution_error(kind: Any, code: str, message: str) -> core_exec.ExecutionError:
    return core_exec.ExecutionError(kind=kind, code=code, message=message)


@dataclass
class NodeResult:
    """How a node ended: a terminal node phase, its outputs or its error."""

    phase: Any
    outputs: literals_pb2.LiteralMap = field(default_factory=literals_pb2.LiteralMap)
    error: Optional[core_exec.ExecutionError] = None
    output_uri: str = ""
    #: for a failed list of nodes: which node failed first
    failed_node: str = ""

    @property
    def ok(self) -> bool:
        return self.phase in (NP.SUCCEEDED, NP.RECOVERED)

    @classmethod
    def failed(cls, kind: Any, code: str, message: str) -> "NodeResult":
        return cls(NP.FAILED, error=execution_error(kind, code, message))


@dataclass
class Scope:
    """Where a list of nodes runs: the top level, or inside a parent node (subworkflow, branch,
    dynamic workflow, array) whose unique ID and attempt prefix the children's IDs."""

    run: "ExecutionRun"
    cancel: Cancel
    parent_unique_id: Optional[str] = None
    parent_attempt: int = 0
    in_dynamic: bool = False
    #: the task templates and subworkflows of the dynamic workflows this scope is inside,
    #: innermost first over the execution's own: a dynamic's futures carry their own
    #: templates (flytekit compiles a subworkflow first called inside a dynamic task with
    #: node IDs ``dn0``...), and propeller runs those, not the registered ones of that ID.
    tasks: Dict[Tuple[str, ...], tasks_pb2.TaskTemplate] = field(default_factory=dict)
    subworkflows: Dict[Tuple[str, ...], compiler_pb2.CompiledWorkflow] = field(default_factory=dict)

    def task(self, ref: identifier_pb2.Identifier) -> Optional[tasks_pb2.TaskTemplate]:
        return self.tasks.get(id_key(ref)) or self.run.task(ref)

    def subworkflow(
        self, ref: identifier_pb2.Identifier
    ) -> Optional[compiler_pb2.CompiledWorkflow]:
        return self.subworkflows.get(id_key(ref)) or self.run.subworkflow(ref)

    def child(self, parent_unique_id: str, parent_attempt: int = 0, **changes: Any) -> "Scope":
        """The scope of a parent node's children (same templates unless ``changes`` say)."""
        fields: Dict[str, Any] = dict(
            run=self.run,
            cancel=self.cancel,
            parent_unique_id=parent_unique_id,
            parent_attempt=parent_attempt,
            in_dynamic=self.in_dynamic,
            tasks=self.tasks,
            subworkflows=self.subworkflows,
        )
        fields.update(changes)
        return Scope(**fields)


@dataclass
class NodeCtx:
    """One node execution: its spec, its unique ID, data directory and cancellation."""

    scope: Scope
    node: core_wf.Node
    unique_id: str
    cancel: Cancel
    data_dir: str
    input_path: str = ""
    inputs: literals_pb2.LiteralMap = field(default_factory=literals_pb2.LiteralMap)
    #: outputs of the nodes this node's scope has finished (branch cases bind to them)
    upstream: Dict[str, literals_pb2.LiteralMap] = field(default_factory=dict)
    #: array sub-nodes are not node executions of their own: they send no node events
    silent: bool = False

    @property
    def run(self) -> "ExecutionRun":
        return self.scope.run

    @property
    def execution_id(self) -> identifier_pb2.WorkflowExecutionIdentifier:
        return self.scope.run.eid

    @property
    def node_execution_id(self) -> identifier_pb2.NodeExecutionIdentifier:
        return identifier_pb2.NodeExecutionIdentifier(
            node_id=self.unique_id, execution_id=self.execution_id
        )

    def event(self, phase: Any, **fields: Any) -> None:
        """Send a node event; ``fields`` are NodeExecutionEvent fields (messages are copied)."""
        if self.silent:
            return
        ev = event_pb2.NodeExecutionEvent(
            id=self.node_execution_id,
            phase=phase,
            spec_node_id=self.node.id,
            node_name=self.node.metadata.name or self.node.id,
            event_version=2,
            is_in_dynamic_chain=self.scope.in_dynamic,
        )
        if self.scope.parent_unique_id is not None:
            ev.parent_node_metadata.node_id = self.scope.parent_unique_id
        if self.input_path and phase in (NP.QUEUED, NP.RUNNING):
            ev.input_uri = self.input_path
        for name, value in fields.items():
            if value is None:
                continue
            target = getattr(ev, name)
            if hasattr(target, "CopyFrom"):
                target.CopyFrom(value)
            else:
                setattr(ev, name, value)
        try:
            self.run.recorder.node(ev)
        except EventRejected as exc:
            _LOG.debug("node event %s rejected: %s", self.unique_id, exc)

    def finish(self, result: NodeResult, **fields: Any) -> NodeResult:
        """Send the node's terminal event for ``result`` (plus event ``fields``) and return it."""
        if result.ok:
            # Outputs inline (output_data and output_uri are a oneof): LocalAdmin serves them
            # from the node record, as flyteadmin does with propeller's inline-data policy.
            self.event(result.phase, output_data=result.outputs, **fields)
        elif result.phase == NP.ABORTED:
            self.event(
                NP.ABORTED,
                error=result.error
                or execution_error(KIND.UNKNOWN, "NodeAborted", self.cancel.reason or "aborted"),
                **fields,
            )
        elif result.phase == NP.SKIPPED:
            self.event(NP.SKIPPED, **fields)
        else:
            self.event(result.phase, error=result.error, **fields)
        return result
