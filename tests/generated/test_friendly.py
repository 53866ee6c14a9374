"""The friendly client's own behaviour: results, pagers, idempotent creation, caching,
input errors before any call."""

import gc
import weakref

import grpc
import pytest
from flyteidl.admin import (
    common_pb2,
    execution_pb2,
    launch_plan_pb2,
    project_pb2,
    task_pb2,
    version_pb2,
    workflow_pb2,
)
from flyteidl.core import identifier_pb2

from flyteclient import SynchronousFlyteClient
from flyteclient.exceptions import (
    FlyteEntityAlreadyExistsException,
    FlyteEntityDifferentStructureException,
    FlyteInvalidInputException,
    PaginationError,
)
from tests.support.optional import require
from tests.support.pages import offset_pages
from tests.support.servers import Fail

TASK_ID = identifier_pb2.Identifier(
    resource_type=identifier_pb2.TASK, project="p", domain="d", name="t", version="v1"
)
NAMED = common_pb2.NamedEntityIdentifier(project="p", domain="d", name="t")


def task_pages(total):
    """ListTasks over ``total`` tasks whose versions are "0", "1", ..."""

    def make(i):
        return task_pb2.Task(
            id=identifier_pb2.Identifier(project="p", domain="d", name="t", version=str(i))
        )

    return offset_pages(total, make, task_pb2.TaskList, "tasks")


def test_paginated_method_returns_items_and_token(server, client):
    server.set_default("ListTasks", task_pages(5))
    tasks, token = client.list_tasks_paginated(NAMED, limit=2)
    assert [t.id.version for t in tasks] == ["0", "1"] and token == "2"
    assert all(
        t.id.resource_type == identifier_pb2.TASK for t in tasks
    )  # filled in, as flytekit does
    tasks, token = client.list_tasks_paginated(NAMED, limit=2, token="4")
    assert [t.id.version for t in tasks] == ["4"] and token == ""


def test_pager_walks_every_page_lazily(server, client):
    server.set_default("ListTasks", task_pages(250))
    pager = client.iter_tasks(NAMED, filters="eq(name,t)", page_size=100)
    assert server.requests("ListTasks") == []  # nothing fetched until iterated
    versions = [t.id.version for t in pager]
    assert versions == [str(i) for i in range(250)]
    sent = server.requests("ListTasks")
    assert [(r.token, r.limit, r.filters) for r in sent] == [
        ("", 100, "eq(name,t)"),
        ("100", 100, "eq(name,t)"),
        ("200", 100, "eq(name,t)"),
    ]


def test_pager_full_last_page_then_empty_page(server, client):
    server.set_default("ListTasks", task_pages(200))
    assert len(list(client.iter_tasks(NAMED, page_size=100))) == 200
    assert [r.token for r in server.requests("ListTasks")] == ["", "100", "200"]


def test_pager_limit_stops_early_and_shrinks_the_last_request(server, client):
    server.set_default("ListTasks", task_pages(1000))
    assert len(list(client.iter_tasks(NAMED, page_size=100, limit=150))) == 150
    assert [r.limit for r in server.requests("ListTasks")] == [100, 50]


def test_pager_pages_gives_whole_responses(server, client):
    server.set_default("ListTasks", task_pages(30))
    pages = list(client.iter_tasks(NAMED, page_size=10).pages())
    assert [len(p.tasks) for p in pages] == [10, 10, 10, 0]


def test_pager_stops_on_empty_page_even_with_a_token(server, client):
    server.script(
        "ListTasks",
        task_pb2.TaskList(tasks=[task_pb2.Task()], token="1"),
        task_pb2.TaskList(token="2"),
    )
    assert len(list(client.iter_tasks(NAMED, page_size=1))) == 1
    assert len(server.requests("ListTasks")) == 2


def test_pager_raises_on_a_cycling_token(server, client):
    page = task_pb2.TaskList(tasks=[task_pb2.Task()], token="7")
    server.set_default("ListTasks", page)
    with pytest.raises(PaginationError, match="'7' twice"):
        list(client.iter_tasks(NAMED, page_size=1))
    assert len(server.requests("ListTasks")) == 2


def test_generic_pager_for_an_rpc_flytekit_lacks(server, client):
    from flyteidl.admin import common_pb2 as c

    make = lambda i: c.NamedEntity(id=c.NamedEntityIdentifier(name=f"e{i}"))  # noqa: E731
    server.set_default("ListNamedEntities", offset_pages(7, make, c.NamedEntityList, "entities"))
    names = [
        e.id.name
        for e in client.iter_named_entities(resource_type=1, project="p", domain="d", page_size=3)
    ]
    assert names == [f"e{i}" for i in range(7)]


