"""Node handlers: what each kind of node does (flytepropeller's node handlers, in short)."""

from __future__ import annotations

import math
import os
import threading
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from flyteidl.admin import execution_pb2, signal_pb2
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

from ..common import exec_key
from ..errors import AdminError
from .bindings import START_NODE, BindingError, evaluate, resolve_bindings
from .context import KIND, NP, TP, NodeCtx, NodeResult, Scope, execution_error
from .events import EventRejected
from .ids import child_execution_name, go_duration, unique_node_id

if TYPE_CHECKING:  # pragma: no cover
    from .engine import ExecutionRun

WP = core_exec.WorkflowExecution.Phase
CACHE = catalog_pb2.CatalogCacheStatus
NODE_TERMINAL = {NP.SUCCEEDED, NP.FAILED, NP.ABORTED, NP.SKIPPED, NP.TIMED_OUT, NP.RECOVERED}
WF_TERMINAL = {WP.SUCCEEDED, WP.FAILED, WP.TIMED_OUT, WP.ABORTED}
ARRAY_INDEX_VAR = "FLYTE_K8S_ARRAY_INDEX"


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
    deadline = _seconds(nctx.node.metadata.timeout) if kind != "task_node" else 0.0
    if not deadline:
        return handler(nctx)
    # A node-level timeout (the node's active deadline): TIMED_OUT, not retried.
    timer = threading.Timer(deadline, nctx.cancel.set, args=(_TIMEOUT_REASON,))
    timer.daemon = True
    timer.start()
    try:
        result = handler(nctx)
    finally:
        timer.cancel()
    return result


_TIMEOUT_REASON = "node timed out"


def _seconds(d: object) -> float:
    return d.seconds + d.nanos / 1e9  # type: ignore[attr-defined]


def _aborted(nctx: NodeCtx) -> NodeResult:
    if nctx.cancel.reason == _TIMEOUT_REASON and not nctx.scope.cancel.is_set():
        t = _seconds(nctx.node.metadata.timeout)
        return NodeResult(
            NP.TIMED_OUT,
            error=execution_error(
                KIND.USER, "TimeoutExpired", f"task active timeout [{go_duration(t)}] expired"
            ),
        )
    return NodeResult(NP.ABORTED)


def _write_outputs(nctx: NodeCtx, outputs: literals_pb2.LiteralMap, attempt: int = 0) -> str:
    path = os.path.join(nctx.data_dir, str(attempt), "outputs.pb")
    return nctx.run.executor.datastore.write(path, outputs)


# -- markers, skips, recovery -------------------------------------------------------------
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
    uri = _write_outputs(nctx, outputs)
    return nctx.finish(
        NodeResult(NP.RECOVERED, outputs=outputs, output_uri=uri), input_data=nctx.inputs, **fields
    )


# -- task nodes ------------------------------------------------------------------------------
def task_node(nctx: NodeCtx) -> NodeResult:
    run = nctx.run
    ex = run.executor
    ref = nctx.node.task_node.reference_id
    template = run.task(ref)
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
                uri = _write_outputs(nctx, hit)
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
        return nctx.finish(_aborted(nctx))
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
    run.add_closure(closure)
    md = event_pb2.TaskNodeMetadata()
    md.dynamic_workflow.id.CopyFrom(wf.id)
    md.dynamic_workflow.compiled_workflow.CopyFrom(closure)
    md.dynamic_workflow.dynamic_job_spec_uri = spec_uri
    nctx.event(NP.RUNNING, is_parent=True, is_dynamic=True, task_node_metadata=md)
    scope = Scope(
        run=run,
        cancel=nctx.cancel,
        parent_unique_id=nctx.unique_id,
        parent_attempt=attempt,
        in_dynamic=True,
    )
    res = run.executor.run_nodes(scope, wf, nctx.inputs)
    if res.ok:
        res.output_uri = _write_outputs(nctx, res.outputs, attempt)
    elif res.phase == NP.ABORTED:
        res = _aborted(nctx)
    return nctx.finish(res, is_parent=True, is_dynamic=True)


