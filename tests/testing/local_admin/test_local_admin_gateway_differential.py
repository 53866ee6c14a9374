"""Every RPC with an HTTP rule, through gRPC and through LocalAdmin's HTTP/JSON gateway.

Two LocalAdmins start empty and go through the same script of calls: server A gets each
call over gRPC (a raw flyteidl method), server B over HTTP (the request built by
``flyteclient.runtime.rest.expand`` from the descriptors' routes, the answer parsed with
the REST machinery). Each step must give the same response, or the same status code,
message and error details (with the HTTP status grpc-gateway maps the code to). Writes
therefore have to leave both servers in the same state for the later reads to agree.
Server timestamps, durations and the loopback HTTP addresses in signed URLs differ
between the two servers and are blanked; every read is also sent over HTTP to server A
and compared with its gRPC answer exactly.
"""

from __future__ import annotations

import hashlib
import urllib.parse
from dataclasses import dataclass
from typing import Any, Dict, List, Tuple

import grpc
import pytest
from conftest import RT, Env, ident
from flyteidl.admin import (
    common_pb2,
    description_entity_pb2,
    execution_pb2,
    launch_plan_pb2,
    node_execution_pb2,
    project_pb2,
    signal_pb2,
    task_execution_pb2,
    task_pb2,
    workflow_pb2,
)
from flyteidl.admin import (
    event_pb2 as admin_event,
)
from flyteidl.admin import (
    matchable_resource_pb2 as mr,
)
from flyteidl.admin import (
    project_attributes_pb2 as pa,
)
from flyteidl.admin import (
    project_domain_attributes_pb2 as pda,
)
from flyteidl.admin import (
    workflow_attributes_pb2 as wa,
)
from flyteidl.core import execution_pb2 as core_exec
from flyteidl.core import identifier_pb2, literals_pb2, types_pb2
from flyteidl.event import event_pb2
from flyteidl.service import dataproxy_pb2 as dp
from flyteidl.service import signal_pb2_grpc
from google.protobuf import duration_pb2, timestamp_pb2
from google.protobuf.message import Message

from flyteclient.runtime.rest import http_status_from_code, is_map, is_repeated, message_class
from flyteclient.testing import LocalAdmin
from tests.support.gateway import ROUTED, TABLE, Outcome, call_grpc, call_http, full_method, method

P, D, OTHER = "flytesnacks", "development", "other"
C = grpc.StatusCode
WP, NP, TP = (
    core_exec.WorkflowExecution.Phase,
    core_exec.NodeExecution.Phase,
    core_exec.TaskExecution.Phase,
)
Q = mr.EXECUTION_QUEUE


@dataclass
class Step:
    rpc: str
    request: Message
    expect: C = C.OK
    clock: bool = False  # the answer depends on the server's clock (signed URL expiry)


def empty(rpc: str, expect: C = C.OK) -> Step:
    """A step sending the RPC's request message with no field set."""
    return Step(rpc, message_class(method(rpc).input_type)(), expect)


def ne(name: str = "", project: str = P) -> common_pb2.NamedEntityIdentifier:
    return common_pb2.NamedEntityIdentifier(project=project, domain=D, name=name)


def exec_id(name: str) -> identifier_pb2.WorkflowExecutionIdentifier:
    return identifier_pb2.WorkflowExecutionIdentifier(project=P, domain=D, name=name)


def lit(v: int) -> literals_pb2.LiteralMap:
    return literals_pb2.LiteralMap(
        literals={
            "o0": literals_pb2.Literal(
                scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(integer=v))
            )
        }
    )


def at(seconds: int) -> timestamp_pb2.Timestamp:
    return timestamp_pb2.Timestamp(seconds=1_700_000_000 + seconds)


def sort(key: str, asc: bool = True) -> common_pb2.Sort:
    return common_pb2.Sort(
        key=key, direction=common_pb2.Sort.ASCENDING if asc else common_pb2.Sort.DESCENDING
    )


