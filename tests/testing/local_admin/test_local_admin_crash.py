"""A LocalAdmin SIGKILLed between the rows of a registration, and the startup store check."""

from __future__ import annotations

import grpc
import pytest
from conftest import RT, Env, ident
from flyteidl.admin import common_pb2, project_pb2, task_pb2
from flyteidl.service import admin_pb2_grpc

from flyteclient import SynchronousFlyteClient
from flyteclient.testing import LocalAdmin
from flyteclient.testing.consistency import InconsistentStoreError
from flyteclient.testing.store import CRASH_AFTER_WRITE_ENV
from tests.support.processes import AdminProcess

P, D = "crash", "development"


def register(endpoint: str, name: str = "t") -> None:
    request = task_pb2.TaskCreateRequest(
        id=ident(RT.TASK, name, project=P), spec=Env.task_spec(name, project=P)
    )
    with grpc.insecure_channel(endpoint) as channel:
        admin_pb2_grpc.AdminServiceStub(channel).CreateTask(request, timeout=10)


@pytest.mark.parametrize("crash_after", ["task_spec", "task"])
def test_crash_between_registration_rows_leaves_nothing_half_written(tmp_path, crash_after):
    admin = AdminProcess(str(tmp_path / "state.db"))
    with admin, grpc.insecure_channel(admin.endpoint) as channel:
        admin_pb2_grpc.AdminServiceStub(channel).RegisterProject(
            project_pb2.ProjectRegisterRequest(project=project_pb2.Project(id=P, name=P)),
            timeout=10,
        )
    admin.start(env={CRASH_AFTER_WRITE_ENV: crash_after})
    with pytest.raises(grpc.RpcError):
        register(admin.endpoint)
    assert admin.wait() == -9  # killed right after writing the row, mid-transaction

    with admin, SynchronousFlyteClient(admin.endpoint, insecure=True) as client:
        tid = ident(RT.TASK, "t", project=P)
        client.create_task(
            tid, Env.task_spec("t", project=P)
        )  # identical-structure counts as success
        assert client.get_task(tid).id == tid
        named = client.get_named_entity(
            resource_type=RT.TASK,
            id=common_pb2.NamedEntityIdentifier(project=P, domain=D, name="t"),
        )
        assert named.id.name == "t"


def half_written(db: str, *kinds: str) -> task_pb2.TaskCreateRequest:
    """A store holding only some rows of a registration, as a crash before transactions left it."""
    with LocalAdmin(db_path=db) as admin, grpc.insecure_channel(admin.endpoint) as channel:
        env = Env(admin, channel)
        env.project(P)
        tid = env.task("t", project=P)
        request = task_pb2.TaskCreateRequest(id=tid, spec=Env.task_spec("t", project=P))
        for kind in ("task_spec", "task", "named_entity"):
            if kind not in kinds:
                key = (
                    ((RT.TASK,) if kind == "named_entity" else ())
                    + (tid.org, P, D, "t")
                    + (() if kind == "named_entity" else ("v1",))
                )
                admin.store.delete(kind, key)
    return request


def test_startup_check_drops_an_orphaned_spec(tmp_path, caplog):
    db = str(tmp_path / "state.db")
    request = half_written(db, "task_spec")
    with LocalAdmin(db_path=db) as admin, grpc.insecure_channel(admin.endpoint) as channel:
        stub = admin_pb2_grpc.AdminServiceStub(channel)
        stub.CreateTask(request)
        assert stub.GetTask(common_pb2.ObjectGetRequest(id=request.id)).id == request.id
    assert "dropped the spec of task" in caplog.text


def test_startup_check_adds_a_missing_named_entity(tmp_path):
    db = str(tmp_path / "state.db")
    half_written(db, "task_spec", "task")
    with LocalAdmin(db_path=db) as admin:
        assert admin.store.has("named_entity", (RT.TASK, "", P, D, "t"))


def test_startup_check_refuses_an_entity_without_spec(tmp_path):
    db = str(tmp_path / "state.db")
    half_written(db, "task", "named_entity")
    with pytest.raises(
        InconsistentStoreError,
        match=r"state\.db is inconsistent .*task :crash:development:t:v1 has no spec",
    ):
        LocalAdmin(db_path=db).start()


def test_a_failed_rpc_leaves_no_partial_writes(tmp_path):
    db = str(tmp_path / "state.db")
    with LocalAdmin(db_path=db) as admin:
        store = admin.store
        with pytest.raises(RuntimeError):
            with store.transaction():
                store.put("project", ("p1",), project_pb2.Project(id="p1"))
                raise RuntimeError("boom")
        assert not store.has("project", ("p1",))
    with LocalAdmin(db_path=db) as admin:
        assert not admin.store.has("project", ("p1",))