# -- workflow nodes ----------------------------------------------------------------------------
def workflow_node(nctx: NodeCtx) -> NodeResult:
    wn = nctx.node.workflow_node
    if wn.WhichOneof("reference") == "launchplan_ref":
        return launch_plan_node(nctx)
    run = nctx.run
    sub = run.subworkflow(wn.sub_workflow_ref)
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
    scope = Scope(
        run=run,
        cancel=nctx.cancel,
        parent_unique_id=nctx.unique_id,
        parent_attempt=0,
        in_dynamic=nctx.scope.in_dynamic,
    )
    res = run.executor.run_nodes(scope, sub.template, nctx.inputs)
    if res.ok:
        res.output_uri = _write_outputs(nctx, res.outputs)
    elif res.phase == NP.ABORTED:
        res = _aborted(nctx)
    return nctx.finish(res, is_parent=True)


def start_child_execution(
    nctx: NodeCtx,
    lp_id: identifier_pb2.Identifier,
    inputs: literals_pb2.LiteralMap,
    suffix: str = "",
) -> identifier_pb2.WorkflowExecutionIdentifier:
    """Create the execution a launch-plan node runs (flyteadmin's CreateExecution, in process)."""
    run = nctx.run
    eid = run.eid
    name = child_execution_name(eid.name, nctx.unique_id + suffix, 0)
    child = identifier_pb2.WorkflowExecutionIdentifier(
        project=eid.project, domain=eid.domain, name=name, org=eid.org
    )
    spec = execution_pb2.ExecutionSpec()
    spec.launch_plan.CopyFrom(lp_id)
    md = spec.metadata
    md.mode = execution_pb2.ExecutionMetadata.CHILD_WORKFLOW
    md.principal = run.spec.metadata.principal
    md.nesting = run.spec.metadata.nesting + 1
    md.parent_node_execution.CopyFrom(nctx.node_execution_id)
    spec.overwrite_cache = run.spec.overwrite_cache
    if run.spec.HasField("envs"):
        spec.envs.CopyFrom(run.spec.envs)
    servicer = run.executor.servicer
    with run.store.transaction():
        if not run.store.has("execution", exec_key(child)):
            servicer._new_execution(eid.project, eid.domain, eid.org, name, spec, inputs)
    return child


def wait_child(
    nctx: NodeCtx, child: identifier_pb2.WorkflowExecutionIdentifier
) -> Tuple[Optional[execution_pb2.Execution], literals_pb2.LiteralMap]:
    ex = nctx.run.executor
    done = ex.wait_for(child, nctx.cancel)
    if done is None:  # cancelled: abort the child too
        ex.abort(child, nctx.cancel.reason)
        ex.wait_for(child)
        return None, literals_pb2.LiteralMap()
    outputs = nctx.run.store.get("execution_outputs", exec_key(child)) or literals_pb2.LiteralMap()
    return done, outputs


def _child_error(e: execution_pb2.Execution) -> core_exec.ExecutionError:
    if e.closure.HasField("error"):
        return e.closure.error
    phase = WP.Name(e.closure.phase)
    return execution_error(
        KIND.USER, "ChildExecutionFailed", f"launched execution [{e.id.name}] ended {phase}"
    )


def launch_plan_node(nctx: NodeCtx) -> NodeResult:
    lp_id = nctx.node.workflow_node.launchplan_ref
    nctx.event(NP.QUEUED, input_data=nctx.inputs, target_entity=lp_id)
    try:
        child = start_child_execution(nctx, lp_id, nctx.inputs)
    except AdminError as exc:
        return nctx.finish(NodeResult.failed(KIND.USER, "LaunchPlanError", exc.message))
    wmd = event_pb2.WorkflowNodeMetadata(execution_id=child)
    nctx.event(NP.RUNNING, workflow_node_metadata=wmd)
    done, outputs = wait_child(nctx, child)
    if done is None:
        return nctx.finish(_aborted(nctx), workflow_node_metadata=wmd)
    if done.closure.phase == WP.SUCCEEDED:
        uri = _write_outputs(nctx, outputs)
        return nctx.finish(
            NodeResult(NP.SUCCEEDED, outputs=outputs, output_uri=uri), workflow_node_metadata=wmd
        )
    return nctx.finish(NodeResult(NP.FAILED, error=_child_error(done)), workflow_node_metadata=wmd)


