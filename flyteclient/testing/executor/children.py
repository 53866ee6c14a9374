"""Launch-plan nodes: the node's work is a child execution, created through the Admin service
as flytepropeller creates it, and waited for."""

from __future__ import annotations

from typing import Optional, Tuple

from flyteidl.admin import execution_pb2
from flyteidl.core import execution_pb2 as core_exec
from flyteidl.core import identifier_pb2, literals_pb2
from flyteidl.event import event_pb2

from ..common import exec_key
from ..errors import AdminError
from .context import KIND, NP, NodeCtx, NodeResult, execution_error
from .ids import child_execution_name
from .results import WP, aborted, write_outputs


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


def child_error(e: execution_pb2.Execution) -> core_exec.ExecutionError:
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
        return nctx.finish(aborted(nctx), workflow_node_metadata=wmd)
    if done.closure.phase == WP.SUCCEEDED:
        uri = write_outputs(nctx, outputs)
        return nctx.finish(
            NodeResult(NP.SUCCEEDED, outputs=outputs, output_uri=uri), workflow_node_metadata=wmd
        )
    return nctx.finish(NodeResult(NP.FAILED, error=child_error(done)), workflow_node_metadata=wmd)
