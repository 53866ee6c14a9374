"""Projects, domains and version."""

from __future__ import annotations

import grpc
import pytest
from flyteidl.admin import common_pb2, project_pb2, version_pb2

C = grpc.StatusCode


def reg(env, **kw):
    return env.stub.RegisterProject(
        project_pb2.ProjectRegisterRequest(project=project_pb2.Project(**kw))
    )


def test_register_get_and_domains(env):
    reg(env, id="alpha", name="Alpha", description="d", labels=common_pb2.Labels(values={"a": "b"}))
    p = env.stub.GetProject(project_pb2.ProjectGetRequest(id="alpha"))
    assert (p.id, p.name, p.description, dict(p.labels.values)) == (
        "alpha",
        "Alpha",
        "d",
        {"a": "b"},
    )
    assert [d.id for d in p.domains] == ["development", "staging", "production"]


@pytest.mark.parametrize("pid", ["Upper", "-lead", "trail-", "has_underscore", "a" * 64, "dot.ted"])
def test_register_bad_id(env, pid):
    e = env.err(lambda r: reg(env, id=pid, name="n"), None)
    assert e.code() == C.INVALID_ARGUMENT


def test_register_limits(env):
    assert env.err(lambda r: reg(env, id="a", name="x" * 65), None).code() == C.INVALID_ARGUMENT
    reg(env, id="ok64", name="x" * 64, description="d" * 300)
    assert (
        env.err(lambda r: reg(env, id="b", name="n", description="d" * 301), None).code()
        == C.INVALID_ARGUMENT
    )
    labels = common_pb2.Labels(values={f"k{i}": "v" for i in range(17)})
    assert (
        env.err(lambda r: reg(env, id="c", name="n", labels=labels), None).code()
        == C.INVALID_ARGUMENT
    )
    reg(env, id="c16", name="n", labels=common_pb2.Labels(values={f"k{i}": "v" for i in range(16)}))
    e = env.err(
        lambda r: reg(env, id="d", name="n", domains=[project_pb2.Domain(id="x", name="x")]), None
    )
    assert e.code() == C.INVALID_ARGUMENT


def test_register_duplicate(env):
    reg(env, id="a", name="n")
    assert env.err(lambda r: reg(env, id="a", name="n"), None).code() == C.ALREADY_EXISTS


def test_get_missing(env):
    e = env.err(env.stub.GetProject, project_pb2.ProjectGetRequest(id="ghost"))
    assert (e.code(), e.details()) == (C.NOT_FOUND, "project [ghost] not found")


def test_update_partial_and_missing(env):
    reg(env, id="a", name="Name", description="Desc", labels=common_pb2.Labels(values={"x": "y"}))
    env.stub.UpdateProject(project_pb2.Project(id="a", description="New"))
    p = env.stub.GetProject(project_pb2.ProjectGetRequest(id="a"))
    assert (p.name, p.description, dict(p.labels.values)) == ("Name", "New", {"x": "y"})
    e = env.err(env.stub.UpdateProject, project_pb2.Project(id="ghost", name="n"))
    assert (e.code(), e.details()) == (C.NOT_FOUND, "project [ghost] not found")


def test_list_sorted_hides_archived_limit_zero(env):
    for pid in ["c", "a", "b"]:
        reg(env, id=pid, name=pid.upper())
    env.stub.UpdateProject(project_pb2.Project(id="b", state=project_pb2.Project.ARCHIVED))
    ps = env.stub.ListProjects(project_pb2.ProjectListRequest())
    assert [p.id for p in ps.projects] == ["a", "c"] and ps.token == ""
    ps = env.stub.ListProjects(project_pb2.ProjectListRequest(filters="eq(state,1)"))
    assert [p.id for p in ps.projects] == ["b"]
    ps = env.stub.ListProjects(project_pb2.ProjectListRequest(filters="ne(identifier,zzz)"))
    assert [p.id for p in ps.projects] == ["a", "b", "c"]
    ps = env.stub.ListProjects(project_pb2.ProjectListRequest(limit=1))
    assert [p.id for p in ps.projects] == ["a"] and ps.token == "1"
    ps = env.stub.ListProjects(
        project_pb2.ProjectListRequest(
            sort_by=common_pb2.Sort(key="name", direction=common_pb2.Sort.DESCENDING)
        )
    )
    assert [p.id for p in ps.projects] == ["c", "a"]


def test_list_projects_bad_token_and_sort(env):
    e = env.err(env.stub.ListProjects, project_pb2.ProjectListRequest(token="x"))
    assert (e.code(), e.details()) == (
        C.INVALID_ARGUMENT,
        "invalid pagination token x for ListProjects",
    )
    e = env.err(
        env.stub.ListProjects, project_pb2.ProjectListRequest(sort_by=common_pb2.Sort(key="bogus"))
    )
    assert (e.code(), e.details()) == (C.INVALID_ARGUMENT, "invalid sort key 'bogus'")


def test_domains_and_version(env):
    ds = env.stub.GetDomains(project_pb2.GetDomainRequest())
    assert [d.id for d in ds.domains] == ["development", "staging", "production"]
    v = env.stub.GetVersion(version_pb2.GetVersionRequest())
    assert v.control_plane_version.Version.startswith("flyteclient-local-admin/")


def test_custom_domains():
    from flyteidl.service import admin_pb2_grpc

    from flyteclient.testing import LocalAdmin

    with LocalAdmin(domains=("dev", "prod")) as a, grpc.insecure_channel(a.endpoint) as ch:
        ds = admin_pb2_grpc.AdminServiceStub(ch).GetDomains(project_pb2.GetDomainRequest())
        assert [d.id for d in ds.domains] == ["dev", "prod"]


def test_long_message_truncated(env):
    from flyteidl.service import admin_pb2_grpc

    # grpc clients reject status messages above 16 KiB of metadata by default
    ch = grpc.insecure_channel(
        env.admin.endpoint,
        options=[
            ("grpc.max_metadata_size", 128 * 1024),
            ("grpc.absolute_max_metadata_size", 128 * 1024),
        ],
    )
    stub = admin_pb2_grpc.AdminServiceStub(ch)
    e = env.err(stub.GetProject, project_pb2.ProjectGetRequest(id="a" * 40_000))
    ch.close()
    assert e.code() == C.NOT_FOUND
    assert len(e.details().encode()) <= 32_000