def test_iterate_helpers_keep_flytekits_parameters(server, client):
    from flyteidl.admin import node_execution_pb2

    from flyteclient import iterate_node_executions

    def make(i):
        return node_execution_pb2.NodeExecution(
            id=identifier_pb2.NodeExecutionIdentifier(node_id=f"n{i}")
        )

    server.set_default(
        "ListNodeExecutions",
        offset_pages(5, make, node_execution_pb2.NodeExecutionList, "node_executions"),
    )
    wf = identifier_pb2.WorkflowExecutionIdentifier(project="p", domain="d", name="e")
    got = list(iterate_node_executions(client, workflow_execution_identifier=wf, limit=3))
    assert [n.id.node_id for n in got] == ["n0", "n1", "n2"]
    assert server.requests("ListNodeExecutions")[0].sort_by.key == "created_at"


def test_create_is_idempotent_for_identical_definitions(server, client):
    server.script(
        "CreateTask",
        Fail(grpc.StatusCode.ALREADY_EXISTS, "task with identical structure already exists"),
    )
    assert client.create_task(TASK_ID, task_pb2.TaskSpec()) is None
    server.script(
        "CreateWorkflow",
        Fail(grpc.StatusCode.ALREADY_EXISTS, "workflow with identical structure already exists"),
    )
    assert client.create_workflow(TASK_ID, workflow_pb2.WorkflowSpec()) is None
    assert len(server.requests("CreateTask")) == 1  # not retried


def test_create_with_a_different_definition_is_not_swallowed(server, client):
    message = "t task with different structure already exists. (Please register a new version of the task):\n- /template/type: a -> b"
    server.script("CreateTask", Fail(grpc.StatusCode.INVALID_ARGUMENT, message))
    try:
        client.create_task(TASK_ID, task_pb2.TaskSpec())
    except FlyteEntityAlreadyExistsException:
        pytest.fail("a different definition must not look like a duplicate")
    except FlyteEntityDifferentStructureException as e:
        assert isinstance(e, FlyteInvalidInputException)
        assert "/template/type: a -> b" in e.diff and "different structure" in str(e)
        assert e.code == grpc.StatusCode.INVALID_ARGUMENT and e.rpc == "CreateTask"


def test_get_task_is_cached_per_client_and_returns_copies(server, client):
    server.set_default("GetTask", task_pb2.Task(id=TASK_ID))
    first = client.get_task(TASK_ID)
    first.id.name = "mutated"
    second = client.get_task(TASK_ID)
    assert second.id.name == "t"
    assert len(server.requests("GetTask")) == 1
    client.get_task(identifier_pb2.Identifier(project="p", domain="d", name="t", version="v2"))
    assert len(server.requests("GetTask")) == 2


def test_cache_does_not_keep_a_closed_client_alive(server):
    server.set_default("GetWorkflow", workflow_pb2.Workflow())
    c = SynchronousFlyteClient(server.endpoint, insecure=True)
    c.get_workflow(TASK_ID)
    ref = weakref.ref(c)
    c.close()
    del c
    gc.collect()
    assert ref() is None


def test_get_launch_plan_sees_update_launch_plan(server, client):
    state = {"v": launch_plan_pb2.INACTIVE}
    server.set_default(
        "GetLaunchPlan",
        lambda req, md: launch_plan_pb2.LaunchPlan(
            id=req.id, closure=launch_plan_pb2.LaunchPlanClosure(state=state["v"])
        ),
    )

    def activate(req, md):
        state["v"] = req.state
        return launch_plan_pb2.LaunchPlanUpdateResponse()

    server.set_default("UpdateLaunchPlan", activate)
    lp_id = identifier_pb2.Identifier(
        resource_type=identifier_pb2.LAUNCH_PLAN, project="p", domain="d", name="lp", version="1"
    )
    assert client.get_launch_plan(lp_id).closure.state == launch_plan_pb2.INACTIVE
    client.update_launch_plan(lp_id, launch_plan_pb2.ACTIVE)
    assert client.get_launch_plan(lp_id).closure.state == launch_plan_pb2.ACTIVE


