"""Registration rows of the reference: CreateTask / CreateWorkflow / CreateLaunchPlan."""

from __future__ import annotations

import grpc
from conftest import RT, P, ident
from flyteidl.admin import launch_plan_pb2, task_pb2, workflow_pb2
from flyteidl.core import workflow_pb2 as core_wf

C = grpc.StatusCode


def test_task_identical_already_exists(penv):
    tid = penv.task("t1")
    e = penv.err(
        penv.stub.CreateTask, task_pb2.TaskCreateRequest(id=tid, spec=penv.task_spec("t1"))
    )
    assert e.code() == C.ALREADY_EXISTS
    assert e.details() == "task with identical structure already exists"


def test_task_identical_ignores_description(penv):
    tid = penv.task("t1", desc="one")
    e = penv.err(
        penv.stub.CreateTask,
        task_pb2.TaskCreateRequest(id=tid, spec=penv.task_spec("t1", desc="two")),
    )
    assert e.code() == C.ALREADY_EXISTS


def test_task_different_structure(penv):
    tid = penv.task("t1")
    e = penv.err(
        penv.stub.CreateTask,
        task_pb2.TaskCreateRequest(id=tid, spec=penv.task_spec("t1", image="img:2")),
    )
    assert e.code() == C.INVALID_ARGUMENT
    assert e.details().startswith(
        "t1 task with different structure already exists. (Please register a new version of the task):"
    )
    assert "image" in e.details() and "img:2" in e.details()


def test_missing_id(penv):
    e = penv.err(penv.stub.CreateTask, task_pb2.TaskCreateRequest(spec=penv.task_spec("t")))
    assert (e.code(), e.details()) == (C.INVALID_ARGUMENT, "missing id")


def test_wrong_resource_type(penv):
    tid = ident(RT.UNSPECIFIED, "t")
    e = penv.err(penv.stub.CreateTask, task_pb2.TaskCreateRequest(id=tid, spec=penv.task_spec("t")))
    assert e.code() == C.INVALID_ARGUMENT
    assert e.details().startswith("unexpected resource type unspecified for identifier [")
    assert e.details().endswith("], expected task instead")


def test_missing_fields(penv):
    for fld in ("project", "domain", "name", "version"):
        tid = ident(RT.TASK, "t")
        setattr(tid, fld, "")
        e = penv.err(
            penv.stub.CreateTask, task_pb2.TaskCreateRequest(id=tid, spec=penv.task_spec("t"))
        )
        assert (e.code(), e.details()) == (C.INVALID_ARGUMENT, f"missing {fld}")


def test_project_not_registered(env):
    tid = ident(RT.TASK, "t", project="nope")
    e = env.err(
        env.stub.CreateTask,
        task_pb2.TaskCreateRequest(id=tid, spec=env.task_spec("t", project="nope")),
    )
    assert e.code() == C.INVALID_ARGUMENT
    assert e.details() == (
        "failed to validate that project [nope] and domain [development] are registered, "
        "err: [project [nope] not found]"
    )


def test_domain_unrecognized(penv):
    tid = ident(RT.TASK, "t", domain="qa")
    e = penv.err(penv.stub.CreateTask, task_pb2.TaskCreateRequest(id=tid, spec=penv.task_spec("t")))
    assert (e.code(), e.details()) == (C.INVALID_ARGUMENT, "domain [qa] is unrecognized by system")


def test_missing_spec(penv):
    e = penv.err(penv.stub.CreateTask, task_pb2.TaskCreateRequest(id=ident(RT.TASK, "t")))
    assert (e.code(), e.details()) == (C.INVALID_ARGUMENT, "missing spec")


def _reason(env, e):
    det = env.details(e)
    assert len(det) == 1
    r = workflow_pb2.CreateWorkflowFailureReason()
    assert det[0].Unpack(r)
    return r


def test_workflow_identical_with_detail(penv):
    wid = penv.workflow("wf")
    tid = ident(RT.TASK, "wf-t")
    e = penv.err(
        penv.stub.CreateWorkflow,
        workflow_pb2.WorkflowCreateRequest(
            id=wid, spec=penv.workflow_spec("wf", "v1", [tid], desc="changed description")
        ),
    )
    assert (e.code(), e.details()) == (
        C.ALREADY_EXISTS,
        "workflow with identical structure already exists",
    )
    r = _reason(penv, e)
    assert r.WhichOneof("reason") == "exists_identical_structure"
    assert r.exists_identical_structure.id == wid


def test_workflow_upstream_order_is_not_structure(penv):
    # flytekit lists a node's upstream nodes in set order, which changes between processes:
    # the same program registered again (same version) is identical.
    tasks = [penv.task(f"up{i}") for i in range(3)]
    wid = ident(RT.WORKFLOW, "wf-up")

    def spec(upstream, inner_upstream):
        s = penv.workflow_spec("wf-up", "v1", tasks)
        s.template.nodes[2].upstream_node_ids.extend(upstream)
        branch = s.template.nodes.add(id="n3")
        branch.upstream_node_ids.extend(upstream)
        case = branch.branch_node.if_else.case
        case.then_node.id = "n3-n0"
        case.then_node.task_node.reference_id.CopyFrom(tasks[0])
        case.then_node.upstream_node_ids.extend(inner_upstream)
        return s

    penv.stub.CreateWorkflow(
        workflow_pb2.WorkflowCreateRequest(id=wid, spec=spec(["n0", "n1"], ["n1", "n2"]))
    )
    e = penv.err(
        penv.stub.CreateWorkflow,
        workflow_pb2.WorkflowCreateRequest(id=wid, spec=spec(["n1", "n0"], ["n2", "n1"])),
    )
    assert (e.code(), e.details()) == (
        C.ALREADY_EXISTS,
        "workflow with identical structure already exists",
    )
    e = penv.err(
        penv.stub.CreateWorkflow,
        workflow_pb2.WorkflowCreateRequest(id=wid, spec=spec(["n1"], ["n2", "n1"])),
    )
    assert e.code() == C.INVALID_ARGUMENT
    assert "upstream_node_ids" in e.details()


