"""Workflow executions, events, node executions and task executions."""

from __future__ import annotations

import functools
import random
import string
from typing import Any, Dict, Optional

import grpc
from flyteidl.admin import execution_pb2, node_execution_pb2, task_execution_pb2
from flyteidl.core import execution_pb2 as core_exec
from flyteidl.core import identifier_pb2, metrics_pb2
from google.protobuf import duration_pb2, timestamp_pb2

from . import filters as F
from .common import (
    NAME_RE,
    RT,
    Base,
    exec_key,
    id_key,
    missing_entity,
    node_key,
    now_ts,
    require,
    task_exec_key,
    ts_dt,
    validate_exec_id,
    validate_identifier,
)
from .entities import ident_row, prefixed
from .errors import already_exists, failed_precondition, id_text, invalid, not_found

WP = core_exec.WorkflowExecution.Phase
NP = core_exec.NodeExecution.Phase
TP = core_exec.TaskExecution.Phase
MODE = execution_pb2.ExecutionMetadata.ExecutionMode
WF_TERMINAL = {WP.SUCCEEDED, WP.FAILED, WP.TIMED_OUT, WP.ABORTED}
NODE_TERMINAL = {NP.SUCCEEDED, NP.FAILED, NP.ABORTED, NP.SKIPPED, NP.TIMED_OUT, NP.RECOVERED}
TASK_TERMINAL = {TP.SUCCEEDED, TP.FAILED, TP.ABORTED}


def _enum_name(enum: Any, v: int) -> str:
    try:
        return enum.Name(v)
    except ValueError:
        return str(v)


def _duration(
    start: timestamp_pb2.Timestamp, end: timestamp_pb2.Timestamp
) -> duration_pb2.Duration:
    d = duration_pb2.Duration()
    nanos = max(0, end.ToNanoseconds() - start.ToNanoseconds())
    d.FromNanoseconds(nanos)
    return d


def random_name() -> str:
    """flyteadmin-like generated execution name: a letter then 19 of [a-z0-9]."""
    rng = random.SystemRandom()
    return rng.choice(string.ascii_lowercase) + "".join(
        rng.choice(string.ascii_lowercase + string.digits) for _ in range(19)
    )


def execution_row(e: execution_pb2.Execution) -> Dict[str, Any]:
    c = e.closure
    r: Dict[str, Any] = {
        "project": e.id.project,
        "domain": e.id.domain,
        "name": e.id.name,
        "org": e.id.org,
        "phase": _enum_name(WP, c.phase),
        "execution_created_at": ts_dt(c.created_at),
        "execution_updated_at": ts_dt(c.updated_at),
        "created_at": ts_dt(c.created_at),
        "updated_at": ts_dt(c.updated_at),
        "started_at": ts_dt(c.started_at),
        "duration": c.duration.ToNanoseconds() / 1e9,
        "user": e.spec.metadata.principal,
        "mode": int(e.spec.metadata.mode),
        "state": int(c.state_change_details.state),
        "error_kind": _enum_name(core_exec.ExecutionError.ErrorKind, c.error.kind)
        if c.HasField("error")
        else None,
        "error_code": c.error.code if c.HasField("error") else None,
        "launch_plan_id": "/".join(id_key(e.spec.launch_plan)[1:]),
        "workflow_id": "/".join(id_key(c.workflow_id)[1:]),
        "task_id": "/".join(id_key(e.spec.launch_plan)[1:])
        if e.spec.launch_plan.resource_type == RT.TASK
        else None,
        "cluster": "local",
        "tags": ",".join(e.spec.tags),
        "parent_node_execution_id": e.spec.metadata.parent_node_execution.node_id or None,
    }
    if e.spec.launch_plan.resource_type == RT.TASK:
        r.update(prefixed("task", ident_row(e.spec.launch_plan)))
    else:
        r.update(prefixed("launch_plan", ident_row(e.spec.launch_plan)))
    r.update(prefixed("workflow", ident_row(c.workflow_id)))
    return r