def script() -> List[Step]:
    """The calls, in order: registration, reads with paging/filters/sort, executions with
    events, attributes, data proxy, signals, auth services (auth off), and errors."""
    t1, t1v2, t2 = ident(RT.TASK, "t1"), ident(RT.TASK, "t1", "v2"), ident(RT.TASK, "t2")
    wf, lp1, lp2 = (
        ident(RT.WORKFLOW, "wf"),
        ident(RT.LAUNCH_PLAN, "lp"),
        ident(RT.LAUNCH_PLAN, "lp", "v2"),
    )
    e1, e2 = exec_id("e1"), exec_id("e2")
    n0 = identifier_pb2.NodeExecutionIdentifier(node_id="n0", execution_id=e1)
    child = identifier_pb2.NodeExecutionIdentifier(node_id="n0-0", execution_id=e1)
    te = identifier_pb2.TaskExecutionIdentifier(task_id=t1, node_execution_id=n0, retry_attempt=0)
    deck = "s3://local-bucket/uploads/flytesnacks/development/decks/deck.html"
    sig = identifier_pb2.SignalIdentifier(signal_id="approve", execution_id=e1)
    no_lp_state = launch_plan_pb2.LaunchPlanUpdateRequest(id=lp1, state=7)
    bad_project = project_pb2.ProjectRegisterRequest(
        project=project_pb2.Project(id="Bad_Id", name="x")
    )

    return [
        # -- projects ------------------------------------------------------------
        empty("AdminService.GetVersion"),
        empty("AdminService.GetDomains"),
        Step(
            "AdminService.RegisterProject",
            project_pb2.ProjectRegisterRequest(
                project=project_pb2.Project(
                    id=P,
                    name="Flyte Snacks",
                    description="examples",
                    labels=common_pb2.Labels(values={"team": "ml"}),
                )
            ),
        ),
        Step(
            "AdminService.RegisterProject",
            project_pb2.ProjectRegisterRequest(project=project_pb2.Project(id=P, name="again")),
            C.ALREADY_EXISTS,
        ),
        Step("AdminService.RegisterProject", bad_project, C.INVALID_ARGUMENT),
        Step(
            "AdminService.RegisterProject",
            project_pb2.ProjectRegisterRequest(project=project_pb2.Project(id=OTHER, name="Other")),
        ),
        Step(
            "AdminService.UpdateProject",
            project_pb2.Project(
                id=OTHER, description="updated", labels=common_pb2.Labels(values={"a": "b"})
            ),
        ),
        Step("AdminService.UpdateProject", project_pb2.Project(id="ghost", name="g"), C.NOT_FOUND),
        Step("AdminService.GetProject", project_pb2.ProjectGetRequest(id=OTHER)),
        Step("AdminService.GetProject", project_pb2.ProjectGetRequest(id="ghost"), C.NOT_FOUND),
        Step(
            "AdminService.ListProjects",
            project_pb2.ProjectListRequest(limit=10, sort_by=sort("identifier", False)),
        ),
        Step("AdminService.ListProjects", project_pb2.ProjectListRequest(limit=1)),
        Step("AdminService.ListProjects", project_pb2.ProjectListRequest(limit=1, token="1")),
        Step(
            "AdminService.ListProjects",
            project_pb2.ProjectListRequest(limit=5, filters="eq(identifier,other)"),
        ),
        Step(
            "AdminService.ListProjects",
            project_pb2.ProjectListRequest(limit=5, filters="eq(nope,1)"),
            C.INVALID_ARGUMENT,
        ),
        # -- tasks ----------------------------------------------------------------
        Step(
            "AdminService.CreateTask",
            task_pb2.TaskCreateRequest(id=t1, spec=Env.task_spec("t1", desc="first")),
        ),
        Step(
            "AdminService.CreateTask",
            task_pb2.TaskCreateRequest(id=t1, spec=Env.task_spec("t1", desc="first")),
            C.ALREADY_EXISTS,
        ),
        Step(
            "AdminService.CreateTask",
            task_pb2.TaskCreateRequest(id=t1, spec=Env.task_spec("t1", image="img:2")),
            C.INVALID_ARGUMENT,
        ),
        Step(
            "AdminService.CreateTask",
            task_pb2.TaskCreateRequest(id=t1v2, spec=Env.task_spec("t1", "v2")),
        ),
        Step(
            "AdminService.CreateTask", task_pb2.TaskCreateRequest(id=t2, spec=Env.task_spec("t2"))
        ),
        Step(
            "AdminService.CreateTask",
            task_pb2.TaskCreateRequest(
                id=ident(RT.TASK, "t3", project="ghost"), spec=Env.task_spec("t3", project="ghost")
            ),
            C.INVALID_ARGUMENT,
        ),
        Step("AdminService.GetTask", common_pb2.ObjectGetRequest(id=t1)),
        Step(
            "AdminService.GetTask",
            common_pb2.ObjectGetRequest(
                id=identifier_pb2.Identifier(project=P, domain=D, name="t1", version="v2")
            ),
        ),  # resource type left to the server
        Step(
            "AdminService.GetTask",
            common_pb2.ObjectGetRequest(id=ident(RT.TASK, "t1", "v9")),
            C.NOT_FOUND,
        ),
        Step(
            "AdminService.ListTaskIds",
            common_pb2.NamedEntityIdentifierListRequest(
                project=P, domain=D, limit=10, sort_by=sort("name")
            ),
        ),
        Step(
            "AdminService.ListTasks",
            common_pb2.ResourceListRequest(id=ne("t1"), limit=1, sort_by=sort("version")),
        ),
        Step(
            "AdminService.ListTasks",
            common_pb2.ResourceListRequest(
                id=ne("t1"), limit=1, token="1", sort_by=sort("version")
            ),
        ),
        Step(
            "AdminService.ListTasks",
            common_pb2.ResourceListRequest(
                id=ne(),
                limit=10,
                filters="eq(version,v1)+value_in(name,t1;t2)",
                sort_by=sort("name", False),
            ),
        ),
        Step(
            "AdminService.ListTasks",
            common_pb2.ResourceListRequest(id=ne("t1"), limit=10, token="x"),
            C.INVALID_ARGUMENT,
        ),
        Step(
            "AdminService.ListTasks",
            common_pb2.ResourceListRequest(id=ne("t1")),
            C.INVALID_ARGUMENT,
        ),
        # -- workflows and launch plans ---------------------------------------------------
        Step(
            "AdminService.CreateWorkflow",
            workflow_pb2.WorkflowCreateRequest(
                id=wf, spec=Env.workflow_spec("wf", "v1", [t1], desc="the wf")
            ),
        ),
        Step(
            "AdminService.CreateWorkflow",
            workflow_pb2.WorkflowCreateRequest(id=wf, spec=Env.workflow_spec("wf", "v1", [t1, t2])),
            C.INVALID_ARGUMENT,
        ),  # detail: different structure
        Step(
            "AdminService.CreateWorkflow",
            workflow_pb2.WorkflowCreateRequest(id=wf, spec=Env.workflow_spec("wf", "v1", [t1])),
            C.ALREADY_EXISTS,
        ),  # detail: identical structure
        Step("AdminService.GetWorkflow", common_pb2.ObjectGetRequest(id=wf)),
        Step(
            "AdminService.ListWorkflowIds",
            common_pb2.NamedEntityIdentifierListRequest(project=P, domain=D, limit=5),
        ),
        Step("AdminService.ListWorkflows", common_pb2.ResourceListRequest(id=ne("wf"), limit=5)),
        Step(
            "AdminService.ListWorkflows",
            common_pb2.ResourceListRequest(id=ne(), limit=5, filters="eq(name,wf)"),
        ),
        Step(
            "AdminService.CreateLaunchPlan",
            launch_plan_pb2.LaunchPlanCreateRequest(
                id=lp1, spec=launch_plan_pb2.LaunchPlanSpec(workflow_id=wf)
            ),
        ),
        Step(
            "AdminService.CreateLaunchPlan",
            launch_plan_pb2.LaunchPlanCreateRequest(
                id=lp2, spec=launch_plan_pb2.LaunchPlanSpec(workflow_id=wf, role="r")
            ),
        ),
        Step(
            "AdminService.CreateLaunchPlan",
            launch_plan_pb2.LaunchPlanCreateRequest(
                id=ident(RT.LAUNCH_PLAN, "lp3"),
                spec=launch_plan_pb2.LaunchPlanSpec(workflow_id=ident(RT.WORKFLOW, "nope")),
            ),
            C.NOT_FOUND,
        ),
        Step(
            "AdminService.GetActiveLaunchPlan",
            launch_plan_pb2.ActiveLaunchPlanRequest(id=ne("lp")),
            C.NOT_FOUND,
        ),
        Step(
            "AdminService.UpdateLaunchPlan",
            launch_plan_pb2.LaunchPlanUpdateRequest(id=lp1, state=launch_plan_pb2.ACTIVE),
        ),
        Step("AdminService.UpdateLaunchPlan", no_lp_state, C.INVALID_ARGUMENT),
        Step("AdminService.GetLaunchPlan", common_pb2.ObjectGetRequest(id=lp1)),
        Step(
            "AdminService.GetActiveLaunchPlan", launch_plan_pb2.ActiveLaunchPlanRequest(id=ne("lp"))
        ),
        Step(
            "AdminService.ListActiveLaunchPlans",
            launch_plan_pb2.ActiveLaunchPlanListRequest(project=P, domain=D, limit=10),
        ),
        Step(
            "AdminService.ListActiveLaunchPlans",
            launch_plan_pb2.ActiveLaunchPlanListRequest(project=P, domain=D),
            C.INVALID_ARGUMENT,
        ),
        Step(
            "AdminService.ListLaunchPlanIds",
            common_pb2.NamedEntityIdentifierListRequest(project=P, domain=D, limit=5),
        ),
        Step(
            "AdminService.ListLaunchPlans",
            common_pb2.ResourceListRequest(id=ne("lp"), limit=5, filters="eq(state,1)"),
        ),
        Step(
            "AdminService.ListLaunchPlans",
            common_pb2.ResourceListRequest(id=ne(), limit=5, sort_by=sort("version")),
        ),
        # -- named and description entities -------------------------------------------------
        Step(
            "AdminService.ListNamedEntities",
            common_pb2.NamedEntityListRequest(
                resource_type=RT.TASK, project=P, domain=D, limit=10, sort_by=sort("name")
            ),
        ),
        Step(
            "AdminService.UpdateNamedEntity",
            common_pb2.NamedEntityUpdateRequest(
                resource_type=RT.TASK,
                id=ne("t2"),
                metadata=common_pb2.NamedEntityMetadata(
                    description="second", state=common_pb2.NAMED_ENTITY_ARCHIVED
                ),
            ),
        ),
        Step(
            "AdminService.UpdateNamedEntity",
            common_pb2.NamedEntityUpdateRequest(resource_type=RT.TASK, id=ne("ghost")),
            C.NOT_FOUND,
        ),
        Step(
            "AdminService.GetNamedEntity",
            common_pb2.NamedEntityGetRequest(resource_type=RT.TASK, id=ne("t2")),
        ),
        Step(
            "AdminService.GetNamedEntity",
            common_pb2.NamedEntityGetRequest(resource_type=RT.WORKFLOW, id=ne("t2")),
            C.NOT_FOUND,
        ),
        Step(
            "AdminService.ListNamedEntities",
            common_pb2.NamedEntityListRequest(
                resource_type=RT.TASK, project=P, domain=D, limit=10, filters="eq(state,1)"
            ),
        ),
        Step("AdminService.GetDescriptionEntity", common_pb2.ObjectGetRequest(id=t1)),
        Step(
            "AdminService.GetDescriptionEntity",
            common_pb2.ObjectGetRequest(id=ident(RT.TASK, "ghost")),
            C.NOT_FOUND,
        ),
        Step(
            "AdminService.ListDescriptionEntities",
            description_entity_pb2.DescriptionEntityListRequest(
                resource_type=RT.TASK, id=ne("t1"), limit=10
            ),
        ),
        Step(
            "AdminService.ListDescriptionEntities",
            description_entity_pb2.DescriptionEntityListRequest(
                resource_type=RT.WORKFLOW, id=ne(), limit=10
            ),
        ),
        # -- executions, events, node and task executions --------------------------------------
        Step(
            "AdminService.CreateExecution",
            execution_pb2.ExecutionCreateRequest(
                project=P,
                domain=D,
                name="e1",
                spec=execution_pb2.ExecutionSpec(launch_plan=lp1),
                inputs=lit(1),
            ),
        ),
        Step(
            "AdminService.CreateExecution",
            execution_pb2.ExecutionCreateRequest(
                project=P, domain=D, name="e1", spec=execution_pb2.ExecutionSpec(launch_plan=lp1)
            ),
            C.ALREADY_EXISTS,
        ),
        Step(
            "AdminService.CreateExecution",
            execution_pb2.ExecutionCreateRequest(
                project=P,
                domain=D,
                name="Bad Name",
                spec=execution_pb2.ExecutionSpec(launch_plan=lp1),
            ),
            C.INVALID_ARGUMENT,
        ),
        Step(
            "AdminService.CreateExecution",
            execution_pb2.ExecutionCreateRequest(
                project=P, domain=D, name="e2", spec=execution_pb2.ExecutionSpec(launch_plan=t1)
            ),
        ),
        Step(
            "AdminService.CreateWorkflowEvent",
            admin_event.WorkflowExecutionEventRequest(
                request_id="r1",
                event=event_pb2.WorkflowExecutionEvent(
                    execution_id=e1, phase=WP.RUNNING, producer_id="p", occurred_at=at(1)
                ),
            ),
        ),
        Step(
            "DataProxyService.CreateUploadLocation",
            dp.CreateUploadLocationRequest(
                project=P,
                domain=D,
                filename_root="decks",
                filename="deck.html",
                content_md5=hashlib.md5(b"<html/>").digest(),
                expires_in=duration_pb2.Duration(seconds=600),
                add_content_md5_metadata=True,
            ),
        ),
        Step(
            "AdminService.CreateNodeEvent",
            admin_event.NodeExecutionEventRequest(
                request_id="r2",
                event=event_pb2.NodeExecutionEvent(
                    id=n0, phase=NP.RUNNING, occurred_at=at(2), input_data=lit(1), deck_uri=deck
                ),
            ),
        ),
        Step(
            "AdminService.CreateTaskEvent",
            admin_event.TaskExecutionEventRequest(
                request_id="r3",
                event=event_pb2.TaskExecutionEvent(
                    task_id=t1,
                    parent_node_execution_id=n0,
                    retry_attempt=0,
                    phase=TP.RUNNING,
                    occurred_at=at(3),
                ),
            ),
        ),
        Step(
            "AdminService.CreateTaskEvent",
            admin_event.TaskExecutionEventRequest(
                request_id="r4",
                event=event_pb2.TaskExecutionEvent(
                    task_id=t1,
                    parent_node_execution_id=n0,
                    retry_attempt=0,
                    phase=TP.SUCCEEDED,
                    occurred_at=at(4),
                    output_data=lit(2),
                ),
            ),
        ),
        Step(
            "AdminService.CreateNodeEvent",
            admin_event.NodeExecutionEventRequest(
                request_id="r5",
                event=event_pb2.NodeExecutionEvent(
                    id=child,
                    phase=NP.QUEUED,
                    occurred_at=at(5),
                    parent_task_metadata=event_pb2.ParentTaskExecutionMetadata(id=te),
                ),
            ),
        ),
        Step(
            "AdminService.CreateNodeEvent",
            admin_event.NodeExecutionEventRequest(
                request_id="r6",
                event=event_pb2.NodeExecutionEvent(
                    id=n0, phase=NP.SUCCEEDED, occurred_at=at(6), output_data=lit(2)
                ),
            ),
        ),
        Step(
            "AdminService.CreateWorkflowEvent",
            admin_event.WorkflowExecutionEventRequest(
                request_id="r7",
                event=event_pb2.WorkflowExecutionEvent(
                    execution_id=e1,
                    phase=WP.SUCCEEDED,
                    producer_id="p",
                    occurred_at=at(7),
                    output_data=lit(2),
                ),
            ),
        ),
        Step(
            "AdminService.CreateWorkflowEvent",
            admin_event.WorkflowExecutionEventRequest(
                request_id="r8",
                event=event_pb2.WorkflowExecutionEvent(
                    execution_id=exec_id("ghost"), phase=WP.RUNNING, occurred_at=at(8)
                ),
            ),
            C.NOT_FOUND,
        ),
        Step("AdminService.GetExecution", execution_pb2.WorkflowExecutionGetRequest(id=e1)),
        Step(
            "AdminService.GetExecution",
            execution_pb2.WorkflowExecutionGetRequest(id=exec_id("ghost")),
            C.NOT_FOUND,
        ),
        Step(
            "AdminService.ListExecutions",
            common_pb2.ResourceListRequest(
                id=ne(), limit=10, filters="eq(phase,SUCCEEDED)", sort_by=sort("name")
            ),
        ),
        Step(
            "AdminService.ListExecutions",
            common_pb2.ResourceListRequest(id=ne(), limit=1, sort_by=sort("name")),
        ),
        Step("AdminService.GetExecutionData", execution_pb2.WorkflowExecutionGetDataRequest(id=e1)),
        Step(
            "AdminService.GetExecutionMetrics",
            execution_pb2.WorkflowExecutionGetMetricsRequest(id=e1, depth=3),
        ),
        Step("AdminService.GetNodeExecution", node_execution_pb2.NodeExecutionGetRequest(id=n0)),
        Step(
            "AdminService.GetNodeExecution",
            node_execution_pb2.NodeExecutionGetRequest(
                id=identifier_pb2.NodeExecutionIdentifier(node_id="zz", execution_id=e1)
            ),
            C.NOT_FOUND,
        ),
        Step(
            "AdminService.GetDynamicNodeWorkflow",
            node_execution_pb2.GetDynamicNodeWorkflowRequest(id=n0),
            C.NOT_FOUND,
        ),
        Step(
            "AdminService.ListNodeExecutions",
            node_execution_pb2.NodeExecutionListRequest(
                workflow_execution_id=e1, limit=10, filters="eq(phase,SUCCEEDED)"
            ),
        ),
        Step(
            "AdminService.ListNodeExecutions",
            node_execution_pb2.NodeExecutionListRequest(
                workflow_execution_id=e1, limit=10, unique_parent_id="n0"
            ),
        ),
        Step(
            "AdminService.ListNodeExecutionsForTask",
            node_execution_pb2.NodeExecutionForTaskListRequest(task_execution_id=te, limit=10),
        ),
        Step(
            "AdminService.GetNodeExecutionData",
            node_execution_pb2.NodeExecutionGetDataRequest(id=n0),
        ),
        Step("AdminService.GetTaskExecution", task_execution_pb2.TaskExecutionGetRequest(id=te)),
        Step(
            "AdminService.GetTaskExecution",
            task_execution_pb2.TaskExecutionGetRequest(
                id=identifier_pb2.TaskExecutionIdentifier(
                    task_id=t1, node_execution_id=n0, retry_attempt=7
                )
            ),
            C.NOT_FOUND,
        ),
        Step(
            "AdminService.ListTaskExecutions",
            task_execution_pb2.TaskExecutionListRequest(node_execution_id=n0, limit=10),
        ),
        Step(
            "AdminService.GetTaskExecutionData",
            task_execution_pb2.TaskExecutionGetDataRequest(id=te),
        ),
        Step(
            "AdminService.UpdateExecution",
            execution_pb2.ExecutionUpdateRequest(id=e2, state=execution_pb2.EXECUTION_ARCHIVED),
        ),
        Step(
            "AdminService.ListExecutions",
            common_pb2.ResourceListRequest(id=ne(), limit=10, filters="eq(state,1)"),
        ),
        Step(
            "AdminService.TerminateExecution",
            execution_pb2.ExecutionTerminateRequest(id=e1, cause="stop"),
            C.FAILED_PRECONDITION,
        ),  # detail: EventFailureReason.already_in_terminal_state
        Step(
            "AdminService.TerminateExecution",
            execution_pb2.ExecutionTerminateRequest(id=e2, cause="stop"),
        ),
        Step(
            "AdminService.RelaunchExecution",
            execution_pb2.ExecutionRelaunchRequest(id=e1, name="e1-re"),
        ),
        Step(
            "AdminService.RecoverExecution",
            execution_pb2.ExecutionRecoverRequest(id=e1, name="e1-rec"),
        ),
        Step(
            "AdminService.RecoverExecution",
            execution_pb2.ExecutionRecoverRequest(id=exec_id("ghost"), name="x"),
            C.NOT_FOUND,
        ),
        Step(
            "AdminService.GetExecution",
            execution_pb2.WorkflowExecutionGetRequest(id=exec_id("e1-re")),
        ),
        # -- matchable attributes ------------------------------------------------------------
        Step(
            "AdminService.UpdateProjectAttributes",
            pa.ProjectAttributesUpdateRequest(
                attributes=pa.ProjectAttributes(
                    project=P,
                    matching_attributes=mr.MatchingAttributes(
                        execution_queue_attributes=mr.ExecutionQueueAttributes(tags=["p1", "p2"])
                    ),
                )
            ),
        ),
        Step(
            "AdminService.GetProjectAttributes",
            pa.ProjectAttributesGetRequest(project=P, resource_type=Q),
        ),
        Step(
            "AdminService.GetProjectAttributes",
            pa.ProjectAttributesGetRequest(project="ghost", resource_type=Q),
            C.INVALID_ARGUMENT,
        ),
        Step(
            "AdminService.UpdateProjectDomainAttributes",
            pda.ProjectDomainAttributesUpdateRequest(
                attributes=pda.ProjectDomainAttributes(
                    project=P,
                    domain=D,
                    matching_attributes=mr.MatchingAttributes(
                        task_resource_attributes=mr.TaskResourceAttributes(
                            defaults=mr.TaskResourceSpec(cpu="1", memory="1Gi")
                        )
                    ),
                )
            ),
        ),
        Step(
            "AdminService.GetProjectDomainAttributes",
            pda.ProjectDomainAttributesGetRequest(
                project=P, domain=D, resource_type=mr.TASK_RESOURCE
            ),
        ),
        Step(
            "AdminService.UpdateWorkflowAttributes",
            wa.WorkflowAttributesUpdateRequest(
                attributes=wa.WorkflowAttributes(
                    project=P,
                    domain=D,
                    workflow="wf",
                    matching_attributes=mr.MatchingAttributes(
                        execution_queue_attributes=mr.ExecutionQueueAttributes(tags=["wf"])
                    ),
                )
            ),
        ),
        Step(
            "AdminService.GetWorkflowAttributes",
            wa.WorkflowAttributesGetRequest(project=P, domain=D, workflow="wf", resource_type=Q),
        ),
        Step(
            "AdminService.ListMatchableAttributes",
            mr.ListMatchableAttributesRequest(resource_type=Q),
        ),
        Step(
            "AdminService.DeleteWorkflowAttributes",
            wa.WorkflowAttributesDeleteRequest(project=P, domain=D, workflow="wf", resource_type=Q),
        ),
        Step(
            "AdminService.GetWorkflowAttributes",
            wa.WorkflowAttributesGetRequest(project=P, domain=D, workflow="wf", resource_type=Q),
        ),  # falls back to the project's
        Step(
            "AdminService.DeleteProjectDomainAttributes",
            pda.ProjectDomainAttributesDeleteRequest(
                project=P, domain=D, resource_type=mr.TASK_RESOURCE
            ),
        ),
        Step(
            "AdminService.DeleteProjectAttributes",
            pa.ProjectAttributesDeleteRequest(project=P, resource_type=Q),
        ),
        Step(
            "AdminService.GetProjectDomainAttributes",
            pda.ProjectDomainAttributesGetRequest(
                project=P, domain=D, resource_type=mr.TASK_RESOURCE
            ),
            C.NOT_FOUND,
        ),
        # -- data proxy -------------------------------------------------------------------------
        Step(
            "DataProxyService.CreateUploadLocation",
            dp.CreateUploadLocationRequest(project=P, domain=D),
            C.INVALID_ARGUMENT,
        ),
        Step(
            "DataProxyService.CreateUploadLocation",
            dp.CreateUploadLocationRequest(
                project=P,
                domain=D,
                filename_root="r",
                expires_in=duration_pb2.Duration(seconds=7200),
            ),
            C.INVALID_ARGUMENT,
        ),
        Step(
            "DataProxyService.CreateDownloadLocation",
            dp.CreateDownloadLocationRequest(
                native_url=deck, expires_in=duration_pb2.Duration(seconds=90, nanos=500_000_000)
            ),
            clock=True,
        ),
        Step(
            "DataProxyService.CreateDownloadLocation",
            dp.CreateDownloadLocationRequest(native_url="s3://elsewhere/x"),
            C.INVALID_ARGUMENT,
        ),
        Step(
            "DataProxyService.CreateDownloadLink",
            dp.CreateDownloadLinkRequest(artifact_type=dp.ARTIFACT_TYPE_DECK, node_execution_id=n0),
            clock=True,
        ),
        Step(
            "DataProxyService.CreateDownloadLink",
            dp.CreateDownloadLinkRequest(node_execution_id=n0),
            C.INVALID_ARGUMENT,
        ),
        Step(
            "DataProxyService.GetData", dp.GetDataRequest(flyte_url=f"flyte://v1/{P}/{D}/e1/n0/o")
        ),
        Step(
            "DataProxyService.GetData",
            dp.GetDataRequest(flyte_url=f"flyte://v1/{P}/{D}/e1/n0/i/zz"),
            C.NOT_FOUND,
        ),
        Step(
            "DataProxyService.GetData",
            dp.GetDataRequest(flyte_url="s3://bucket/x"),
            C.INVALID_ARGUMENT,
        ),
        # -- signals (GetOrCreateSignal has no HTTP rule: created over gRPC on both servers) --------
        Step(
            "SignalService.ListSignals",
            signal_pb2.SignalListRequest(workflow_execution_id=e1, limit=10),
        ),
        Step(
            "SignalService.SetSignal",
            signal_pb2.SignalSetRequest(
                id=sig,
                value=literals_pb2.Literal(
                    scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(boolean=True))
                ),
            ),
        ),
        Step(
            "SignalService.SetSignal",
            signal_pb2.SignalSetRequest(
                id=identifier_pb2.SignalIdentifier(signal_id="nope", execution_id=e1),
                value=literals_pb2.Literal(
                    scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(boolean=True))
                ),
            ),
            C.NOT_FOUND,
        ),
        Step(
            "SignalService.ListSignals",
            signal_pb2.SignalListRequest(
                workflow_execution_id=e1, limit=10, filters="eq(signal_id,approve)"
            ),
        ),
        Step(
            "SignalService.ListSignals",
            signal_pb2.SignalListRequest(workflow_execution_id=e1),
            C.INVALID_ARGUMENT,
        ),
        # -- more failures, one per RPC that can fail ---------------------------------------------
        Step(
            "AdminService.ListTaskIds",
            common_pb2.NamedEntityIdentifierListRequest(project=P, domain=D),
            C.INVALID_ARGUMENT,
        ),
        Step(
            "AdminService.GetWorkflow",
            common_pb2.ObjectGetRequest(id=ident(RT.WORKFLOW, "ghost")),
            C.NOT_FOUND,
        ),
        Step(
            "AdminService.ListWorkflowIds",
            common_pb2.NamedEntityIdentifierListRequest(project=P, domain=D, limit=5, token="-1"),
            C.INVALID_ARGUMENT,
        ),
        Step(
            "AdminService.ListWorkflows",
            common_pb2.ResourceListRequest(id=ne(), limit=5, filters="foo(name,x)"),
            C.INVALID_ARGUMENT,
        ),
        Step(
            "AdminService.GetLaunchPlan",
            common_pb2.ObjectGetRequest(id=ident(RT.LAUNCH_PLAN, "ghost")),
            C.NOT_FOUND,
        ),
        Step(
            "AdminService.ListLaunchPlanIds",
            common_pb2.NamedEntityIdentifierListRequest(project=P, domain=D),
            C.INVALID_ARGUMENT,
        ),
        Step(
            "AdminService.ListLaunchPlans",
            common_pb2.ResourceListRequest(id=ne("lp"), limit=5, sort_by=sort("nope")),
            C.INVALID_ARGUMENT,
        ),
        Step(
            "AdminService.ListNamedEntities",
            common_pb2.NamedEntityListRequest(resource_type=RT.TASK, project=P, domain=D),
            C.INVALID_ARGUMENT,
        ),
        Step(
            "AdminService.ListDescriptionEntities",
            description_entity_pb2.DescriptionEntityListRequest(resource_type=RT.TASK, id=ne("t1")),
            C.INVALID_ARGUMENT,
        ),
        Step(
            "AdminService.ListExecutions",
            common_pb2.ResourceListRequest(id=ne(), limit=5, filters="eq(x.y,1)"),
            C.INVALID_ARGUMENT,
        ),
        Step(
            "AdminService.GetExecutionData",
            execution_pb2.WorkflowExecutionGetDataRequest(id=exec_id("ghost")),
            C.NOT_FOUND,
        ),
        Step(
            "AdminService.GetExecutionMetrics",
            execution_pb2.WorkflowExecutionGetMetricsRequest(id=exec_id("ghost")),
            C.NOT_FOUND,
        ),
        Step(
            "AdminService.UpdateExecution",
            execution_pb2.ExecutionUpdateRequest(id=exec_id("ghost"), state=1),
            C.NOT_FOUND,
        ),
        Step(
            "AdminService.RelaunchExecution",
            execution_pb2.ExecutionRelaunchRequest(id=exec_id("ghost"), name="x"),
            C.NOT_FOUND,
        ),
        Step(
            "AdminService.TerminateExecution",
            execution_pb2.ExecutionTerminateRequest(id=exec_id("ghost")),
            C.NOT_FOUND,
        ),
        Step(
            "AdminService.CreateNodeEvent",
            admin_event.NodeExecutionEventRequest(
                request_id="r9",
                event=event_pb2.NodeExecutionEvent(
                    id=identifier_pb2.NodeExecutionIdentifier(
                        node_id="n0", execution_id=exec_id("ghost")
                    ),
                    phase=NP.RUNNING,
                    occurred_at=at(9),
                ),
            ),
            C.NOT_FOUND,
        ),
        Step(
            "AdminService.CreateTaskEvent",
            admin_event.TaskExecutionEventRequest(
                request_id="r10",
                event=event_pb2.TaskExecutionEvent(
                    task_id=t1,
                    parent_node_execution_id=identifier_pb2.NodeExecutionIdentifier(
                        node_id="zz", execution_id=exec_id("ghost")
                    ),
                    phase=TP.RUNNING,
                    occurred_at=at(10),
                ),
            ),
            C.NOT_FOUND,
        ),
        Step(
            "AdminService.GetNodeExecutionData",
            node_execution_pb2.NodeExecutionGetDataRequest(
                id=identifier_pb2.NodeExecutionIdentifier(node_id="zz", execution_id=e1)
            ),
            C.NOT_FOUND,
        ),
        Step(
            "AdminService.ListNodeExecutions",
            node_execution_pb2.NodeExecutionListRequest(workflow_execution_id=e1),
            C.INVALID_ARGUMENT,
        ),
        Step(
            "AdminService.ListNodeExecutionsForTask",
            node_execution_pb2.NodeExecutionForTaskListRequest(task_execution_id=te),
            C.INVALID_ARGUMENT,
        ),
        Step(
            "AdminService.ListTaskExecutions",
            task_execution_pb2.TaskExecutionListRequest(node_execution_id=n0),
            C.INVALID_ARGUMENT,
        ),
        Step(
            "AdminService.GetTaskExecutionData",
            task_execution_pb2.TaskExecutionGetDataRequest(
                id=identifier_pb2.TaskExecutionIdentifier(
                    task_id=t1, node_execution_id=n0, retry_attempt=7
                )
            ),
            C.NOT_FOUND,
        ),
        Step(
            "AdminService.UpdateProjectAttributes",
            pa.ProjectAttributesUpdateRequest(attributes=pa.ProjectAttributes(project="ghost")),
            C.INVALID_ARGUMENT,
        ),
        Step(
            "AdminService.UpdateProjectDomainAttributes",
            pda.ProjectDomainAttributesUpdateRequest(
                attributes=pda.ProjectDomainAttributes(project="ghost", domain=D)
            ),
            C.INVALID_ARGUMENT,
        ),
        Step(
            "AdminService.UpdateWorkflowAttributes",
            wa.WorkflowAttributesUpdateRequest(
                attributes=wa.WorkflowAttributes(project="ghost", domain=D, workflow="wf")
            ),
            C.INVALID_ARGUMENT,
        ),
        Step(
            "AdminService.GetWorkflowAttributes",
            wa.WorkflowAttributesGetRequest(project=P, domain=D, workflow="wf", resource_type=Q),
            C.NOT_FOUND,
        ),
        # -- auth services: flyteadmin answers UNIMPLEMENTED when auth is off -----------------------
        empty("IdentityService.UserInfo", C.UNIMPLEMENTED),
        empty("AuthMetadataService.GetOAuth2Metadata", C.UNIMPLEMENTED),
        empty("AuthMetadataService.GetPublicClientConfig", C.UNIMPLEMENTED),
    ]


