"""Reads, pagination, filters and sort."""

from __future__ import annotations

import grpc
import pytest
from conftest import RT, D, P, ident
from flyteidl.admin import common_pb2

C = grpc.StatusCode


def lreq(name="", limit=100, token="", filters="", sort=None):
    r = common_pb2.ResourceListRequest(
        id=common_pb2.NamedEntityIdentifier(project=P, domain=D, name=name),
        limit=limit,
        token=token,
        filters=filters,
    )
    if sort is not None:
        r.sort_by.CopyFrom(sort)
    return r


def test_get_missing_and_fills_resource_type(penv):
    tid = penv.task("t")
    plain = ident(RT.UNSPECIFIED, "t")
    assert penv.stub.GetTask(common_pb2.ObjectGetRequest(id=plain)).id == tid
    e = penv.err(penv.stub.GetTask, common_pb2.ObjectGetRequest(id=ident(RT.TASK, "ghost")))
    assert e.code() == C.NOT_FOUND
    assert e.details().startswith("missing entity of type TASK with identifier")
    e = penv.err(
        penv.stub.GetWorkflow, common_pb2.ObjectGetRequest(id=ident(RT.UNSPECIFIED, "ghost"))
    )
    assert e.details().startswith("missing entity of type WORKFLOW with identifier")
    e = penv.err(
        penv.stub.GetLaunchPlan, common_pb2.ObjectGetRequest(id=ident(RT.LAUNCH_PLAN, "ghost"))
    )
    assert e.details().startswith("missing entity of type LAUNCH_PLAN with identifier")


@pytest.fixture
def five(penv):
    for i in range(5):
        penv.task("t", f"v{i}")
    return penv


def test_pagination_full_last_page(five):
    page = five.stub.ListTasks(lreq(limit=5))
    assert len(page.tasks) == 5 and page.token == "5"
    nxt = five.stub.ListTasks(lreq(limit=5, token=page.token))
    assert len(nxt.tasks) == 0 and nxt.token == ""


def test_pagination_walk(five):
    seen, token = [], ""
    while True:
        page = five.stub.ListTasks(lreq(limit=2, token=token))
        seen += [t.id.version for t in page.tasks]
        token = page.token
        if not token:
            break
    assert seen == [f"v{i}" for i in range(5)]
    assert five.stub.ListTasks(lreq(limit=2, token="4")).token == ""


def test_pagination_errors(five):
    e = five.err(five.stub.ListTasks, lreq(token="abc"))
    assert (e.code(), e.details()) == (
        C.INVALID_ARGUMENT,
        "invalid pagination token abc for ListTasks",
    )
    e = five.err(five.stub.ListTasks, lreq(token="-1"))
    assert e.details() == "invalid pagination token -1 for ListTasks"
    e = five.err(five.stub.ListTasks, lreq(limit=0))
    assert (e.code(), e.details()) == (C.INVALID_ARGUMENT, "invalid value for limit")
    e = five.err(five.stub.ListWorkflows, lreq(token="zz"))
    assert e.details() == "invalid pagination token zz for ListWorkflows"
    assert five.stub.ListTasks(lreq(token="99")).tasks == []


def test_list_ids_distinct(penv):
    penv.task("a", "v1"), penv.task("a", "v2"), penv.task("b", "v1")
    ids = penv.stub.ListTaskIds(
        common_pb2.NamedEntityIdentifierListRequest(project=P, domain=D, limit=10)
    )
    assert [i.name for i in ids.entities] == ["a", "b"]
    ids = penv.stub.ListTaskIds(
        common_pb2.NamedEntityIdentifierListRequest(project=P, domain=D, limit=1)
    )
    assert [i.name for i in ids.entities] == ["a"] and ids.token == "1"


@pytest.mark.parametrize(
    "flt,expected",
    [
        ("eq(version,v1)", ["v1"]),
        ("ne(version,v1)", ["v0", "v2", "v3", "v4"]),
        ("gt(version,v2)", ["v3", "v4"]),
        ("gte(version,v2)", ["v2", "v3", "v4"]),
        ("lt(version,v2)", ["v0", "v1"]),
        ("lte(version,v2)", ["v0", "v1", "v2"]),
        ("contains(version,3)", ["v3"]),
        ("not_like(version,3)", ["v0", "v1", "v2", "v4"]),
        ("value_in(version,v0;v4)", ["v0", "v4"]),
        ("value_not_in(version,v0;v4)", ["v1", "v2", "v3"]),
        ("gte(version,v1)+lte(version,v3)+ne(version,v2)", ["v1", "v3"]),
        ("eq(task.version,v2)", ["v2"]),
        ("eq(name,t)+eq(type,python-task)", ["v0", "v1", "v2", "v3", "v4"]),
        ("gt(created_at,2000-01-01T00:00:00Z)", ["v0", "v1", "v2", "v3", "v4"]),
        ("lt(created_at,2000-01-01T00:00:00Z)", []),
    ],
)
def test_filter_functions(five, flt, expected):
    page = five.stub.ListTasks(lreq(filters=flt))
    assert [t.id.version for t in page.tasks] == expected


@pytest.mark.parametrize(
    "flt,message",
    [
        ("eq(version)", "invalid value for filters"),
        ("garbage", "invalid value for filters"),
        ("foo(version,v1)", "unrecognized filter function: foo"),
        ("eq(task.foo,v1)", "'task.foo' is invalid filter"),
        ("eq(foo,v1)", "'foo' is invalid filter"),
        ("eq(x.name,v1)", "'x' entity is not allowed in filters"),
        ("eq(execution.name,v1)", "'execution' entity is not allowed in filters"),
    ],
)
def test_filter_errors(five, flt, message):
    e = five.err(five.stub.ListTasks, lreq(filters=flt))
    assert (e.code(), e.details()) == (C.INVALID_ARGUMENT, message)


def test_sort(five):
    asc = common_pb2.Sort(key="version", direction=common_pb2.Sort.ASCENDING)
    desc = common_pb2.Sort(key="version")
    assert [t.id.version for t in five.stub.ListTasks(lreq(sort=asc)).tasks] == [
        f"v{i}" for i in range(5)
    ]
    assert [t.id.version for t in five.stub.ListTasks(lreq(sort=desc)).tasks] == [
        f"v{i}" for i in reversed(range(5))
    ]
    e = five.err(five.stub.ListTasks, lreq(sort=common_pb2.Sort(key="nope")))
    assert (e.code(), e.details()) == (C.INVALID_ARGUMENT, "invalid sort key 'nope'")


def test_list_by_name_and_missing_id(five):
    five.task("other")
    assert len(five.stub.ListTasks(lreq(name="t")).tasks) == 5
    assert len(five.stub.ListTasks(lreq()).tasks) == 6
    e = five.err(five.stub.ListTasks, common_pb2.ResourceListRequest(limit=1))
    assert e.code() == C.INVALID_ARGUMENT


def test_launch_plan_joined_workflow_filter(penv):
    wf1 = penv.workflow("wf1")
    wf2 = penv.workflow("wf2")
    penv.launch_plan("a", wf=wf1)
    penv.launch_plan("b", wf=wf2)
    page = penv.stub.ListLaunchPlans(lreq(filters="eq(workflow.name,wf2)"))
    assert [lp.id.name for lp in page.launch_plans] == ["b"]
    page = penv.stub.ListLaunchPlans(lreq(filters="eq(state,0)+eq(schedule_type,NONE)"))
    assert len(page.launch_plans) == 2