def node_row(n: node_execution_pb2.NodeExecution) -> Dict[str, Any]:
    c = n.closure
    ex = n.id.execution_id
    return {
        "node_id": n.id.node_id,
        "phase": _enum_name(NP, c.phase),
        "created_at": ts_dt(c.created_at),
        "updated_at": ts_dt(c.updated_at),
        "started_at": ts_dt(c.started_at),
        "duration": c.duration.ToNanoseconds() / 1e9,
        "node_execution_created_at": ts_dt(c.created_at),
        "node_execution_updated_at": ts_dt(c.updated_at),
        "error_kind": _enum_name(core_exec.ExecutionError.ErrorKind, c.error.kind)
        if c.HasField("error")
        else None,
        "error_code": c.error.code if c.HasField("error") else None,
        "retry_group": n.metadata.retry_group,
        "spec_node_id": n.metadata.spec_node_id,
        "execution.project": ex.project,
        "execution.domain": ex.domain,
        "execution.name": ex.name,
        "execution.org": ex.org,
    }


def task_exec_row(t: task_execution_pb2.TaskExecution) -> Dict[str, Any]:
    c = t.closure
    ex = t.id.node_execution_id.execution_id
    r = {
        "retry_attempt": t.id.retry_attempt,
        "phase": _enum_name(TP, c.phase),
        "created_at": ts_dt(c.created_at),
        "updated_at": ts_dt(c.updated_at),
        "started_at": ts_dt(c.started_at),
        "duration": c.duration.ToNanoseconds() / 1e9,
        "task_execution_created_at": ts_dt(c.created_at),
        "task_execution_updated_at": ts_dt(c.updated_at),
        "node_id": t.id.node_execution_id.node_id,
        "execution.project": ex.project,
        "execution.domain": ex.domain,
        "execution.name": ex.name,
        "execution.org": ex.org,
    }
    r.update(prefixed("task", ident_row(t.id.task_id)))
    return r