def _scrub(msg: Message) -> Message:
    """Blank what differs between two servers: timestamps, durations, loopback URLs."""
    for fd, value in msg.ListFields():
        if fd.message_type is not None and fd.message_type.full_name in (
            "google.protobuf.Timestamp",
            "google.protobuf.Duration",
        ):
            msg.ClearField(fd.name)
        elif is_map(fd):
            if fd.message_type.fields_by_name["value"].message_type is not None:
                for v in value.values():
                    _scrub(v)
        elif fd.message_type is not None:
            for item in value if is_repeated(fd) else [value]:
                _scrub(item)
        elif fd.type == fd.TYPE_STRING:
            if is_repeated(fd):
                value[:] = [_url(v) for v in value]
            else:
                setattr(msg, fd.name, _url(value))
    return msg


def _url(text: str) -> str:
    return urllib.parse.urlsplit(text).path if text.startswith("http://127.0.0.1:") else text


def _normalized(o: Outcome) -> Tuple[Any, ...]:
    if o.response is not None:
        copy = type(o.response)()
        copy.CopyFrom(o.response)
        o = Outcome(_scrub(copy), o.code, o.message, o.details)
    return o.key()


def _is_read(rpc: str) -> bool:
    return TABLE.bindings(full_method(rpc))[0].verb == "GET"


