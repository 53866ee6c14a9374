"""The friendly client end to end against the project's local Admin server: what a user
sees from a flyteadmin-shaped server (codes, messages, details, pagination, auth)."""

import pytest
from flyteidl.admin import (
    common_pb2,
    event_pb2,
    execution_pb2,
    launch_plan_pb2,
    project_pb2,
    task_pb2,
)
from flyteidl.core import identifier_pb2, interface_pb2, tasks_pb2, types_pb2

from flyteclient import PlatformConfig, SynchronousFlyteClient
from flyteclient import exceptions as fx
from flyteclient.testing import LocalAdmin
from tests.support.threads import run_concurrently

P, D = "proj", "development"


def task_id(name, version="v1"):
    return identifier_pb2.Identifier(
        resource_type=identifier_pb2.TASK, project=P, domain=D, name=name, version=version
    )


def task_spec(tid, image="img:1"):
    out = interface_pb2.Variable(type=types_pb2.LiteralType(simple=types_pb2.INTEGER))
    return task_pb2.TaskSpec(
        template=tasks_pb2.TaskTemplate(
            id=tid,
            type="python-task",
            container=tasks_pb2.Container(image=image),
            interface=interface_pb2.TypedInterface(
                outputs=interface_pb2.VariableMap(variables={"o": out})
            ),
        )
    )


@pytest.fixture(scope="module")
def admin():
    with LocalAdmin() as a:
        with SynchronousFlyteClient(a.endpoint, insecure=True) as c:
            c.register_project(project_pb2.Project(id=P, name=P))
            for i in range(230):
                c.create_task(task_id(f"t{i:03d}"), task_spec(task_id(f"t{i:03d}")))
        yield a


@pytest.fixture
def client(admin):
    with SynchronousFlyteClient(admin.endpoint, insecure=True) as c:
        yield c


def test_pager_walks_all_pages_of_a_real_server(client):
    ids = common_pb2.NamedEntityIdentifier(project=P, domain=D)
    names = [t.id.name for t in client.iter_tasks(ids, page_size=50)]
    assert len(names) == 230 and len(set(names)) == 230
    filtered = [
        t.id.name for t in client.iter_tasks(ids, filters=["contains(name,t10)"], page_size=3)
    ]
    assert filtered == [f"t10{i}" for i in range(10)]
    first, token = client.list_task_ids_paginated(P, D, limit=100)
    assert len(first) == 100 and token == "100"


def test_registration_is_idempotent_and_conflicts_carry_the_diff(client):
    tid = task_id("t000")
    assert client.create_task(tid, task_spec(tid)) is None
    with pytest.raises(fx.FlyteEntityDifferentStructureException) as info:
        client.create_task(tid, task_spec(tid, image="img:2"))
    assert "img:2" in info.value.diff


def test_server_errors_map_to_exceptions_with_messages(client):
    with pytest.raises(fx.FlyteEntityNotExistException, match="missing entity of type TASK"):
        client.get_task(task_id("nope"))
    with pytest.raises(fx.FlyteInvalidInputException, match="invalid pagination token"):
        client.list_tasks_paginated(
            common_pb2.NamedEntityIdentifier(project=P, domain=D), token="x"
        )
    with pytest.raises(fx.FlyteInvalidInputException, match="unrecognized filter function"):
        client.list_tasks_paginated(
            common_pb2.NamedEntityIdentifier(project=P, domain=D), filters="foo(name,x)"
        )


def test_terminating_a_finished_execution_decodes_the_detail(admin):
    with (
        LocalAdmin(auto_complete=True) as done,
        SynchronousFlyteClient(done.endpoint, insecure=True) as c,
    ):
        c.register_project(project_pb2.Project(id=P, name=P))
        tid = task_id("t")
        c.create_task(tid, task_spec(tid))
        ex = c.create_execution(P, D, "run1", execution_pb2.ExecutionSpec(launch_plan=tid), None)
        with pytest.raises(fx.FlyteFailedPreconditionException, match="already terminated") as info:
            c.terminate_execution(ex, "stop")
        reason = info.value.detail(event_pb2.EventFailureReason)
        assert reason is not None and reason.already_in_terminal_state.current_phase


def test_launch_plan_state_is_never_stale(client):
    tid = task_id("t001")
    from flyteidl.admin import workflow_pb2
    from flyteidl.core import workflow_pb2 as core_wf

    wid = identifier_pb2.Identifier(
        resource_type=identifier_pb2.WORKFLOW, project=P, domain=D, name="wf", version="v1"
    )
    template = core_wf.WorkflowTemplate(
        id=wid, nodes=[core_wf.Node(id="n", task_node=core_wf.TaskNode(reference_id=tid))]
    )
    client.create_workflow(wid, workflow_pb2.WorkflowSpec(template=template))
    lp = identifier_pb2.Identifier(
        resource_type=identifier_pb2.LAUNCH_PLAN, project=P, domain=D, name="lp", version="v1"
    )
    client.create_launch_plan(lp, launch_plan_pb2.LaunchPlanSpec(workflow_id=wid))
    assert client.get_launch_plan(lp).closure.state == launch_plan_pb2.INACTIVE
    client.update_launch_plan(lp, launch_plan_pb2.ACTIVE)
    assert client.get_launch_plan(lp).closure.state == launch_plan_pb2.ACTIVE


def test_client_secret_login_and_single_refresh_against_local_admin():
    with LocalAdmin(auth=True) as admin:
        cfg = PlatformConfig(
            endpoint=admin.endpoint,
            insecure=True,
            auth_mode="ClientSecret",
            client_id="flytectl",
            client_credentials_secret="secret",
        )
        with SynchronousFlyteClient(cfg) as client:
            assert [d.id for d in client.get_domains()][0] == "development"
            assert admin.auth.token_requests == 1
            admin.auth.revoke_all()
            assert run_concurrently(client.get_domains, 16) == []
            assert admin.auth.token_requests == 2  # one refresh for all 16 threads


def test_calls_without_credentials_are_unauthenticated():
    with LocalAdmin(auth=True) as admin:
        with SynchronousFlyteClient(admin.endpoint, insecure=True) as client:
            with pytest.raises(fx.FlyteAuthenticationException):
                client.get_domains()
