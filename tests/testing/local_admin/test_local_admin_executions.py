"""Executions: create, lifecycle events, terminate, relaunch/recover, node/task executions."""

from __future__ import annotations

import grpc
import pytest
from conftest import RT, D, P, ident
from flyteidl.admin import common_pb2, execution_pb2, node_execution_pb2, task_execution_pb2
from flyteidl.admin import event_pb2 as admin_event
from flyteidl.core import execution_pb2 as core_exec
from flyteidl.core import identifier_pb2, literals_pb2
from flyteidl.event import event_pb2

C = grpc.StatusCode
WP = core_exec.WorkflowExecution.Phase
NP = core_exec.NodeExecution.Phase
TP = core_exec.TaskExecution.Phase


def get(env, eid):
    return env.stub.GetExecution(execution_pb2.WorkflowExecutionGetRequest(id=eid))


def lst(env, filters="", limit=100, token=""):
    return env.stub.ListExecutions(
        common_pb2.ResourceListRequest(
            id=common_pb2.NamedEntityIdentifier(project=P, domain=D),
            limit=limit,
            filters=filters,
            token=token,
        )
    )


def wf_event(env, eid, phase, outputs=None):
    ev = event_pb2.WorkflowExecutionEvent(execution_id=eid, phase=phase, producer_id="test")
    ev.occurred_at.GetCurrentTime()
    if outputs is not None:
        ev.output_data.CopyFrom(outputs)
    env.stub.CreateWorkflowEvent(
        admin_event.WorkflowExecutionEventRequest(request_id="r", event=ev)
    )


def lit(v: int) -> literals_pb2.LiteralMap:
    return literals_pb2.LiteralMap(
        literals={
            "x": literals_pb2.Literal(
                scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(integer=v))
            )
        }
    )


@pytest.fixture
def lp(penv):
    return penv.launch_plan("lp")


def test_create_get_and_lifecycle(penv, lp):
    eid = penv.execute(lp, "run-1", inputs=lit(3))
    assert eid == identifier_pb2.WorkflowExecutionIdentifier(project=P, domain=D, name="run-1")
    ex = get(penv, eid)
    assert ex.closure.phase == WP.UNDEFINED and ex.spec.launch_plan == lp
    assert ex.closure.workflow_id.name == "lp-wf"
    wf_event(penv, eid, WP.RUNNING)
    assert get(penv, eid).closure.phase == WP.RUNNING
    wf_event(penv, eid, WP.SUCCEEDED, outputs=lit(7))
    ex = get(penv, eid)
    assert ex.closure.phase == WP.SUCCEEDED and ex.closure.HasField("started_at")
    data = penv.stub.GetExecutionData(execution_pb2.WorkflowExecutionGetDataRequest(id=eid))
    assert data.full_inputs == lit(3) and data.full_outputs == lit(7)
    e = penv.err(
        penv.stub.CreateWorkflowEvent,
        admin_event.WorkflowExecutionEventRequest(
            event=event_pb2.WorkflowExecutionEvent(execution_id=eid, phase=WP.RUNNING)
        ),
    )
    assert e.code() == C.FAILED_PRECONDITION
    m = penv.stub.GetExecutionMetrics(execution_pb2.WorkflowExecutionGetMetricsRequest(id=eid))
    assert m.span.workflow_id == eid


def test_create_random_name_and_task_launch(penv, lp):
    eid = penv.execute(lp)
    assert len(eid.name) == 20 and eid.name[0].isalpha()
    tid = penv.task("solo")
    eid2 = penv.execute(tid)
    assert get(penv, eid2).spec.launch_plan == tid


@pytest.mark.parametrize("name", ["Upper", "1abc", "a_b", "a" * 64])
def test_create_bad_name(penv, lp, name):
    e = penv.err(lambda r: penv.execute(lp, name), None)
    assert e.code() == C.INVALID_ARGUMENT


def test_create_name_63_ok_and_duplicate(penv, lp):
    penv.execute(lp, "a" * 63)
    e = penv.err(lambda r: penv.execute(lp, "a" * 63), None)
    assert e.code() == C.ALREADY_EXISTS


def test_create_validation(penv, lp):
    def create(**kw):
        return penv.stub.CreateExecution(execution_pb2.ExecutionCreateRequest(**kw))

    spec = execution_pb2.ExecutionSpec(launch_plan=lp)
    assert penv.err(lambda r: create(domain=D, spec=spec), None).details() == "missing project"
    assert penv.err(lambda r: create(project=P, spec=spec), None).details() == "missing domain"
    e = penv.err(
        lambda r: create(
            project=P,
            domain=D,
            spec=execution_pb2.ExecutionSpec(launch_plan=ident(RT.LAUNCH_PLAN, "ghost")),
        ),
        None,
    )
    assert e.code() == C.NOT_FOUND
    e = penv.err(
        lambda r: create(
            project=P,
            domain=D,
            spec=execution_pb2.ExecutionSpec(launch_plan=ident(RT.WORKFLOW, "lp-wf")),
        ),
        None,
    )
    assert e.code() == C.INVALID_ARGUMENT
    e = penv.err(lambda r: create(project="ghost", domain=D, spec=spec), None)
    assert e.code() == C.INVALID_ARGUMENT and "project [ghost] not found" in e.details()