# -- branches -----------------------------------------------------------------------------------
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
    scope = Scope(
        run=nctx.run,
        cancel=nctx.cancel,
        parent_unique_id=nctx.unique_id,
        parent_attempt=0,
        in_dynamic=nctx.scope.in_dynamic,
    )
    res = nctx.run.executor.execute_node(scope, nctx.cancel, chosen, nctx.upstream)
    if res.ok:
        res = NodeResult(
            NP.SUCCEEDED, outputs=res.outputs, output_uri=_write_outputs(nctx, res.outputs)
        )
    elif res.phase == NP.ABORTED:
        res = _aborted(nctx)
    elif res.phase == NP.SKIPPED:
        res = NodeResult(NP.SKIPPED)
    return nctx.finish(res, is_parent=True)


# -- gates --------------------------------------------------------------------------------------
def gate_node(nctx: NodeCtx) -> NodeResult:
    gate = nctx.node.gate_node
    run = nctx.run
    nctx.event(NP.QUEUED, input_data=nctx.inputs)
    nctx.event(NP.RUNNING)
    kind = gate.WhichOneof("condition")
    if kind == "sleep":
        if nctx.cancel.wait(_seconds(gate.sleep.duration)):
            return nctx.finish(_aborted(nctx))
        return nctx.finish(
            NodeResult(NP.SUCCEEDED, output_uri=_write_outputs(nctx, literals_pb2.LiteralMap()))
        )
    if kind == "approve":
        signal_id = gate.approve.signal_id
        stype = types_pb2.LiteralType(simple=types_pb2.BOOLEAN)
    elif kind == "signal":
        signal_id = gate.signal.signal_id
        stype = gate.signal.type
    else:
        return nctx.finish(
            NodeResult.failed(KIND.SYSTEM, "BadSpecification", "gate node without a condition")
        )
    sid = core_exec_signal_id(run.eid, signal_id)
    key = exec_key(run.eid) + (signal_id,)
    with run.store.transaction():
        if not run.store.has("signal", key):
            run.store.put("signal", key, signal_pb2.Signal(id=sid, type=stype))
    while True:
        sig = run.store.get("signal", key)
        if sig is not None and sig.HasField("value") and sig.value.WhichOneof("value"):
            break
        if nctx.cancel.is_set():
            return nctx.finish(_aborted(nctx))
        run.executor.wait_signal(0.5)
    if kind == "signal":
        outputs = literals_pb2.LiteralMap()
        outputs.literals[gate.signal.output_variable_name].CopyFrom(sig.value)
        return nctx.finish(
            NodeResult(NP.SUCCEEDED, outputs=outputs, output_uri=_write_outputs(nctx, outputs))
        )
    value = sig.value
    if not (value.HasField("scalar") and value.scalar.primitive.WhichOneof("value") == "boolean"):
        return nctx.finish(
            NodeResult.failed(
                KIND.UNKNOWN,
                "RuntimeExecutionError",
                f"received a non-boolean approve signal value [{value}]",
            )
        )
    if not value.scalar.primitive.boolean:
        return nctx.finish(
            NodeResult.failed(
                KIND.USER,
                "ReceivedRejectSignal",
                "received a reject signal to disapprove the node input values",
            )
        )
    outputs = literals_pb2.LiteralMap()
    outputs.CopyFrom(nctx.inputs)
    return nctx.finish(
        NodeResult(NP.SUCCEEDED, outputs=outputs, output_uri=_write_outputs(nctx, outputs))
    )


def core_exec_signal_id(
    eid: identifier_pb2.WorkflowExecutionIdentifier, signal_id: str
) -> identifier_pb2.SignalIdentifier:
    return identifier_pb2.SignalIdentifier(signal_id=signal_id, execution_id=eid)


