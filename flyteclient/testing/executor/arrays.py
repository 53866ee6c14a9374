"""Array nodes (``map_task``, ``array_node``): one sub-node per item over a task or a launch
plan, at most ``parallelism`` at once, reported as one task execution with a resource per item."""

from __future__ import annotations

import math
import os
import threading
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from flyteidl.core import identifier_pb2, literals_pb2, tasks_pb2
from flyteidl.core import workflow_pb2 as core_wf
from flyteidl.event import event_pb2

from ..errors import AdminError
from .children import child_error, start_child_execution, wait_child
from .context import KIND, NP, TP, NodeCtx, NodeResult
from .events import EventRejected
from .results import WP, aborted, write_outputs

if TYPE_CHECKING:  # pragma: no cover
    from .engine import ExecutionRun

ARRAY_INDEX_VAR = "FLYTE_K8S_ARRAY_INDEX"


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
        template = nctx.scope.task(sub.task_node.reference_id)
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
                    res = NodeResult(NP.FAILED, error=child_error(done))
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
        return nctx.finish(aborted(nctx), is_array=True)
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
    uri = write_outputs(nctx, outputs)
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
