"""Node handlers: what each kind of node does (flytepropeller's node handlers, in short)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Dict, Optional

from flyteidl.core import (
    catalog_pb2,
    compiler_pb2,
    identifier_pb2,
    literals_pb2,
    tasks_pb2,
    types_pb2,
)
from flyteidl.core import execution_pb2 as core_exec
from flyteidl.core import workflow_pb2 as core_wf
from flyteidl.event import event_pb2

from ..common import exec_key, id_key
from .arrays import array_node
from .bindings import START_NODE, BindingError, evaluate, resolve_bindings
from .children import launch_plan_node
from .context import KIND, NP, NodeCtx, NodeResult, Scope
from .events import EventRejected
from .gates import gate_node
from .ids import unique_node_id
from .results import (
    NODE_TERMINAL,
    TIMEOUT_REASON,
    WF_TERMINAL,
    WP,
    aborted,
    seconds,
    write_outputs,
)

if TYPE_CHECKING:  # pragma: no cover
    from .engine import ExecutionRun

CACHE = catalog_pb2.CatalogCacheStatus
__all__ = ["NODE_TERMINAL", "dispatch", "record_marker", "recover", "run_failure_node", "skip"]


def dispatch(nctx: NodeCtx) -> NodeResult:
    """Run a node of any kind to its terminal result, with its node events."""
    kind = nctx.node.WhichOneof("target")
    handler = _HANDLERS.get(kind or "")
    if handler is None:
        nctx.event(NP.QUEUED)
        return nctx.finish(
            NodeResult.failed(
                KIND.SYSTEM, "BadSpecification", f"node [{nctx.node.id}] has no supported target"
            )
        )
    deadline = seconds(nctx.node.metadata.timeout) if kind != "task_node" else 0.0
    if not deadline:
        return handler(nctx)
    # A node-level timeout (the node's active deadline): TIMED_OUT, not retried.
    timer = threading.Timer(deadline, nctx.cancel.set, args=(TIMEOUT_REASON,))
    timer.daemon = True
    timer.start()
    try:
        result = handler(nctx)
    finally:
        timer.cancel()
    return result


def record_marker(
    scope: Scope,
    node_id: str,
    phase: int,
    inputs: Optional[literals_pb2.LiteralMap] = None,
    outputs: Optional[literals_pb2.LiteralMap] = None,
) -> None:
    """start-node / end-node events, which flyteadmin lists with the real nodes."""
    uid = unique_node_id(scope.parent_unique_id, scope.parent_attempt, node_id)
    node = core_wf.Node(id=node_id)
    nctx = NodeCtx(scope=scope, node=node, unique_id=uid, cancel=scope.cancel, data_dir="")
    fields = {}
    if inputs is not None:
        fields["input_data"] = inputs
    if outputs is not None:
        fields["output_data"] = outputs
    nctx.event(phase, **fields)


def skip(scope: Scope, node: core_wf.Node) -> NodeResult:
    uid = unique_node_id(scope.parent_unique_id, scope.parent_attempt, node.id)
    nctx = NodeCtx(scope=scope, node=node, unique_id=uid, cancel=scope.cancel, data_dir="")
    nctx.event(NP.SKIPPED)
    return NodeResult(NP.SKIPPED)


def recover(nctx: NodeCtx) -> Optional[NodeResult]:
    """In a recovered execution, reuse a node that succeeded in the original."""
    source = nctx.run.recover_from
    if source is None:
        return None
    store = nctx.run.store
    key = exec_key(source) + (nctx.unique_id,)
    old = store.get("node_execution", key)
    if old is None or old.closure.phase not in (NP.SUCCEEDED, NP.RECOVERED):
        return None
    outputs = store.get("node_data", key + ("out",)) or literals_pb2.LiteralMap()
    fields: Dict[str, object] = {}
    if old.closure.HasField("task_node_metadata"):
        fields["task_node_metadata"] = event_pb2.TaskNodeMetadata(
            cache_status=old.closure.task_node_metadata.cache_status,
            catalog_key=old.closure.task_node_metadata.catalog_key,
        )
    if old.closure.HasField("workflow_node_metadata"):
        fields["workflow_node_metadata"] = event_pb2.WorkflowNodeMetadata(
            execution_id=old.closure.workflow_node_metadata.executionId
        )
    uri = write_outputs(nctx, outputs)
    return nctx.finish(
        NodeResult(NP.RECOVERED, outputs=outputs, output_uri=uri), input_data=nctx.inputs, **fields
    )


def task_node(nctx: NodeCtx) -> NodeResult:
    run = nctx.run
    ex = run.executor
    ref = nctx.node.task_node.reference_id
    template = nctx.scope.task(ref)
    nctx.event(NP.QUEUED, input_data=nctx.inputs, target_entity=ref)
    if template is None:
        return nctx.finish(
            NodeResult.failed(
                KIND.SYSTEM, "TaskNotFound", f"task [{ref.name}:{ref.version}] not found"
            )
        )
    problem = ex.tasks.unsupported(template)
    if problem:
        return nctx.finish(NodeResult.failed(KIND.USER, "UnsupportedTaskType", problem))
    from .cache import cacheable

    cache_key = None
    cache_status = CACHE.CACHE_DISABLED
    if cacheable(template):
        cache_key = ex.catalog.key(template, nctx.inputs)
        if run.spec.overwrite_cache:
            cache_status = CACHE.CACHE_SKIPPED
        else:
            hit = ex.catalog.get(cache_key)
            if hit is not None:
                uri = write_outputs(nctx, hit)
                md = event_pb2.TaskNodeMetadata(
                    cache_status=CACHE.CACHE_HIT, catalog_key=ex.catalog.metadata(cache_key)
                )
                return nctx.finish(
                    NodeResult(NP.SUCCEEDED, outputs=hit, output_uri=uri), task_node_metadata=md
                )
            cache_status = CACHE.CACHE_MISS
    nctx.event(NP.RUNNING)
    outcome = ex.tasks.run_attempts(nctx, template)
    res = outcome.result
    md = event_pb2.TaskNodeMetadata(cache_status=cache_status)
    if res.aborted:
        return nctx.finish(aborted(nctx))
    if res.error is not None:
        return nctx.finish(NodeResult(NP.FAILED, error=res.error), task_node_metadata=md)
    if res.futures is not None:
        return dynamic(nctx, template, outcome.attempt, res.futures, res.futures_uri)
    outputs = res.outputs or literals_pb2.LiteralMap()
    if cache_key is not None:
        ex.catalog.put(cache_key, outputs)
        md.cache_status = CACHE.CACHE_POPULATED
        md.catalog_key.CopyFrom(
            ex.catalog.metadata(
                cache_key, ex.tasks.task_execution_id(nctx, template, outcome.attempt)
            )
        )
    return nctx.finish(
        NodeResult(NP.SUCCEEDED, outputs=outputs, output_uri=res.output_uri),
        task_node_metadata=md,
        deck_uri=res.deck_uri or None,
    )


def dynamic(
    nctx: NodeCtx,
    template: tasks_pb2.TaskTemplate,
    attempt: int,
    spec: "object",
    spec_uri: str,
) -> NodeResult:
    """A task that returned a DynamicJobSpec: compile it to a workflow and run that as the
    node's children; the node's outputs are that workflow's."""
    run = nctx.run
    wf = core_wf.WorkflowTemplate()
    wf.id.CopyFrom(template.id)
    wf.id.resource_type = identifier_pb2.WORKFLOW
    wf.id.name = f"{template.id.name}-{nctx.unique_id}-dynamic"
    wf.interface.CopyFrom(template.interface)
    wf.nodes.extend(spec.nodes)  # type: ignore[attr-defined]
    wf.outputs.extend(spec.outputs)  # type: ignore[attr-defined]
    closure = compiler_pb2.CompiledWorkflowClosure()
    closure.primary.template.CopyFrom(wf)
    for t in spec.tasks:  # type: ignore[attr-defined]
        closure.tasks.add().template.CopyFrom(t)
    for s in spec.subworkflows:  # type: ignore[attr-defined]
        closure.sub_workflows.add().template.CopyFrom(s)
    md = event_pb2.TaskNodeMetadata()
    md.dynamic_workflow.id.CopyFrom(wf.id)
    md.dynamic_workflow.compiled_workflow.CopyFrom(closure)
    md.dynamic_workflow.dynamic_job_spec_uri = spec_uri
    nctx.event(NP.RUNNING, is_parent=True, is_dynamic=True, task_node_metadata=md)
    scope = nctx.scope.child(
        nctx.unique_id,
        attempt,
        cancel=nctx.cancel,
        in_dynamic=True,
        tasks={**nctx.scope.tasks, **{id_key(t.template.id): t.template for t in closure.tasks}},
        subworkflows={
            **nctx.scope.subworkflows,
            **{id_key(s.template.id): s for s in closure.sub_workflows},
        },
    )
    res = run.executor.run_nodes(scope, wf, nctx.inputs)
    if res.ok:
        res.output_uri = write_outputs(nctx, res.outputs, attempt)
    elif res.phase == NP.ABORTED:
        res = aborted(nctx)
    return nctx.finish(res, is_parent=True, is_dynamic=True)