# -- arrays --------------------------------------------------------------------------------------
def array_node(nctx: NodeCtx) -> NodeResult:
    """ArrayNode (map_task / array_node over a task or launch plan): one sub-node per item,
    at most ``parallelism`` at once, succeeding when ``min_successes`` / ``min_success_ratio``
    of them did (failed items' outputs are None)."""
    an = nctx.node.array_node
    run = nctx.run
    ex = run.executor
    nctx.event(NP.QUEUED, input_data=nctx.inputs, is_array=True)
    bound = set(an.bound_inputs)
    sizes = {
        len(v.collection.literals)
        for k, v in nctx.inputs.literals.items()
        if k not in bound and v.WhichOneof("value") == "collection"
    }
    if len(sizes) > 1:
        return nctx.finish(
            NodeResult.failed(
                KIND.USER, "InvalidArrayLength", "input arrays have different lengths"
            ),
            is_array=True,
        )
    size = sizes.pop() if sizes else 0
    sub = an.node
    target = sub.WhichOneof("target")
    template: Optional[tasks_pb2.TaskTemplate] = None
    if target == "task_node":
        template = run.task(sub.task_node.reference_id)
        if template is None:
            return nctx.finish(
                NodeResult.failed(KIND.SYSTEM, "TaskNotFound", "array sub-node task not found"),
                is_array=True,
            )
        problem = ex.tasks.unsupported(template)
        if problem:
            return nctx.finish(
                NodeResult.failed(KIND.USER, "UnsupportedTaskType", problem), is_array=True
            )
    elif not (
        target == "workflow_node" and sub.workflow_node.WhichOneof("reference") == "launchplan_ref"
    ):
        return nctx.finish(
            NodeResult.failed(
                KIND.USER,
                "UnsupportedArrayNode",
                f"array nodes over [{target}] are not supported by LocalAdmin",
            ),
            is_array=True,
        )
    minimum = size
    if an.WhichOneof("success_criteria") == "min_successes":
        minimum = an.min_successes
    elif an.WhichOneof("success_criteria") == "min_success_ratio":
        minimum = int(math.ceil(an.min_success_ratio * size))
    parallelism = size
    if an.WhichOneof("parallelism_option") == "parallelism" and an.parallelism > 0:
        parallelism = an.parallelism
    elif an.WhichOneof("parallelism_option") != "parallelism":
        parallelism = run.spec.max_parallelism or 25
    nctx.event(NP.RUNNING, is_array=True)
    single_file = an.data_mode == core_wf.ArrayNode.SINGLE_INPUT_FILE and target == "task_node"
    phases: List[int] = [NP.QUEUED] * size
    results: List[Optional[NodeResult]] = [None] * size
    resources: Dict[int, event_pb2.ExternalResourceInfo] = {}
    lock = threading.Lock()
    stop = nctx.cancel.child()
    # Array sub-nodes are reported as one task execution of the array node (over a launch
    # plan: under the launch plan's identifier), their states as its external resources.
    task_id = template.id if template is not None else sub.workflow_node.launchplan_ref

    def report(phase: Any) -> None:
        ev = event_pb2.TaskExecutionEvent(
            task_id=task_id,
            parent_node_execution_id=nctx.node_execution_id,
            retry_attempt=0,
            phase=phase,
            task_type=template.type if template is not None else "",
            event_version=1,
        )
        with lock:
            for i in sorted(resources):
                ev.metadata.external_resources.add().CopyFrom(resources[i])
        ev.metadata.plugin_identifier = "local-admin"
        try:
            run.recorder.task(ev)
        except EventRejected:
            pass

    def item_inputs(i: int) -> literals_pb2.LiteralMap:
        lm = literals_pb2.LiteralMap()
        for k, v in nctx.inputs.literals.items():
            if k not in bound and v.WhichOneof("value") == "collection":
                lm.literals[k].CopyFrom(v.collection.literals[i])
            else:
                lm.literals[k].CopyFrom(v)
        return lm

    def one(i: int) -> None:
        sub_uid = f"{nctx.unique_id}-{i}"
        data_dir = os.path.join(nctx.data_dir, str(i))
        sctx = NodeCtx(
            scope=nctx.scope,
            node=sub,
            unique_id=sub_uid,
            cancel=stop.child(),
            data_dir=data_dir,
            silent=True,
        )
        info = event_pb2.ExternalResourceInfo(external_id=sub_uid, index=i, phase=TP.RUNNING)
        with lock:
            resources[i] = info
        if single_file:
            sctx.inputs = nctx.inputs
            sctx.input_path = nctx.input_path
        else:
            sctx.inputs = item_inputs(i)
            sctx.input_path = ex.datastore.write(os.path.join(data_dir, "inputs.pb"), sctx.inputs)
        if template is not None:
            env = {"BATCH_JOB_ARRAY_INDEX_VAR_NAME": ARRAY_INDEX_VAR, ARRAY_INDEX_VAR: str(i)}
            outcome = ex.tasks.run_attempts(sctx, template, env=env, task_events=False)
            r = outcome.result
            info.retry_attempt = outcome.attempt
            info.logs.add(
                uri="file://" + ex.datastore.log_path(run.eid, sub_uid, outcome.attempt),
                name=f"Task log {i} (local file)",
            )
            if r.aborted:
                res = NodeResult(NP.ABORTED)
            elif r.error is not None:
                res = NodeResult(NP.FAILED, error=r.error)
            else:
                res = NodeResult(NP.SUCCEEDED, outputs=r.outputs or literals_pb2.LiteralMap())
        else:
            lp_id = sub.workflow_node.launchplan_ref
            try:
                child = start_child_execution(sctx, lp_id, sctx.inputs)
            except AdminError as exc:
                res = NodeResult.failed(KIND.USER, "LaunchPlanError", exc.message)
            else:
                info.workflow_node_metadata.execution_id.CopyFrom(child)
                done, outputs = wait_child(sctx, child)
                if done is None:
                    res = NodeResult(NP.ABORTED)
                elif done.closure.phase == WP.SUCCEEDED:
                    res = NodeResult(NP.SUCCEEDED, outputs=outputs)
                else:
                    res = NodeResult(NP.FAILED, error=_child_error(done))
        info.phase = (
            TP.SUCCEEDED
            if res.phase == NP.SUCCEEDED
            else TP.ABORTED
            if res.phase == NP.ABORTED
            else TP.FAILED
        )
        with lock:
            results[i] = res
            phases[i] = res.phase
            failed = sum(1 for p in phases if p in (NP.FAILED, NP.TIMED_OUT))
        if failed and size - failed < minimum and not an.run_all_sub_nodes:
            stop.set("ArrayNodeFailing")

    report(TP.RUNNING)
    next_index = [0]
    idx_lock = threading.Lock()

    def worker() -> None:
        while not stop.is_set():
            with idx_lock:
                i = next_index[0]
                if i >= size:
                    return
                next_index[0] += 1
            one(i)

    threads = [
        threading.Thread(target=worker, daemon=True, name=f"array-{nctx.unique_id}-{w}")
        for w in range(max(1, min(parallelism, size)))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if nctx.cancel.is_set():
        report(TP.ABORTED)
        return nctx.finish(_aborted(nctx), is_array=True)
    failures = [
        (i, r)
        for i, r in enumerate(results)
        if r is not None and r.phase in (NP.FAILED, NP.TIMED_OUT)
    ]
    successes = sum(1 for r in results if r is not None and r.ok)
    if successes < minimum:
        report(TP.FAILED)
        by_message: Dict[str, List[int]] = {}
        for i, r in failures:
            by_message.setdefault(r.error.message if r.error else "", []).append(i)
        summary = "\n".join(
            "".join(f"[{i}]" for i in idx) + f": {msg}" for msg, idx in by_message.items()
        )
        if not summary:
            summary = f"{successes} of {size} sub-nodes succeeded, {minimum} required"
        return nctx.finish(NodeResult.failed(KIND.USER, "ArrayNodeFailed", summary), is_array=True)
    outputs = literals_pb2.LiteralMap()
    names = _output_names(run, sub, template)
    for name in names:
        outputs.literals[name].collection.SetInParent()
    none = literals_pb2.Literal()
    none.scalar.none_type.SetInParent()
    for item in results:
        for name in names:
            coll = outputs.literals[name].collection
            if item is not None and item.ok and name in item.outputs.literals:
                coll.literals.append(item.outputs.literals[name])
            else:
                coll.literals.append(none)
    report(TP.SUCCEEDED)
    uri = _write_outputs(nctx, outputs)
    return nctx.finish(NodeResult(NP.SUCCEEDED, outputs=outputs, output_uri=uri), is_array=True)


def _output_names(
    run: "ExecutionRun", sub: core_wf.Node, template: Optional[tasks_pb2.TaskTemplate]
) -> List[str]:
    if template is not None:
        return list(template.interface.outputs.variables)
    lp = run.store.get("launch_plan", _id_key(sub.workflow_node.launchplan_ref))
    if lp is not None and lp.closure.HasField("expected_outputs"):
        return list(lp.closure.expected_outputs.variables)
    return []


def _id_key(i: identifier_pb2.Identifier) -> Tuple[str, ...]:
    return (i.org, i.project, i.domain, i.name, i.version)


# -- failure node --------------------------------------------------------------------------------
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