class ExecutionsMixin(Base):
    """Execution lifecycle driven by events: sent by clients, or by LocalAdmin's executor
    (``executor``: told about new and terminated executions once their transaction commits)."""

    auto_complete: bool
    executor: Any = None

    # -- helpers ------------------------------------------------------------
    def _get_execution(
        self, eid: identifier_pb2.WorkflowExecutionIdentifier, present: bool = True
    ) -> execution_pb2.Execution:
        validate_exec_id(eid, present)
        e = self.store.get("execution", exec_key(eid))
        if e is None:
            raise not_found(f"execution {id_text(eid)} not found")
        return e

    def _validate_name(self, name: str) -> None:
        if len(name) > 63:
            raise invalid(f"execution name [{name}] exceeds the max length of 63 characters")
        if not NAME_RE.match(name):
            raise invalid(
                f"invalid execution name [{name}]: must match regex '^[a-z][a-z\\-0-9]*$'"
            )

    def _new_execution(
        self,
        project: str,
        domain: str,
        org: str,
        name: str,
        spec: execution_pb2.ExecutionSpec,
        inputs: Optional[Any],
    ) -> execution_pb2.Execution:
        if name:
            self._validate_name(name)
        self.require_active_project(project, domain, org)
        lp_id = spec.launch_plan
        workflow_id = identifier_pb2.Identifier()
        if lp_id.resource_type == RT.TASK:
            if self.store.get("task", id_key(lp_id)) is None:
                raise missing_entity(lp_id)
            workflow_id.CopyFrom(lp_id)
            workflow_id.resource_type = RT.WORKFLOW
        else:
            lp = self.store.get("launch_plan", id_key(lp_id))
            if lp is None:
                raise missing_entity(lp_id)
            workflow_id.CopyFrom(lp.spec.workflow_id)
            workflow_id.resource_type = RT.WORKFLOW
        if not name:
            name = random_name()
            while self.store.has("execution", (org, project, domain, name)):
                name = random_name()
        eid = identifier_pb2.WorkflowExecutionIdentifier(
            project=project, domain=domain, name=name, org=org
        )
        if self.store.has("execution", exec_key(eid)):
            raise already_exists(f"execution with id {id_text(eid)} already exists")
        ts = now_ts()
        closure = execution_pb2.ExecutionClosure(
            phase=WP.UNDEFINED, created_at=ts, updated_at=ts, workflow_id=workflow_id
        )
        if inputs is not None:
            closure.computed_inputs.CopyFrom(inputs)
        if self.auto_complete:
            closure.phase = WP.SUCCEEDED
            closure.started_at.CopyFrom(ts)
            closure.duration.FromNanoseconds(0)
        e = execution_pb2.Execution(id=eid, spec=spec, closure=closure)
        self.store.put("execution", exec_key(eid), e)
        if self.executor is not None and not self.auto_complete:
            self.store.after_commit(functools.partial(self.executor.submit, eid))
        return e

    # -- create / relaunch / recover ------------------------------------------
    def CreateExecution(
        self, request: execution_pb2.ExecutionCreateRequest, context: grpc.ServicerContext
    ) -> execution_pb2.ExecutionCreateResponse:
        require(request.project, "project")
        require(request.domain, "domain")
        if not request.HasField("spec"):
            raise invalid("missing spec")
        lp = request.spec.launch_plan
        if not request.spec.HasField("launch_plan"):
            raise invalid("missing launch_plan")
        if lp.resource_type not in (RT.LAUNCH_PLAN, RT.TASK):
            validate_identifier(lp, RT.LAUNCH_PLAN)
        validate_identifier(lp, lp.resource_type)
        spec = execution_pb2.ExecutionSpec()
        spec.CopyFrom(request.spec)
        inputs = (
            request.inputs
            if request.HasField("inputs")
            else (spec.inputs if spec.HasField("inputs") else None)
        )
        e = self._new_execution(
            request.project, request.domain, request.org, request.name, spec, inputs
        )
        return execution_pb2.ExecutionCreateResponse(id=e.id)

    def _derived(
        self,
        source_id: Any,
        name: str,
        mode: execution_pb2.ExecutionMetadata.ExecutionMode,
        present: bool,
        metadata: Optional[execution_pb2.ExecutionMetadata] = None,
    ) -> execution_pb2.ExecutionCreateResponse:
        src = self._get_execution(source_id, present)
        spec = execution_pb2.ExecutionSpec()
        spec.CopyFrom(src.spec)
        if metadata is not None:
            spec.metadata.MergeFrom(metadata)
        spec.metadata.mode = mode
        spec.metadata.reference_execution.CopyFrom(src.id)
        inputs = src.closure.computed_inputs if src.closure.HasField("computed_inputs") else None
        e = self._new_execution(src.id.project, src.id.domain, src.id.org, name, spec, inputs)
        return execution_pb2.ExecutionCreateResponse(id=e.id)

    def RelaunchExecution(
        self, request: execution_pb2.ExecutionRelaunchRequest, context: grpc.ServicerContext
    ) -> execution_pb2.ExecutionCreateResponse:
        resp = self._derived(request.id, request.name, MODE.RELAUNCH, request.HasField("id"))
        if request.overwrite_cache:
            e = self.store.get("execution", exec_key(resp.id))
            e.spec.overwrite_cache = True
            self.store.put("execution", exec_key(resp.id), e)
        return resp

    def RecoverExecution(
        self, request: execution_pb2.ExecutionRecoverRequest, context: grpc.ServicerContext
    ) -> execution_pb2.ExecutionCreateResponse:
        return self._derived(
            request.id,
            request.name,
            MODE.RECOVERED,
            request.HasField("id"),
            request.metadata if request.HasField("metadata") else None,
        )

    # -- reads --------------------------------------------------------------
    def GetExecution(
        self, request: execution_pb2.WorkflowExecutionGetRequest, context: grpc.ServicerContext
    ) -> execution_pb2.Execution:
        return self._get_execution(request.id, request.HasField("id"))

    def ListExecutions(
        self, request: Any, context: grpc.ServicerContext
    ) -> execution_pb2.ExecutionList:
        if not request.HasField("id"):
            raise invalid("missing id")
        require(request.id.project, "project")
        require(request.id.domain, "domain")
        i = request.id
        items = [
            e
            for k, e in self.store.items("execution")
            if k[:3] == (i.org, i.project, i.domain) and (not i.name or k[3] == i.name)
        ]
        page, nxt = self.list_page(
            items,
            execution_row,
            "execution",
            request.filters,
            request.sort_by if request.HasField("sort_by") else None,
            request.limit,
            request.token,
            "ListExecutions",
            default_filters=[
                ("state", F.Filter("eq", "state", (str(execution_pb2.EXECUTION_ACTIVE),)))
            ],
        )
        return execution_pb2.ExecutionList(executions=page, token=nxt)

    def GetExecutionData(
        self, request: execution_pb2.WorkflowExecutionGetDataRequest, context: grpc.ServicerContext
    ) -> execution_pb2.WorkflowExecutionGetDataResponse:
        e = self._get_execution(request.id, request.HasField("id"))
        resp = execution_pb2.WorkflowExecutionGetDataResponse()
        if e.closure.HasField("computed_inputs"):
            resp.full_inputs.CopyFrom(e.closure.computed_inputs)
        out = self.store.get("execution_outputs", exec_key(e.id))
        if out is not None:
            resp.full_outputs.CopyFrom(out)
        return resp

    def GetExecutionMetrics(
        self,
        request: execution_pb2.WorkflowExecutionGetMetricsRequest,
        context: grpc.ServicerContext,
    ) -> execution_pb2.WorkflowExecutionGetMetricsResponse:
        e = self._get_execution(request.id, request.HasField("id"))
        span = metrics_pb2.Span(workflow_id=e.id, start_time=e.closure.created_at)
        if e.closure.phase in WF_TERMINAL:
            span.end_time.CopyFrom(e.closure.updated_at)
        return execution_pb2.WorkflowExecutionGetMetricsResponse(span=span)

    # -- state changes --------------------------------------------------------
    def UpdateExecution(
        self, request: execution_pb2.ExecutionUpdateRequest, context: grpc.ServicerContext
    ) -> execution_pb2.ExecutionUpdateResponse:
        e = self._get_execution(request.id, request.HasField("id"))
        if request.state not in (execution_pb2.EXECUTION_ACTIVE, execution_pb2.EXECUTION_ARCHIVED):
            raise invalid(f"invalid execution state {request.state}")
        e.closure.state_change_details.CopyFrom(
            execution_pb2.ExecutionStateChangeDetails(
                state=request.state, occurred_at=now_ts(), principal=_principal(context)
            )
        )
        e.closure.updated_at.CopyFrom(now_ts())
        self.store.put("execution", exec_key(e.id), e)
        return execution_pb2.ExecutionUpdateResponse()

    def TerminateExecution(
        self, request: execution_pb2.ExecutionTerminateRequest, context: grpc.ServicerContext
    ) -> execution_pb2.ExecutionTerminateResponse:
        e = self._get_execution(request.id, request.HasField("id"))
        if e.closure.phase in WF_TERMINAL:
            raise failed_precondition(
                "Cannot abort an already terminated workflow execution",
                _terminal_reason(e.closure.phase),
            )
        e.closure.phase = WP.ABORTING
        e.closure.abort_metadata.CopyFrom(
            execution_pb2.AbortMetadata(cause=request.cause, principal=_principal(context))
        )
        e.closure.updated_at.CopyFrom(now_ts())
        self.store.put("execution", exec_key(e.id), e)
        if self.executor is not None:
            self.store.after_commit(functools.partial(self.executor.abort, e.id, request.cause))
        return execution_pb2.ExecutionTerminateResponse()

    # -- events -------------------------------------------------------------
    def CreateWorkflowEvent(self, request: Any, context: grpc.ServicerContext) -> Any:
        from flyteidl.admin import event_pb2

        if not request.HasField("event"):
            raise invalid("missing event")
        ev = request.event
        e = self._get_execution(ev.execution_id, ev.HasField("execution_id"))
        c = e.closure
        occurred = ev.occurred_at if ev.HasField("occurred_at") else now_ts()
        _advance_phase(
            c,
            ev.phase,
            occurred,
            WF_TERMINAL,
            WP,
            f"workflow execution {id_text(e.id)}",
            allow_repeat=False,
        )
        if ev.HasField("error"):
            c.error.CopyFrom(ev.error)
        if ev.output_uri:
            c.outputs.uri = ev.output_uri
        if ev.HasField("output_data"):
            self.store.put("execution_outputs", exec_key(e.id), ev.output_data)
        self.store.put("execution", exec_key(e.id), e)
        return event_pb2.WorkflowExecutionEventResponse()

    def CreateNodeEvent(self, request: Any, context: grpc.ServicerContext) -> Any:
        from flyteidl.admin import event_pb2

        if not request.HasField("event"):
            raise invalid("missing event")
        ev = request.event
        require(ev.id.node_id, "node_id")
        self._get_execution(ev.id.execution_id, ev.HasField("id"))
        key = node_key(ev.id)
        n = self.store.get("node_execution", key)
        occurred = ev.occurred_at if ev.HasField("occurred_at") else now_ts()
        if n is None:
            n = node_execution_pb2.NodeExecution(id=ev.id)
            n.closure.created_at.CopyFrom(occurred)
        c = n.closure
        _advance_phase(
            c,
            ev.phase,
            occurred,
            NODE_TERMINAL,
            NP,
            f"node execution {id_text(ev.id)}",
            allow_repeat=True,
        )
        if ev.input_uri:
            n.input_uri = ev.input_uri
        if ev.output_uri:
            c.output_uri = ev.output_uri
        if ev.HasField("error"):
            c.error.CopyFrom(ev.error)
        if ev.deck_uri:
            c.deck_uri = ev.deck_uri
        if ev.HasField("input_data"):
            self.store.put("node_data", key + ("in",), ev.input_data)
        if ev.HasField("output_data"):
            self.store.put("node_data", key + ("out",), ev.output_data)
        m = n.metadata
        m.retry_group = ev.retry_group or m.retry_group
        m.spec_node_id = ev.spec_node_id or m.spec_node_id
        m.is_parent_node = m.is_parent_node or ev.is_parent
        m.is_dynamic = m.is_dynamic or ev.is_dynamic
        m.is_array = m.is_array or ev.is_array
        m.is_eager = m.is_eager or ev.is_eager
        if ev.HasField("workflow_node_metadata"):
            c.workflow_node_metadata.executionId.CopyFrom(ev.workflow_node_metadata.execution_id)
        if ev.HasField("task_node_metadata"):
            tm = ev.task_node_metadata
            c.task_node_metadata.cache_status = tm.cache_status
            c.task_node_metadata.catalog_key.CopyFrom(tm.catalog_key)
            c.task_node_metadata.checkpoint_uri = tm.checkpoint_uri
            if tm.HasField("dynamic_workflow"):
                dyn = node_execution_pb2.DynamicWorkflowNodeMetadata(
                    id=tm.dynamic_workflow.id,
                    compiled_workflow=tm.dynamic_workflow.compiled_workflow,
                    dynamic_job_spec_uri=tm.dynamic_workflow.dynamic_job_spec_uri,
                )
                self.store.put("dynamic_workflow", key, dyn)
                c.dynamic_job_spec_uri = tm.dynamic_workflow.dynamic_job_spec_uri
        if ev.HasField("parent_node_metadata") and ev.parent_node_metadata.node_id:
            parent = identifier_pb2.NodeExecutionIdentifier(
                node_id=ev.parent_node_metadata.node_id, execution_id=ev.id.execution_id
            )
            self.store.put("node_parent", key, parent)
        if ev.HasField("parent_task_metadata"):
            self.store.put("node_parent_task", key, ev.parent_task_metadata.id)
        self.store.put("node_execution", key, n)
        return event_pb2.NodeExecutionEventResponse()

    def CreateTaskEvent(self, request: Any, context: grpc.ServicerContext) -> Any:
        from flyteidl.admin import event_pb2

        if not request.HasField("event"):
            raise invalid("missing event")
        ev = request.event
        if not ev.HasField("task_id"):
            raise invalid("missing task_id")
        nid = ev.parent_node_execution_id
        if self.store.get("node_execution", node_key(nid)) is None:
            raise not_found(f"failed to get existing node execution id: [{id_text(nid)}]")
        tid = identifier_pb2.TaskExecutionIdentifier(
            task_id=ev.task_id, node_execution_id=nid, retry_attempt=ev.retry_attempt
        )
        key = task_exec_key(tid)
        occurred = ev.occurred_at if ev.HasField("occurred_at") else now_ts()
        t = self.store.get("task_execution", key)
        if t is None:
            t = task_execution_pb2.TaskExecution(id=tid)
            t.closure.created_at.CopyFrom(occurred)
        c = t.closure
        _advance_phase(
            c,
            ev.phase,
            occurred,
            TASK_TERMINAL,
            TP,
            f"task execution {id_text(tid)}",
            allow_repeat=True,
        )
        known = {(entry.uri, entry.name) for entry in c.logs}
        for log in ev.logs:
            if (log.uri, log.name) not in known:
                c.logs.append(log)
        if ev.input_uri:
            t.input_uri = ev.input_uri
        if ev.output_uri:
            c.output_uri = ev.output_uri
        if ev.HasField("error"):
            c.error.CopyFrom(ev.error)
        if ev.task_type:
            c.task_type = ev.task_type
        if ev.reason:
            c.reason = ev.reason
        if ev.HasField("custom_info"):
            c.custom_info.CopyFrom(ev.custom_info)
        if ev.HasField("metadata"):
            c.metadata.CopyFrom(ev.metadata)
        c.event_version = ev.event_version
        if ev.HasField("input_data"):
            self.store.put("task_data", key + ("in",), ev.input_data)
        if ev.HasField("output_data"):
            self.store.put("task_data", key + ("out",), ev.output_data)
        self.store.put("task_execution", key, t)
        return event_pb2.TaskExecutionEventResponse()

    # -- node executions --------------------------------------------------------
    def _get_node(self, nid: Any, present: bool = True) -> node_execution_pb2.NodeExecution:
        if not present:
            raise invalid("missing id")
        validate_exec_id(nid.execution_id)
        require(nid.node_id, "node_id")
        n = self.store.get("node_execution", node_key(nid))
        if n is None:
            raise not_found(f"node execution {id_text(nid)} not found")
        return n

    def GetNodeExecution(
        self, request: Any, context: grpc.ServicerContext
    ) -> node_execution_pb2.NodeExecution:
        return self._get_node(request.id, request.HasField("id"))

    def GetDynamicNodeWorkflow(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._get_node(request.id, request.HasField("id"))
        dyn = self.store.get("dynamic_workflow", node_key(request.id))
        if dyn is None:
            raise not_found(f"no dynamic workflow found for node execution {id_text(request.id)}")
        return node_execution_pb2.DynamicNodeWorkflowResponse(
            compiled_workflow=dyn.compiled_workflow
        )

    def ListNodeExecutions(
        self, request: node_execution_pb2.NodeExecutionListRequest, context: grpc.ServicerContext
    ) -> node_execution_pb2.NodeExecutionList:
        e = self._get_execution(
            request.workflow_execution_id, request.HasField("workflow_execution_id")
        )
        prefix = exec_key(e.id)
        items = []
        for k, n in self.store.items("node_execution"):
            if k[:4] != prefix:
                continue
            parent = self.store.get("node_parent", k)
            if request.unique_parent_id:
                if parent is None or parent.node_id != request.unique_parent_id:
                    continue
            elif parent is not None or self.store.has("node_parent_task", k):
                continue
            items.append(n)
        page, nxt = self.list_page(
            items,
            node_row,
            "node_execution",
            request.filters,
            request.sort_by if request.HasField("sort_by") else None,
            request.limit,
            request.token,
            "ListNodeExecutions",
        )
        return node_execution_pb2.NodeExecutionList(node_executions=page, token=nxt)

    def ListNodeExecutionsForTask(
        self,
        request: node_execution_pb2.NodeExecutionForTaskListRequest,
        context: grpc.ServicerContext,
    ) -> node_execution_pb2.NodeExecutionList:
        if not request.HasField("task_execution_id"):
            raise invalid("missing task_execution_id")
        t = self._get_task_exec(request.task_execution_id)
        want = task_exec_key(t.id)
        items = [
            n
            for k, n in self.store.items("node_execution")
            if (p := self.store.get("node_parent_task", k)) is not None and task_exec_key(p) == want
        ]
        page, nxt = self.list_page(
            items,
            node_row,
            "node_execution",
            request.filters,
            request.sort_by if request.HasField("sort_by") else None,
            request.limit,
            request.token,
            "ListNodeExecutionsForTask",
        )
        return node_execution_pb2.NodeExecutionList(node_executions=page, token=nxt)

    def GetNodeExecutionData(
        self, request: Any, context: grpc.ServicerContext
    ) -> node_execution_pb2.NodeExecutionGetDataResponse:
        n = self._get_node(request.id, request.HasField("id"))
        key = node_key(n.id)
        resp = node_execution_pb2.NodeExecutionGetDataResponse()
        resp.inputs.url = n.input_uri
        resp.outputs.url = n.closure.output_uri
        for suffix, fld in (("in", resp.full_inputs), ("out", resp.full_outputs)):
            data = self.store.get("node_data", key + (suffix,))
            if data is not None:
                fld.CopyFrom(data)
        dyn = self.store.get("dynamic_workflow", key)
        if dyn is not None:
            resp.dynamic_workflow.CopyFrom(dyn)
        return resp

    # -- task executions --------------------------------------------------------
    def _get_task_exec(self, tid: Any) -> task_execution_pb2.TaskExecution:
        validate_exec_id(tid.node_execution_id.execution_id)
        require(tid.node_execution_id.node_id, "node_id")
        if not tid.HasField("task_id"):
            raise invalid("missing task_id")
        t = self.store.get("task_execution", task_exec_key(tid))
        if t is None:
            raise not_found(f"task execution {id_text(tid)} not found")
        return t

    def GetTaskExecution(
        self, request: Any, context: grpc.ServicerContext
    ) -> task_execution_pb2.TaskExecution:
        if not request.HasField("id"):
            raise invalid("missing id")
        return self._get_task_exec(request.id)

    def ListTaskExecutions(
        self, request: task_execution_pb2.TaskExecutionListRequest, context: grpc.ServicerContext
    ) -> task_execution_pb2.TaskExecutionList:
        if not request.HasField("node_execution_id"):
            raise invalid("missing node_execution_id")
        n = self._get_node(request.node_execution_id)
        prefix = node_key(n.id)
        items = [t for k, t in self.store.items("task_execution") if k[:5] == prefix]
        page, nxt = self.list_page(
            items,
            task_exec_row,
            "task_execution",
            request.filters,
            request.sort_by if request.HasField("sort_by") else None,
            request.limit,
            request.token,
            "ListTaskExecutions",
        )
        return task_execution_pb2.TaskExecutionList(task_executions=page, token=nxt)

    def GetTaskExecutionData(
        self, request: Any, context: grpc.ServicerContext
    ) -> task_execution_pb2.TaskExecutionGetDataResponse:
        if not request.HasField("id"):
            raise invalid("missing id")
        t = self._get_task_exec(request.id)
        key = task_exec_key(t.id)
        resp = task_execution_pb2.TaskExecutionGetDataResponse()
        resp.inputs.url = t.input_uri
        resp.outputs.url = t.closure.output_uri
        for suffix, fld in (("in", resp.full_inputs), ("out", resp.full_outputs)):
            data = self.store.get("task_data", key + (suffix,))
            if data is not None:
                fld.CopyFrom(data)
        return resp


def _advance_phase(
    c: Any, phase: int, occurred: Any, terminal: Any, enum: Any, what: str, allow_repeat: bool
) -> None:
    """Move an execution closure to ``phase`` at ``occurred``: a terminal phase is final
    (FAILED_PRECONDITION; node/task events may repeat it), RUNNING stamps ``started_at``,
    a terminal phase stamps ``duration``."""
    if c.phase in terminal and not (allow_repeat and phase == c.phase):
        raise failed_precondition(
            f"Invalid phase change from {_enum_name(enum, c.phase)} to {_enum_name(enum, phase)} for {what}",
            _terminal_reason(c.phase, enum),
        )
    c.phase = phase
    c.updated_at.CopyFrom(occurred)
    if phase == enum.RUNNING and not c.HasField("started_at"):
        c.started_at.CopyFrom(occurred)
    if phase in terminal:
        c.duration.CopyFrom(
            _duration(c.started_at if c.HasField("started_at") else c.created_at, occurred)
        )


def _terminal_reason(phase: int, enum: Any = WP) -> Any:
    from flyteidl.admin import event_pb2

    return event_pb2.EventFailureReason(
        already_in_terminal_state=event_pb2.EventErrorAlreadyInTerminalState(
            current_phase=_enum_name(enum, phase)
        )
    )


def _principal(context: grpc.ServicerContext) -> str:
    try:
        for k, v in context.invocation_metadata() or ():
            if k == "x-local-admin-principal" and isinstance(v, str):
                return v
    except Exception:  # noqa: BLE001
        pass
    return ""