def test_terminate(penv, lp):
    eid = penv.execute(lp, "t1")
    penv.stub.TerminateExecution(execution_pb2.ExecutionTerminateRequest(id=eid, cause="bye"))
    ex = get(penv, eid)
    assert ex.closure.phase == WP.ABORTING and ex.closure.abort_metadata.cause == "bye"
    wf_event(penv, eid, WP.ABORTED)
    e = penv.err(penv.stub.TerminateExecution, execution_pb2.ExecutionTerminateRequest(id=eid))
    assert (e.code(), e.details()) == (
        C.FAILED_PRECONDITION,
        "Cannot abort an already terminated workflow execution",
    )
    det = penv.details(e)
    r = admin_event.EventFailureReason()
    assert det and det[0].Unpack(r)
    assert r.already_in_terminal_state.current_phase == "ABORTED"


def test_auto_complete():
    from conftest import Env

    from flyteclient.testing import LocalAdmin

    with LocalAdmin(auto_complete=True) as a, grpc.insecure_channel(a.endpoint) as ch:
        env = Env(a, ch)
        env.project()
        eid = env.execute(env.launch_plan("lp"))
        assert get(env, eid).closure.phase == WP.SUCCEEDED
        e = env.err(env.stub.TerminateExecution, execution_pb2.ExecutionTerminateRequest(id=eid))
        assert e.code() == C.FAILED_PRECONDITION


def test_relaunch_and_recover(penv, lp):
    src = penv.execute(lp, "src", inputs=lit(1))
    r = penv.stub.RelaunchExecution(execution_pb2.ExecutionRelaunchRequest(id=src, name="again")).id
    ex = get(penv, r)
    assert ex.spec.metadata.mode == execution_pb2.ExecutionMetadata.RELAUNCH
    assert ex.spec.metadata.reference_execution == src
    assert ex.closure.computed_inputs == lit(1)
    rc = penv.stub.RecoverExecution(execution_pb2.ExecutionRecoverRequest(id=src)).id
    ex = get(penv, rc)
    assert ex.spec.metadata.mode == execution_pb2.ExecutionMetadata.RECOVERED
    assert ex.spec.metadata.reference_execution == src
    ghost = identifier_pb2.WorkflowExecutionIdentifier(project=P, domain=D, name="ghost")
    assert (
        penv.err(
            penv.stub.RelaunchExecution, execution_pb2.ExecutionRelaunchRequest(id=ghost)
        ).code()
        == C.NOT_FOUND
    )
    assert (
        penv.err(penv.stub.RecoverExecution, execution_pb2.ExecutionRecoverRequest(id=ghost)).code()
        == C.NOT_FOUND
    )


def test_list_default_state_filter_and_archive(penv, lp):
    a = penv.execute(lp, "a")
    penv.execute(lp, "b")
    penv.stub.UpdateExecution(
        execution_pb2.ExecutionUpdateRequest(id=a, state=execution_pb2.EXECUTION_ARCHIVED)
    )
    assert [e.id.name for e in lst(penv).executions] == ["b"]
    assert [e.id.name for e in lst(penv, "eq(state,1)").executions] == ["a"]
    assert len(lst(penv, "value_in(state,0;1)").executions) == 2
    assert get(penv, a).closure.state_change_details.state == execution_pb2.EXECUTION_ARCHIVED


def test_list_execution_filters(penv, lp):
    penv.execute(lp, "a")
    b = penv.execute(lp, "b")
    wf_event(penv, b, WP.RUNNING)
    assert [e.id.name for e in lst(penv, "eq(phase,RUNNING)").executions] == ["b"]
    assert [
        e.id.name for e in lst(penv, "eq(launch_plan.name,lp)+eq(workflow.name,lp-wf)").executions
    ] == ["a", "b"]
    assert lst(penv, "eq(mode,0)+contains(name,a)").executions[0].id.name == "a"
    e = penv.err(
        penv.stub.ListExecutions,
        common_pb2.ResourceListRequest(
            id=common_pb2.NamedEntityIdentifier(project=P, domain=D),
            limit=1,
            filters="eq(signal.name,x)",
        ),
    )
    assert e.details() == "'signal' entity is not allowed in filters"
    page = lst(penv, limit=2)
    assert page.token == "2" and lst(penv, limit=2, token="2").executions == []


