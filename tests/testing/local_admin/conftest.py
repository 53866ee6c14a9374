"""Fixtures for the LocalAdmin conformance suite (raw flyteidl stubs)."""

from __future__ import annotations

from typing import Any, Callable, List, Optional

import grpc
import pytest
from flyteidl.admin import (
    execution_pb2,
    launch_plan_pb2,
    project_pb2,
    task_pb2,
    workflow_pb2,
)
from flyteidl.core import identifier_pb2, interface_pb2, literals_pb2, tasks_pb2, types_pb2
from flyteidl.core import workflow_pb2 as core_wf
from flyteidl.service import admin_pb2_grpc, dataproxy_pb2_grpc, signal_pb2_grpc
from google.protobuf import any_pb2
from google.rpc import status_pb2

from flyteclient.testing import LocalAdmin

RT = identifier_pb2.ResourceType
P, D = "flytesnacks", "development"


def ident(
    rt: int, name: str, version: str = "v1", project: str = P, domain: str = D
) -> identifier_pb2.Identifier:
    return identifier_pb2.Identifier(
        resource_type=rt, project=project, domain=domain, name=name, version=version
    )


class Env:
    """A running LocalAdmin plus stubs and registration helpers."""

    def __init__(self, admin: LocalAdmin, channel: grpc.Channel) -> None:
        self.admin = admin
        self.channel = channel
        self.stub = admin_pb2_grpc.AdminServiceStub(channel)
        self.dp = dataproxy_pb2_grpc.DataProxyServiceStub(channel)
        self.signals = signal_pb2_grpc.SignalServiceStub(channel)

    # -- errors ---------------------------------------------------------------
    @staticmethod
    def err(fn: Callable[..., Any], request: Any) -> grpc.RpcError:
        with pytest.raises(grpc.RpcError) as ei:
            fn(request)
        return ei.value

    @staticmethod
    def details(e: grpc.RpcError) -> List[any_pb2.Any]:
        for k, v in e.trailing_metadata() or ():
            if k == "grpc-status-details-bin":
                st = status_pb2.Status()
                st.ParseFromString(v)
                return list(st.details)
        return []

    # -- registration -----------------------------------------------------------
    def project(self, pid: str = P, name: Optional[str] = None, **kw: Any) -> None:
        self.stub.RegisterProject(
            project_pb2.ProjectRegisterRequest(
                project=project_pb2.Project(id=pid, name=name or pid, **kw)
            )
        )

    @staticmethod
    def task_spec(
        name: str, version: str = "v1", image: str = "img:1", desc: str = "", project: str = P
    ) -> task_pb2.TaskSpec:
        tid = ident(RT.TASK, name, version, project)
        spec = task_pb2.TaskSpec(
            template=tasks_pb2.TaskTemplate(
                id=tid,
                type="python-task",
                interface=interface_pb2.TypedInterface(
                    outputs=interface_pb2.VariableMap(
                        variables={
                            "o0": interface_pb2.Variable(
                                type=types_pb2.LiteralType(simple=types_pb2.INTEGER)
                            )
                        }
                    )
                ),
                container=tasks_pb2.Container(image=image, args=["run"]),
            )
        )
        if desc:
            spec.description.short_description = desc
        return spec

    def task(
        self,
        name: str = "t",
        version: str = "v1",
        image: str = "img:1",
        desc: str = "",
        project: str = P,
    ) -> identifier_pb2.Identifier:
        tid = ident(RT.TASK, name, version, project)
        self.stub.CreateTask(
            task_pb2.TaskCreateRequest(
                id=tid, spec=self.task_spec(name, version, image, desc, project)
            )
        )
        return tid

    @staticmethod
    def workflow_spec(
        name: str, version: str, task_ids: List[identifier_pb2.Identifier], desc: str = ""
    ) -> workflow_pb2.WorkflowSpec:
        wid = ident(RT.WORKFLOW, name, version)
        nodes = [
            core_wf.Node(id=f"n{i}", task_node=core_wf.TaskNode(reference_id=t))
            for i, t in enumerate(task_ids)
        ]
        spec = workflow_pb2.WorkflowSpec(
            template=core_wf.WorkflowTemplate(
                id=wid,
                nodes=nodes,
                interface=interface_pb2.TypedInterface(
                    outputs=interface_pb2.VariableMap(
                        variables={
                            "o0": interface_pb2.Variable(
                                type=types_pb2.LiteralType(simple=types_pb2.INTEGER)
                            )
                        }
                    )
                ),
            )
        )
        if desc:
            spec.description.short_description = desc
        return spec

    def workflow(
        self,
        name: str = "wf",
        version: str = "v1",
        task_ids: Optional[List[identifier_pb2.Identifier]] = None,
        desc: str = "",
    ) -> identifier_pb2.Identifier:
        if task_ids is None:
            task_ids = [self.task(f"{name}-t", version)]
        wid = ident(RT.WORKFLOW, name, version)
        self.stub.CreateWorkflow(
            workflow_pb2.WorkflowCreateRequest(
                id=wid, spec=self.workflow_spec(name, version, task_ids, desc)
            )
        )
        return wid

    def launch_plan(
        self,
        name: str = "lp",
        version: str = "v1",
        wf: Optional[identifier_pb2.Identifier] = None,
        role: str = "",
    ) -> identifier_pb2.Identifier:
        if wf is None:
            wf = self.workflow(f"{name}-wf", version)
        lid = ident(RT.LAUNCH_PLAN, name, version)
        self.stub.CreateLaunchPlan(
            launch_plan_pb2.LaunchPlanCreateRequest(
                id=lid, spec=launch_plan_pb2.LaunchPlanSpec(workflow_id=wf, role=role)
            )
        )
        return lid

    def execute(
        self,
        lp: identifier_pb2.Identifier,
        name: str = "",
        inputs: Optional[literals_pb2.LiteralMap] = None,
    ) -> identifier_pb2.WorkflowExecutionIdentifier:
        req = execution_pb2.ExecutionCreateRequest(
            project=lp.project,
            domain=lp.domain,
            name=name,
            spec=execution_pb2.ExecutionSpec(launch_plan=lp),
        )
        if inputs is not None:
            req.inputs.CopyFrom(inputs)
        return self.stub.CreateExecution(req).id


@pytest.fixture
def admin():
    with LocalAdmin() as a:
        yield a


@pytest.fixture
def env(admin):
    ch = grpc.insecure_channel(admin.endpoint)
    try:
        yield Env(admin, ch)
    finally:
        ch.close()


@pytest.fixture
def penv(env):
    """Env with project ``flytesnacks`` registered."""
    env.project()
    return env