def test_result_shapes(server, client):
    ex_id = identifier_pb2.WorkflowExecutionIdentifier(project="p", domain="d", name="e1")
    server.script("CreateExecution", execution_pb2.ExecutionCreateResponse(id=ex_id))
    assert client.create_execution("p", "d", None, execution_pb2.ExecutionSpec(), None) == ex_id
    server.script(
        "GetVersion",
        version_pb2.GetVersionResponse(control_plane_version=version_pb2.Version(Version="1.16.8")),
    )
    assert client.get_control_plane_version() == "1.16.8"
    server.script(
        "GetDomains", project_pb2.GetDomainsResponse(domains=[project_pb2.Domain(id="development")])
    )
    assert [d.id for d in client.get_domains()] == ["development"]
    assert client.update_project(project_pb2.Project(id="p")) is None


def test_generic_method_takes_fields_or_a_request_but_not_both(server, client):
    ex_id = identifier_pb2.WorkflowExecutionIdentifier(project="p", domain="d", name="e1")
    client.update_execution(id=ex_id, state=execution_pb2.EXECUTION_ARCHIVED)
    client.update_execution(
        execution_pb2.ExecutionUpdateRequest(id=ex_id, state=execution_pb2.EXECUTION_ARCHIVED)
    )
    a, b = server.requests("UpdateExecution")
    assert a == b
    with pytest.raises(TypeError, match="not both"):
        client.update_execution(execution_pb2.ExecutionUpdateRequest(), id=ex_id)
    with pytest.raises(TypeError, match="unexpected keyword"):
        client.update_execution(bogus=1)
    assert len(server.requests("UpdateExecution")) == 2


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda c: c.get_task("p/d/t/v"), TypeError, "id must be flyteidl.core.Identifier"),
        (
            lambda c: c.list_tasks_paginated(NAMED, limit=0),
            ValueError,
            "limit must be a positive int",
        ),
        (lambda c: c.list_tasks_paginated(NAMED, limit="10"), TypeError, "limit must be int"),
        (lambda c: c.list_tasks_paginated(NAMED, filters=5), TypeError, "filters must be"),
        (
            lambda c: c.iter_tasks(NAMED, page_size=0),
            ValueError,
            "page_size must be a positive int",
        ),
        (lambda c: c.iter_tasks(NAMED, limit=-1), ValueError, "limit must be a positive int"),
        (
            lambda c: c.get_upload_signed_url("p", "d", expires_in=60),
            TypeError,
            "expires_in must be datetime.timedelta",
        ),
        (lambda c: c.update_project(None), TypeError, "project is required"),
        (lambda c: c.list_projects_paginated(bogus=1), TypeError, "bogus"),
    ],
)
def test_bad_input_fails_before_any_call(server, client, call, error, match):
    with pytest.raises(error, match=match):
        call(client)
    assert server.received == []


def test_expires_in_timedelta_becomes_a_duration(server, client):
    import datetime

    client.get_upload_signed_url(
        "p", "d", content_md5=b"x", expires_in=datetime.timedelta(minutes=2)
    )
    assert server.requests("CreateUploadLocation")[0].expires_in.seconds == 120


def test_iterate_helpers_have_flytekits_signatures():
    require("flytekit")
    import inspect

    from flytekit.clients import helpers as fk_helpers

    from flyteclient import helpers

    for name in ("iterate_node_executions", "iterate_task_executions"):
        theirs = inspect.signature(getattr(fk_helpers, name)).parameters
        ours = inspect.signature(getattr(helpers, name)).parameters
        assert list(theirs) == list(ours), name
        for p in theirs:
            default = theirs[p].default
            mine = ours[p].default
            if hasattr(default, "to_flyte_idl"):
                default = default.to_flyte_idl()
            assert default == mine, (name, p)


def test_iterate_task_executions(server, client):
    from flyteidl.admin import task_execution_pb2

    from flyteclient import iterate_task_executions

    def make(i):
        return task_execution_pb2.TaskExecution(
            id=identifier_pb2.TaskExecutionIdentifier(retry_attempt=i)
        )

    server.set_default(
        "ListTaskExecutions",
        offset_pages(150, make, task_execution_pb2.TaskExecutionList, "task_executions"),
    )
    node = identifier_pb2.NodeExecutionIdentifier(node_id="n0")
    attempts = [t.id.retry_attempt for t in iterate_task_executions(client, node)]
    assert attempts == list(range(150))
    assert [r.limit for r in server.requests("ListTaskExecutions")] == [100, 100]


def test_deprecated_rpc_warns_at_the_callers_line(client):
    from flyteclient.generated import methods

    with pytest.warns(DeprecationWarning, match="CreateDownloadLocation is deprecated") as warned:
        client.get_download_signed_url("s3://bucket/key")
    assert warned[0].filename == __file__  # stacklevel points at the caller
    with pytest.warns(DeprecationWarning):
        client.raw.create_download_location(
            methods.DataProxyService_CreateDownloadLocation.request_type()
        )