def test_get_missing_execution(penv):
    e = penv.err(
        penv.stub.GetExecution,
        execution_pb2.WorkflowExecutionGetRequest(
            id=identifier_pb2.WorkflowExecutionIdentifier(project=P, domain=D, name="ghost")
        ),
    )
    assert e.code() == C.NOT_FOUND


def test_node_and_task_executions(penv, lp):
    eid = penv.execute(lp, "n1")
    nid = identifier_pb2.NodeExecutionIdentifier(node_id="n0", execution_id=eid)
    penv.stub.CreateNodeEvent(
        admin_event.NodeExecutionEventRequest(
            event=event_pb2.NodeExecutionEvent(
                id=nid, phase=NP.RUNNING, input_data=lit(1), deck_uri="s3://b/deck"
            )
        )
    )
    tid = ident(RT.TASK, "lp-wf-t")
    penv.stub.CreateTaskEvent(
        admin_event.TaskExecutionEventRequest(
            event=event_pb2.TaskExecutionEvent(
                task_id=tid, parent_node_execution_id=nid, retry_attempt=0, phase=TP.RUNNING
            )
        )
    )
    penv.stub.CreateTaskEvent(
        admin_event.TaskExecutionEventRequest(
            event=event_pb2.TaskExecutionEvent(
                task_id=tid,
                parent_node_execution_id=nid,
                retry_attempt=0,
                phase=TP.SUCCEEDED,
                output_data=lit(2),
            )
        )
    )
    # a child node launched by the task
    child = identifier_pb2.NodeExecutionIdentifier(node_id="n0-0", execution_id=eid)
    teid = identifier_pb2.TaskExecutionIdentifier(
        task_id=tid, node_execution_id=nid, retry_attempt=0
    )
    penv.stub.CreateNodeEvent(
        admin_event.NodeExecutionEventRequest(
            event=event_pb2.NodeExecutionEvent(
                id=child,
                phase=NP.QUEUED,
                parent_task_metadata=event_pb2.ParentTaskExecutionMetadata(id=teid),
            )
        )
    )
    penv.stub.CreateNodeEvent(
        admin_event.NodeExecutionEventRequest(
            event=event_pb2.NodeExecutionEvent(id=nid, phase=NP.SUCCEEDED, output_data=lit(2))
        )
    )

    n = penv.stub.GetNodeExecution(node_execution_pb2.NodeExecutionGetRequest(id=nid))
    assert n.closure.phase == NP.SUCCEEDED and n.closure.deck_uri == "s3://b/deck"
    nodes = penv.stub.ListNodeExecutions(
        node_execution_pb2.NodeExecutionListRequest(workflow_execution_id=eid, limit=10)
    )
    assert [x.id.node_id for x in nodes.node_executions] == ["n0"]
    kids = penv.stub.ListNodeExecutionsForTask(
        node_execution_pb2.NodeExecutionForTaskListRequest(task_execution_id=teid, limit=10)
    )
    assert [x.id.node_id for x in kids.node_executions] == ["n0-0"]
    data = penv.stub.GetNodeExecutionData(node_execution_pb2.NodeExecutionGetDataRequest(id=nid))
    assert data.full_inputs == lit(1) and data.full_outputs == lit(2)
    t = penv.stub.GetTaskExecution(task_execution_pb2.TaskExecutionGetRequest(id=teid))
    assert t.closure.phase == TP.SUCCEEDED
    ts = penv.stub.ListTaskExecutions(
        task_execution_pb2.TaskExecutionListRequest(node_execution_id=nid, limit=10)
    )
    assert len(ts.task_executions) == 1
    td = penv.stub.GetTaskExecutionData(task_execution_pb2.TaskExecutionGetDataRequest(id=teid))
    assert td.full_outputs == lit(2)
    e = penv.err(
        penv.stub.GetDynamicNodeWorkflow, node_execution_pb2.GetDynamicNodeWorkflowRequest(id=nid)
    )
    assert e.code() == C.NOT_FOUND
    e = penv.err(
        penv.stub.GetNodeExecution,
        node_execution_pb2.NodeExecutionGetRequest(
            id=identifier_pb2.NodeExecutionIdentifier(node_id="zz", execution_id=eid)
        ),
    )
    assert e.code() == C.NOT_FOUND
    ns = penv.stub.ListNodeExecutions(
        node_execution_pb2.NodeExecutionListRequest(
            workflow_execution_id=eid, limit=10, filters="eq(phase,SUCCEEDED)"
        )
    )
    assert len(ns.node_executions) == 1