def test_workflow_different_with_detail(penv):
    wid = penv.workflow("wf")
    other = penv.task("other")
    e = penv.err(
        penv.stub.CreateWorkflow,
        workflow_pb2.WorkflowCreateRequest(id=wid, spec=penv.workflow_spec("wf", "v1", [other])),
    )
    assert e.code() == C.INVALID_ARGUMENT
    assert e.details().startswith(
        "wf workflow with different structure already exists. "
        "(Please register a new version of the workflow):"
    )
    r = _reason(penv, e)
    assert r.exists_different_structure.id == wid


def test_workflow_missing_task(penv):
    missing = ident(RT.TASK, "ghost")
    wid = ident(RT.WORKFLOW, "wf")
    e = penv.err(
        penv.stub.CreateWorkflow,
        workflow_pb2.WorkflowCreateRequest(id=wid, spec=penv.workflow_spec("wf", "v1", [missing])),
    )
    assert e.code() == C.INVALID_ARGUMENT
    assert e.details().startswith("failed to compile workflow for [")
    assert "with err: missing entity of type TASK with identifier" in e.details()
    assert "ghost" in e.details()


def test_workflow_missing_launch_plan_reference(penv):
    wid = ident(RT.WORKFLOW, "wf")
    spec = penv.workflow_spec("wf", "v1", [])
    spec.template.nodes.add(
        id="sub",
        workflow_node=core_wf.WorkflowNode(launchplan_ref=ident(RT.LAUNCH_PLAN, "ghost-lp")),
    )
    e = penv.err(penv.stub.CreateWorkflow, workflow_pb2.WorkflowCreateRequest(id=wid, spec=spec))
    assert e.code() == C.INVALID_ARGUMENT
    assert "missing entity of type LAUNCH_PLAN with identifier" in e.details()


def test_workflow_nested_branch_reference_checked(penv):
    wid = ident(RT.WORKFLOW, "wf")
    spec = penv.workflow_spec("wf", "v1", [])
    n = spec.template.nodes.add(id="b")
    n.branch_node.if_else.case.then_node.CopyFrom(
        core_wf.Node(id="x", task_node=core_wf.TaskNode(reference_id=ident(RT.TASK, "ghost")))
    )
    e = penv.err(penv.stub.CreateWorkflow, workflow_pb2.WorkflowCreateRequest(id=wid, spec=spec))
    assert "missing entity of type TASK" in e.details()


def test_workflow_closure_has_tasks(penv):
    wid = penv.workflow("wf")
    wf = penv.stub.GetWorkflow(
        __import__("flyteidl.admin.common_pb2", fromlist=["x"]).ObjectGetRequest(id=wid)
    )
    assert wf.closure.compiled_workflow.primary.template.id == wid
    assert [t.template.id.name for t in wf.closure.compiled_workflow.tasks] == ["wf-t"]


def test_launch_plan_identical_and_different(penv):
    wf = penv.workflow("wf")
    lid = penv.launch_plan("lp", wf=wf)
    e = penv.err(
        penv.stub.CreateLaunchPlan,
        launch_plan_pb2.LaunchPlanCreateRequest(
            id=lid, spec=launch_plan_pb2.LaunchPlanSpec(workflow_id=wf)
        ),
    )
    assert (e.code(), e.details()) == (
        C.ALREADY_EXISTS,
        "launch plan with identical structure already exists",
    )
    e = penv.err(
        penv.stub.CreateLaunchPlan,
        launch_plan_pb2.LaunchPlanCreateRequest(
            id=lid, spec=launch_plan_pb2.LaunchPlanSpec(workflow_id=wf, role="other")
        ),
    )
    assert e.code() == C.INVALID_ARGUMENT
    assert e.details().startswith(
        "lp launch plan with different structure already exists. "
        "(Please register a new version of the launch plan):"
    )


def test_launch_plan_missing_workflow(penv):
    e = penv.err(
        penv.stub.CreateLaunchPlan,
        launch_plan_pb2.LaunchPlanCreateRequest(
            id=ident(RT.LAUNCH_PLAN, "lp"),
            spec=launch_plan_pb2.LaunchPlanSpec(workflow_id=ident(RT.WORKFLOW, "ghost")),
        ),
    )
    assert e.code() == C.NOT_FOUND


def test_launch_plan_starts_inactive(penv):
    from flyteidl.admin import common_pb2

    lid = penv.launch_plan("lp")
    lp = penv.stub.GetLaunchPlan(common_pb2.ObjectGetRequest(id=lid))
    assert lp.closure.state == launch_plan_pb2.INACTIVE
    assert lp.closure.expected_outputs.variables["o0"].type.simple


def test_archived_project_rejects_with_inactive_detail(penv):
    from flyteidl.admin import project_pb2

    penv.stub.UpdateProject(project_pb2.Project(id=P, state=project_pb2.Project.ARCHIVED))
    e = penv.err(
        penv.stub.CreateTask,
        task_pb2.TaskCreateRequest(id=ident(RT.TASK, "t"), spec=penv.task_spec("t")),
    )
    assert e.code() == C.INVALID_ARGUMENT
    det = penv.details(e)
    ip = project_pb2.InactiveProject()
    assert det and det[0].Unpack(ip) and ip.id == P