def workflow_node(nctx: NodeCtx) -> NodeResult:
    wn = nctx.node.workflow_node
    if wn.WhichOneof("reference") == "launchplan_ref":
        return launch_plan_node(nctx)
    run = nctx.run
    sub = nctx.scope.subworkflow(wn.sub_workflow_ref)
    nctx.event(NP.QUEUED, input_data=nctx.inputs)
    if sub is None:
        return nctx.finish(
            NodeResult.failed(
                KIND.SYSTEM,
                "SubWorkflowNotFound",
                f"subworkflow [{wn.sub_workflow_ref.name}] is not in the workflow's closure",
            )
        )
    nctx.event(NP.RUNNING, is_parent=True)
    scope = nctx.scope.child(nctx.unique_id, cancel=nctx.cancel)
    res = run.executor.run_nodes(scope, sub.template, nctx.inputs)
    if res.ok:
        res.output_uri = write_outputs(nctx, res.outputs)
    elif res.phase == NP.ABORTED:
        res = aborted(nctx)
    return nctx.finish(res, is_parent=True)


def branch_node(nctx: NodeCtx) -> NodeResult:
    block = nctx.node.branch_node.if_else
    nctx.event(NP.QUEUED, input_data=nctx.inputs)
    chosen: Optional[core_wf.Node] = None
    try:
        for case in [block.case, *block.other]:
            if evaluate(case.condition, nctx.inputs):
                chosen = case.then_node
                break
    except BindingError as exc:
        return nctx.finish(NodeResult.failed(KIND.USER, "ConditionEvaluationError", str(exc)))
    if chosen is None:
        if block.WhichOneof("default") == "else_node":
            chosen = block.else_node
        else:
            message = block.error.message if block.HasField("error") else "no branch matched"
            return nctx.finish(NodeResult.failed(KIND.USER, "UserProvidedError", message))
    nctx.event(NP.RUNNING, is_parent=True)
    scope = nctx.scope.child(nctx.unique_id, cancel=nctx.cancel)
    res = nctx.run.executor.execute_node(scope, nctx.cancel, chosen, nctx.upstream)
    if res.ok:
        res = NodeResult(
            NP.SUCCEEDED, outputs=res.outputs, output_uri=write_outputs(nctx, res.outputs)
        )
    elif res.phase == NP.ABORTED:
        res = aborted(nctx)
    elif res.phase == NP.SKIPPED:
        res = NodeResult(NP.SKIPPED)
    return nctx.finish(res, is_parent=True)