class Twins:
    """Server A (driven over gRPC) and server B (driven over HTTP, with JSON or binary
    protobuf bodies: ``codec``)."""

    def __init__(self, a: LocalAdmin, b: LocalAdmin, codec: str = "json") -> None:
        self.a, self.b, self.codec = a, b, codec
        self.ch_a, self.ch_b = grpc.insecure_channel(a.endpoint), grpc.insecure_channel(b.endpoint)

    def setup_signals(self) -> None:
        sid = identifier_pb2.SignalIdentifier(signal_id="approve", execution_id=exec_id("e1"))
        req = signal_pb2.SignalGetOrCreateRequest(
            id=sid, type=types_pb2.LiteralType(simple=types_pb2.BOOLEAN)
        )
        for ch in (self.ch_a, self.ch_b):
            signal_pb2_grpc.SignalServiceStub(ch).GetOrCreateSignal(req)

    def close(self) -> None:
        self.ch_a.close()
        self.ch_b.close()


@pytest.fixture(scope="module", params=["json", "protobuf"])
def twins(request):
    with LocalAdmin() as a, LocalAdmin() as b:
        t = Twins(a, b, request.param)
        t.setup_signals()
        try:
            yield t
        finally:
            t.close()


def test_every_http_rpc_agrees_with_grpc(twins: Twins) -> None:
    covered: Dict[str, set] = {}
    mismatches: List[str] = []
    for i, step in enumerate(script()):
        over_grpc = call_grpc(twins.ch_a, step.rpc, step.request)
        over_http = call_http(twins.b.http_url, step.rpc, step.request, codec=twins.codec)
        where = f"step {i} {step.rpc}"
        if over_grpc.code != step.expect:
            mismatches.append(
                f"{where}: gRPC answered {over_grpc.code} {over_grpc.message!r}, script expects {step.expect}"
            )
        if _normalized(over_grpc) != _normalized(over_http):
            mismatches.append(f"{where}:\n  gRPC {over_grpc.key()}\n  HTTP {over_http.key()}")
        if over_http.code != C.OK and over_http.http_status != http_status_from_code(
            over_http.code
        ):
            mismatches.append(f"{where}: HTTP {over_http.http_status} for {over_http.code}")
        if _is_read(step.rpc):
            same_server = call_http(twins.a.http_url, step.rpc, step.request, codec=twins.codec)
            exact = (lambda o: o.key()) if not step.clock else _normalized
            if exact(same_server) != exact(over_grpc):
                mismatches.append(
                    f"{where} (server A):\n  gRPC {over_grpc.key()}\n  HTTP {same_server.key()}"
                )
        covered.setdefault(full_method(step.rpc), set()).add(over_grpc.code)
    assert not mismatches, "\n".join(mismatches)
    assert sorted(covered) == ROUTED  # every RPC with an HTTP rule, no other
    never_failing = sorted(m for m, codes in covered.items() if codes == {C.OK})
    assert never_failing == sorted(
        full_method(r)
        for r in (  # LocalAdmin has no failure for these
            "AdminService.GetDomains",
            "AdminService.GetVersion",
            "AdminService.ListMatchableAttributes",
            "AdminService.DeleteProjectAttributes",
            "AdminService.DeleteProjectDomainAttributes",
            "AdminService.DeleteWorkflowAttributes",
        )
    )


def test_error_details_survive_the_gateway(twins: Twins) -> None:
    """flyteidl's error details arrive as the same messages over HTTP (``Any`` in JSON)."""
    eid = exec_id("e1")
    out = call_http(
        twins.b.http_url,
        "AdminService.TerminateExecution",
        execution_pb2.ExecutionTerminateRequest(id=eid, cause="again"),
        codec=twins.codec,
    )
    assert (out.code, out.http_status) == (C.FAILED_PRECONDITION, 400)
    reason = admin_event.EventFailureReason()
    assert len(out.details) == 1 and out.details[0].Unpack(reason)
    assert reason.already_in_terminal_state.current_phase == "SUCCEEDED"
    wf = ident(RT.WORKFLOW, "wf")
    out = call_http(
        twins.b.http_url,
        "AdminService.CreateWorkflow",
        workflow_pb2.WorkflowCreateRequest(
            id=wf, spec=Env.workflow_spec("wf", "v1", [ident(RT.TASK, "t2")])
        ),
        codec=twins.codec,
    )
    failure = workflow_pb2.CreateWorkflowFailureReason()
    assert out.code == C.INVALID_ARGUMENT and out.details[0].Unpack(failure)
    assert failure.exists_different_structure.id == wf