def run_failure_node(
    run: "ExecutionRun",
    wf: core_wf.WorkflowTemplate,
    inputs: literals_pb2.LiteralMap,
    error: core_exec.ExecutionError,
    failed_node_id: str = "",
) -> None:
    """The workflow's on_failure node, run after a failure with the workflow's inputs (and the
    error as ``err`` when its task takes one)."""
    with run.store.transaction():
        e = run.store.get("execution", exec_key(run.eid))
        if e is None or e.closure.phase in WF_TERMINAL or e.closure.phase == WP.ABORTING:
            return
        try:
            run.recorder.workflow(run.eid, WP.FAILING, error=error)
        except EventRejected:
            return
    node = wf.failure_node
    try:
        lm = resolve_bindings(node.inputs, {START_NODE: inputs, "": inputs}, node.id)
    except BindingError:
        lm = literals_pb2.LiteralMap()
    template = run.task(node.task_node.reference_id) if node.HasField("task_node") else None
    if template is not None and "err" in template.interface.inputs.variables:
        # propeller hands the failure to the failure node's ``err`` input
        err = literals_pb2.Literal()
        err.scalar.error.message = error.message
        err.scalar.error.failed_node_id = failed_node_id
        declared = template.interface.inputs.variables["err"].type
        if declared.HasField("union_type"):  # Optional[FlyteError]: the non-none variant
            variants = [v for v in declared.union_type.variants if v.simple != types_pb2.NONE]
            wrapped = literals_pb2.Literal()
            wrapped.scalar.union.value.CopyFrom(err)
            if variants:
                wrapped.scalar.union.type.CopyFrom(variants[0])
            err = wrapped
        lm.literals["err"].CopyFrom(err)
    scope = Scope(run=run, cancel=run.cancel)
    run.executor.execute_node(scope, run.cancel, node, {START_NODE: inputs}, inputs=lm)


_HANDLERS = {
    "task_node": task_node,
    "workflow_node": workflow_node,
    "branch_node": branch_node,
    "gate_node": gate_node,
    "array_node": array_node,
}
